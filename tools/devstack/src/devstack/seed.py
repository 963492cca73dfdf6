"""Demo data: one customer with three portfolios, seeded idempotently.

It is written with the contract operations themselves (schema/operations/*.graphql), sent to the
owning subgraphs before the router starts, so that the router can preload the demo customer's id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from devstack.client import bearer, operation
from devstack.config import StackConfig

DEMO_EMAIL = "ada.investor@example.com"

# (name, kind, base currency, cost basis method, lots as (symbol, quantity, price, purchased at, fees))
DEMO_PORTFOLIOS: list[tuple[str, str, str, str, list[tuple[str, str, str, str, str | None]]]] = [
    (
        "Taxable brokerage",
        "BROKERAGE",
        "USD",
        "FIFO",
        [
            ("AAPL", "40", "150.25", "2022-03-14", "1.00"),
            ("AAPL", "15", "182.10", "2023-08-02", None),
            ("MSFT", "25", "310.40", "2023-01-20", "1.00"),
            ("NVDA", "60", "42.75", "2023-05-11", None),
            ("BTC", "0.35", "27150.00", "2023-09-05", "12.50"),
            ("ACME-PRIVATE", "100", "10.00", "2024-02-01", None),
        ],
    ),
    (
        "Roth IRA",
        "ROTH_IRA",
        "USD",
        "FIFO",
        [
            ("VTI", "120", "205.30", "2021-06-01", None),
            ("QQQ", "30", "355.00", "2022-11-15", None),
            ("SCHD", "240", "24.15", "2023-03-03", None),
        ],
    ),
    (
        "Employer 401(k)",
        "K401",
        "USD",
        "AVERAGE",
        [
            ("VOO", "50", "380.00", "2022-01-10", None),
            ("VOO", "25", "410.00", "2023-07-10", None),
            ("AGG", "100", "98.50", "2022-09-30", None),
        ],
    ),
]

# An unlisted fund has no market feed: its price is set by hand.
DEMO_MANUAL_PRICES = [("ACME-PRIVATE", "12.40", "12.10")]


@dataclass(frozen=True)
class DemoData:
    customer_id: str
    portfolio_ids: list[str]


class SeedError(RuntimeError):
    pass


def call(client: httpx.Client, url: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post(url, json={"query": document, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise SeedError(f"{url}: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def _payload(data: dict[str, Any], field: str) -> dict[str, Any]:
    payload: dict[str, Any] = data[field]
    if payload.get("userErrors"):
        raise SeedError(f"{field}: {payload['userErrors']}")
    return payload


def seed_demo(config: StackConfig, state_file: Path | None, token: str) -> DemoData:
    """Seeds through the subgraphs with `token` (an admin's: it registers and writes for the demo
    customer)."""
    with httpx.Client(timeout=10.0, headers=bearer(token)) as client:
        existing = _existing(client, config, state_file)
        if existing is not None:
            return existing
        demo = _create(client, config)
    if state_file is not None:
        state_file.write_text(json.dumps(asdict(demo), indent=2) + "\n")
    return demo


def _existing(client: httpx.Client, config: StackConfig, state_file: Path | None) -> DemoData | None:
    if state_file is None or not state_file.exists():
        return None
    demo = DemoData(**json.loads(state_file.read_text()))
    data = call(
        client,
        config.url("customers", "/graphql"),
        "query($id: ID!) { customer(id: $id) { id } }",
        {"id": demo.customer_id},
    )
    return demo if data["customer"] else None


def _create(client: httpx.Client, config: StackConfig) -> DemoData:
    customers = config.url("customers", "/graphql")
    portfolios = config.url("portfolios", "/graphql")
    assets = config.url("assets", "/graphql")
    registered = _payload(
        call(
            client,
            customers,
            operation("RegisterCustomer"),
            {
                "input": {
                    "email": DEMO_EMAIL,
                    "name": "Ada Investor",
                    "phone": "+14155550123",
                    "address": {
                        "line1": "1 Market Street",
                        "city": "San Francisco",
                        "region": "CA",
                        "postalCode": "94105",
                        "country": "US",
                    },
                }
            },
        ),
        "registerCustomer",
    )
    customer_id = registered["customer"]["id"]
    for symbol, price, previous_close in DEMO_MANUAL_PRICES:
        _payload(
            call(
                client,
                assets,
                operation("SetManualPrice"),
                {
                    "input": {
                        "symbol": symbol,
                        "price": {"amount": price, "currencyCode": "USD"},
                        "previousClose": {"amount": previous_close, "currencyCode": "USD"},
                    }
                },
            ),
            "setManualPrice",
        )
    portfolio_ids = []
    for name, kind, currency, method, lots in DEMO_PORTFOLIOS:
        created = _payload(
            call(
                client,
                portfolios,
                operation("CreatePortfolio"),
                {
                    "input": {
                        "customerId": customer_id,
                        "name": name,
                        "kind": kind,
                        "baseCurrency": currency,
                        "costBasisMethod": method,
                    }
                },
            ),
            "createPortfolio",
        )
        portfolio_id = created["portfolio"]["id"]
        portfolio_ids.append(portfolio_id)
        for index, (symbol, quantity, price, purchased_at, fees) in enumerate(lots):
            lot: dict[str, Any] = {
                "portfolioId": portfolio_id,
                "symbol": symbol,
                "quantity": quantity,
                "purchasePrice": {"amount": price, "currencyCode": currency},
                "purchasedAt": purchased_at,
                "idempotencyKey": f"demo-{portfolio_id}-{index}",
            }
            if fees:
                lot["fees"] = {"amount": fees, "currencyCode": currency}
            _payload(call(client, portfolios, operation("AddInvestment"), {"input": lot}), "addInvestment")
    return DemoData(customer_id=customer_id, portfolio_ids=portfolio_ids)
