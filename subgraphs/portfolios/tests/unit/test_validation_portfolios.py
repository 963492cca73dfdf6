"""Validation of portfolios, names, customers and dates (no I/O); activity cursors."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from kit.core.errors import PublicError
from portfolios.domain.model import CostBasisMethod
from portfolios.domain.paging import decode_cursor, encode_cursor, page_size
from portfolios.domain.validation import (
    decimal_places,
    latest_purchase_date,
    validate_portfolio,
)

from .validation_support import (
    COGNITO_SUB,
    CUSTOMER,
    portfolio_request,
    problems_of,
)


def test_valid_portfolio_is_normalized():
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
