"""Input validation: every problem of an input at once, with its field path and code."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.errors import InputProblems, PublicError
from kit.money import Amount
from portfolios.domain.events import CustomerClosed, CustomerRegistered, InvalidEvent, parse_event
from portfolios.domain.model import CostBasisMethod, Portfolio, PortfolioKind
from portfolios.domain.paging import decode_cursor, encode_cursor, page_size
from portfolios.domain.validation import (
    CorrectionRequest,
    LotRequest,
    PortfolioRequest,
    SaleRequest,
    corrected_request,
    decimal_places,
    latest_purchase_date,
    validate_lot,
    validate_name,
    validate_portfolio,
    validate_sale,
)

CUSTOMER = "01HZX3Q4W5E6R7T8Y9Z0ABCDEF"
COGNITO_SUB = "3f1c9e7a-5b2d-4c8e-9a1f-0e2d4b6c8a90"  # a customer who registered itself
PORTFOLIO_ID = "01HZX3Q4W5E6R7T8Y9Z0PQRSTV"
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


# --- lots -------------------------------------------------------------------------------------


def lot_request(**overrides):
    values = {
        "portfolio_id": PORTFOLIO_ID,
        "symbol": "AAPL",
        "quantity": D("10"),
        "price_amount": D("150.25"),
        "price_currency": "USD",
        "purchased_at": date(2024, 5, 1),
    }
    return LotRequest(**{**values, **overrides})


def validate(request, portfolio=USD_PORTFOLIO):
    return validate_lot(request, portfolio=portfolio, latest_date=TODAY)


def test_valid_lot_is_normalised():
    new = validate(lot_request(symbol=" brk.b ", fees_amount=D("1.00"), fees_currency="USD"))
    assert new.symbol == "BRK.B"
    assert new.fees == Amount(D("1.00"), "USD")
    assert new.fx_rate is None
    assert new.base_currency == "USD"


def test_lot_in_another_currency_with_fx_rate():
    new = validate(lot_request(price_currency="EUR", fx_rate=D("1.085")))
    assert new.fx_rate == D("1.085")
    # (10 * 150.25) * 1.085 = 1502.50 * 1.085 = 1630.2125 USD
    assert new.create("L", datetime(2024, 5, 1, tzinfo=UTC)).cost_basis == Amount(D("1630.2125"), "USD")


def test_fx_rate_of_one_in_base_currency_is_dropped():
    assert validate(lot_request(fx_rate=D("1.000"))).fx_rate is None


def test_purchase_dated_today_is_accepted():
    assert validate(lot_request(purchased_at=TODAY)).purchased_at == TODAY


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"symbol": "$$$"}, {(("input", "symbol"), "INVALID")}),
        ({"symbol": "   "}, {(("input", "symbol"), "INVALID")}),
        ({"symbol": "-AAPL"}, {(("input", "symbol"), "INVALID")}),
        ({"symbol": "A" * 21}, {(("input", "symbol"), "INVALID")}),
        ({"quantity": D("0")}, {(("input", "quantity"), "INVALID")}),
        ({"quantity": D("-1")}, {(("input", "quantity"), "INVALID")}),
        ({"quantity": D("0.123456789")}, {(("input", "quantity"), "INVALID")}),
        ({"quantity": D("1e13")}, {(("input", "quantity"), "INVALID")}),
        ({"price_amount": D("-0.01")}, {(("input", "purchasePrice", "amount"), "INVALID")}),
        ({"price_currency": "XQZ"}, {(("input", "purchasePrice", "currencyCode"), "INVALID")}),
        ({"purchased_at": TODAY + timedelta(days=1)}, {(("input", "purchasedAt"), "INVALID")}),
        (
            {"fees_amount": D("-1"), "fees_currency": "USD"},
            {(("input", "fees", "amount"), "INVALID")},
        ),
        (
            {"fees_amount": D("1"), "fees_currency": "EUR"},
            {(("input", "fees", "currencyCode"), "INVALID")},
        ),
        ({"price_currency": "EUR"}, {(("input", "fxRate"), "FX_RATE_REQUIRED")}),
        ({"price_currency": "EUR", "fx_rate": D("0")}, {(("input", "fxRate"), "INVALID")}),
        ({"price_currency": "EUR", "fx_rate": D("-1.1")}, {(("input", "fxRate"), "INVALID")}),
        ({"fx_rate": D("1.2")}, {(("input", "fxRate"), "INVALID")}),
        ({"idempotency_key": ""}, {(("input", "idempotencyKey"), "INVALID")}),
        ({"idempotency_key": "k" * 129}, {(("input", "idempotencyKey"), "INVALID")}),
        ({"portfolio_id": "nope"}, {(("input", "portfolioId"), "INVALID")}),
    ],
)
def test_invalid_lot(overrides, expected):
    assert problems_of(lambda: validate(lot_request(**overrides))) == expected


def test_missing_portfolio_is_not_found():
    assert problems_of(lambda: validate(lot_request(), portfolio=None)) == {
        (("input", "portfolioId"), "NOT_FOUND")
    }


def test_every_problem_is_reported_at_once():
    request = lot_request(
        symbol="!",
        quantity=D("0"),
        price_amount=D("-1"),
        purchased_at=TODAY + timedelta(days=30),
        fees_amount=D("1"),
        fees_currency="GBP",
    )
    assert problems_of(lambda: validate(request, portfolio=None)) == {
        (("input", "portfolioId"), "NOT_FOUND"),
        (("input", "symbol"), "INVALID"),
        (("input", "quantity"), "INVALID"),
        (("input", "purchasePrice", "amount"), "INVALID"),
        (("input", "purchasedAt"), "INVALID"),
        (("input", "fees", "currencyCode"), "INVALID"),
    }


def test_fingerprint_ignores_spelling_but_not_values():
    base = validate(lot_request(quantity=D("10"), symbol="aapl")).fingerprint()
    assert validate(lot_request(quantity=D("10.000"), symbol=" AAPL")).fingerprint() == base
    assert validate(lot_request(quantity=D("10.5"))).fingerprint() != base
    assert validate(lot_request(purchased_at=date(2024, 5, 2))).fingerprint() != base
    assert validate(lot_request(fees_amount=D("0"), fees_currency="USD")).fingerprint() != base


@given(st.decimals(min_value=D("0.00000001"), max_value=D("1e12"), places=8), st.integers(0, 5))
def test_fingerprint_is_stable_under_trailing_zeros(quantity, zeros):
    padded = D(format(quantity, "f") + ("0" * zeros if "." in format(quantity, "f") else ""))
    assert (
        validate(lot_request(quantity=quantity)).fingerprint()
        == validate(lot_request(quantity=padded)).fingerprint()
    )


# --- helpers ----------------------------------------------------------------------------------


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


# --- portfolios: closed customers, names --------------------------------------------------------


def test_closed_customer_gets_no_portfolio():
    request = portfolio_request()
    assert problems_of(
        lambda: validate_portfolio(request, customer_registered=True, customer_closed=True)
    ) == {(("input", "customerId"), "CUSTOMER_CLOSED")}


def test_validate_name():
    assert validate_name("  Old IRA ") == "Old IRA"
    assert problems_of(lambda: validate_name(" ")) == {(("input", "name"), "INVALID")}


# --- sales ------------------------------------------------------------------------------------


def sale_request(**overrides):
    values = {
        "portfolio_id": PORTFOLIO_ID,
        "symbol": "aapl",
        "quantity": D("4"),
        "price_amount": D("120"),
        "price_currency": "USD",
        "sold_at": date(2024, 5, 1),
    }
    return SaleRequest(**{**values, **overrides})


def test_valid_sale_is_normalised_and_knows_its_proceeds():
    sale = validate_sale(
        sale_request(price_currency="EUR", fees_amount=D("2"), fees_currency="EUR", fx_rate=D("1.2")),
        portfolio=USD_PORTFOLIO,
        latest_date=TODAY,
    )
    assert sale.symbol == "AAPL"
    # (4 * 120 - 2) * 1.2 = 478 * 1.2 = 573.6 USD
    assert sale.net_proceeds == D("573.6")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"quantity": D("0")}, {(("input", "quantity"), "INVALID")}),
        ({"quantity": D("0.000000001")}, {(("input", "quantity"), "INVALID")}),
        ({"price_amount": D("-1")}, {(("input", "price", "amount"), "INVALID")}),
        ({"price_currency": "EURO"}, {(("input", "price", "currencyCode"), "INVALID")}),
        ({"price_currency": "EUR"}, {(("input", "fxRate"), "FX_RATE_REQUIRED")}),
        ({"sold_at": TODAY + timedelta(days=1)}, {(("input", "soldAt"), "INVALID")}),
        ({"fees_amount": D("1"), "fees_currency": "GBP"}, {(("input", "fees", "currencyCode"), "INVALID")}),
        ({"idempotency_key": ""}, {(("input", "idempotencyKey"), "INVALID")}),
    ],
)
def test_invalid_sale(overrides, expected):
    request = sale_request(**overrides)
    assert problems_of(lambda: validate_sale(request, portfolio=USD_PORTFOLIO, latest_date=TODAY)) == expected


def test_sale_and_purchase_fingerprints_differ():
    sale = validate_sale(
        sale_request(symbol="AAPL", quantity=D("10"), price_amount=D("150.25")),
        portfolio=USD_PORTFOLIO,
        latest_date=TODAY,
    )
    purchase = validate(lot_request(purchased_at=date(2024, 5, 1)))
    assert sale.fingerprint() != purchase.fingerprint()
    again = validate_sale(
        sale_request(symbol=" aapl", quantity=D("10.0"), price_amount=D("150.250")),
        portfolio=USD_PORTFOLIO,
        latest_date=TODAY,
    )
    assert again.fingerprint() == sale.fingerprint()


# --- corrections ------------------------------------------------------------------------------


def recorded_lot(**overrides):
    return validate(lot_request(**overrides)).create(
        "01HZX3Q4W5E6R7T8Y9Z0LLLLLL", datetime(2024, 5, 1, tzinfo=UTC)
    )


def test_correction_keeps_what_is_not_given_and_recomputes_the_cost():
    lot = recorded_lot(fees_amount=D("1"), fees_currency="USD")
    request = corrected_request(lot, CorrectionRequest(id=lot.id, quantity=D("12")))
    corrected = validate(request).applied_to(lot)
    # 12 * 150.25 + 1 = 1803.00 + 1 = 1804.00
    assert (corrected.quantity, corrected.remaining_quantity) == (D("12"), D("12"))
    assert corrected.remaining_cost == D("1804.00")
    assert corrected.fees == lot.fees and corrected.version == lot.version + 1


def test_correction_null_fees_clears_them_and_a_new_currency_needs_a_rate():
    lot = recorded_lot(fees_amount=D("1"), fees_currency="USD")
    cleared = validate(corrected_request(lot, CorrectionRequest(id=lot.id, fees=None)))
    assert cleared.fees is None
    in_euros = CorrectionRequest(id=lot.id, purchase_price=Amount(D("140"), "EUR"), fees=None)
    assert problems_of(lambda: validate(corrected_request(lot, in_euros))) == {
        (("input", "fxRate"), "FX_RATE_REQUIRED")
    }
    # Kept fees stay in the old currency: the same rule as addInvestment reports it.
    keep_fees = CorrectionRequest(id=lot.id, purchase_price=Amount(D("140"), "EUR"), fx_rate=D("1.1"))
    assert problems_of(lambda: validate(corrected_request(lot, keep_fees))) == {
        (("input", "fees", "currencyCode"), "INVALID")
    }


def test_correction_of_a_foreign_lot_keeps_its_rate_unless_the_currency_changes():
    lot = recorded_lot(price_currency="EUR", fx_rate=D("1.1"))
    assert validate(corrected_request(lot, CorrectionRequest(id=lot.id, quantity=D("1")))).fx_rate == D("1.1")
    back_home = CorrectionRequest(id=lot.id, purchase_price=Amount(D("150"), "USD"))
    assert validate(corrected_request(lot, back_home)).fx_rate is None


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
