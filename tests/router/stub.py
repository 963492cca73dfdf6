"""A stub subgraph standing in for all three: it answers a few root fields with canned data (shaped to
the selection it receives), records every request, and reports anything else as a GraphQL error.
Everything the router refuses before planning never reaches it."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

MONEY = {"amount": "187.2500", "currencyCode": "USD"}
CANNED: dict[str, Any] = {
    "instrument": {
        "__typename": "Instrument",
        "symbol": "AAPL",
        "name": "Apple Inc.",
        "assetClass": "STOCK",
        "currency": "USD",
        "exchange": "NASDAQ",
        "quote": {
            "__typename": "Quote",
            "price": MONEY,
            "previousClose": MONEY,
            "change": {"amount": "0.0000", "currencyCode": "USD"},
            "changePercent": "0.00",
            "asOf": "2026-01-02T15:04:05Z",
            "source": "stub",
            "stale": False,
        },
    },
    "setManualFxRate": {"__typename": "SetManualFxRatePayload", "fxRate": None, "userErrors": []},
}


def _project(value: Any, selection_set: SelectionSetNode | None, fragments: dict[str, Any]) -> Any:
    """`value` cut to the selection (aliases and fragments honoured), as a GraphQL server answers."""
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [_project(item, selection_set, fragments) for item in value]
    result = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            result[key] = _project(value.get(selection.name.value), selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            result.update(_project(value, fragments[selection.name.value].selection_set, fragments))
        elif isinstance(selection, InlineFragmentNode):
            result.update(_project(value, selection.selection_set, fragments))
    return result


@dataclass
class StubSubgraph:
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                payload = json.dumps(stub.answer(dict(self.headers.items()), body)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/graphql"

    def answer(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        request = json.loads(body or b"{}")
        self.requests.append({"headers": {k.lower(): v for k, v in headers.items()}, **request})
        document = parse(request["query"])
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        data: dict[str, Any] = {}
        for root in operation.selection_set.selections:
            assert isinstance(root, FieldNode)
            if root.name.value not in CANNED:
                return {"errors": [{"message": f"the stub does not serve {root.name.value}"}]}
            key = root.alias.value if root.alias else root.name.value
            data[key] = _project(CANNED[root.name.value], root.selection_set, fragments)
        return {"data": data}

    def seen_since(self, count: int) -> list[dict[str, Any]]:
        return self.requests[count:]

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
