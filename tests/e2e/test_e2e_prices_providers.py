"""End to end through the router with a real-provider configuration: the stack runs with
ASSETS_PRICE_PROVIDERS=finnhub against a stand-in Finnhub on loopback (started here), and the
Dashboard shows provider prices, FX conversion to a EUR portfolio, and stale prices - within a
bounded time - once the stand-in hangs."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from devstack.client import GraphQLClient
from devstack.config import StackConfig
from devstack.stack import Stack

from .event_delivery import create_portfolio

pytestmark = pytest.mark.e2e

D = Decimal
TOKEN = "e2e-finnhub-key"
# Finnhub /quote bodies, as Finnhub shapes them (numbers, t in Unix seconds).
QUOTES = {
    "AAPL": {"c": 200.5, "d": 10.5, "dp": 5.5263, "h": 201, "l": 190, "o": 191, "pc": 190, "t": 1763758800},
    "MSFT": {"c": 400.25, "d": -9.75, "dp": -2.378, "h": 411, "l": 399, "o": 410, "pc": 410, "t": 1763758800},
}
UNKNOWN = {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}


class StandIn:
    """A tiny Finnhub: `mode` is "ok" or "hang" (never answers in time)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                symbol = parse_qs(parts.query).get("symbol", [""])[0]
                stand_in.requests.append(symbol)
                if stand_in.mode == "hang":
                    time.sleep(8)
                if parts.path != "/api/v1/quote" or self.headers.get("X-Finnhub-Token") != TOKEN:
                    self._send(401, {"error": "Invalid API key"})
                    return
                self._send(200, QUOTES.get(symbol, UNKNOWN))

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout): expected in "hang" mode

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def finnhub() -> Iterator[StandIn]:
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def provider_router(finnhub: StandIn) -> Iterator[GraphQLClient]:
    config = dataclasses.replace(
        StackConfig.ephemeral(),
        extra_env={
            "ASSETS_PRICE_PROVIDERS": "finnhub",
            "ASSETS_FINNHUB_BASE_URL": finnhub.url,
            "ASSETS_FINNHUB_API_KEY": TOKEN,
            "ASSETS_QUOTE_TTL_SECONDS": "1",
            # No activity-event consumer in assets here: it would warm (and, with no history from the
            # stand-in, retry warming) the quotes of the symbols this test buys, and this test counts
            # the Dashboard's own upstream requests. Events have tests of their own (test_e2e_events).
            "ASSETS_EVENT_QUEUE_URL": "",
        },
    )
    with (
        Stack(config, echo=False) as stack,
        GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin()) as client,
    ):
        yield client


def payload(data: dict[str, Any], field: str) -> dict[str, Any]:
    result: dict[str, Any] = data[field]
    assert result["userErrors"] == [], result
    return result


def test_dashboard_with_provider_prices_fx_and_stale_serving(
    provider_router: GraphQLClient, finnhub: StandIn
) -> None:
    router = provider_router
    customer = payload(
        router.run("RegisterCustomer", {"input": {"email": "fx.e2e@example.com", "name": "Fx Tester"}}),
        "registerCustomer",
    )["customer"]
    euro = {"customerId": customer["id"], "name": "Euro book", "kind": "BROKERAGE", "baseCurrency": "EUR"}
    portfolio = payload({"created": create_portfolio(router, euro)}, "created")["portfolio"]
    for symbol, quantity, price in (("AAPL", "10", "138.00"), ("MSFT", "2", "276.00")):
        payload(
            router.run(
                "AddInvestment",
                {
                    "input": {
                        "portfolioId": portfolio["id"],
                        "symbol": symbol,
                        "quantity": quantity,
                        "purchasePrice": {"amount": price, "currencyCode": "EUR"},
                        "purchasedAt": "2024-03-01",
                    }
                },
            ),
            "addInvestment",
        )
    fx = payload(
        router.run(
            "SetManualFxRate", {"input": {"fromCurrency": "USD", "toCurrency": "EUR", "rate": "0.90"}}
        ),
        "setManualFxRate",
    )["fxRate"]
    assert (fx["fromCurrency"], fx["toCurrency"], fx["rate"], fx["source"]) == (
        "USD",
        "EUR",
        "0.9",  # a rate: trailing zeros trimmed
        "manual",
    )

    finnhub.requests.clear()
    book = router.run("Dashboard", {"customerId": customer["id"]})["customer"]["portfolios"][0]
    quotes = {p["instrument"]["symbol"]: p["instrument"]["quote"] for p in book["positions"]}
    assert quotes["AAPL"]["source"] == "finnhub" and quotes["AAPL"]["stale"] is False
    assert quotes["AAPL"]["price"] == {"amount": "200.5", "currencyCode": "USD"}
    assert quotes["MSFT"]["previousClose"] == {"amount": "410", "currencyCode": "USD"}
    assert sorted(finnhub.requests) == ["AAPL", "MSFT"]  # one upstream request per symbol, cold

    valuation = book["valuation"]
    # AAPL 10 x 200.5 USD x 0.90 = 1804.50 EUR; MSFT 2 x 400.25 USD x 0.90 = 720.45 EUR; total 2524.95
    # cost 10 x 138 + 2 x 276 = 1932 EUR; gain 592.95; day (10 x 10.5 + 2 x -9.75) x 0.9 = 85.5 x 0.9 = 76.95
    assert valuation["marketValue"]["currencyCode"] == "EUR"
    assert valuation["marketValue"]["amount"] == "2524.95"  # amounts: exactly the cents
    assert valuation["costBasis"]["amount"] == "1932.00"
    assert valuation["unrealizedGain"]["amount"] == "592.95"
    assert valuation["dayChange"]["amount"] == "76.95"
    assert valuation["complete"] is True
    positions = {p["instrument"]["symbol"]: p for p in valuation["positions"]}
    assert positions["AAPL"]["price"] == {"amount": "200.5", "currencyCode": "USD"}  # native price
    assert positions["AAPL"]["marketValue"]["amount"] == "1804.50"

    # The provider starts hanging; once the 1 s TTL is over the dashboard still answers, in bounded time,
    # from the last good quotes flagged stale.
    finnhub.mode = "hang"
    time.sleep(1.2)
    started = time.monotonic()
    stale_book = router.run("Dashboard", {"customerId": customer["id"]})["customer"]["portfolios"][0]
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed
    stale_valuation = stale_book["valuation"]
    assert all(p["stale"] is True for p in stale_valuation["positions"])
    assert D(stale_valuation["marketValue"]["amount"]) == D("2524.95")  # the same, last good prices
    stale_quotes = {p["instrument"]["symbol"]: p["instrument"]["quote"] for p in stale_book["positions"]}
    assert stale_quotes["AAPL"] == {**quotes["AAPL"], "stale": True}
