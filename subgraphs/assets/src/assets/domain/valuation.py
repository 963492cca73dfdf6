"""Portfolio valuation: holdings (from the portfolios subgraph) times quotes, in the base currency.

A valuation is a statement (DESIGN.md decision 6): every amount in it is a line rounded half-even to
the base currency's minor unit, and every total is the sum of its rounded lines, so that a reader
adding up the positions gets the portfolio's figures to the last digit. Products run in kit.money's
EXACT before the one rounding of each line (a value near 10^26 keeps its cents); ratios in RATIO.
Prices, weights and the percentage are rates: exact here, trimmed to 10 places at the API edge.

Rules:
- A position is priced when it has a quote and a rate from the quote's currency to the base currency
  (`fx`: manual, feed, inverse or cross via USD; 1 for the same currency). Its market value is
  quantity x price x rate, rounded; its price stays in the quote's currency. Without a rate it is
  unpriced (never mixed in unconverted): price, marketValue, unrealizedGain, dayChange and weight
  are null and the portfolio is not `complete`.
- Its cost basis (in the base currency, from the portfolios subgraph) is rounded as a line too; its
  unrealized gain is its rounded market value minus its rounded cost basis.
- Its day change is quantity x (price - previousClose) x rate, rounded; null without a previous close.
- Totals (marketValue, costBasis, unrealizedGain, dayChange) are the sums of the priced positions'
  lines only, so that the gain compares like with like; every position still reports its own cost
  basis. So the total gain is also total market value minus total cost basis, exactly.
- unrealizedGainPercent = unrealizedGain / costBasis * 100 of those totals, null when that cost
  basis is 0.
- weight = position marketValue / portfolio marketValue, null when unpriced or the total is 0.
- asOf = the oldest asOf of the quotes used; null when none was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kit.money import EXACT, RATIO, Amount, sum_of_rounded

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
    day_change: Amount | None
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


@dataclass(frozen=True, slots=True)
class _Lines:
    """A priced position's statement lines, each already rounded to the base currency's minor unit."""

    market_value: Amount
    cost_basis: Amount
    day_change: Amount | None


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

    # The lines first: each priced position's value, cost and day change, each rounded once.
    lines: list[_Lines | None] = []
    for holding, pricing in zip(holdings, priced, strict=True):
        cost = Amount(holding.cost_basis, base_currency).rounded()
        if pricing is None:
            lines.append(None)
            continue
        quote = pricing.quote
        value = Amount(
            _in_base(EXACT.multiply(holding.quantity, quote.price.value), pricing.rate), base_currency
        )
        day: Amount | None = None
        if quote.previous_close is not None:
            move = EXACT.subtract(quote.price.value, quote.previous_close.value)
            day = Amount(
                _in_base(EXACT.multiply(holding.quantity, move), pricing.rate), base_currency
            ).rounded()
        lines.append(_Lines(value.rounded(), cost, day))

    priced_lines = [line for line in lines if line is not None]
    market_value = sum_of_rounded((line.market_value for line in priced_lines), base_currency)
    cost_basis = sum_of_rounded((line.cost_basis for line in priced_lines), base_currency)
    day_change = sum_of_rounded((line.day_change for line in priced_lines if line.day_change), base_currency)
    gain = market_value - cost_basis  # = the sum of the positions' gains, each value - cost
    used = [pricing.quote.as_of for pricing in priced if pricing is not None]

    positions: list[PositionValuation] = []
    for holding, pricing, line in zip(holdings, priced, lines, strict=True):
        if pricing is None or line is None:
            positions.append(
                PositionValuation(
                    symbol=holding.symbol,
                    quantity=holding.quantity,
                    price=None,
                    market_value=None,
                    cost_basis=Amount(holding.cost_basis, base_currency).rounded(),
                    unrealized_gain=None,
                    day_change=None,
                    weight=None,
                    stale=False,
                    quote=None,
                )
            )
            continue
        positions.append(
            PositionValuation(
                symbol=holding.symbol,
                quantity=holding.quantity,
                price=pricing.quote.price,
                market_value=line.market_value,
                cost_basis=line.cost_basis,
                unrealized_gain=line.market_value - line.cost_basis,
                day_change=line.day_change,
                weight=(
                    RATIO.divide(line.market_value.value, market_value.value)
                    if market_value.value != 0
                    else None
                ),
                stale=pricing.quote.stale,
                quote=pricing.quote,
            )
        )

    return PortfolioValuation(
        market_value=market_value,
        cost_basis=cost_basis,
        unrealized_gain=gain,
        unrealized_gain_percent=(
            RATIO.multiply(RATIO.divide(gain.value, cost_basis.value), 100) if cost_basis.value != 0 else None
        ),
        day_change=day_change,
        as_of=min(used, default=None),
        complete=all(pricing is not None for pricing in priced),
        positions=tuple(positions),
    )
