"""Smoke check of a deployed environment through its public URL (standard library only).

    python3 infra/scripts/smoke.py https://<public host>/graphql

Run by the pipeline after each stage. It proves the entrance answers and refuses: GET /healthcheck
is 200 without a token, and a GraphQL query without a token is refused with 401 before it reaches a
subgraph. Exit status 0 when both hold, 1 otherwise (each failure printed).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

TIMEOUT_SECONDS = 10
ATTEMPTS = 6  # a fresh deployment may still be registering its targets: retry for about a minute
PAUSE_SECONDS = 10


def status_of(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only, checked below
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def healthcheck_url(graphql_url: str) -> str:
    scheme, netloc, _path, _query, _fragment = urlsplit(graphql_url)
    return urlunsplit((scheme, netloc, "/healthcheck", "", ""))


def checks(graphql_url: str) -> list[tuple[str, urllib.request.Request, int]]:
    anonymous_query = urllib.request.Request(  # noqa: S310 - main() admits http(s) URLs only
        graphql_url,
        data=json.dumps({"query": "{__typename}"}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    return [
        ("GET /healthcheck without a token", urllib.request.Request(healthcheck_url(graphql_url)), 200),  # noqa: S310
        ("POST {__typename} without a token", anonymous_query, 401),
    ]


def failures(graphql_url: str) -> list[str]:
    found = []
    for name, request, expected in checks(graphql_url):
        try:
            status = status_of(request)
        except (urllib.error.URLError, OSError) as error:
            found.append(f"{name}: no answer ({error})")
            continue
        if status != expected:
            found.append(f"{name}: expected {expected}, got {status}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1 or urlsplit(argv[0]).scheme not in {"http", "https"}:
        print("usage: smoke.py http(s)://<host>/graphql", file=sys.stderr)
        return 2
    for attempt in range(1, ATTEMPTS + 1):
        found = failures(argv[0])
        if not found:
            print(f"smoke: {argv[0]} answers /healthcheck and refuses an anonymous query")
            return 0
        print(f"smoke attempt {attempt}/{ATTEMPTS}: " + "; ".join(found), file=sys.stderr)
        if attempt < ATTEMPTS:
            time.sleep(PAUSE_SECONDS)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
