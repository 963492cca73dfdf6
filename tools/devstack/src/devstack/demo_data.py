"""The demo data `make dev` seeds: who the demo customer is, its portfolios, lots and activities.

devstack.seed writes it through the contract operations; this module only says what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEMO_EMAIL = "ada.investor@example.com"
# Fixed, so that a fresh data set gets the same demo id on every machine (a ULID; staff may give one).
DEMO_CUSTOMER_ID = "01J0DEM0000000000000000000"

# (symbol, quantity, price, purchased at, fees)
DemoLot = tuple[str, str, str, str, str | None]
# (name, kind, base currency, cost basis method, lots)
DEMO_PORTFOLIOS: list[tuple[str, str, str, str, list[DemoLot]]] = [
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

# Ledger entries besides purchases (recordActivity inputs without portfolioId), by portfolio name.
DEMO_ACTIVITIES: dict[str, list[dict[str, Any]]] = {
    "Taxable brokerage": [
        {
            "type": "DEPOSIT",
            "occurredAt": "2022-03-01",
            "amount": {"amount": "40000.00", "currencyCode": "USD"},
        },
        {
            "type": "DIVIDEND",
            "occurredAt": "2023-11-16",
            "symbol": "AAPL",
            "amount": {"amount": "13.20", "currencyCode": "USD"},
        },
        {
            "type": "SELL",
            "occurredAt": "2024-01-16",
            "symbol": "AAPL",
            "quantity": "10",
            "price": {"amount": "183.63", "currencyCode": "USD"},
            "fees": {"amount": "1.00", "currencyCode": "USD"},
        },
        {
            "type": "SPLIT",
            "occurredAt": "2024-06-10",
            "symbol": "NVDA",
            "splitRatio": {"from": "1", "to": "10"},
        },
        {
            "type": "INTEREST",
            "occurredAt": "2024-06-30",
            "amount": {"amount": "42.17", "currencyCode": "USD"},
        },
    ],
    "Roth IRA": [
        {
            "type": "DEPOSIT",
            "occurredAt": "2021-05-28",
            "amount": {"amount": "48000.00", "currencyCode": "USD"},
        },
        {
            "type": "DIVIDEND",
            "occurredAt": "2024-03-27",
            "symbol": "SCHD",
            "amount": {"amount": "146.88", "currencyCode": "USD"},
        },
    ],
}

# An unlisted fund has no market feed: its price is set by hand.
DEMO_MANUAL_PRICES = [("ACME-PRIVATE", "12.40", "12.10")]


@dataclass(frozen=True)
class Demo:
    """Who the demo customer is, and which prices are set by hand: tests seed more than one on the
    same stack."""

    customer_id: str = DEMO_CUSTOMER_ID
    email: str = DEMO_EMAIL
    name: str = "Ada Investor"
    manual_prices: tuple[tuple[str, str, str], ...] = tuple(DEMO_MANUAL_PRICES)
