"""Manual prices: a price pinned by a user (an unlisted fund, a correction), overriding any feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kit.core.errors import InputProblems, Problem
from kit.core.money import Amount, decimal_places, is_iso_currency

from assets.domain.instruments import Catalog, Instrument, normalize_symbol
from assets.domain.quotes import MANUAL_SOURCE, Quote

# DynamoDB numbers hold 38 significant digits; these bounds keep any accepted amount storable and
# far beyond any real price.
MAX_AMOUNT = Decimal("1e15")
MAX_DECIMAL_PLACES = 18


@dataclass(frozen=True, slots=True)
class ManualPrice:
    symbol: str
    price: Amount
    previous_close: Amount | None
    set_at: datetime

    def quote(self) -> Quote:
        return Quote(
            symbol=self.symbol,
            price=self.price,
            previous_close=self.previous_close,
            as_of=self.set_at,
            source=MANUAL_SOURCE,
            stale=False,
        )


@dataclass(frozen=True, slots=True)
class ManualPriceChange:
    """What setting a manual price writes: the price, and the instrument when the catalog lacks it."""

    price: ManualPrice
    new_instrument: Instrument | None


def _amount_problems(amount: Amount, field: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    value = amount.value
    if value <= 0:
        problems.append(Problem((*field, "amount"), "must be greater than zero"))
    elif value >= MAX_AMOUNT:
        problems.append(Problem((*field, "amount"), f"must be less than {MAX_AMOUNT:f}"))
    elif decimal_places(value) > MAX_DECIMAL_PLACES:
        problems.append(Problem((*field, "amount"), f"has more than {MAX_DECIMAL_PLACES} decimal places"))
    if not is_iso_currency(amount.currency_code):
        problems.append(Problem((*field, "currencyCode"), "must be an ISO 4217 currency code, e.g. USD"))
    return problems


def validate_manual_price(
    *,
    raw_symbol: str,
    price: Amount,
    previous_close: Amount | None,
    catalog: Catalog,
    set_at: datetime,
) -> ManualPriceChange:
    """Check a manual price; every problem found is reported at once as `InputProblems`."""
    problems: list[Problem] = []
    symbol = normalize_symbol(raw_symbol)
    if symbol is None:
        problems.append(
            Problem(
                ("input", "symbol"),
                "must be 1 to 20 letters, digits, dots or dashes, starting with a letter or digit",
            )
        )
    price_problems = _amount_problems(price, ("input", "price"))
    problems.extend(price_problems)
    price_currency_ok = is_iso_currency(price.currency_code)

    entry = catalog.get(symbol) if symbol is not None else None
    if entry is not None and price_currency_ok and entry.instrument.currency != price.currency_code:
        problems.append(
            Problem(
                ("input", "price", "currencyCode"),
                f"{symbol} is quoted in {entry.instrument.currency}, not {price.currency_code}",
                "CURRENCY_MISMATCH",
            )
        )

    if previous_close is not None:
        problems.extend(_amount_problems(previous_close, ("input", "previousClose")))
        if (
            price_currency_ok
            and is_iso_currency(previous_close.currency_code)
            and previous_close.currency_code != price.currency_code
        ):
            problems.append(
                Problem(
                    ("input", "previousClose", "currencyCode"),
                    f"must be in the currency of the price ({price.currency_code})",
                    "CURRENCY_MISMATCH",
                )
            )

    if problems or symbol is None:
        raise InputProblems(problems)
    manual = ManualPrice(symbol=symbol, price=price, previous_close=previous_close, set_at=set_at)
    new_instrument = None if entry is not None else Instrument.manual(symbol, price.currency_code)
    return ManualPriceChange(price=manual, new_instrument=new_instrument)
