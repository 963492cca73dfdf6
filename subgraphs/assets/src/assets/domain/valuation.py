"""Portfolio valuation: holdings (from the portfolios subgraph) times quotes, in the base currency.

A valuation is a statement (DESIGN.md decision 6): every amount in it is a line rounded half-even to
the base currency's minor unit, and every total is the sum of its rounded lines, so that a reader
adding up the positions gets the portfolio's figures to the last digit. Products run in kit.core.money's
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
- Its day change follows the broker convention: what was held before the quote's session moved from
  the previous close, a lot bought in the session (purchased on or after the UTC date of the quote's
  asOf) from its purchase price. So it is (quantity held before) x (price - previousClose) x rate +
  the sum over the session's lots of remaining quantity x (price x rate - purchasePrice x its rate),
  rounded once; a lot's rate is the one recorded with its purchase when there is one (what was
  really paid in the base currency), else today's. The open lots come with the holding (the
  portfolios subgraph sends them; a representation without them: every unit counts as held before
  the session).
  It is null, with the reason (`DayChangeMissing`), when the position is unpriced, when something
  was held before the session and the quote has no previous close, or when a session lot's
  purchase currency has no rate into the base currency: never a silent 0.
- Totals (marketValue, costBasis, unrealizedGain) are the sums of the priced positions' lines only,
  so that the gain compares like with like; every position still reports its own cost basis. So the
  total gain is also total market value minus total cost basis, exactly. The total dayChange is the
  sum of the positions' day changes that exist; `day_change_complete` says whether that is all.
- unrealizedGainPercent = unrealizedGain / costBasis * 100 of those totals, null when that cost
  basis is 0.
- weight = position marketValue / portfolio marketValue, null when unpriced or the total is 0.
- asOf = the oldest asOf of the quotes used; null when none was.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from kit.core.money import EXACT, RATIO, Amount, round_to_minor_unit

from assets.domain.fx import FxRates, IdentityFxRates, Pair
from assets.domain.instruments import lookup_key
from assets.domain.quotes import Quote


class DayChangeMissing(enum.Enum):
    """Why a position has no day change."""

    UNPRICED = "UNPRICED"
    NO_PREVIOUS_CLOSE = "NO_PREVIOUS_CLOSE"
    NO_FX_RATE = "NO_FX_RATE"


@dataclass(frozen=True, slots=True)
class Lot:
    """An open lot of a position: what is left of it, at what unit price it was bought, and when;
    `fx_rate` converts the purchase currency into the base currency as recorded with the purchase."""

    quantity: Decimal
    purchase_price: Amount
    purchased_on: date
    fx_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Holding:
    """One position as the portfolios subgraph reports it; cost basis in the portfolio's base currency.
    `lots` are its open lots when the representation carried them (else every unit counts as held
    before the session)."""

    symbol: str
    quantity: Decimal
    cost_basis: Decimal
    lots: tuple[Lot, ...] = ()


@dataclass(frozen=True, slots=True)
class PortfolioHoldings:
    """A portfolio as the router sends it (`@requires`): its id, base currency and holdings. One
    without a base currency has no valuation (the router sent nothing to value)."""

    id: str
    base_currency: str
    holdings: tuple[Holding, ...]
    # The keys its instruments and quotes are looked up by, one per holding (normalized once).
    symbols: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbols", tuple(lookup_key(holding.symbol) for holding in self.holdings))

    @property
    def valued(self) -> bool:
        return bool(self.base_currency)

    def rates_needed(self, currencies: Iterable[str | None]) -> set[Pair]:
        """The conversions into the base currency that prices in `currencies` need."""
        base = self.base_currency
        return {(currency, base) for currency in currencies if currency and currency != base}

    @property
    def purchase_currencies(self) -> set[str]:
        """The currencies its open lots were bought in without a recorded rate (a session's lots
        need today's rate then)."""
        return {
            lot.purchase_price.currency_code
            for holding in self.holdings
            for lot in holding.lots
            if lot.fx_rate is None
        }

    def value(self, quotes: Mapping[str, Quote | None], fx: FxRates) -> PortfolioValuation:
        """Its valuation with `quotes` (by lookup key) and `fx`; see the module docstring."""
        by_holding = {
            holding.symbol: quotes.get(key) for holding, key in zip(self.holdings, self.symbols, strict=True)
        }
        return value_portfolio(self.base_currency, self.holdings, by_holding, fx)


@dataclass(frozen=True, slots=True)
class PositionValuation:
    symbol: str
    quantity: Decimal
    price: Amount | None  # in the quote's currency
    market_value: Amount | None  # in the base currency
    cost_basis: Amount
    unrealized_gain: Amount | None
    day_change: Amount | None
    day_change_missing: DayChangeMissing | None  # why day_change is None
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
    day_change: Amount  # the sum of the positions' day changes that exist
    day_change_complete: bool  # every position has one
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


def _day_change(
    holding: Holding, pricing: _Priced, base_currency: str, fx: FxRates
) -> Decimal | DayChangeMissing:
    """The position's day change, rounded once, or why it has none (see the module docstring)."""
    quote = pricing.quote
    price = quote.price.value
    new_lots: list[Lot] = []
    if holding.lots:
        session = quote.as_of.astimezone(UTC).date()
        new_lots = [lot for lot in holding.lots if lot.purchased_on >= session]
    bought = sum((lot.quantity for lot in new_lots), Decimal(0))
    if bought > holding.quantity:  # lots that do not add up to the position: trust the quantity
        new_lots, bought = [], Decimal(0)
    held = EXACT.subtract(holding.quantity, bought)
    total = Decimal(0)
    if held != 0:
        if quote.previous_close is None:
            return DayChangeMissing.NO_PREVIOUS_CLOSE
        move = EXACT.subtract(price, quote.previous_close.value)
        total = _in_base(EXACT.multiply(held, move), pricing.rate)
    for lot in new_lots:
        paid = lot.purchase_price
        if lot.fx_rate is not None:  # what was paid in the base currency, at the rate of the purchase
            worth = _in_base(EXACT.multiply(lot.quantity, price), pricing.rate)
            gained = EXACT.subtract(worth, _in_base(EXACT.multiply(lot.quantity, paid.value), lot.fx_rate))
        elif paid.currency_code == quote.price.currency_code:
            gained = _in_base(EXACT.multiply(lot.quantity, EXACT.subtract(price, paid.value)), pricing.rate)
        else:
            paid_rate = fx.rate(paid.currency_code, base_currency)
            if paid_rate is None:
                return DayChangeMissing.NO_FX_RATE
            worth = _in_base(EXACT.multiply(lot.quantity, price), pricing.rate)
            gained = EXACT.subtract(worth, _in_base(EXACT.multiply(lot.quantity, paid.value), paid_rate))
        total = EXACT.add(total, gained)
    return round_to_minor_unit(total, base_currency)


def value_portfolio(
    base_currency: str,
    holdings: Sequence[Holding],
    quotes: Mapping[str, Quote | None],
    fx: FxRates | None = None,
) -> PortfolioValuation:
    """Value `holdings` with `quotes` (by holding symbol); see the module docstring for the rules."""
    rates = fx if fx is not None else IdentityFxRates()
    priced = [_priced(quotes.get(holding.symbol), base_currency, rates) for holding in holdings]

    # The lines first, each rounded once: every position's cost basis; every priced one's market
    # value and day change. Totals add the priced positions' rounded lines (plain Decimals: this
    # loop runs once per position of every portfolio on a dashboard).
    costs = [round_to_minor_unit(holding.cost_basis, base_currency) for holding in holdings]
    lines: list[tuple[Decimal, Decimal | DayChangeMissing] | None] = []  # (market value, day change)
    market_value = cost_basis = day_change = round_to_minor_unit(Decimal(0), base_currency)
    for holding, pricing, cost in zip(holdings, priced, costs, strict=True):
        if pricing is None:
            lines.append(None)
            continue
        quote = pricing.quote
        value = round_to_minor_unit(
            _in_base(EXACT.multiply(holding.quantity, quote.price.value), pricing.rate), base_currency
        )
        day = _day_change(holding, pricing, base_currency, rates)
        if isinstance(day, Decimal):
            day_change = EXACT.add(day_change, day)
        market_value = EXACT.add(market_value, value)
        cost_basis = EXACT.add(cost_basis, cost)
        lines.append((value, day))
    gain = EXACT.subtract(market_value, cost_basis)  # = the sum of the positions' gains, value - cost
    used = [pricing.quote.as_of for pricing in priced if pricing is not None]

    positions: list[PositionValuation] = []
    for holding, pricing, cost, line in zip(holdings, priced, costs, lines, strict=True):
        if pricing is None or line is None:
            positions.append(
                PositionValuation(
                    symbol=holding.symbol,
                    quantity=holding.quantity,
                    price=None,
                    market_value=None,
                    cost_basis=Amount(cost, base_currency),
                    unrealized_gain=None,
                    day_change=None,
                    day_change_missing=DayChangeMissing.UNPRICED,
                    weight=None,
                    stale=False,
                    quote=None,
                )
            )
            continue
        value, day = line
        positions.append(
            PositionValuation(
                symbol=holding.symbol,
                quantity=holding.quantity,
                price=pricing.quote.price,
                market_value=Amount(value, base_currency),
                cost_basis=Amount(cost, base_currency),
                unrealized_gain=Amount(EXACT.subtract(value, cost), base_currency),
                day_change=Amount(day, base_currency) if isinstance(day, Decimal) else None,
                day_change_missing=None if isinstance(day, Decimal) else day,
                weight=RATIO.divide(value, market_value) if market_value != 0 else None,
                stale=pricing.quote.stale,
                quote=pricing.quote,
            )
        )

    return PortfolioValuation(
        market_value=Amount(market_value, base_currency),
        cost_basis=Amount(cost_basis, base_currency),
        unrealized_gain=Amount(gain, base_currency),
        unrealized_gain_percent=(
            RATIO.multiply(RATIO.divide(gain, cost_basis), 100) if cost_basis != 0 else None
        ),
        day_change=Amount(day_change, base_currency),
        day_change_complete=all(line is not None and isinstance(line[1], Decimal) for line in lines),
        as_of=min(used, default=None),
        complete=all(pricing is not None for pricing in priced),
        positions=tuple(positions),
    )
