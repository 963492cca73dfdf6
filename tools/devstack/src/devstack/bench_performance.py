"""`make bench`: value over time and returns (issue 15, DESIGN.md decision 13) through the router.

5 portfolios x 1,000 activities over the last 5 years (20 symbols, every kind but transfers, with
splits), loaded straight into DynamoDB Local (devstack.bench_bulk_load), then the contract operation
PortfolioPerformance at interval DAY over the whole 5 years (with a benchmark), through the router:

- the first ask of each portfolio (closes backfilled from the simulated feed and stored),
- then warm: each portfolio alone (median and max of a few rounds) and all 5 at once (target: < 1 s),
- and that a second ask costs no provider call: the assets table's stored closes do not change
  (a provider is asked only for days not yet stored, and what it answers is written at once).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kit.aws.dynamo import dynamodb_client
from kit.web.settings import ServiceSettings

from devstack.bench import BIG_BOOK_SYMBOLS
from devstack.bench_bulk_load import bulk_load
from devstack.bench_histories import history
from devstack.bench_ledger import open_book
from devstack.client import GraphQLClient, operation
from devstack.config import StackConfig
from devstack.stack import Stack

YEARS = 5


async def _stored_items(config: StackConfig) -> int:
    """Items in the assets table (closes are stored per symbol-year: a backfill adds or changes them)."""
    settings = ServiceSettings(dynamodb_endpoint_url=config.dynamodb_url)
    async with dynamodb_client(settings) as client:
        count, start = 0, None
        while True:
            extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = await client.scan(TableName=config.table("assets"), Select="COUNT", **extra)
            count += int(page["Count"])
            start = page.get("LastEvaluatedKey")
            if not start:
                return count


def ask(client: httpx.Client, url: str, portfolio_id: str, variables: dict[str, Any]) -> tuple[float, int]:
    """One PortfolioPerformance: seconds, and how many points it returned (errors raise)."""
    started = time.perf_counter()
    response = client.post(
        url, json={"query": operation("PortfolioPerformance"), "variables": {"id": portfolio_id, **variables}}
    )
    elapsed = time.perf_counter() - started
    body = response.json()
    if body.get("errors") or body["data"]["portfolio"]["history"] is None:
        raise RuntimeError(f"PortfolioPerformance failed: {str(body)[:500]}")
    return elapsed, len(body["data"]["portfolio"]["history"])


async def ask_all(url: str, token: str, ids: list[str], variables: dict[str, Any]) -> float:
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=120.0, headers=headers) as client:
        document = operation("PortfolioPerformance")
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(client.post(url, json={"query": document, "variables": {"id": i, **variables}}) for i in ids)
        )
        elapsed = time.perf_counter() - started
    for answer in answers:
        if answer.json().get("errors"):
            raise RuntimeError(f"PortfolioPerformance failed: {answer.text[:500]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.bench_performance")
    parser.add_argument("--portfolios", type=int, default=5)
    parser.add_argument("--activities", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5, help="warm asks of each portfolio")
    args = parser.parse_args(argv)
    today = datetime.now(UTC).date()
    start = today - timedelta(days=YEARS * 365)
    symbols = BIG_BOOK_SYMBOLS[:20]
    variables = {"from": start.isoformat(), "to": today.isoformat(), "interval": "DAY", "benchmark": "SPY"}
    with Stack(StackConfig.ephemeral(), echo=False) as stack:
        admin = GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin(), timeout=120.0)
        ids = []
        print(f"Loading {args.portfolios} portfolios x {args.activities} activities over {YEARS} years:")
        for n in range(args.portfolios):
            book = open_book(admin, f"performance {n}")
            activities = history(book.portfolio_id, args.activities, symbols, 20 + n, start, YEARS * 365 - 2)
            asyncio.run(bulk_load(stack.config, book.portfolio_id, activities))
            ids.append(book.portfolio_id)
        url, token = stack.config.router_graphql_url, stack.issuer.admin()
        with httpx.Client(timeout=120.0, headers={"authorization": f"Bearer {token}"}) as client:
            print(
                f"\nPortfolioPerformance, interval DAY, {start} to {today}, benchmark SPY, through the router"
            )
            for portfolio_id in ids:
                elapsed, points = ask(client, url, portfolio_id, variables)
                print(f"  first ask (closes backfilled and stored): {elapsed * 1000:.0f} ms, {points} points")
            stored = asyncio.run(_stored_items(stack.config))
            warm = [ask(client, url, i, variables)[0] for _ in range(args.rounds) for i in ids]
            print(
                f"  warm, one portfolio per request ({len(warm)} requests): median "
                f"{statistics.median(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms"
            )
        try:
            together = [asyncio.run(ask_all(url, token, ids, variables)) for _ in range(args.rounds)]
            print(
                f"  warm, all {len(ids)} at once: median {statistics.median(together) * 1000:.0f} ms, "
                f"max {max(together) * 1000:.0f} ms (target: under 1 s)"
            )
        except RuntimeError as error:
            print(f"  warm, all {len(ids)} at once: FAILED ({str(error)[:200]})")
        unchanged = asyncio.run(_stored_items(stack.config)) == stored
        print(f"  second asks stored nothing new (no provider call): {'yes' if unchanged else 'NO'}")
        return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
