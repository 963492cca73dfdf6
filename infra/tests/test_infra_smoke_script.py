"""infra/scripts/smoke.py (the pipeline's post-deploy check) against a local stand-in server."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "smoke.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("smoke", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


smoke = _load()


def _server(health: int, anonymous: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(health if self.path == "/healthcheck" else 404)
            self.end_headers()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(anonymous if self.path == "/graphql" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def serve() -> Iterator[Callable[[int, int], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(health: int, anonymous: int) -> str:
        server = _server(health, anonymous)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/graphql"

    yield start
    for server in servers:
        server.shutdown()


def test_a_healthy_entrance_that_refuses_anonymous_queries_passes(serve: Callable[[int, int], str]) -> None:
    assert smoke.failures(serve(200, 401)) == []


def test_an_entrance_that_answers_anonymous_queries_fails(serve: Callable[[int, int], str]) -> None:
    assert smoke.failures(serve(200, 200)) == ["POST {__typename} without a token: expected 401, got 200"]


def test_an_unhealthy_entrance_fails(serve: Callable[[int, int], str]) -> None:
    assert smoke.failures(serve(503, 401)) == ["GET /healthcheck without a token: expected 200, got 503"]


def test_only_http_urls_are_accepted() -> None:
    assert smoke.main(["file:///etc/passwd"]) == 2
