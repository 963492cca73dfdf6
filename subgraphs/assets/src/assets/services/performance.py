"""Value over time and returns of portfolios (DESIGN.md decision 13): every ask of one request at once.

The router sends each portfolio's timeline in its representation (`@requires`), so nothing of it is
read here. For all the asks of a request (history and performance of many portfolios, over their
ranges): the instruments of every symbol (one batched read through the request's loader), then,
together, the stored closes of every symbol and the FX rates of every currency over the union of
the days they need (one read each, backfilled on first use: `HistoryService`). Then the domain
computes each answer. No read happens per portfolio, per symbol or per day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from assets.domain.daily_values import ONE_DAY, DailyValues, Market, PriceSeries
from assets.domain.history import DateSpan, History
from assets.domain.instruments import Instrument
from assets.domain.performance import LOOKBACK, Interval, Performance, Point
from assets.domain.performance import TimelinePortfolio as Portfolio
from assets.domain.ports import MarketReader
from assets.services.history import HistoryService


@dataclass(frozen=True, slots=True)
class HistoryAsk:
    portfolio: Portfolio
    span: DateSpan
    interval: Interval


@dataclass(frozen=True, slots=True)
class PerformanceAsk:
    portfolio: Portfolio
    span: DateSpan
    benchmark: str | None  # a normalized symbol


Ask = HistoryAsk | PerformanceAsk
Answer = list[Point] | Performance


class PerformanceUseCases:
    def __init__(self, history: HistoryService) -> None:
        self._history = history

    async def answer(self, asks: Sequence[Ask], market: MarketReader) -> list[Answer]:
        """Each ask's history points or performance, in order."""
        spans = [span for ask in asks if (span := _prices_needed(ask)) is not None]
        symbols = sorted({s for ask in asks for s in _symbols(ask)})
        if not spans or not symbols:
            return _computed(asks, Market())
        union = DateSpan(min(s.first for s in spans), max(s.last for s in spans))
        views = await market.instruments(symbols)
        instruments = {symbol: view.instrument for symbol, view in views.items()}
        currencies = sorted(
            {i.currency for i in instruments.values() if i.currency}
            | {a.portfolio.base_currency for a in asks}
        )
        closes, rates = await asyncio.gather(
            self._history.closes(list(instruments.values()), union),
            self._history.fx_rates(currencies, union),
        )
        prices = Market(
            closes={s: _series(h, instruments.get(s)) for s, h in closes.items()},
            per_usd={code: PriceSeries.of(h, code) for code, h in rates.items()},
        )
        return _computed(asks, prices)


def _series(history: History, instrument: Instrument | None) -> PriceSeries:
    return PriceSeries.of(history, instrument.currency if instrument is not None else None)


def _symbols(ask: Ask) -> frozenset[str]:
    if isinstance(ask, PerformanceAsk) and ask.benchmark is not None:
        return ask.portfolio.symbols | {ask.benchmark}
    return ask.portfolio.symbols


def _prices_needed(ask: Ask) -> DateSpan | None:
    needed = ask.portfolio.prices_needed(ask.span)
    if isinstance(ask, PerformanceAsk) and ask.benchmark is not None:
        benchmark = DateSpan(ask.span.first - ONE_DAY - LOOKBACK, ask.span.last)
        return benchmark if needed is None else DateSpan(min(needed.first, benchmark.first), needed.last)
    return needed


def _computed(asks: Sequence[Ask], market: Market) -> list[Answer]:
    """Each answer; a portfolio's history and performance of one span share its daily values (the
    asks of one entity carry the same parsed timeline)."""
    shared: dict[tuple[int, str, DateSpan], DailyValues] = {}
    answers: list[Answer] = []
    for ask in asks:
        portfolio = ask.portfolio
        key = (id(portfolio.timeline), portfolio.base_currency, ask.span)
        if key not in shared:
            shared[key] = portfolio.daily_values(market, ask.span)
        daily = shared[key]
        if isinstance(ask, HistoryAsk):
            answers.append(portfolio.history(market, ask.span, ask.interval, daily))
        else:
            benchmark = market.closes.get(ask.benchmark) if ask.benchmark is not None else None
            answers.append(portfolio.performance(market, ask.span, benchmark, daily))
    return answers
