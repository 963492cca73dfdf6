"""What the assets service accepts: manual prices, manual FX rates and valuation representations.

Inputs of mutations report every problem at once (`InputProblems`: userErrors, nothing written);
a representation the router (or anyone calling this subgraph) sends that cannot be valued is a
BAD_USER_INPUT error. The messages live in `domain.problems`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from kit.core.errors import InputProblems, Problem
from kit.core.money import (
    STORED_DECIMAL,
    Amount,
    DecimalError,
    decimal_places,
    is_iso_currency,
    parse_decimal,
)
from kit.core.text import TextKind, trimmed

from assets.domain import problems
from assets.domain.fx import MANUAL_FX_SOURCE, FxRate
from assets.domain.instruments import Catalog, Instrument, normalize_symbol
from assets.domain.manual import MAX_EXPIRY_AHEAD, ManualPrice, ManualPriceChange
from assets.domain.valuation import Holding, Lot

# DynamoDB numbers hold 38 significant digits; these bounds keep any accepted amount storable and
# far beyond any real price.
MAX_AMOUNT = Decimal("1e15")
MAX_DECIMAL_PLACES = 18
# Bounds that keep a manual rate storable and sane (no real rate is near them).
MAX_RATE = Decimal("1e9")
MAX_RATE_PLACES = 18

_SUBJECTS = {"price": "The price", "previousClose": "The previous close"}


def _amount_problems(amount: Amount, field: tuple[str, ...]) -> list[Problem]:
    subject = _SUBJECTS[field[-1]]
    found: list[Problem] = []
    value = amount.value
    if value <= 0:
        found.append(problems.not_positive((*field, "amount"), subject))
    elif value >= MAX_AMOUNT:
        found.append(problems.too_large((*field, "amount"), subject, MAX_AMOUNT))
    elif decimal_places(value) > MAX_DECIMAL_PLACES:
        found.append(problems.too_precise((*field, "amount"), subject, MAX_DECIMAL_PLACES))
    if not is_iso_currency(amount.currency_code):
        found.append(problems.not_a_currency((*field, "currencyCode"), f"{subject}'s currency"))
    return found


def validate_manual_price(
    *,
    raw_symbol: str,
    price: Amount,
    previous_close: Amount | None,
    catalog: Catalog,
    set_at: datetime,
    expires_at: datetime | None = None,
) -> ManualPriceChange:
    """Check a manual price; every problem found is reported at once as `InputProblems`."""
    found: list[Problem] = []
    if expires_at is not None:
        found.extend(_expiry_problems(expires_at, set_at))
    symbol = normalize_symbol(raw_symbol)
    if symbol is None:
        found.append(problems.malformed_symbol(("input", "symbol")))
    found.extend(_amount_problems(price, ("input", "price")))
    price_currency_ok = is_iso_currency(price.currency_code)

    entry = catalog.get(symbol) if symbol is not None else None
    if entry is not None and price_currency_ok and entry.instrument.currency != price.currency_code:
        found.append(
            problems.quoted_in_another_currency(entry.symbol, entry.instrument.currency, price.currency_code)
        )

    if previous_close is not None:
        found.extend(_amount_problems(previous_close, ("input", "previousClose")))
        if (
            price_currency_ok
            and is_iso_currency(previous_close.currency_code)
            and previous_close.currency_code != price.currency_code
        ):
            found.append(problems.previous_close_in_another_currency(price.currency_code))

    if found or symbol is None:
        raise InputProblems(found)
    manual = ManualPrice(
        symbol=symbol, price=price, previous_close=previous_close, set_at=set_at, expires_at=expires_at
    )
    new_instrument = None if entry is not None else Instrument.manual(symbol, price.currency_code)
    return ManualPriceChange(price=manual, new_instrument=new_instrument)


def _expiry_problems(expires_at: datetime, now: datetime) -> list[Problem]:
    """An expiry is an instant (with its offset), in the future, at most MAX_EXPIRY_AHEAD away."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        return [problems.expiry_without_offset()]
    if expires_at <= now:
        return [problems.expiry_not_in_future()]
    if expires_at - now > MAX_EXPIRY_AHEAD:
        return [problems.expiry_too_far(MAX_EXPIRY_AHEAD.days)]
    return []


def validate_symbol_to_clear(raw_symbol: str) -> str:
    """The symbol whose manual price is to be cleared, normalized; `InputProblems` when malformed."""
    symbol = normalize_symbol(raw_symbol)
    if symbol is None:
        raise InputProblems([problems.malformed_symbol(("input", "symbol"))])
    return symbol


def validate_manual_fx_rate(
    *, from_currency: str, to_currency: str, rate: Decimal, set_at: datetime
) -> FxRate:
    """Check a manual rate (codes trimmed and upper-cased); every problem is reported at once."""
    found: list[Problem] = []
    source = trimmed(from_currency, TextKind.CODE).upper()
    target = trimmed(to_currency, TextKind.CODE).upper()
    if not is_iso_currency(source):
        found.append(problems.not_a_currency(("input", "fromCurrency"), "The currency to convert from"))
    if not is_iso_currency(target):
        found.append(problems.not_a_currency(("input", "toCurrency"), "The currency to convert to"))
    if source == target and is_iso_currency(source):
        found.append(problems.same_currencies())
    field = ("input", "rate")
    if not rate.is_finite() or rate <= 0:
        found.append(problems.not_positive(field, "The rate"))
    elif rate >= MAX_RATE:
        found.append(problems.too_large(field, "The rate", MAX_RATE))
    elif decimal_places(rate) > MAX_RATE_PLACES:
        found.append(problems.too_precise(field, "The rate", MAX_RATE_PLACES))
    if found:
        raise InputProblems(found)
    return FxRate(source, target, rate, MANUAL_FX_SOURCE, set_at)


def parse_holdings(raw: object) -> list[Holding]:
    """Holdings from an entity representation (Decimal values arrive as JSON strings).

    The router sends what the portfolios subgraph computed (sums and products: kit.core.money's stored
    bounds); a caller of this subgraph may send anything, so whatever is not a list of
    {symbol, quantity, costBasis, openLots?} within those bounds is refused with BAD_USER_INPUT.
    `openLots`, when present, are the holding's open lots as parallel lists {quantities, purchasedOn,
    purchasePrices, currencies, fxRates} (the i-th entry of each is one lot): what a day change by
    the broker convention needs (see domain.valuation).
    """
    if not isinstance(raw, list):
        raise problems.bad_holdings()
    holdings = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("symbol"), str):
            raise problems.bad_holdings()
        try:
            quantity = parse_decimal(item.get("quantity"), STORED_DECIMAL)
            cost_basis = parse_decimal(item.get("costBasis"), STORED_DECIMAL)
        except DecimalError as error:
            raise problems.bad_holdings(f" ({error})") from error
        lots = _open_lots(item.get("openLots"))
        holdings.append(Holding(item["symbol"], quantity, cost_basis, lots))
    return holdings


_LOT_LISTS = ("quantities", "purchasedOn", "purchasePrices", "currencies", "fxRates")


def _open_lots(raw: object) -> tuple[Lot, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise problems.bad_holdings()
    columns: list[list[object]] = []
    for name in _LOT_LISTS:
        column = raw.get(name)
        if not isinstance(column, list):
            raise problems.bad_holdings()
        columns.append(column)
    if len({len(column) for column in columns}) != 1:  # parallel lists: one entry per lot in each
        raise problems.bad_holdings()
    return tuple(_lot(*entry) for entry in zip(*columns, strict=True))


def _lot(quantity: object, purchased: object, price: object, currency: object, fx_rate: object) -> Lot:
    if not isinstance(currency, str) or not is_iso_currency(currency) or not isinstance(purchased, str):
        raise problems.bad_holdings()
    try:
        parsed_quantity = parse_decimal(quantity, STORED_DECIMAL)
        parsed_price = parse_decimal(price, STORED_DECIMAL)
        parsed_rate = None if fx_rate is None else parse_decimal(fx_rate, STORED_DECIMAL)
    except DecimalError as error:
        raise problems.bad_holdings(f" ({error})") from error
    if parsed_rate is not None and parsed_rate <= 0:
        raise problems.bad_holdings()
    try:
        purchased_on = date.fromisoformat(purchased)
    except ValueError as error:
        raise problems.bad_holdings() from error
    return Lot(parsed_quantity, Amount(parsed_price, currency), purchased_on, parsed_rate)


def parse_base_currency(raw: object) -> str:
    """The representation's baseCurrency: an ISO 4217 code (a valuation rounds to its minor unit),
    or "" when none was sent (then there is no valuation). Anything else is BAD_USER_INPUT."""
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str) or not is_iso_currency(raw):
        raise problems.bad_base_currency()
    return raw
