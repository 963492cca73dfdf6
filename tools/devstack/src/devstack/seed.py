"""The demo data (devstack.demo_data), seeded idempotently from the data itself.

It is written with the contract operations themselves (schema/operations/*.graphql), sent to the
owning subgraphs before the router starts, so that the router can preload the demo customer's id.

Every start reconciles instead of remembering: it looks for the demo customer (by its fixed id, then
by its email, as data seeded before the id was fixed has it), its manual price, its portfolios (by
name) and their lots, and writes only what is missing. So a seed interrupted at any step, or data
whose `.data/demo.json` (the old record of the ids, no longer used) was deleted, is completed on the
next start. A lot is always added with an idempotency key derived from its portfolio and position,
so a lot whose answer was lost is replayed, never recorded twice; a demo lot someone removed stays
removed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from devstack.client import bearer, only_unknown_customer, operation
from devstack.config import StackConfig
from devstack.demo_data import DEMO_ACTIVITIES, DEMO_PORTFOLIOS, Demo, DemoLot

# How long a new customer may take to reach portfolios (its CustomerRegistered event); locally a
# fraction of a second (the relay's p99 is in the README's note), so this is only a safety margin.
CUSTOMER_EVENT_WAIT_SECONDS = 30.0


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


def create_portfolio(client: httpx.Client, url: str, variables: dict[str, Any]) -> dict[str, Any]:
    """createPortfolio at the portfolios subgraph, asked again while it does not know the customer
    yet: a new registration reaches it as an event (stream, relay, queue), a moment after it commits."""
    deadline = time.monotonic() + CUSTOMER_EVENT_WAIT_SECONDS
    while True:
        created = call(client, url, operation("CreatePortfolio"), variables)
        errors = created["createPortfolio"].get("userErrors") or []
        if not only_unknown_customer(errors) or time.monotonic() >= deadline:
            return created
        time.sleep(0.2)


def _payload(data: dict[str, Any], field: str) -> dict[str, Any]:
    payload: dict[str, Any] = data[field]
    if payload.get("userErrors"):
        raise SeedError(f"{field}: {payload['userErrors']}")
    return payload


def seed_demo(
    config: StackConfig,
    token: str,
    demo: Demo | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> DemoData:
    """Completes the demo data, whatever part of it exists, through the subgraphs with `token` (an
    admin's: it registers and writes for the demo customer). `transport` is for tests."""
    with httpx.Client(timeout=10.0, headers=bearer(token), transport=transport) as client:
        return _Seed(client, config, demo or Demo()).run()


# A lot as the seed compares it: symbol, quantity, price, purchase date.
LotKey = tuple[str, Decimal, Decimal, str]


class _Seed:
    def __init__(self, client: httpx.Client, config: StackConfig, demo: Demo) -> None:
        self.client = client
        self.demo = demo
        self.customers = config.url("customers", "/graphql")
        self.portfolios = config.url("portfolios", "/graphql")
        self.assets = config.url("assets", "/graphql")

    def run(self) -> DemoData:
        customer = self._customer()
        self._manual_prices()
        if customer["status"] == "CLOSED":  # someone closed it: it takes nothing new, and that is fine
            existing = self._existing_portfolios(customer["id"])
            return DemoData(customer["id"], [p["id"] for p in existing])
        portfolio_ids = self._portfolios(customer["id"])
        return DemoData(customer_id=customer["id"], portfolio_ids=portfolio_ids)

    # -- the customer --------------------------------------------------------------------------
    def _customer(self) -> dict[str, Any]:
        found = self._customer_by_id() or self._customer_by_email()
        if found is not None:
            return found
        payload = call(self.client, self.customers, operation("RegisterCustomer"), self._registration())[
            "registerCustomer"
        ]
        codes = {error["code"] for error in payload["userErrors"]}
        if codes == {"EMAIL_TAKEN"}:  # registered meanwhile (a lost answer): it is there now
            found = self._customer_by_email()
            if found is not None:
                return found
        if payload["userErrors"]:
            raise SeedError(f"registerCustomer: {payload['userErrors']}")
        return {"id": payload["customer"]["id"], "status": "ACTIVE"}

    def _customer_by_id(self) -> dict[str, Any] | None:
        data = call(
            self.client,
            self.customers,
            "query($id: ID!) { customer(id: $id) { id status } }",
            {"id": self.demo.customer_id},
        )
        found: dict[str, Any] | None = data["customer"]
        return found

    def _customer_by_email(self) -> dict[str, Any] | None:
        """Pages through every customer (oldest first: the demo customer is usually on the first)."""
        after = None
        wanted = self.demo.email.casefold()
        while True:
            page = call(
                self.client,
                self.customers,
                "query($after: String) { customers(first: 100, after: $after) {"
                " edges { node { id email status } } pageInfo { hasNextPage endCursor } } }",
                {"after": after},
            )["customers"]
            for edge in page["edges"]:
                if edge["node"]["email"].casefold() == wanted:
                    return {"id": edge["node"]["id"], "status": edge["node"]["status"]}
            if not page["pageInfo"]["hasNextPage"]:
                return None
            after = page["pageInfo"]["endCursor"]

    def _registration(self) -> dict[str, Any]:
        return {
            "input": {
                "id": self.demo.customer_id,
                "email": self.demo.email,
                "name": self.demo.name,
                "phone": "+14155550123",
                "address": {
                    "line1": "1 Market Street",
                    "city": "San Francisco",
                    "region": "CA",
                    "postalCode": "94105",
                    "country": "US",
                },
            }
        }

    # -- manual prices -------------------------------------------------------------------------
    def _manual_prices(self) -> None:
        for symbol, price, previous_close in self.demo.manual_prices:
            instrument = call(
                self.client,
                self.assets,
                "query($symbol: String!) { instrument(symbol: $symbol) { quote { source } } }",
                {"symbol": symbol},
            )["instrument"]
            if instrument is not None and (instrument["quote"] or {}).get("source") == "manual":
                continue
            variables = {
                "input": {
                    "symbol": symbol,
                    "price": {"amount": price, "currencyCode": "USD"},
                    "previousClose": {"amount": previous_close, "currencyCode": "USD"},
                }
            }
            _payload(call(self.client, self.assets, operation("SetManualPrice"), variables), "setManualPrice")

    # -- portfolios and lots -------------------------------------------------------------------
    def _existing_portfolios(self, customer_id: str) -> list[dict[str, Any]]:
        data = call(
            self.client,
            self.portfolios,
            "query($representations: [_Any!]!) { _entities(representations: $representations) {"
            " ... on Customer { portfolios { id name kind status"
            " investments { instrument { symbol } quantity purchasePrice { amount } purchasedAt }"
            " activities(first: 100) { edges { node { type occurredAt symbol } } } } } } }",
            {"representations": [{"__typename": "Customer", "id": customer_id}]},
        )
        portfolios: list[dict[str, Any]] = data["_entities"][0]["portfolios"]
        return portfolios

    def _portfolios(self, customer_id: str) -> list[str]:
        existing = self._existing_portfolios(customer_id)
        ids = []
        for name, kind, currency, method, lots in DEMO_PORTFOLIOS:
            # The oldest of that name and kind (a renamed demo portfolio is no longer the demo's).
            portfolio = next((p for p in existing if p["name"] == name and p["kind"] == kind), None)
            if portfolio is None:
                variables = {
                    "input": {
                        "customerId": customer_id,
                        "name": name,
                        "kind": kind,
                        "baseCurrency": currency,
                        "costBasisMethod": method,
                    }
                }
                created = self._create_portfolio(variables)
                portfolio = {**_payload(created, "createPortfolio")["portfolio"], "investments": []}
                portfolio["status"] = "OPEN"
            ids.append(portfolio["id"])
            if portfolio["status"] == "OPEN" and not _holds_every_lot(portfolio, lots):
                self._lots(portfolio["id"], currency, lots)
            if portfolio["status"] == "OPEN":
                self._activities(portfolio, DEMO_ACTIVITIES.get(name, []))
        return ids

    def _create_portfolio(self, variables: dict[str, Any]) -> dict[str, Any]:
        return create_portfolio(self.client, self.portfolios, variables)

    def _activities(self, portfolio: dict[str, Any], activities: list[dict[str, Any]]) -> None:
        portfolio_id = portfolio["id"]
        edges = (portfolio.get("activities") or {}).get("edges", [])
        recorded = {(e["node"]["type"], e["node"]["occurredAt"], e["node"]["symbol"]) for e in edges}
        for index, activity in enumerate(activities):
            if (activity["type"], activity["occurredAt"], activity.get("symbol")) in recorded:
                continue
            # The same key on every run: an activity recorded before is replayed, not recorded again.
            variables = {
                "input": {
                    **activity,
                    "portfolioId": portfolio_id,
                    "idempotencyKey": f"demo-{portfolio_id}-a{index}",
                }
            }
            payload = call(self.client, self.portfolios, operation("RecordActivity"), variables)[
                "recordActivity"
            ]
            codes = {error["code"] for error in payload["userErrors"]}
            # NOT_FOUND on the key: the activity it recorded was removed since; it stays removed.
            if payload["userErrors"] and codes != {"NOT_FOUND"}:
                raise SeedError(f"recordActivity: {payload['userErrors']}")

    def _lots(self, portfolio_id: str, currency: str, lots: list[DemoLot]) -> None:
        for index, (symbol, quantity, price, purchased_at, fees) in enumerate(lots):
            lot: dict[str, Any] = {
                "portfolioId": portfolio_id,
                "symbol": symbol,
                "quantity": quantity,
                "purchasePrice": {"amount": price, "currencyCode": currency},
                "purchasedAt": purchased_at,
                # The same key on every run: a lot recorded before is replayed, not recorded again.
                "idempotencyKey": f"demo-{portfolio_id}-{index}",
            }
            if fees:
                lot["fees"] = {"amount": fees, "currencyCode": currency}
            payload = call(self.client, self.portfolios, operation("AddInvestment"), {"input": lot})[
                "addInvestment"
            ]
            codes = {error["code"] for error in payload["userErrors"]}
            # NOT_FOUND on the key: the lot it recorded was removed since; it stays removed.
            if payload["userErrors"] and codes != {"NOT_FOUND"}:
                raise SeedError(f"addInvestment: {payload['userErrors']}")


def _lot_key(symbol: str, quantity: str, price: str, purchased_at: str) -> LotKey:
    return (symbol, Decimal(quantity), Decimal(price), purchased_at)


def _holds_every_lot(portfolio: dict[str, Any], lots: list[DemoLot]) -> bool:
    held = Counter(
        _lot_key(i["instrument"]["symbol"], i["quantity"], i["purchasePrice"]["amount"], i["purchasedAt"])
        for i in portfolio["investments"]
    )
    wanted = Counter(_lot_key(symbol, quantity, price, at) for symbol, quantity, price, at, _ in lots)
    return not wanted - held
