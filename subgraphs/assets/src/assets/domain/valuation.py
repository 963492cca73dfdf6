"""Portfolio valuation: holdings (from the portfolios subgraph) times quotes, in the base currency.

Rules (Decimal throughout, full precision, nothing rounded here; sums and products in kit.money's
EXACT, so that a value near 10^26 keeps its cents; the two ratios in RATIO):
- A position is priced when it has a quote and a rate from the quote's currency to the base currency
  (`fx`: manual, feed, inverse or cross via USD; 1 for the same currency). Its market value is
  quantity x price x rate; its price stays in the quote's currency. Without a rate it is unpriced
  (never mixed in unconverted): price, marketValue, unrealizedGain and weight are null and the
  portfolio is not `complete`.
- Totals (marketValue, costBasis, unrealizedGain, dayChange) cover the priced positions only, so
  that the gain compares like with like; every position still reports its own cost basis.
- unrealizedGainPercent = unrealizedGain / costBasis * 100, null when that cost basis is 0.
- dayChange = sum of quantity * (price - previousClose), nothing for a position without a previous close.
- weight = position marketValue / portfolio marketValue, null when unpriced or the total is 0.
- asOf = the oldest asOf of the quotes used; null when none was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kit.money import EXACT, RATIO, Amount

from assets.domain.fx import FxRates, IdentityFxRates
from assets.domain.quotes import Quote


@dataclass(frozen=True, slots=True)
class Holding:
    """One position as the portfolios subgraph reports it; cost basis in the portfolio's base currency."""

    symbol: str
    quantity: Decimal
    cost_basis: Decimal


@dataclass(frozen=True, slots=True)
class PositionValuation:
    symbol: str
    quantity: Decimal
    price: Amount | None  # in the quote's currency
    market_value: Amount | None  # in the base currency
    cost_basis: Amount
    unrealized_gain: Amount | None
    weight: Decimal | None
    stale: bool
    quote: Quote | None  # the quote used, when the position is priced

    @property
    def priced(self) -> bool:
        return self.market_value is not None


@dataclass(frozen=True, slots=True)
class PortfolioValuation:
    market_value: Amount
    cost_basis: Amount
    unrealized_gain: Amount
    unrealized_gain_percent: Decimal | None
    day_change: Amount
    as_of: datetime | None
    complete: bool
    positions: tuple[PositionValuation, ...]


@dataclass(frozen=True, slots=True)
class _Priced:
    quote: Quote
    rate: Decimal


def _priced(quote: Quote | None, base_currency: str, fx: FxRates) -> _Priced | None:
    if quote is None:
        return None
    rate = fx.rate(quote.price.currency_code, base_currency)
    return None if rate is None else _Priced(quote, rate)


def _in_base(value: Decimal, rate: Decimal) -> Decimal:
    return value if rate == 1 else EXACT.multiply(value, rate)


def value_portfolio(
    base_currency: str,
    holdings: Sequence[Holding],
    quotes: Mapping[str, Quote | None],
    fx: FxRates | None = None,
) -> PortfolioValuation:
    """Value `holdings` with `quotes` (by holding symbol); see the module docstring for the rules."""
    rates = fx if fx is not None else IdentityFxRates()
    priced = [_priced(quotes.get(holding.symbol), base_currency, rates) for holding in holdings]

    market_value = Decimal(0)
    cost_basis = Decimal(0)
    day_change = Decimal(0)
    as_of: datetime | None = None
    values: list[Decimal] = []  # market value in the base currency of each priced position, in order
    for holding, pricing in zip(holdings, priced, strict=True):
        if pricing is None:
            continue
        quote = pricing.quote
        value = _in_base(EXACT.multiply(holding.quantity, quote.price.value), pricing.rate)
        values.append(value)
        market_value = EXACT.add(market_value, value)
        cost_basis = EXACT.add(cost_basis, holding.cost_basis)
        if quote.previous_close is not None:
            move = EXACT.subtract(quote.price.value, quote.previous_close.value)
            day_change = EXACT.add(day_change, _in_base(EXACT.multiply(holding.quantity, move), pricing.rate))
        if as_of is None or quote.as_of < as_of:
            as_of = quote.as_of

    positions: list[PositionValuation] = []
    priced_values = iter(values)
    for holding, pricing in zip(holdings, priced, strict=True):
        cost = Amount(holding.cost_basis, base_currency)
        if pricing is None:
            positions.append(
                PositionValuation(
                    symbol=holding.symbol,
                    quantity=holding.quantity,
                    price=None,
                    market_value=None,
                    cost_basis=cost,
                    unrealized_gain=None,
                    weight=None,
                    stale=False,
                    quote=None,
                )
            )
            continue
        quote = pricing.quote
        value = next(priced_values)
        positions.append(
            PositionValuation(
                symbol=holding.symbol,
                quantity=holding.quantity,
                price=quote.price,
                market_value=Amount(value, base_currency),
                cost_basis=cost,
                unrealized_gain=Amount(EXACT.subtract(value, holding.cost_basis), base_currency),
                weight=RATIO.divide(value, market_value) if market_value != 0 else None,
                stale=quote.stale,
                quote=quote,
            )
        )

    gain = EXACT.subtract(market_value, cost_basis)
    return PortfolioValuation(
        market_value=Amount(market_value, base_currency),
        cost_basis=Amount(cost_basis, base_currency),
        unrealized_gain=Amount(gain, base_currency),
        unrealized_gain_percent=(
            RATIO.multiply(RATIO.divide(gain, cost_basis), 100) if cost_basis != 0 else None
        ),
        day_change=Amount(day_change, base_currency),
        as_of=as_of,
        complete=all(pricing is not None for pricing in priced),
        positions=tuple(positions),
    )
