"""Validation of corrections, as the corrected activity would be recorded (no I/O); generated bad
inputs (hypothesis) give InputProblems at input paths, never another exception.
"""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st
from kit.core.errors import InputProblems
from kit.core.money import Amount
from portfolios.domain.commands import (
    KEEP,
    PURCHASE_FIELDS,
    ActivityRequest,
    CorrectionRequest,
    MoneyRequest,
    PickRequest,
    corrected_request,
)
from portfolios.domain.model import (
    ActivityType,
    LotPick,
)
from portfolios.domain.validation import (
    MAX_AMOUNT,
    MAX_FX_RATE,
    MAX_QUANTITY,
    decimal_places,
)

from .validation_support import (
    AVERAGE_PORTFOLIO,
    LOT_A,
    LOT_B,
    OTHER_PORTFOLIO_ID,
    PORTFOLIO_ID,
    TODAY,
    USD_PORTFOLIO,
    eur,
    problems_of,
    recorded,
    usd,
    validate,
)


def test_a_correction_keeps_what_is_not_given():
    buy = recorded(ActivityType.BUY, fees=usd("1"), note="first")
    corrected = corrected_request(buy, CorrectionRequest(activity_id=buy.id, quantity=D("12")))
    new = validate(corrected)
    assert (new.quantity, new.price, new.fees, new.note) == (
        D("12"),
        Amount(D("150.25"), "USD"),
        Amount(D("1"), "USD"),
        "first",
    )
    assert (new.type, new.occurred_on, new.portfolio.id) == (ActivityType.BUY, date(2024, 5, 1), PORTFOLIO_ID)


def test_a_correction_clears_fees_fx_rate_and_note_with_none():
    buy = recorded(ActivityType.BUY, price=eur("100"), fees=eur("2"), fx_rate=D("1.1"), note="n")
    cleared = corrected_request(buy, CorrectionRequest(activity_id=buy.id, fees=None, note=None))
    new = validate(cleared)
    assert (new.fees, new.note, new.fx_rate) == (None, None, D("1.1"))  # the rate stays: same currency
    no_rate = corrected_request(buy, CorrectionRequest(activity_id=buy.id, fx_rate=None))
    assert problems_of(lambda: validate(no_rate)) == {(("input", "fxRate"), "FX_RATE_REQUIRED")}


def test_a_new_currency_drops_the_rate_unless_one_is_given():
    buy = recorded(ActivityType.BUY, price=eur("100"), fx_rate=D("1.1"))
    to_gbp = CorrectionRequest(activity_id=buy.id, price=MoneyRequest(D("90"), "GBP"))
    assert problems_of(lambda: validate(corrected_request(buy, to_gbp))) == {
        (("input", "fxRate"), "FX_RATE_REQUIRED")
    }
    to_usd = corrected_request(buy, CorrectionRequest(activity_id=buy.id, price=usd("110")))
    assert validate(to_usd).fx_rate == 1  # now in the base currency: no rate
    with_rate = CorrectionRequest(activity_id=buy.id, price=MoneyRequest(D("90"), "GBP"), fx_rate=D("1.27"))
    assert validate(corrected_request(buy, with_rate)).fx_rate == D("1.27")


def test_a_correction_is_validated_as_the_activity_would_be_recorded():
    split = recorded(ActivityType.SPLIT)
    same = CorrectionRequest(activity_id=split.id, split_from=D("4"), split_to=KEEP)
    assert problems_of(lambda: validate(corrected_request(split, same))) == {
        (("input", "splitRatio"), "INVALID")
    }
    dividend = recorded(ActivityType.DIVIDEND)
    assert problems_of(
        lambda: validate(
            corrected_request(dividend, CorrectionRequest(activity_id=dividend.id, quantity=D("1")))
        )
    ) == {(("input", "quantity"), "INVALID")}
    sale = recorded(ActivityType.SELL, lots=(PickRequest(LOT_A, D("4")),))
    assert validate(corrected_request(sale, CorrectionRequest(activity_id=sale.id))).picks == (
        LotPick(LOT_A, D("4")),
    )
    # The quantity changes but the picks do not: they no longer add up.
    more = CorrectionRequest(activity_id=sale.id, quantity=D("5"))
    assert problems_of(lambda: validate(corrected_request(sale, more))) == {(("input", "lots"), "INVALID")}
    by_method = CorrectionRequest(activity_id=sale.id, quantity=D("5"), lots=None)
    assert validate(corrected_request(sale, by_method)).picks == ()


def test_correction_field_names_follow_update_investment():
    buy = recorded(ActivityType.BUY)
    correction = CorrectionRequest(
        activity_id=buy.id, occurred_at=TODAY + timedelta(days=2), fields=PURCHASE_FIELDS, id_field="id"
    )
    assert problems_of(lambda: validate(corrected_request(buy, correction))) == {
        (("input", "purchasedAt"), "INVALID")
    }


# --- generated bad inputs -----------------------------------------------------------------------

TEXT = st.text(max_size=40)


DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=D("-1e15"), max_value=D("1e15")),
    st.sampled_from([D("0"), D("-0"), D("1E+20"), D("1E-20"), D("0.000000001"), MAX_QUANTITY + 1]),
)


MONEY = st.builds(MoneyRequest, DECIMALS, st.one_of(st.sampled_from(["USD", "EUR", "JPY", "usd", ""]), TEXT))


PICKS = st.lists(
    st.builds(PickRequest, st.one_of(st.just(LOT_A), st.just(LOT_B), TEXT), DECIMALS), max_size=4
)


INPUT_FIELDS = {
    "portfolioId",
    "type",
    "occurredAt",
    "symbol",
    "quantity",
    "price",
    "amount",
    "fees",
    "fxRate",
    "splitRatio",
    "counterpartPortfolioId",
    "lots",
    "note",
    "idempotencyKey",
}


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(ActivityType)),
    portfolio_id=st.one_of(st.just(PORTFOLIO_ID), TEXT),
    occurred_at=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    symbol=st.one_of(st.none(), st.just("AAPL"), TEXT),
    quantity=st.one_of(st.none(), DECIMALS),
    price=st.one_of(st.none(), MONEY),
    amount=st.one_of(st.none(), MONEY),
    fees=st.one_of(st.none(), MONEY),
    fx_rate=st.one_of(st.none(), DECIMALS),
    split=st.one_of(st.none(), st.tuples(DECIMALS, DECIMALS)),
    counterpart=st.one_of(st.none(), st.just(OTHER_PORTFOLIO_ID), TEXT),
    lots=st.one_of(st.none(), PICKS.map(tuple)),
    note=st.one_of(st.none(), st.text(max_size=3000)),
    key=st.one_of(st.none(), TEXT, st.text(min_size=129, max_size=200)),
    average=st.booleans(),
)
def test_generated_requests_are_accepted_or_refused_at_input_paths(
    kind,
    portfolio_id,
    occurred_at,
    symbol,
    quantity,
    price,
    amount,
    fees,
    fx_rate,
    split,
    counterpart,
    lots,
    note,
    key,
    average,
):
    req = ActivityRequest(
        portfolio_id=portfolio_id,
        type=kind,
        occurred_at=occurred_at,
        symbol=symbol,
        quantity=quantity,
        price=price,
        amount=amount,
        fees=fees,
        fx_rate=fx_rate,
        split_from=split[0] if split else None,
        split_to=split[1] if split else None,
        counterpart_portfolio_id=counterpart,
        lots=lots,
        note=note,
        idempotency_key=key,
    )
    portfolio = AVERAGE_PORTFOLIO if average else USD_PORTFOLIO
    try:
        new = validate(req, portfolio)
    except InputProblems as error:
        assert error.problems
        for problem in error.problems:
            assert problem.field[0] == "input" and problem.field[1] in INPUT_FIELDS, problem
            assert problem.message and problem.code
        return
    # Accepted: within every bound, and what the type takes.
    assert kind is not ActivityType.TRANSFER_IN
    assert new.occurred_on <= TODAY
    if new.quantity is not None:
        assert D(0) < new.quantity <= MAX_QUANTITY and decimal_places(new.quantity) <= 8
    for money in (new.price, new.amount, new.fees):
        if money is not None:
            assert D(0) <= money.value <= MAX_AMOUNT
    if new.amount is not None:
        assert new.amount.value > 0
    assert D(0) < new.fx_rate <= MAX_FX_RATE
    if average:
        assert new.picks == ()
    if new.picks:
        assert sum(p.quantity for p in new.picks) == new.quantity


@settings(max_examples=200, deadline=None)
@given(
    quantity=st.one_of(st.none(), DECIMALS),
    price=st.one_of(st.none(), MONEY),
    fees=st.one_of(st.none(), MONEY),
    fx_rate=st.one_of(st.none(), DECIMALS),
    occurred_at=st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))),
)
def test_generated_corrections_are_validated_at_input_paths(quantity, price, fees, fx_rate, occurred_at):
    buy = recorded(ActivityType.BUY)
    correction = CorrectionRequest(
        activity_id=buy.id,
        quantity=KEEP if quantity is None else quantity,
        price=KEEP if price is None else price,
        fees=fees,
        fx_rate=fx_rate,
        occurred_at=KEEP if occurred_at is None else occurred_at,
    )
    try:
        new = validate(corrected_request(buy, correction))
    except InputProblems as error:
        assert all(p.field[0] == "input" and p.field[1] in INPUT_FIELDS for p in error.problems)
        return
    assert new.type is ActivityType.BUY and new.portfolio.id == PORTFOLIO_ID
    assert new.quantity is not None and new.quantity > 0
