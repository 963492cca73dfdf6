"""Validation of what clients ask (no I/O): portfolios, and every activity type's fields, bounds
and codes, each problem at the path of the field the client sent (recordActivity's names, or
addInvestment's and sellInvestment's), all of an input's problems at once; corrections validated as
the corrected activity would be recorded; events and cursors. Generated bad inputs (hypothesis) give
InputProblems at input paths, never another exception."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.core.errors import InputProblems, PublicError
from kit.core.money import Amount
from portfolios.domain.activity_validation import corrected_request, validate_activity
from portfolios.domain.commands import (
    KEEP,
    PURCHASE_FIELDS,
    SALE_FIELDS,
    ActivityRequest,
    CorrectionRequest,
    MoneyRequest,
    PickRequest,
    PortfolioRequest,
)
from portfolios.domain.events import CustomerClosed, CustomerRegistered, InvalidEvent, parse_event
from portfolios.domain.model import (
    ActivityType,
    CostBasisMethod,
    LotPick,
    Portfolio,
    PortfolioKind,
    SplitRatio,
)
from portfolios.domain.paging import decode_cursor, encode_cursor, page_size
from portfolios.domain.validation import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    MAX_AMOUNT,
    MAX_FX_RATE,
    MAX_PICKS,
    MAX_QUANTITY,
    MAX_SPLIT_TERM,
    decimal_places,
    latest_purchase_date,
    validate_name,
    validate_portfolio,
)

CUSTOMER = "01HZX3Q4W5E6R7T8Y9Z0ABCDEF"
COGNITO_SUB = "3f1c9e7a-5b2d-4c8e-9a1f-0e2d4b6c8a90"  # a customer who registered itself
PORTFOLIO_ID = "01HZX3Q4W5E6R7T8Y9Z0PQRSTV"
OTHER_PORTFOLIO_ID = "01HZX3Q4W5E6R7T8Y9Z0XTHERS"
LOT_A = "01HZX3Q4W5E6R7T8Y9Z0AAAAAA"
LOT_B = "01HZX3Q4W5E6R7T8Y9Z0BBBBBB"
TODAY = date(2024, 6, 1)
USD_PORTFOLIO = Portfolio(
    id=PORTFOLIO_ID,
    customer_id=CUSTOMER,
    name="Main",
    kind=PortfolioKind.BROKERAGE,
    base_currency="USD",
    cost_basis_method=CostBasisMethod.FIFO,
    created_at=datetime(2024, 1, 1, tzinfo=UTC),
)
AVERAGE_PORTFOLIO = Portfolio(
    id=PORTFOLIO_ID,
    customer_id=CUSTOMER,
    name="Pooled",
    kind=PortfolioKind.BROKERAGE,
    base_currency="USD",
    cost_basis_method=CostBasisMethod.AVERAGE,
    created_at=datetime(2024, 1, 1, tzinfo=UTC),
)


def problems_of(call):
    with pytest.raises(InputProblems) as raised:
        call()
    return {(p.field, p.code) for p in raised.value.problems}


# --- portfolios -------------------------------------------------------------------------------


def portfolio_request(**overrides):
    values = {
        "customer_id": CUSTOMER,
        "name": "Retirement",
        "kind": PortfolioKind.IRA,
        "base_currency": "USD",
    }
    return PortfolioRequest(**{**values, **overrides})


def test_valid_portfolio_is_normalised():
    new = validate_portfolio(portfolio_request(name="  Retirement  "), customer_registered=True)
    assert new.name == "Retirement"
    assert new.cost_basis_method is CostBasisMethod.FIFO
    portfolio = new.create("01HZX3Q4W5E6R7T8Y9Z0PPPPPP", datetime(2024, 1, 1, tzinfo=UTC))
    assert (portfolio.customer_id, portfolio.base_currency) == (CUSTOMER, "USD")


@pytest.mark.parametrize(
    ("overrides", "registered", "expected"),
    [
        ({"name": "   "}, True, {(("input", "name"), "INVALID")}),
        ({"name": "x" * 101}, True, {(("input", "name"), "INVALID")}),
        ({"base_currency": "usd"}, True, {(("input", "baseCurrency"), "INVALID")}),
        ({"base_currency": "ABC"}, True, {(("input", "baseCurrency"), "INVALID")}),
        ({"customer_id": "customer-1"}, True, {(("input", "customerId"), "INVALID")}),
        ({}, False, {(("input", "customerId"), "NOT_FOUND")}),
        (
            {"name": "", "base_currency": "ZZZ"},
            False,
            {
                (("input", "customerId"), "NOT_FOUND"),
                (("input", "name"), "INVALID"),
                (("input", "baseCurrency"), "INVALID"),
            },
        ),
    ],
)
def test_invalid_portfolio(overrides, registered, expected):
    request = portfolio_request(**overrides)
    assert problems_of(lambda: validate_portfolio(request, customer_registered=registered)) == expected


def test_name_of_exactly_100_characters_is_accepted():
    assert len(validate_portfolio(portfolio_request(name="x" * 100), customer_registered=True).name) == 100


# --- activities: what each type takes -----------------------------------------------------------


def usd(amount):
    return MoneyRequest(D(amount), "USD")


def eur(amount):
    return MoneyRequest(D(amount), "EUR")


# A valid request of each type (TRANSFER_IN aside: only its TRANSFER_OUT records it).
VALID = {
    ActivityType.BUY: {"symbol": "AAPL", "quantity": D("10"), "price": usd("150.25")},
    ActivityType.SELL: {"symbol": "AAPL", "quantity": D("4"), "price": usd("200")},
    ActivityType.DIVIDEND: {"symbol": "AAPL", "amount": usd("12.50")},
    ActivityType.INTEREST: {"amount": usd("3.21")},
    ActivityType.DEPOSIT: {"amount": usd("1000")},
    ActivityType.WITHDRAWAL: {"amount": usd("250")},
    ActivityType.FEE: {"amount": usd("9.99")},
    ActivityType.TAX: {"amount": usd("1.88")},
    ActivityType.SPLIT: {"symbol": "AAPL", "split_from": D("1"), "split_to": D("4")},
    ActivityType.TRANSFER_OUT: {
        "symbol": "AAPL",
        "quantity": D("2"),
        "counterpart_portfolio_id": OTHER_PORTFOLIO_ID,
    },
}


def request(kind, **overrides):
    values = {"portfolio_id": PORTFOLIO_ID, "type": kind, "occurred_at": date(2024, 5, 1), **VALID[kind]}
    return ActivityRequest(**{**values, **overrides})


def validate(req, portfolio=USD_PORTFOLIO):
    return validate_activity(req, portfolio=portfolio, latest_date=TODAY)


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


def test_a_buy_is_normalised():
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


# --- corrections --------------------------------------------------------------------------------


def recorded(kind, **overrides):
    return validate(request(kind, **overrides)).as_activity(LOT_A, datetime(2024, 5, 1, 12, tzinfo=UTC))


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


# --- dates, decimals, customers, events ---------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        (datetime(2024, 6, 1, 9, 59, tzinfo=UTC), date(2024, 6, 1)),  # 09:59 + 14h = 23:59 same day
        (datetime(2024, 6, 1, 10, 0, tzinfo=UTC), date(2024, 6, 2)),  # 10:00 + 14h = midnight: 2 June begins
        # 1 June 01:00 at UTC+5 = 31 May 20:00 UTC; + 14h = 1 June 10:00 at UTC+14
        (datetime(2024, 6, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))), date(2024, 6, 1)),
        # 1 June 20:00 at UTC-10 = 2 June 06:00 UTC; + 14h = 2 June 20:00 at UTC+14
        (datetime(2024, 6, 1, 20, 0, tzinfo=timezone(timedelta(hours=-10))), date(2024, 6, 2)),
    ],
)
def test_latest_purchase_date_is_the_date_at_utc_plus_14(now, latest):
    assert latest_purchase_date(now) == latest


def test_latest_purchase_date_needs_an_aware_instant():
    with pytest.raises(ValueError, match="timezone-aware"):
        latest_purchase_date(datetime(2024, 6, 1))


@pytest.mark.parametrize(
    ("value", "places"), [(D("1.50"), 1), (D("100"), 0), (D("1E+2"), 0), (D("0.12345678"), 8), (D("0"), 0)]
)
def test_decimal_places(value, places):
    assert decimal_places(value) == places


def test_a_cognito_customer_gets_a_portfolio():
    new = validate_portfolio(portfolio_request(customer_id=f" {COGNITO_SUB} "), customer_registered=True)
    assert new.customer_id == COGNITO_SUB
    upper = portfolio_request(customer_id=COGNITO_SUB.upper())
    assert problems_of(lambda: validate_portfolio(upper, customer_registered=True)) == {
        (("input", "customerId"), "INVALID")
    }


# --- events -----------------------------------------------------------------------------------


def test_parse_customer_registered_ignores_extra_fields():
    event = parse_event({"type": "CustomerRegistered", "customerId": CUSTOMER, "email": "a@b.c"})
    assert event == CustomerRegistered(customer_id=CUSTOMER)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "CustomerRegistered",
        {"type": "CustomerRegistered"},
        {"type": "CustomerRegistered", "customerId": 42},
        {"type": "CustomerRegistered", "customerId": "not-a-ulid"},
        {"type": "CustomerDeleted", "customerId": CUSTOMER},
        {"type": "CustomerClosed"},
        {"type": "CustomerClosed", "customerId": "c-1"},
        {"customerId": CUSTOMER},
    ],
)
def test_malformed_events_are_rejected(body):
    with pytest.raises(InvalidEvent):
        parse_event(body)


def test_parse_customer_closed():
    assert parse_event({"type": "CustomerClosed", "customerId": CUSTOMER}) == CustomerClosed(CUSTOMER)


def test_events_of_a_cognito_customer():
    body = {"type": "CustomerRegistered", "customerId": COGNITO_SUB}
    assert parse_event(body) == CustomerRegistered(COGNITO_SUB)
    with pytest.raises(InvalidEvent):
        parse_event({**body, "customerId": COGNITO_SUB.upper()})


def test_closed_customer_gets_no_portfolio():
    request = portfolio_request()
    assert problems_of(
        lambda: validate_portfolio(request, customer_registered=True, customer_closed=True)
    ) == {(("input", "customerId"), "CUSTOMER_CLOSED")}


def test_validate_name():
    assert validate_name("  Old IRA ") == "Old IRA"
    assert problems_of(lambda: validate_name(" ")) == {(("input", "name"), "INVALID")}


# --- activity cursors -------------------------------------------------------------------------


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(CUSTOMER)) == CUSTOMER


@pytest.mark.parametrize(
    "cursor",
    ["", "not base64!", "YWN0aXZpdHk6", encode_cursor(CUSTOMER) + "=", encode_cursor("01hzx")],
)
def test_malformed_cursors_are_bad_user_input(cursor):
    with pytest.raises(PublicError) as raised:
        decode_cursor(cursor)
    assert raised.value.code == "BAD_USER_INPUT"


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_size_bounds(first):
    with pytest.raises(PublicError) as raised:
        page_size(first)
    assert raised.value.extensions == {"code": "BAD_USER_INPUT"}
    assert page_size(100) == 100
