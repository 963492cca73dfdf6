"""Validation of manual prices: every problem reported at once, nothing built on error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from assets.adapters.catalog import load_catalog
from assets.domain.instruments import AssetClass
from assets.domain.validation import validate_manual_price
from kit.core.errors import InputProblems
from kit.core.money import Amount

AT = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)


def validate(symbol: str, price: Amount, previous: Amount | None = None):  # type: ignore[no-untyped-def]
    return validate_manual_price(
        raw_symbol=symbol, price=price, previous_close=previous, catalog=load_catalog(), set_at=AT
    )


def problems(symbol: str, price: Amount, previous: Amount | None = None) -> set[tuple[tuple[str, ...], str]]:
    with pytest.raises(InputProblems) as raised:
        validate(symbol, price, previous)
    return {(p.field, p.code) for p in raised.value.problems}


def test_catalog_instrument_gets_a_price_only() -> None:
    change = validate(" aapl ", Amount(Decimal("201.5"), "USD"), Amount(Decimal("199"), "USD"))
    assert change.price.symbol == "AAPL"
    assert change.price.price == Amount(Decimal("201.5"), "USD")
    assert change.price.set_at == AT
    assert change.new_instrument is None
    assert change.price.quote().source == "manual" and change.price.quote().as_of == AT


def test_unknown_symbol_becomes_a_manual_instrument_in_the_price_currency() -> None:
    change = validate("my-fund.1", Amount(Decimal("10"), "EUR"))
    assert change.new_instrument is not None
    assert change.new_instrument.symbol == "MY-FUND.1"
    assert change.new_instrument.name == "MY-FUND.1"
    assert change.new_instrument.asset_class is AssetClass.OTHER
    assert change.new_instrument.currency == "EUR"
    assert change.new_instrument.exchange is None


def money(amount: str, currency: str = "USD") -> Amount:
    return Amount(Decimal(amount), currency)


SYMBOL = ("input", "symbol")
PRICE_AMOUNT = ("input", "price", "amount")
PRICE_CURRENCY = ("input", "price", "currencyCode")
PREVIOUS_AMOUNT = ("input", "previousClose", "amount")
PREVIOUS_CURRENCY = ("input", "previousClose", "currencyCode")


@pytest.mark.parametrize(
    ("symbol", "price", "previous", "expected"),
    [
        ("bad symbol", money("1"), None, {(SYMBOL, "INVALID")}),
        ("", money("1"), None, {(SYMBOL, "INVALID")}),
        ("AAPL", money("0"), None, {(PRICE_AMOUNT, "INVALID")}),
        ("AAPL", money("-3"), None, {(PRICE_AMOUNT, "INVALID")}),
        ("AAPL", money("1e15"), None, {(PRICE_AMOUNT, "INVALID")}),
        ("AAPL", money("1.0000000000000000001"), None, {(PRICE_AMOUNT, "INVALID")}),
        ("ZZZ", money("1", "XYZ"), None, {(PRICE_CURRENCY, "INVALID")}),
        ("ZZZ", money("1", "usd"), None, {(PRICE_CURRENCY, "INVALID")}),
        ("AAPL", money("1", "EUR"), None, {(PRICE_CURRENCY, "CURRENCY_MISMATCH")}),
        ("AAPL", money("1"), money("0"), {(PREVIOUS_AMOUNT, "INVALID")}),
        ("AAPL", money("1"), money("1", "EUR"), {(PREVIOUS_CURRENCY, "CURRENCY_MISMATCH")}),
        ("AAPL", money("1"), money("1", "ABC"), {(PREVIOUS_CURRENCY, "INVALID")}),
        (
            "!",
            money("-1", "XYZ"),
            money("-1"),
            {
                (SYMBOL, "INVALID"),
                (PRICE_AMOUNT, "INVALID"),
                (PRICE_CURRENCY, "INVALID"),
                (PREVIOUS_AMOUNT, "INVALID"),
            },
        ),
    ],
)
def test_bad_input_is_reported(
    symbol: str, price: Amount, previous: Amount | None, expected: set[tuple[tuple[str, ...], str]]
) -> None:
    assert problems(symbol, price, previous) == expected


def test_trailing_zeros_do_not_count_as_decimal_places() -> None:
    change = validate("AAPL", Amount(Decimal("1.50000000000000000000000"), "USD"))
    assert change.price.price.value == Decimal("1.5")


EXPIRES_AT = ("input", "expiresAt")


def expiry_problems(expires_at: datetime) -> list[tuple[tuple[str, ...], str, str]]:
    with pytest.raises(InputProblems) as raised:
        validate_manual_price(
            raw_symbol="AAPL",
            price=money("1"),
            previous_close=None,
            catalog=load_catalog(),
            set_at=AT,
            expires_at=expires_at,
        )
    return [(p.field, p.code, p.message) for p in raised.value.problems]


def test_an_expiry_is_kept_when_in_the_future_and_within_366_days() -> None:
    for ahead in (timedelta(seconds=1), timedelta(days=366)):
        change = validate_manual_price(
            raw_symbol="AAPL",
            price=money("1"),
            previous_close=None,
            catalog=load_catalog(),
            set_at=AT,
            expires_at=AT + ahead,
        )
        assert change.price.expires_at == AT + ahead
        assert change.price.quote().pinned_until == AT + ahead


def test_an_expiry_in_the_past_too_far_ahead_or_without_offset_is_refused() -> None:
    assert expiry_problems(AT) == [(EXPIRES_AT, "INVALID", "The expiry must be in the future.")]
    assert expiry_problems(AT - timedelta(days=1)) == [
        (EXPIRES_AT, "INVALID", "The expiry must be in the future.")
    ]
    assert expiry_problems(AT + timedelta(days=366, seconds=1)) == [
        (EXPIRES_AT, "INVALID", "The expiry must be at most 366 days from now.")
    ]
    assert expiry_problems(datetime(2025, 12, 1, 12, 0)) == [
        (EXPIRES_AT, "INVALID", "The expiry must include a time zone offset, such as Z or +01:00.")
    ]
