"""The cost-basis arithmetic under the replay: truncation, pro rata shares and allocation that never
loses a digit, and the customer's book. By hand, then by property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.core.money import EXACT
from portfolios.domain.books import book_of
from portfolios.domain.costbasis import allocate, prorate, truncate
from portfolios.domain.lots import Holdings
from portfolios.domain.model import CostBasisMethod, Portfolio, PortfolioKind

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(D("1.23456"), 3, "1.234"), (D("1.2"), 3, "1.2"), (D("-1.239"), 2, "-1.23"), (D("5"), 0, "5")],
)
def test_truncate_cuts_toward_zero_and_leaves_shorter_values_alone(value, places, expected):
    assert str(truncate(value, places)) == expected


def test_prorate_edges():
    assert prorate(D(7), D(2), D(2), 0) == D(7)  # the whole: the amount itself, whatever its places
    assert prorate(D("7.123456789012"), D(2), D(2), 2) == D("7.123456789012")
    assert prorate(D(7), D(0), D(2), 0) == D(0)
    assert prorate(D(100), D(1), D(3), 10) == D("33.3333333333")  # truncated, not rounded
    assert prorate(D(200), D(2), D(3), 10) == D("133.3333333333")
    for part, whole in ((D(3), D(2)), (D(-1), D(2)), (D(1), D(0))):
        with pytest.raises(ValueError):
            prorate(D(7), part, whole, 2)


def test_allocate_by_hand():
    # 10 / 3 = 3.33 each (truncated), 0.01 left: to the last share.
    assert allocate(D(10), [D(1), D(1), D(1)], 2, capped=False) == [D("3.33"), D("3.33"), D("3.34")]
    assert allocate(D(0), [D(1), D(0)], 2, capped=True) == [D(0), D(0)]
    # Zero weights get nothing, not even the remainder (it goes to the last positive weight).
    assert allocate(D(1), [D(1), D(2), D(0)], 2, capped=False) == [D("0.33"), D("0.67"), D(0)]
    # Capped: no share above its weight; 1 over 0.33333333 x 3 at 8 places.
    assert allocate(D(1), [D("0.5"), D("0.5"), D("0.5")], 8, capped=True) == [
        D("0.33333333"),
        D("0.33333333"),
        D("0.33333334"),
    ]
    with pytest.raises(ValueError):
        allocate(D(3), [D(1), D(1)], 2, capped=True)
    with pytest.raises(ValueError):
        allocate(D(-1), [D(1)], 2, capped=False)


weights = st.lists(st.decimals(min_value=D(0), max_value=D(10_000), places=8), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(weights, st.integers(0, 10), st.booleans(), st.data())
def test_allocate_gives_every_digit_to_someone(ws, places, capped, data):
    whole = sum(ws, D(0))
    if whole == 0:
        return
    most = whole if capped else D(10**9)
    total = data.draw(st.decimals(min_value=D(0), max_value=most, places=places))
    shares = allocate(total, ws, places, capped=capped)
    assert sum(shares, D(0)) == total  # exactly
    assert all(share >= 0 for share in shares)
    assert all(share == 0 for share, w in zip(shares, ws, strict=True) if w == 0)
    if capped:
        assert all(share <= w for share, w in zip(shares, ws, strict=True))
    if not capped or places >= 8:  # capped, a remainder goes in pieces of a weight's digits (8 places)
        assert all(truncate(share, places) == share for share in shares)


@settings(max_examples=150, deadline=None)
@given(
    st.decimals(min_value=D(0), max_value=D(10**9), places=10),
    st.decimals(min_value=D("0.00000001"), max_value=D(10**6), places=8),
    st.data(),
)
def test_prorate_never_exceeds_the_exact_share(amount, whole, data):
    part = data.draw(st.decimals(min_value=D(0), max_value=whole, places=8))
    share = prorate(amount, part, whole, 10)
    exact = EXACT.divide(EXACT.multiply(amount, part), whole)  # 120 digits: as good as exact here
    assert share <= amount
    assert exact - D("1e-10") < share <= exact + D("1e-30")  # truncated to 10 places, never up


def test_a_customers_book_orders_portfolios_by_creation_and_drops_holdings_of_others():
    def portfolio(pid: str, minute: int) -> Portfolio:
        return Portfolio(
            id=pid,
            customer_id="C",
            name=pid,
            kind=PortfolioKind.IRA,
            base_currency="USD",
            cost_basis_method=CostBasisMethod.FIFO,
            created_at=T0 + timedelta(minutes=minute),
        )

    late, early = portfolio("B", 5), portfolio("A", 1)
    book = book_of("C", [late, early], [Holdings("B", "USD", cash=D("5.00")), Holdings("Z", "USD")])
    assert book.portfolios == (early, late)
    assert set(book.holdings) == {"B"}
    assert book.holdings_of(late).cash == D("5.00")
    assert book.holdings_of(early) == Holdings("A", "USD")  # nothing recorded yet: empty holdings
