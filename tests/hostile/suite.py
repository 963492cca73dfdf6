"""The hostile suite's stack and its attacker: the launcher's stack with each subgraph under a memory
cap, a production router beside it, and `Hostile`, which sends (the one GraphQL client, or raw bytes
over a socket), records every answer, and checks that everything still serves."""

from __future__ import annotations

import http.client
import json
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from devstack.client import GraphQLClient, only_unknown_customer, operation
from devstack.processes import ManagedProcess
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES
from ulid import ULID

from .answers import Answer

REQUEST_TIMEOUT = 20.0
CUSTOMER_EVENT_SECONDS = 30.0  # far above the relay's delay: a timeout is a lost event
# A subgraph that allocates without bound on hostile input fails on its own (MemoryError, a
# masked internal error the suite reports) instead of taking the shared machine's memory.
SUBGRAPH_ADDRESS_SPACE = 2 * 1024**3

_CAP = (
    "import os, resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


class CappedStack(Stack):
    """The launcher's stack, each subgraph under an address-space cap (see SUBGRAPH_ADDRESS_SPACE)."""

    def subgraph_command(self, name: str) -> list[str]:
        return [sys.executable, "-c", _CAP, str(SUBGRAPH_ADDRESS_SPACE), *super().subgraph_command(name)]


@dataclass
class Requests:
    """Requests the suite sent, by where they went, and how many answers were not clean."""

    sent: Counter[str] = field(default_factory=Counter)
    unclean: Counter[str] = field(default_factory=Counter)


REQUESTS = Requests()


@dataclass
class Hostile:
    stack: Stack
    production: ManagedProcess
    production_port: int
    admin: str
    dashboard_document_id: str
    clients: dict[str, GraphQLClient] = field(default_factory=dict)

    @property
    def demo_customer_id(self) -> str:
        assert self.stack.demo is not None
        return self.stack.demo.customer_id

    def port(self, name: str) -> int:
        if name == "production":
            return self.production_port
        return self.stack.config.ports["router" if name == "development" else name]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}/graphql"

    def client(self, where: str) -> GraphQLClient:
        """The GraphQL client of `where`, with no token of its own: each request names its token."""
        if where not in self.clients:
            self.clients[where] = GraphQLClient(self.url(where), timeout=REQUEST_TIMEOUT)
        return self.clients[where]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def customer_token(self, customer_id: str) -> str:
        return self.stack.issuer.customer(customer_id)

    # -- sending ---------------------------------------------------------------------------------
    def record(self, where: str, answer: Answer) -> Answer:
        REQUESTS.sent[where] += 1
        if answer.problems:
            REQUESTS.unclean[where] += 1
        return answer

    def post(
        self,
        where: str,
        content: bytes,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST raw bytes as application/json to `where` (development, production or a subgraph)."""
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        response = self.client(where).post(content=content, token=token, headers=sent_headers)
        return self.record(where, Answer(response.status_code, response.content, dict(response.headers)))

    def graphql(
        self, where: str, document: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> Answer:
        body = {"query": document, "variables": variables or {}}
        return self.post(where, json.dumps(body).encode(), token=token or self.admin)

    def ok(self, where: str, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a call that must succeed (setup), userErrors included in the check."""
        answer = self.graphql(where, document, variables)
        body = answer.json()
        assert answer.status == 200 and not body.get("errors"), f"{document}\n{answer}"
        data: dict[str, Any] = body["data"]
        for payload in data.values():
            if isinstance(payload, dict):
                assert not payload.get("userErrors"), f"{document}\n{answer}"
        return data

    def portfolio_for(self, customer_id: str, name: str, base_currency: str = "USD") -> str:
        """A new BROKERAGE portfolio's id, asked again (bounded) while portfolios has not yet heard of
        the customer: its CustomerRegistered travels by the table's stream and the relay."""
        document = (
            "mutation($i: CreatePortfolioInput!) { createPortfolio(input: $i) { portfolio { id } "
            "userErrors { code field } } }"
        )
        variables = {
            "i": {"customerId": customer_id, "name": name, "kind": "BROKERAGE", "baseCurrency": base_currency}
        }
        deadline = time.monotonic() + CUSTOMER_EVENT_SECONDS
        while True:
            answer = self.graphql("development", document, variables)
            payload = answer.json()["data"]["createPortfolio"]
            if not only_unknown_customer(payload["userErrors"]) or time.monotonic() > deadline:
                assert payload["portfolio"], f"createPortfolio\n{answer}"
                return str(payload["portfolio"]["id"])
            time.sleep(0.1)

    def raw(self, where: str, request: bytes, *, half_close: bool = False, method: str = "GET") -> Answer:
        """Send bytes as they are over a fresh TCP connection and read one HTTP answer.

        A connection closed or reset before any answer gives status None and an empty body: Node's
        HTTP parser refuses some requests that way, and a body that never arrives cannot be answered.
        """
        with socket.create_connection(("127.0.0.1", self.port(where)), timeout=REQUEST_TIMEOUT) as sock:
            try:
                sock.sendall(request)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
                response = http.client.HTTPResponse(sock, method=method)
                response.begin()
                answer = Answer(response.status, response.read(), dict(response.getheaders()))
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                answer = Answer(None, b"")
            except http.client.IncompleteRead as error:
                answer = Answer(None, error.partial)
            except http.client.HTTPException as error:
                # Something that is not HTTP/1.x came back: keep it for the leak check.
                answer = Answer(None, str(error).encode())
        return self.record(f"{where} (raw)", answer)

    # -- health ----------------------------------------------------------------------------------
    def dashboard(self, where: str = "development") -> Answer:
        variables = {"customerId": self.demo_customer_id}
        if where == "production":
            body = {"documentId": self.dashboard_document_id, "variables": variables}
            return self.post(where, json.dumps(body).encode(), token=self.admin)
        return self.graphql(where, operation("Dashboard"), variables)

    def assert_serving(self, *, full: bool = True) -> None:
        """Every process is alive; the router serves the whole Dashboard. `full`: each subgraph
        answers /health and the production router serves the Dashboard too."""
        self.stack.check_alive()
        assert self.production.alive(), f"production router exited:\n{self.production.tail()}"
        for name in SUBGRAPH_NAMES if full else ():
            response = httpx.get(self.stack.config.url(name, "/health"), timeout=REQUEST_TIMEOUT)
            assert response.status_code == 200, f"{name} /health: {response.status_code}"
        for where in ("development", "production") if full else ("development",):
            answer = self.dashboard(where)
            assert answer.status == 200, f"{where} Dashboard: {answer}"
            body = answer.json()
            assert not body.get("errors"), f"{where} Dashboard: {answer}"
            customer = body["data"]["customer"]
            assert customer["id"] == self.demo_customer_id
            assert customer["portfolios"] and all(p["valuation"] for p in customer["portfolios"])


# -- data to aim at ------------------------------------------------------------------------------
@dataclass
class Target:
    """A customer of its own with a USD portfolio holding 10 AAPL (one lot)."""

    customer_id: str
    customer_version: int
    portfolio_id: str
    investment_id: str
    suffix: str


def make_target(suite: Hostile) -> Target:
    suffix = str(ULID()).lower()
    customer = suite.ok(
        "development",
        "mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { customer { id version } "
        "userErrors { code } } }",
        {"i": {"email": f"target-{suffix}@example.com", "name": "Hostile Target"}},
    )["registerCustomer"]["customer"]
    portfolio = {"id": suite.portfolio_for(customer["id"], "Target")}
    investment = suite.ok(
        "development",
        "mutation($i: AddInvestmentInput!) { addInvestment(input: $i) { investment { id } "
        "userErrors { code } } }",
        {
            "i": {
                "portfolioId": portfolio["id"],
                "symbol": "AAPL",
                "quantity": "10",
                "purchasePrice": {"amount": "100", "currencyCode": "USD"},
                "purchasedAt": "2024-01-02",
            }
        },
    )["addInvestment"]["investment"]
    return Target(customer["id"], customer["version"], portfolio["id"], investment["id"], suffix)
