"""A test issuer's JWKS served over HTTP, for a process under test that fetches its keys (the router)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from kit_testing.tokens import TestIssuer


class JwksServer:
    """Serves `issuer.jwks` at /.well-known/jwks.json on loopback, from a thread of the test process,
    and counts every request it gets (`requests`): a verifier that caches keys asks once."""

    def __init__(self, issuer: TestIssuer) -> None:
        self.issuer = issuer
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                found = self.path.split("?", 1)[0] == "/.well-known/jwks.json"
                body = json.dumps(issuer.jwks if found else {}).encode()
                self.send_response(200 if found else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self._httpd.serve_forever, name="test-jwks", daemon=True).start()

    def env(self) -> dict[str, str]:
        """What a process needs to trust the issuer: AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL."""
        return {
            "AUTH_ISSUER": self.issuer.issuer,
            "AUTH_AUDIENCE": self.issuer.audience,
            "AUTH_JWKS_URL": self.url,
        }

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> JwksServer:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
