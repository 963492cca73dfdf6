"""Validation of an activity's parts (no I/O): fx rates, splits, specific lots, idempotency keys and
notes; addInvestment's and sellInvestment's field names; all of an input's problems at once.
"""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from kit.core.errors import InputProblems
from kit.core.money import Amount
from portfolios.domain.commands import (
    PURCHASE_FIELDS,
    SALE_FIELDS,
    MoneyRequest,
    PickRequest,
)
from portfolios.domain.model import (
    ActivityType,
    LotPick,
    SplitRatio,
)
from portfolios.domain.validation import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    MAX_FX_RATE,
    MAX_PICKS,
    MAX_SPLIT_TERM,
)

from .validation_support import (
    AVERAGE_PORTFOLIO,
    LOT_A,
    LOT_B,
    TODAY,
    eur,
    problems_of,
    request,
    usd,
    validate,
)

# --- fx rates -----------------------------------------------------------------------------------


def test_fx_rate_is_required_in_another_currency_and_kept():
    assert problems_of(lambda: validate(request(ActivityType.BUY, price=eur("100")))) == {
        (("input", "fxRate"), "FX_RATE_REQUIRED")
    }
    assert problems_of(lambda: validate(request(ActivityType.INTEREST, amount=eur("3")))) == {
        (("input", "fxRate"), "FX_RATE_REQUIRED")
    }
    new = validate(request(ActivityType.BUY, price=eur("100"), fees=eur("2"), fx_rate=D("1.0850")))
    assert new.fx_rate == D("1.0850") and new.price == Amount(D("100"), "EUR")


def test_fx_rate_message_names_the_date():
    with pytest.raises(InputProblems) as raised:
        validate(request(ActivityType.SELL, price=eur("100"), occurred_at=date(2024, 3, 15)))
    assert "2024-03-15" in raised.value.problems[0].message


@pytest.mark.parametrize(
    ("kind", "overrides"),
    [
        (ActivityType.BUY, {"price": eur("1"), "fx_rate": D("0")}),
        (ActivityType.BUY, {"price": eur("1"), "fx_rate": D("-1.08")}),
        (ActivityType.BUY, {"price": eur("1"), "fx_rate": MAX_FX_RATE + 1}),
        (ActivityType.BUY, {"price": eur("1"), "fx_rate": D("1.0000000000000001")}),  # 16 places
        (ActivityType.BUY, {"fx_rate": D("1.5")}),  # a rate for the base currency
        (ActivityType.SPLIT, {"fx_rate": D("1.5")}),  # no money moves
    ],
)
def test_bad_fx_rates(kind, overrides):
    assert problems_of(lambda: validate(request(kind, **overrides))) == {(("input", "fxRate"), "INVALID")}


def test_a_rate_of_one_in_the_base_currency_is_accepted():
    assert validate(request(ActivityType.BUY, fx_rate=D("1.000"))).fx_rate == 1
    assert validate(request(ActivityType.SPLIT, fx_rate=D("1"))).fx_rate == 1


# --- splits -------------------------------------------------------------------------------------


def test_a_split_is_kept_as_given():
    new = validate(request(ActivityType.SPLIT, split_from=D("2"), split_to=D("3")))
    assert new.split == SplitRatio(D("2"), D("3"))  # 3 for 2
    reverse = validate(request(ActivityType.SPLIT, split_from=D("10"), split_to=D("1")))
    assert reverse.split == SplitRatio(D("10"), D("1"))  # a reverse split


@pytest.mark.parametrize(
    ("split_from", "split_to", "expected"),
    [
        (D("0"), D("2"), {(("input", "splitRatio", "from"), "INVALID")}),
        (D("1"), D("-2"), {(("input", "splitRatio", "to"), "INVALID")}),
        (MAX_SPLIT_TERM + 1, D("1"), {(("input", "splitRatio", "from"), "INVALID")}),
        (D("1"), D("1.000000001"), {(("input", "splitRatio", "to"), "INVALID")}),
        (D("3"), D("3"), {(("input", "splitRatio"), "INVALID")}),  # changes nothing
        (D("1"), None, {(("input", "splitRatio"), "INVALID")}),
    ],
)
def test_bad_split_ratios(split_from, split_to, expected):
    found = problems_of(
        lambda: validate(request(ActivityType.SPLIT, split_from=split_from, split_to=split_to))
    )
    assert found == expected


# --- specific lots ------------------------------------------------------------------------------


def test_specific_lots_for_a_sale():
    picks = (PickRequest(LOT_A, D("3")), PickRequest(f" {LOT_B} ", D("1")))
    new = validate(request(ActivityType.SELL, lots=picks))
    assert new.picks == (LotPick(LOT_A, D("3")), LotPick(LOT_B, D("1")))


@pytest.mark.parametrize(
    ("lots", "field"),
    [
        ((), ("lots",)),  # an empty list: name some, or omit it
        ((PickRequest(LOT_A, D("3")),), ("lots",)),  # 3, not the quantity 4
        ((PickRequest(LOT_A, D("2")), PickRequest(LOT_A, D("2"))), ("lots", "1", "investmentId")),
        ((PickRequest("lot-1", D("4")),), ("lots", "0", "investmentId")),
        ((PickRequest(LOT_A, D("4.5")), PickRequest(LOT_B, D("-0.5"))), ("lots", "1", "quantity")),
    ],
)
def test_bad_lots(lots, field):
    assert (("input", *field), "INVALID") in problems_of(
        lambda: validate(request(ActivityType.SELL, lots=lots))
    )


def test_too_many_lots():
    lots = tuple(PickRequest(LOT_A, D("1")) for _ in range(MAX_PICKS + 1))
    found = problems_of(lambda: validate(request(ActivityType.SELL, quantity=D(MAX_PICKS + 1), lots=lots)))
    assert found == {(("input", "lots"), "INVALID")}


def test_specific_lots_are_refused_in_an_average_portfolio():
    req = request(ActivityType.SELL, lots=(PickRequest(LOT_A, D("4")),))
    assert problems_of(lambda: validate(req, AVERAGE_PORTFOLIO)) == {(("input", "lots"), "INVALID")}
    transfer = request(ActivityType.TRANSFER_OUT, lots=(PickRequest(LOT_A, D("2")),))
    assert problems_of(lambda: validate(transfer, AVERAGE_PORTFOLIO)) == {(("input", "lots"), "INVALID")}
    assert validate(request(ActivityType.SELL), AVERAGE_PORTFOLIO).picks == ()  # by the method: fine


# --- idempotency keys and notes -----------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "x" * (IDEMPOTENCY_KEY_MAX_LENGTH + 1), "a\x00b", "line\nbreak"])
def test_bad_idempotency_keys(key):
    assert problems_of(lambda: validate(request(ActivityType.DEPOSIT, idempotency_key=key))) == {
        (("input", "idempotencyKey"), "INVALID")
    }


def test_an_idempotency_key_is_kept_as_sent():
    key = "order 42 / Ünïcode " + "k" * (IDEMPOTENCY_KEY_MAX_LENGTH - 20)
    assert len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH
    assert validate(request(ActivityType.DEPOSIT, idempotency_key=key)).idempotency_key == key


def test_a_note_is_bounded_and_a_blank_one_is_none():
    assert validate(request(ActivityType.DEPOSIT, note="   ")).note is None
    assert problems_of(lambda: validate(request(ActivityType.DEPOSIT, note="x" * 2001))) == {
        (("input", "note"), "INVALID")
    }


def test_fingerprint_ignores_spelling_but_not_values():
    one = validate(request(ActivityType.BUY, quantity=D("10"), symbol="aapl", idempotency_key="k"))
    two = validate(request(ActivityType.BUY, quantity=D("10.000"), symbol="AAPL ", idempotency_key="k"))
    other = validate(request(ActivityType.BUY, quantity=D("11"), idempotency_key="k"))
    sale = validate(request(ActivityType.SELL, quantity=D("10"), price=usd("150.25"), idempotency_key="k"))
    assert one.fingerprint() == two.fingerprint()
    assert len({one.fingerprint(), other.fingerprint(), sale.fingerprint()}) == 3


# --- the names of addInvestment's and sellInvestment's fields -------------------------------------


def test_add_investment_problems_name_its_fields():
    req = request(
        ActivityType.BUY,
        price=MoneyRequest(D("-1"), "USD"),
        occurred_at=TODAY + timedelta(days=1),
        fields=PURCHASE_FIELDS,
    )
    with pytest.raises(InputProblems) as raised:
        validate(req)
    assert {(p.field, p.code) for p in raised.value.problems} == {
        (("input", "purchasePrice", "amount"), "INVALID"),
        (("input", "purchasedAt"), "INVALID"),
    }
    assert any("Purchase price" in p.message for p in raised.value.problems)
    missing_rate = request(ActivityType.BUY, price=eur("1"), fees=usd("1"), fields=PURCHASE_FIELDS)
    assert problems_of(lambda: validate(missing_rate)) == {
        (("input", "fees", "currencyCode"), "INVALID"),
        (("input", "fxRate"), "FX_RATE_REQUIRED"),
    }


def test_sell_investment_problems_name_its_fields():
    req = request(ActivityType.SELL, occurred_at=TODAY + timedelta(days=1), fields=SALE_FIELDS)
    assert problems_of(lambda: validate(req)) == {(("input", "soldAt"), "INVALID")}


def test_every_problem_is_reported_at_once():
    req = request(
        ActivityType.BUY,
        symbol="!",
        quantity=D("0"),
        price=eur("-1"),
        occurred_at=TODAY + timedelta(days=1),
        note="x" * 2001,
        idempotency_key="",
    )
    assert problems_of(lambda: validate(req)) == {
        (("input", "symbol"), "INVALID"),
        (("input", "quantity"), "INVALID"),
        (("input", "price", "amount"), "INVALID"),
        (("input", "fxRate"), "FX_RATE_REQUIRED"),
        (("input", "occurredAt"), "INVALID"),
        (("input", "note"), "INVALID"),
        (("input", "idempotencyKey"), "INVALID"),
    }
