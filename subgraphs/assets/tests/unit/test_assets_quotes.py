from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from assets.domain.quotes import Quote
from kit.core.money import Amount

AT = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)


def test_change_and_percent_from_previous_close() -> None:
    quote = Quote("AAPL", Amount(Decimal("110.50"), "USD"), Amount(Decimal("100.00"), "USD"), AT, "simulated")
    assert quote.change == Amount(Decimal("10.50"), "USD")
    # 10.50 / 100.00 * 100 = 10.5
    assert quote.change_percent == Decimal("10.5")


def test_no_previous_close_means_no_change() -> None:
    quote = Quote("AAPL", Amount(Decimal("110.50"), "USD"), None, AT, "manual")
    assert quote.change is None
    assert quote.change_percent is None


def test_negative_change() -> None:
    quote = Quote("X", Amount(Decimal("3"), "EUR"), Amount(Decimal("4"), "EUR"), AT, "manual")
    # (3 - 4) / 4 * 100 = -25
    assert quote.change == Amount(Decimal("-1"), "EUR")
    assert quote.change_percent == Decimal("-25")


def test_previous_close_must_share_the_price_currency() -> None:
    with pytest.raises(ValueError, match="currency"):
        Quote("X", Amount(Decimal("3"), "EUR"), Amount(Decimal("4"), "USD"), AT, "manual")


def test_as_of_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Quote("X", Amount(Decimal("3"), "EUR"), None, datetime(2025, 1, 1), "manual")
