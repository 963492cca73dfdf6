"""Validation of activities (no I/O): what each type takes, each problem at the path of the field the
client sent, and the bounds.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from kit.core.money import Amount
from portfolios.domain.commands import (
    ActivityRequest,
    MoneyRequest,
    PickRequest,
)
from portfolios.domain.model import ActivityType
from portfolios.domain.validation import (
    MAX_AMOUNT,
    MAX_QUANTITY,
)

from .validation_support import (
    LOT_A,
    OTHER_PORTFOLIO_ID,
    PORTFOLIO_ID,
    TODAY,
    USD_PORTFOLIO,
    VALID,
    eur,
    problems_of,
    request,
    usd,
    validate,
)


@pytest.mark.parametrize("kind", list(VALID))
def test_a_valid_activity_of_every_type(kind):
    new = validate(request(kind, note="  from the broker's statement  "))
    assert new.type is kind and new.portfolio is USD_PORTFOLIO
    assert new.occurred_on == date(2024, 5, 1)
    assert new.fx_rate == 1  # in the base currency
    assert new.note == "from the broker's statement"  # trimmed
    activity = new.as_activity("01HZX3Q4W5E6R7T8Y9Z0ACTVTY", datetime(2024, 5, 1, tzinfo=UTC))
    assert (activity.id, activity.portfolio_id, activity.type) == (
        "01HZX3Q4W5E6R7T8Y9Z0ACTVTY",
        PORTFOLIO_ID,
        kind,
    )


def test_a_buy_is_normalized():
    new = validate(request(ActivityType.BUY, symbol="  brk.b ", fees=usd("1.00")))
    assert new.symbol == "BRK.B"
    assert (new.quantity, new.price, new.fees) == (
        D("10"),
        Amount(D("150.25"), "USD"),
        Amount(D("1.00"), "USD"),
    )
    assert (new.amount, new.split, new.counterpart_portfolio_id, new.picks) == (None, None, None, ())


def test_fee_and_tax_may_name_a_symbol_the_others_may_not():
    assert validate(request(ActivityType.TAX, symbol="aapl")).symbol == "AAPL"
    assert validate(request(ActivityType.FEE)).symbol is None
    for kind in (ActivityType.INTEREST, ActivityType.DEPOSIT, ActivityType.WITHDRAWAL):
        assert problems_of(lambda kind=kind: validate(request(kind, symbol="AAPL"))) == {
            (("input", "symbol"), "INVALID")
        }


# Which fields each type needs (missing: INVALID at that field) and which it refuses.
NEEDS = {
    ActivityType.BUY: ("symbol", "quantity", "price"),
    ActivityType.SELL: ("symbol", "quantity", "price"),
    ActivityType.DIVIDEND: ("symbol", "amount"),
    ActivityType.INTEREST: ("amount",),
    ActivityType.DEPOSIT: ("amount",),
    ActivityType.WITHDRAWAL: ("amount",),
    ActivityType.FEE: ("amount",),
    ActivityType.TAX: ("amount",),
    ActivityType.SPLIT: ("symbol", "split_from"),
    ActivityType.TRANSFER_OUT: ("symbol", "quantity", "counterpart_portfolio_id"),
}


INPUT_NAME = {"split_from": "splitRatio", "counterpart_portfolio_id": "counterpartPortfolioId"}


@pytest.mark.parametrize(("kind", "field"), [(k, f) for k, fields in NEEDS.items() for f in fields])
def test_a_missing_field_is_named(kind, field):
    assert problems_of(lambda: validate(request(kind, **{field: None}))) == {
        (("input", INPUT_NAME.get(field, field)), "INVALID")
    }


FOREIGN = {
    "quantity": D("1"),
    "price": usd("1"),
    "amount": usd("1"),
    "split_from": D("1"),
    "counterpart_portfolio_id": OTHER_PORTFOLIO_ID,
    "lots": (PickRequest(LOT_A, D("1")),),
}


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (kind, field)
        for kind in VALID
        for field in FOREIGN
        if field not in NEEDS[kind]
        and not (field == "lots" and kind in (ActivityType.SELL, ActivityType.TRANSFER_OUT))
        and not (field == "split_from" and kind is ActivityType.SPLIT)
    ],
)
def test_a_field_the_type_does_not_take_is_refused(kind, field):
    found = problems_of(lambda: validate(request(kind, **{field: FOREIGN[field]})))
    assert (("input", INPUT_NAME.get(field, field)), "INVALID") in found


@pytest.mark.parametrize("kind", [ActivityType.SPLIT, ActivityType.TRANSFER_OUT])
def test_fees_only_with_a_price_or_an_amount(kind):
    assert problems_of(lambda: validate(request(kind, fees=usd("1")))) == {(("input", "fees"), "INVALID")}


def test_transfer_in_is_recorded_by_its_transfer_out():
    req = ActivityRequest(
        portfolio_id=PORTFOLIO_ID, type=ActivityType.TRANSFER_IN, occurred_at=date(2024, 5, 1), symbol="AAPL"
    )
    assert (("input", "type"), "INVALID") in problems_of(lambda: validate(req))


def test_a_transfer_goes_to_another_portfolio():
    assert problems_of(
        lambda: validate(request(ActivityType.TRANSFER_OUT, counterpart_portfolio_id=PORTFOLIO_ID))
    ) == {(("input", "counterpartPortfolioId"), "INVALID")}
    assert problems_of(
        lambda: validate(request(ActivityType.TRANSFER_OUT, counterpart_portfolio_id="p-2"))
    ) == {(("input", "counterpartPortfolioId"), "INVALID")}


def test_portfolio_id_malformed_or_unknown():
    assert problems_of(lambda: validate(request(ActivityType.DEPOSIT, portfolio_id="p-1"))) == {
        (("input", "portfolioId"), "INVALID")
    }
    assert problems_of(lambda: validate(request(ActivityType.DEPOSIT), portfolio=None)) == {
        (("input", "portfolioId"), "NOT_FOUND")
    }
    # the portfolio given is not the one the request names
    other = request(ActivityType.DEPOSIT, portfolio_id=OTHER_PORTFOLIO_ID)
    assert problems_of(lambda: validate(other)) == {(("input", "portfolioId"), "NOT_FOUND")}


# --- bounds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": D("0")}, ("quantity",)),
        ({"quantity": D("-1")}, ("quantity",)),
        ({"quantity": MAX_QUANTITY + 1}, ("quantity",)),
        ({"quantity": D("0.000000001")}, ("quantity",)),  # 9 decimal places
        ({"price": usd("-0.01")}, ("price", "amount")),
        ({"price": usd(str(MAX_AMOUNT + 1))}, ("price", "amount")),
        ({"price": usd("1.00000000001")}, ("price", "amount")),  # 11 decimal places
        ({"price": MoneyRequest(D("1"), "usd")}, ("price", "currencyCode")),
        ({"price": MoneyRequest(D("1"), "XYZ")}, ("price", "currencyCode")),
        ({"fees": usd("-1")}, ("fees", "amount")),
        ({"fees": eur("1")}, ("fees", "currencyCode")),  # not the price's currency
        ({"symbol": "$$$"}, ("symbol",)),
        ({"symbol": "A" * 21}, ("symbol",)),
        ({"symbol": ".AAPL"}, ("symbol",)),
        ({"occurred_at": TODAY + timedelta(days=1)}, ("occurredAt",)),
    ],
)
def test_bounds_of_a_buy(overrides, field):
    assert problems_of(lambda: validate(request(ActivityType.BUY, **overrides))) == {
        (("input", *field), "INVALID")
    }


def test_a_buy_at_the_bounds_is_accepted():
    new = validate(
        request(
            ActivityType.BUY,
            quantity=MAX_QUANTITY,
            price=usd(str(MAX_AMOUNT)),
            fees=usd("0"),  # no fees is fine; a price of zero too (a gift)
            occurred_at=TODAY,
        )
    )
    assert new.quantity == MAX_QUANTITY
    assert validate(request(ActivityType.BUY, quantity=D("0.00000001"), price=usd("0"))).price == Amount(
        D("0"), "USD"
    )


@pytest.mark.parametrize("amount", ["0", "-5", str(MAX_AMOUNT + 1), "0.00000000001"])
def test_an_amount_is_positive_and_bounded(amount):
    assert problems_of(lambda: validate(request(ActivityType.DIVIDEND, amount=usd(amount)))) == {
        (("input", "amount", "amount"), "INVALID")
    }
