"""Valuing portfolios (DESIGN.md decision 10): the portfolios of one request, all at once.

A valuation reads through the batch ports of `domain.ports.MarketReader`, once each for every
portfolio of the batch: the instruments of all their symbols; then, together, the quotes of those
symbols and the FX rates their instruments' currencies need. Only when a quote comes in another
currency than its instrument's (a provider said so) does one more FX read follow, for those pairs.
The first FX read also covers the currencies the open lots were bought in (a day change needs them).
Then the domain values each portfolio (`PortfolioHoldings.value`): the arithmetic and the rounding
live there. No read happens per portfolio or per position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assets.domain.fx import FxRate, MappingFxRates, Pair
from assets.domain.instruments import Instrument
from assets.domain.ports import MarketReader
from assets.domain.quotes import Quote
from assets.domain.valuation import PortfolioHoldings, PortfolioValuation


@dataclass(frozen=True, slots=True)
class Valuation:
    """A portfolio's valuation and the instrument of each of its positions, in the same order."""

    valuation: PortfolioValuation
    instruments: tuple[Instrument, ...]


class ValuationUseCases:
    async def value(
        self, portfolios: Sequence[PortfolioHoldings], market: MarketReader
    ) -> list[Valuation | None]:
        """The valuation of each portfolio, in order; None for one without a base currency."""
        valued = [portfolio for portfolio in portfolios if portfolio.valued]
        symbols = sorted({symbol for portfolio in valued for symbol in portfolio.symbols})
        views = await market.instruments(symbols) if symbols else {}
        expected: set[Pair] = set()
        for portfolio in valued:
            expected |= portfolio.rates_needed(views[s].instrument.currency for s in portfolio.symbols)
            # A lot bought today in another currency than its quote's is measured from its price.
            expected |= portfolio.rates_needed(portfolio.purchase_currencies)
        quotes, rates = await asyncio.gather(_quotes(market, symbols), _rates(market, expected))
        extra: set[Pair] = set()
        for portfolio in valued:
            quoted = (quotes[s].price.currency_code for s in portfolio.symbols if s in quotes)
            extra |= portfolio.rates_needed(quoted) - expected
        if extra:
            rates = {**rates, **await _rates(market, extra)}
        fx = MappingFxRates({pair: rate.rate for pair, rate in rates.items()})
        return [
            Valuation(portfolio.value(quotes, fx), tuple(views[s].instrument for s in portfolio.symbols))
            if portfolio.valued
            else None
            for portfolio in portfolios
        ]


async def _quotes(market: MarketReader, symbols: Sequence[str]) -> Mapping[str, Quote]:
    return await market.quotes(symbols) if symbols else {}


async def _rates(market: MarketReader, pairs: set[Pair]) -> Mapping[Pair, FxRate]:
    return await market.fx_rates(sorted(pairs)) if pairs else {}
