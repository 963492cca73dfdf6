"""Generated and hostile RecordActivityInput and CorrectActivityInput through GraphQL (hypothesis).

Whatever a client sends, the answer is a success, userErrors at input paths, or a GraphQL error with
BAD_USER_INPUT (a value the input's scalars cannot take); never a server error, never an exception's
name or a trace; a refused request writes nothing (the whole table is compared), an accepted one
leaves books the API can still read; and the service keeps answering.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from devstack.client import operation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from kit_testing import INTERNALS
from ulid import ULID

RECORD = operation("RecordActivity")
CORRECT = operation("CorrectActivity")
LEDGER = operation("PortfolioLedger")

TYPES = [
    "BUY",
    "SELL",
    "DIVIDEND",
    "INTEREST",
    "DEPOSIT",
    "WITHDRAWAL",
    "FEE",
    "TAX",
    "SPLIT",
    "TRANSFER_IN",
    "TRANSFER_OUT",
]
# The codes a refused activity may answer with; anything else is a surprise worth a look.
USER_ERROR_CODES = {
    "INVALID",
    "NOT_FOUND",
    "FX_RATE_REQUIRED",
    "INSUFFICIENT_QUANTITY",
    "LOT_UNAVAILABLE",
    "TRANSFER_CHANGED",
    "IDEMPOTENCY_KEY_REUSED",
    "PORTFOLIO_CLOSED",
    "CUSTOMER_CLOSED",
}
HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\u0000", "\u001b[31m", "\u0085", "a\nb", "\ud800", "\u202e", "x" * 3000, "AAPL\u0000", "🙂"]
)
TEXT = st.one_of(st.text(max_size=30), HOSTILE_TEXT)
# Mostly numbers a scalar takes (so that the rules behind the scalars are reached), some that it does not.
PLAIN_NUMBER = st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False).map(str)
NUMBERISH = st.one_of(
    *[PLAIN_NUMBER] * 9,
    st.from_regex("\\A-?[0-9]{0,14}(\\.[0-9]{0,12})?([eE][-+]?[0-9]{1,3})?\\Z"),
    st.sampled_from(["1", "10", "0.5", "100", "0", "-1", "1E+2", "NaN", "Infinity", "1" * 40]),
    TEXT,
)
CURRENCY = st.one_of(st.just("USD"), st.just("USD"), st.sampled_from(["EUR", "JPY", "usd", "XXX"]), TEXT)
MONEY = st.fixed_dictionaries({"amount": NUMBERISH, "currencyCode": CURRENCY})
RECENT_DAY = st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31)).map(lambda d: d.isoformat())
DAY = st.one_of(
    *[RECENT_DAY] * 6,
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2024-02-30", "2024-13-01", "24-01-01", "", "2024-01-01T00:00:00Z"]),
)


# The fields each type takes (README): what a client usually sends with it.
NATURAL = {
    "BUY": {"symbol", "quantity", "price", "fees", "fxRate", "idempotencyKey"},
    "SELL": {"symbol", "quantity", "price", "fees", "fxRate", "lots"},
    "DIVIDEND": {"symbol", "amount", "fees", "fxRate"},
    "SPLIT": {"symbol", "splitRatio"},
    "TRANSFER_OUT": {"symbol", "quantity", "counterpartPortfolioId", "lots"},
    **{
        kind: {"amount", "fees", "fxRate", "note"}
        for kind in ("INTEREST", "DEPOSIT", "WITHDRAWAL", "FEE", "TAX")
    },
}


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@pytest.fixture(scope="module")
async def book(api) -> dict[str, Any]:
    """A USD portfolio with a deposit, a lot, a sale, a dividend, a split and a transfer to a second
    portfolio of the same customer; the activities' ids for corrections."""
    customer = await api.register_customer()
    main = (await api.create_portfolio(customer, name="Hostile ledger"))["id"]
    other = (await api.create_portfolio(customer, name="Other"))["id"]

    async def record(**values: Any) -> str:
        payload = (await api.data(RECORD, {"input": {"portfolioId": main, **values}}))["recordActivity"]
        assert payload["userErrors"] == [], payload
        return str(payload["activity"]["id"])

    usd = {"currencyCode": "USD"}
    ids = {
        "deposit": await record(type="DEPOSIT", occurredAt="2024-01-02", amount={"amount": "5000", **usd}),
        "buy": await record(
            type="BUY", occurredAt="2024-01-10", symbol="AAPL", quantity="10", price={"amount": "100", **usd}
        ),
        "sell": await record(
            type="SELL", occurredAt="2024-02-01", symbol="AAPL", quantity="2", price={"amount": "120", **usd}
        ),
        "dividend": await record(
            type="DIVIDEND", occurredAt="2024-02-15", symbol="AAPL", amount={"amount": "3", **usd}
        ),
        "split": await record(
            type="SPLIT", occurredAt="2024-03-01", symbol="AAPL", splitRatio={"from": "1", "to": "2"}
        ),
        "transfer": await record(
            type="TRANSFER_OUT",
            occurredAt="2024-03-05",
            symbol="AAPL",
            quantity="1",
            counterpartPortfolioId=other,
        ),
    }
    return {"portfolio": main, "other": other, "ids": ids}


async def send(api, document: str, values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    sent = json.dumps({"query": document, "variables": {"input": values}})
    response = await api.http.post(
        "/graphql", content=sent.encode("ascii"), headers={"content-type": "application/json"}
    )
    assert INTERNALS.search(response.text) is None, response.text[:500]
    return response.status_code, response.json()


async def check_answer(api, document: str, name: str, values: dict[str, Any], portfolio_id: str) -> None:
    """The request is answered without a server error and leaks nothing; refused: nothing written."""
    before = await api.snapshot()
    status, body = await send(api, document, values)
    assert status == 200, body
    if body.get("errors"):
        event("BAD_USER_INPUT")
        assert body.get("data") is None, body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
        assert await api.snapshot() == before
        return
    payload = body["data"][name]
    if payload["userErrors"]:
        event("userErrors " + ",".join(sorted({e["code"] for e in payload["userErrors"]})))
        assert payload["activity"] is None and payload["portfolio"] is None
        for error in payload["userErrors"]:
            assert error["field"][0] == "input" and error["message"], error
            assert error["code"] in USER_ERROR_CODES, error
        assert await api.snapshot() == before
        return
    event("accepted")
    assert payload["activity"]["id"]
    ledger = await api.data(LEDGER, {"id": portfolio_id, "first": 100})
    assert ledger["portfolio"]["id"] == portfolio_id


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_generated_record_activity_inputs(api, book, data):
    portfolio_id = data.draw(
        st.one_of(
            st.just(book["portfolio"]),
            st.just(book["portfolio"]),
            st.sampled_from([str(ULID()), "p-1"]),
            TEXT,
        )
    )
    values: dict[str, Any] = {
        "portfolioId": portfolio_id,
        "type": data.draw(st.sampled_from(TYPES)),
        "occurredAt": data.draw(DAY),
    }
    optional = {
        "symbol": maybe(st.sampled_from(["AAPL", "aapl", "MSFT"]) | TEXT),
        "quantity": maybe(NUMBERISH),
        "price": maybe(MONEY),
        "amount": maybe(MONEY),
        "fees": maybe(MONEY),
        "fxRate": maybe(NUMBERISH),
        "splitRatio": maybe(st.fixed_dictionaries({"from": NUMBERISH, "to": NUMBERISH})),
        "counterpartPortfolioId": maybe(st.sampled_from([book["other"], book["portfolio"]]) | TEXT),
        "lots": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "investmentId": st.sampled_from([book["ids"]["buy"], book["ids"]["sell"]]) | TEXT,
                        "quantity": NUMBERISH,
                    }
                ),
                max_size=3,
            )
        ),
        "note": maybe(TEXT),
        "idempotencyKey": maybe(TEXT),
    }
    natural = NATURAL.get(values["type"], set())
    for field, strategy in optional.items():
        # The type's own fields usually, any other field sometimes.
        if data.draw(st.integers(0, 9), label=f"send {field}") < (8 if field in natural else 2):
            value = data.draw(strategy, label=field)
            if value is not None:
                values[field] = value
    await check_answer(api, RECORD, "recordActivity", values, book["portfolio"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_generated_correct_activity_inputs(api, book, data):
    target = data.draw(
        st.one_of(st.sampled_from(list(book["ids"].values())), st.sampled_from([str(ULID()), "a-1"]), TEXT)
    )
    values: dict[str, Any] = {"activityId": target}
    optional = {
        "occurredAt": maybe(DAY),
        "symbol": maybe(st.sampled_from(["AAPL", "MSFT"]) | TEXT),
        "quantity": maybe(NUMBERISH),
        "price": maybe(MONEY),
        "amount": maybe(MONEY),
        "fees": maybe(MONEY),
        "fxRate": maybe(NUMBERISH),
        "splitRatio": maybe(st.fixed_dictionaries({"from": NUMBERISH, "to": NUMBERISH})),
        "lots": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"investmentId": st.sampled_from([book["ids"]["buy"]]) | TEXT, "quantity": NUMBERISH}
                ),
                max_size=2,
            )
        ),
        "note": maybe(TEXT),
    }
    for field, strategy in optional.items():
        if data.draw(st.integers(0, 3), label=f"send {field}") == 0:
            values[field] = data.draw(strategy, label=field)  # None: an explicit null
    await check_answer(api, CORRECT, "correctActivity", values, book["portfolio"])


async def test_the_books_still_add_up_and_the_service_answers(api, book):
    answer = (await api.data(LEDGER, {"id": book["portfolio"], "first": 100}))["portfolio"]
    gains = answer["realizedGains"]
    assert Decimal(gains["total"]["amount"]) == sum(Decimal(r["gain"]["amount"]) for r in gains["lots"])
    assert (await api.http.get("/health")).status_code == 200
