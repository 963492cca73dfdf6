"""In-memory fakes of `assets.domain.ports`, for the use cases' unit tests (no I/O).

Each fake records its calls (method and arguments), so that a test can assert how many reads a use
case made, and yields to the event loop once per call, as real I/O does. `World` wires an
`AssetsService` to them with a fixed clock; `CountingMarket` is the valuation's `MarketReader`
(instruments, quotes and FX rates by batch) with fixed answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.domain.fx import FxRate, FxSnapshot, Pair, simulated_snapshot
from assets.domain.instruments import Instrument
from assets.domain.manual import InstrumentView, ManualPrice, ManualPriceChange
from assets.domain.ports import ManualInstrumentCurrencyConflict, ManualRecords
from assets.domain.quotes import FeedResult, Quote
from assets.services import AssetsService
from kit.core.money import Amount
from kit.core.principal import Principal, Role
from kit_testing import FixedClock

NOW = datetime(2025, 11, 24, 15, 30, tzinfo=UTC)
D = Decimal

ADMIN = Principal.of("admin-7", [Role.ADMIN])
OPERATOR = Principal.of("operator-3", [Role.OPERATOR])
CUSTOMER = Principal.of("01JALICE0000000000000000AA", [Role.CUSTOMER])


def quote(symbol: str, price: str, previous: str | None = None, currency: str = "USD", **kw: Any) -> Quote:
    prev = None if previous is None else Amount(D(previous), currency)
    return Quote(
        symbol,
        Amount(D(price), currency),
        prev,
        kw.get("as_of", NOW),
        kw.get("source", "fake"),
        kw.get("stale", False),
    )


class Calls:
    """What a fake was asked, in order: (method, arguments)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, tuple[Any, ...]]] = []

    async def record(self, method: str, *arguments: Any) -> None:
        self.log.append((method, arguments))
        await asyncio.sleep(0)

    def of(self, method: str) -> list[tuple[Any, ...]]:
        return [arguments for name, arguments in self.log if name == method]


class FakeAssetsRepository:
    """The table's manual data in dicts; `save_manual_price` refuses a manual instrument in another
    currency (writing nothing), as the DynamoDB transaction does."""

    def __init__(self) -> None:
        self.calls = Calls()
        self.instruments: dict[str, Instrument] = {}
        self.prices: dict[str, ManualPrice] = {}
        self.fx: dict[Pair, FxRate] = {}

    async def manual_records(
        self, instrument_symbols: Sequence[str], price_symbols: Sequence[str]
    ) -> dict[str, ManualRecords]:
        await self.calls.record("manual_records", list(instrument_symbols), list(price_symbols))
        found: dict[str, ManualRecords] = {}
        for symbol in set(instrument_symbols) | set(price_symbols):
            instrument = self.instruments.get(symbol) if symbol in instrument_symbols else None
            price = self.prices.get(symbol) if symbol in price_symbols else None
            if instrument is not None or price is not None:
                found[symbol] = ManualRecords(instrument, price)
        return found

    async def save_manual_price(self, change: ManualPriceChange) -> None:
        await self.calls.record("save_manual_price", change)
        new = change.new_instrument
        if new is not None:
            existing = self.instruments.get(new.symbol)
            if existing is not None and existing.currency != new.currency:
                raise ManualInstrumentCurrencyConflict(new.symbol, existing.currency)
            self.instruments[new.symbol] = new
        self.prices[change.price.symbol] = change.price

    async def clear_manual_price(self, symbol: str) -> bool:
        await self.calls.record("clear_manual_price", symbol)
        return self.prices.pop(symbol, None) is not None

    async def manual_instruments(self) -> list[Instrument]:
        await self.calls.record("manual_instruments")
        return list(self.instruments.values())

    async def manual_fx_rates(self) -> list[FxRate]:
        await self.calls.record("manual_fx_rates")
        return list(self.fx.values())

    async def save_manual_fx_rate(self, rate: FxRate) -> None:
        await self.calls.record("save_manual_fx_rate", rate)
        self.fx.pop((rate.to_currency, rate.from_currency), None)
        self.fx[(rate.from_currency, rate.to_currency)] = rate


class FakeQuoteCache:
    """Fresh quotes, absent symbols, last good quotes and FX snapshots in dicts; `expire()` ends
    every fresh entry at once (as the TTL running out would)."""

    def __init__(self) -> None:
        self.calls = Calls()
        self.fresh_quotes: dict[str, Quote] = {}
        self.absent: set[str] = set()
        self.good: dict[str, Quote] = {}
        self.snapshots: dict[str, FxSnapshot] = {}
        self.good_snapshots: dict[str, FxSnapshot] = {}

    def expire(self) -> None:
        self.fresh_quotes.clear()
        self.absent.clear()
        self.snapshots.clear()

    async def fresh(self, symbols: Sequence[str]) -> tuple[dict[str, Quote], set[str]]:
        await self.calls.record("fresh", list(symbols))
        found = {s: self.fresh_quotes[s] for s in symbols if s in self.fresh_quotes}
        return found, {s for s in symbols if s in self.absent}

    async def last_good(self, symbols: Sequence[str]) -> dict[str, Quote]:
        await self.calls.record("last_good", list(symbols))
        return {s: self.good[s] for s in symbols if s in self.good}

    async def remember(self, quotes: Mapping[str, Quote], absent: Iterable[str] = ()) -> None:
        await self.calls.record("remember", dict(quotes), list(absent))
        self.fresh_quotes.update(quotes)
        self.good.update(quotes)
        self.absent.update(absent)

    async def remember_stale(self, quotes: Mapping[str, Quote]) -> None:
        await self.calls.record("remember_stale", dict(quotes))
        self.fresh_quotes.update({s: q.as_stale() for s, q in quotes.items()})

    async def forget(self, symbols: Iterable[str]) -> None:
        wanted = list(symbols)
        await self.calls.record("forget", wanted)
        for symbol in wanted:
            self.fresh_quotes.pop(symbol, None)
            self.absent.discard(symbol)

    async def fx_snapshot(self, feed: str, *, last_good: bool = False) -> FxSnapshot | None:
        await self.calls.record("fx_snapshot", feed, last_good)
        return (self.good_snapshots if last_good else self.snapshots).get(feed)

    async def remember_fx_snapshot(self, feed: str, snapshot: FxSnapshot, ttl_seconds: int) -> None:
        await self.calls.record("remember_fx_snapshot", feed, snapshot, ttl_seconds)
        self.snapshots[feed] = snapshot
        self.good_snapshots[feed] = snapshot


class FakeQuoteFeed:
    """Knows `known`; every symbol in `failing` fails (error, timeout, open circuit)."""

    def __init__(self, known: Mapping[str, Quote] | None = None, failing: Iterable[str] = ()) -> None:
        self.known = dict(known or {})
        self.failing = set(failing)
        self.calls: list[list[str]] = []

    async def fetch(self, symbols: Sequence[str]) -> FeedResult:
        self.calls.append(list(symbols))
        await asyncio.sleep(0)
        found = {s: self.known[s] for s in symbols if s in self.known and s not in self.failing}
        return FeedResult(found, frozenset(s for s in symbols if s in self.failing))


class FakeFxFeed:
    """A feed of fixed rates per US dollar; `cacheable` as a remote feed (True) or a computed one."""

    def __init__(self, per_usd: Mapping[str, str], *, cacheable: bool = True, name: str = "fake") -> None:
        self.name = name
        self.cacheable = cacheable
        self.per_usd = {code: D(value) for code, value in per_usd.items()}
        self.calls = 0
        self.fail = False

    async def snapshot(self) -> FxSnapshot:
        self.calls += 1
        await asyncio.sleep(0)
        if self.fail:
            raise ConnectionError("fake FX feed down")
        return FxSnapshot({"USD": D(1), **self.per_usd}, self.name, NOW)


class SimulatedFx:
    """The simulated feed's fixed rates, computed, never cached."""

    name = "simulated"
    cacheable = False

    async def snapshot(self) -> FxSnapshot:
        return simulated_snapshot(NOW)


def _history_fakes() -> Any:
    # Imported late: history_fakes imports this module's Calls.
    from . import history_fakes

    return history_fakes


class World:
    """An `AssetsService` on the fakes (the bundled catalog, a fixed clock unless given one)."""

    def __init__(
        self,
        *,
        feed: FakeQuoteFeed | None = None,
        fx_feed: Any = None,
        history_feed: Any = None,
        clock: FixedClock | None = None,
        manual_stale_after: timedelta | None = None,
        fx_history: Any = None,
        fx_reference: Any = None,
    ) -> None:
        self.catalog = load_catalog()
        self.repository = FakeAssetsRepository()
        self.cache = FakeQuoteCache()
        self.feed = feed or FakeQuoteFeed()
        self.fx_feed = fx_feed or SimulatedFx()
        fakes = _history_fakes()
        self.closes = fakes.FakeClosesRepository()
        self.history_feed = history_feed or fakes.CountingHistoryFeed()
        self.fx_history = fx_history or fakes.FixedFxHistory(
            lambda code, day: "0.9" if code == "EUR" else "150"
        )
        self.applied = fakes.FakeAppliedEvents()
        self.service = AssetsService(
            catalog=self.catalog,
            repository=self.repository,
            cache=self.cache,
            quote_feed=self.feed,
            fx_feed=self.fx_feed,
            closes=self.closes,
            history_feed=self.history_feed,
            fx_history_feed=self.fx_history,
            applied_events=self.applied,
            clock=clock or (lambda: NOW),
            **({} if manual_stale_after is None else {"manual_stale_after": manual_stale_after}),
            fx_reference=fx_reference,
        )


class CountingMarket:
    """`domain.ports.MarketReader` with fixed answers, counting its calls: the valuation's batch reads.

    `instruments` answers every symbol asked (an UNKNOWN instrument when not given), as the real
    reads do; `quotes` and `fx_rates` only those they were given."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument] | None = None,
        quotes: Mapping[str, Quote] | None = None,
        rates: Mapping[Pair, str] | None = None,
    ) -> None:
        self._instruments = dict(instruments or {})
        self._quotes = dict(quotes or {})
        self._rates = {pair: FxRate(*pair, D(rate), "fake", NOW) for pair, rate in (rates or {}).items()}
        self.calls = Calls()

    async def instruments(self, symbols: Sequence[str]) -> dict[str, InstrumentView]:
        await self.calls.record("instruments", list(symbols))
        return {
            s: InstrumentView(self._instruments[s], None, True)
            if s in self._instruments
            else InstrumentView(Instrument.unknown(s), None, False)
            for s in symbols
        }

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        await self.calls.record("quotes", list(symbols))
        return {s: self._quotes[s] for s in symbols if s in self._quotes}

    async def fx_rates(self, pairs: Sequence[Pair]) -> dict[Pair, FxRate]:
        await self.calls.record("fx_rates", list(pairs))
        return {pair: self._rates[pair] for pair in pairs if pair in self._rates}
