"""`make bench`: the Dashboard through the router, on a stack of its own (free ports, in-memory data).

Prints latency percentiles for sequential requests and throughput for concurrent ones, for the
demo customer (3 portfolios) and for a larger book (5 portfolios x 20 lots). Rerun to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

import httpx

from devstack import seed
from devstack.client import bearer, operation
from devstack.config import StackConfig
from devstack.stack import Stack

BIG_BOOK_SYMBOLS = [
    "AAPL",
    "MSFT",
    "NVDA",
    "AMZN",
    "GOOGL",
    "META",
    "JPM",
    "V",
    "SPY",
    "QQQ",
    "VTI",
    "VOO",
    "IWM",
    "AGG",
    "BND",
    "GLD",
    "XOM",
    "KO",
    "PEP",
    "BTC",
]


def build_big_book(config: StackConfig, token: str, portfolios: int, lots: int) -> str:
    """A customer with `portfolios` x `lots`, written straight to the subgraphs with an admin `token`."""
    with httpx.Client(timeout=10.0, headers=bearer(token)) as client:
        customers = config.url("customers", "/graphql")
        graph = config.url("portfolios", "/graphql")
        registered = seed.call(
            client,
            customers,
            operation("RegisterCustomer"),
            {"input": {"email": f"bench-{time.time_ns()}@example.com", "name": "Bench Mark"}},
        )["registerCustomer"]["customer"]
        for p in range(portfolios):
            created = seed.create_portfolio(
                client,
                graph,
                {
                    "input": {
                        "customerId": registered["id"],
                        "name": f"Bench {p}",
                        "kind": "BROKERAGE",
                        "baseCurrency": "USD",
                    }
                },
            )["createPortfolio"]["portfolio"]
            for n in range(lots):
                seed.call(
                    client,
                    graph,
                    operation("AddInvestment"),
                    {
                        "input": {
                            "portfolioId": created["id"],
                            "symbol": BIG_BOOK_SYMBOLS[n % len(BIG_BOOK_SYMBOLS)],
                            "quantity": str(1 + n),
                            "purchasePrice": {"amount": "100.00", "currencyCode": "USD"},
                            "purchasedAt": "2024-01-02",
                        }
                    },
                )
        return str(registered["id"])


async def measure(
    url: str, customer_id: str, token: str, requests: int, concurrency: int
) -> dict[str, float]:
    """The Dashboard as the customer itself asks for it: token verified at the router and at each
    subgraph, ownership checked, as in production."""
    document = operation("Dashboard")
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async with httpx.AsyncClient(
        timeout=30.0,
        limits=httpx.Limits(max_connections=concurrency),
        headers=bearer(token),
    ) as client:

        async def one() -> None:
            async with semaphore:
                started = time.perf_counter()
                response = await client.post(
                    url, json={"query": document, "variables": {"customerId": customer_id}}
                )
                body: dict[str, Any] = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise RuntimeError(f"dashboard failed: {response.status_code} {body.get('errors')}")
                latencies.append(time.perf_counter() - started)

        await one()  # warm the quote cache and the router's plan cache
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
        "max_ms": 1000 * ordered[-1],
        "rps": requests / elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.bench")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args(argv)
    with Stack(StackConfig.ephemeral(), echo=False) as stack:
        assert stack.demo is not None
        big = build_big_book(stack.config, stack.issuer.admin(), portfolios=5, lots=20)
        cases = {
            "demo customer (3 portfolios, 12 lots)": stack.demo.customer_id,
            "5 portfolios x 20 lots": big,
        }
        print(f"Dashboard through the router, {args.requests} requests per row")
        print(f"{'book':<40} {'mode':<14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>8}")
        for label, customer_id in cases.items():
            for mode, concurrency in (
                ("sequential", 1),
                (f"concurrent {args.concurrency}", args.concurrency),
            ):
                result = asyncio.run(
                    measure(
                        stack.config.router_graphql_url,
                        customer_id,
                        stack.issuer.customer(customer_id),
                        args.requests,
                        concurrency,
                    )
                )
                print(
                    f"{label:<40} {mode:<14} {result['p50_ms']:>8.1f} {result['p95_ms']:>8.1f} "
                    f"{result['max_ms']:>8.1f} {result['rps']:>8.1f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
