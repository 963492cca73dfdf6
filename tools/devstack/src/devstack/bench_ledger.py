"""`make bench`: the activity ledger at size, through the router, on a stack of its own.

Measures what issue 13 asks of the ledger (DESIGN.md decision 11):

(a) recording a back-dated activity into a portfolio of 10,000 activities (20 symbols, 10 years):
    median and max of a few records (target: under 1 s each);
(b) the Dashboard of a customer whose portfolio has 10,000 activities against one with 100
    (target: as fast: it reads the stored projection, never the activities);
(c) a FIFO sale of 1,000 shares across 1,000 one-share lots: accepted, and how long it took.

The big ledgers are generated (devstack.bench_histories) and loaded straight into the stack's
DynamoDB Local with the portfolios adapter itself (devstack.bench_bulk_load): recording them one by
one through the API would replay the whole ledger at every write. Everything measured goes through
the router afterwards, as a client's request would.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from ulid import ULID

from devstack.bench import BIG_BOOK_SYMBOLS, measure
from devstack.bench_bulk_load import bulk_load, journal_chunks
from devstack.bench_histories import CURRENCY, history, one_share_lots
from devstack.client import GraphQLClient, bearer, operation
from devstack.config import StackConfig
from devstack.stack import Stack


def usd(amount: Decimal | str) -> dict[str, str]:
    return {"amount": str(amount), "currencyCode": CURRENCY}


# --- the measurements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    customer_id: str
    portfolio_id: str


def open_book(router: GraphQLClient, label: str, method: str = "FIFO") -> Book:
    registered = router.run(
        "RegisterCustomer",
        {"input": {"email": f"bench-ledger-{ULID()}@example.com", "name": f"Bench {label}"}},
    )["registerCustomer"]
    if registered["userErrors"]:
        raise RuntimeError(f"registerCustomer: {registered['userErrors']}")
    customer_id = registered["customer"]["id"]
    created = router.create_portfolio(
        {
            "customerId": customer_id,
            "name": label,
            "kind": "BROKERAGE",
            "baseCurrency": CURRENCY,
            "costBasisMethod": method,
        }
    )
    if created["userErrors"]:
        raise RuntimeError(f"createPortfolio: {created['userErrors']}")
    return Book(customer_id, created["portfolio"]["id"])


def record_timed(
    client: httpx.Client, url: str, portfolio_id: str, activity: dict[str, Any]
) -> tuple[float, dict[str, Any]]:
    """One recordActivity through the router: seconds it took, and its payload (no userErrors)."""
    started = time.perf_counter()
    response = client.post(
        url,
        json={
            "query": operation("RecordActivity"),
            "variables": {"input": {"portfolioId": portfolio_id, **activity}},
        },
    )
    elapsed = time.perf_counter() - started
    body = response.json()
    if body.get("errors") or body["data"]["recordActivity"]["userErrors"]:
        raise RuntimeError(f"recordActivity refused: {body}")
    payload: dict[str, Any] = body["data"]["recordActivity"]
    return elapsed, payload


ACTIVITY_PAGE = """query($id: ID!, $after: String) { portfolio(id: $id) {
  activities(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }"""
GAIN_ROWS = "query($id: ID!) { portfolio(id: $id) { realizedGains { lots { quantity } } } }"


def _data(router: GraphQLClient, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = router.raw(document, variables)
    if body.get("errors"):
        raise RuntimeError(f"{body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def ledger_size(router: GraphQLClient, portfolio_id: str) -> int:
    """How many activities the ledger reads back, paging 100 at a time."""
    count, after = 0, None
    while True:
        page = _data(router, ACTIVITY_PAGE, {"id": portfolio_id, "after": after})["portfolio"]["activities"]
        count += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return count
        after = page["pageInfo"]["endCursor"]


def gain_rows(router: GraphQLClient, portfolio_id: str) -> int:
    return len(_data(router, GAIN_ROWS, {"id": portfolio_id})["portfolio"]["realizedGains"]["lots"])


def portfolio_ledger_timed(
    router: GraphQLClient, portfolio_id: str, period: tuple[str | None, str | None]
) -> str:
    """The contract's PortfolioLedger (first 50 activities) for `period`: its time, or its error."""
    started = time.perf_counter()
    body = router.raw(
        operation("PortfolioLedger"),
        {"id": portfolio_id, "first": 50, "after": None, "from": period[0], "to": period[1]},
    )
    elapsed = time.perf_counter() - started
    if body.get("errors"):
        codes = sorted({str(e.get("extensions", {}).get("code")) for e in body["errors"]})
        return f"errors {codes} after {elapsed * 1000:.0f} ms"
    rows = len(body["data"]["portfolio"]["realizedGains"]["lots"])
    return f"{elapsed * 1000:.0f} ms ({rows} realized-gain rows)"


def back_dated_records(stack: Stack, book: Book, count: int) -> list[float]:
    """`count` back-dated BUYs (spread over the history's middle years) recorded by the customer."""
    rng = random.Random(7)  # noqa: S311 - reproducible dates, not crypto
    times = []
    with httpx.Client(timeout=60.0, headers=bearer(stack.issuer.customer(book.customer_id))) as client:
        for n in range(count):
            day = date(2016, 1, 1) + timedelta(days=rng.randrange(6 * 365))
            elapsed, _ = record_timed(
                client,
                stack.config.router_graphql_url,
                book.portfolio_id,
                {
                    "type": "BUY",
                    "occurredAt": day.isoformat(),
                    "symbol": BIG_BOOK_SYMBOLS[n % len(BIG_BOOK_SYMBOLS)],
                    "quantity": "1",
                    "price": usd("100.00"),
                },
            )
            times.append(elapsed)
    return times


def sale_across_lots(stack: Stack, book: Book, shares: int) -> tuple[float, dict[str, Any]]:
    with httpx.Client(timeout=120.0, headers=bearer(stack.issuer.customer(book.customer_id))) as client:
        return record_timed(
            client,
            stack.config.router_graphql_url,
            book.portfolio_id,
            {
                "type": "SELL",
                "occurredAt": "2024-12-31",
                "symbol": "SPY",
                "quantity": str(shares),
                "price": usd("500.00"),
            },
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.bench_ledger")
    parser.add_argument("--activities", type=int, default=10_000, help="the big ledger's size")
    parser.add_argument("--small", type=int, default=100, help="the small ledger's size")
    parser.add_argument("--records", type=int, default=10, help="back-dated records to time")
    parser.add_argument("--lots", type=int, default=1_000, help="one-share lots the sale takes")
    parser.add_argument("--requests", type=int, default=200, help="Dashboards per row")
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args(argv)
    symbols = BIG_BOOK_SYMBOLS[:20]

    # Seeded, as `make dev` is: the seed's first requests warm every subgraph before anything is
    # timed (a cold customers service can miss the router's 2 s bound on its very first request).
    with Stack(StackConfig.ephemeral(), echo=False) as stack:
        admin = GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin(), timeout=120.0)
        big, small, lots = (
            open_book(admin, f"{args.activities} activities"),
            open_book(admin, f"{args.small} activities"),
            open_book(admin, f"{args.lots} lots"),
        )
        print("Loading the ledgers straight into DynamoDB Local (the portfolios adapter's items):")
        for book, activities in (
            (big, history(big.portfolio_id, args.activities, symbols, seed=13)),
            (small, history(small.portfolio_id, args.small, symbols, seed=14)),
            (lots, one_share_lots(lots.portfolio_id, args.lots)),
        ):
            started = time.perf_counter()
            written = asyncio.run(bulk_load(stack.config, book.portfolio_id, activities))
            kinds = sorted({a.type.value for a in activities})
            chunks = asyncio.run(journal_chunks(stack.config, book.portfolio_id))
            print(
                f"  {len(activities):>6} activities ({', '.join(kinds)}): {written} items and "
                f"{chunks} journal chunk(s) in {time.perf_counter() - started:.1f} s"
            )
            if chunks == 0:
                raise RuntimeError("the load wrote no journal: ledger() would read item by item")
        stored = ledger_size(admin, big.portfolio_id)
        if stored != args.activities:
            raise RuntimeError(f"the big ledger reads {stored} activities, not {args.activities}")

        print()
        print(
            f"(a) a back-dated BUY recorded into the {args.activities}-activity portfolio, through the router"
        )
        times = back_dated_records(stack, big, args.records)
        print(
            f"    {len(times)} records: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms (target < 1000 ms each); "
            f"journal chunks after: {asyncio.run(journal_chunks(stack.config, big.portfolio_id))}"
        )

        print()
        print(f"(b) Dashboard through the router, {args.requests} requests per row, customer's own token")
        print(f"    {'book':<28} {'mode':<14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>8}")
        for label, book in (
            (f"{args.activities + args.records} activities", big),
            (f"{args.small} activities", small),
        ):
            for mode, concurrency in (
                ("sequential", 1),
                (f"concurrent {args.concurrency}", args.concurrency),
            ):
                result = asyncio.run(
                    measure(
                        stack.config.router_graphql_url,
                        book.customer_id,
                        stack.issuer.customer(book.customer_id),
                        args.requests,
                        concurrency,
                    )
                )
                print(
                    f"    {label:<28} {mode:<14} {result['p50_ms']:>8.1f} {result['p95_ms']:>8.1f} "
                    f"{result['max_ms']:>8.1f} {result['rps']:>8.1f}"
                )

        print()
        print(f"(d) PortfolioLedger (first 50 activities) of the {args.activities}-activity portfolio")
        for label, period in (
            ("whole history", (None, None)),
            ("one year, 2020", ("2020-01-01", "2020-12-31")),
        ):
            print(f"    {label:<16} {portfolio_ledger_timed(admin, big.portfolio_id, period)}")

        print()
        print(
            f"(c) one FIFO SELL of {args.lots} shares across {args.lots} one-share lots, through the router"
        )
        elapsed, payload = sale_across_lots(stack, lots, args.lots)
        rows = gain_rows(admin, lots.portfolio_id)
        print(
            f"    accepted in {elapsed * 1000:.0f} ms: realized gain "
            f"{payload['activity']['realizedGain']['amount']} {CURRENCY}, {rows} realized-gain rows"
        )
        if rows != args.lots:
            raise RuntimeError(f"the sale made {rows} realized-gain rows, not {args.lots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
