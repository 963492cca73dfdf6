"""The copy of assets' FX closes on DynamoDB Local: an FxRatesStored event stores its chunk with the
APPLIED marker in one transaction; a stale revision and a redelivery change nothing; a conflicting
write writes nothing. A looked-up rate's source and date round-trip through the activity items and
the journal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from kit.core.money import Amount
from portfolios.adapters import table
from portfolios.domain.fx import FxChunk, FxChunkKey, FxPair
from portfolios.domain.model import ActivityType, FxRateSource
from portfolios.domain.ports import FxChunkChange, WriteConflict
from portfolios.services import PortfolioService

from ..fx_events_support import fx_event
from .support import activity, open_portfolio, raw_item, record


def key(pair: tuple[str, str], year: int) -> FxChunkKey:
    return FxChunkKey(FxPair(*pair), year)


async def test_a_chunk_is_stored_with_the_marker_of_its_event(store):
    service = PortfolioService(store.repository, store.directory, store.fx_rates)
    event = fx_event({"2021-03-01": "1.2072", "2021-03-02": "1.2088"}, 4, pair=("EUR", "USD"), year=2021)
    await service.apply_event(event)
    (chunk,) = await store.fx_rates.chunks([key(("EUR", "USD"), 2021), key(("EUR", "USD"), 1999)])
    assert chunk.rates == {date(2021, 3, 1): D("1.2072"), date(2021, 3, 2): D("1.2088")}
    assert (chunk.source, chunk.sequence) == ("simulated", 4)
    raw = await raw_item(store, table.fx_rates_key("EUR", "USD", 2021))
    assert raw is not None and raw["sequence"] == 4
    marker = await raw_item(store, table.applied_key(event.event_id))
    assert marker is not None and marker["purgeAt"] > 0


async def test_a_stale_revision_and_a_redelivery_change_nothing(store):
    service = PortfolioService(store.repository, store.directory, store.fx_rates)
    pair = ("GBP", "USD")
    newest = fx_event({"2022-01-03": "1.3530"}, 3, pair=pair, year=2022)
    await service.apply_event(newest)
    stale = fx_event({"2022-01-03": "9.9999"}, 2, pair=pair, year=2022)
    await service.apply_event(stale)
    await service.apply_event(newest)  # redelivered
    chunk = await store.fx_rates.chunk(key(pair, 2022))
    assert chunk is not None and (chunk.sequence, chunk.rates) == (3, {date(2022, 1, 3): D("1.3530")})
    assert await raw_item(store, table.applied_key(stale.event_id)) is not None  # stale: applied, no effect
    # A redelivery of an applied event answers False and writes nothing.
    assert not await store.fx_rates.apply(FxChunkChange(newest.event_id, None, chunk))


async def test_a_write_on_a_revision_no_longer_stored_writes_nothing(store):
    service = PortfolioService(store.repository, store.directory, store.fx_rates)
    pair = ("CHF", "USD")
    await service.apply_event(fx_event({"2023-05-02": "1.1200"}, 1, pair=pair, year=2023))
    stored = await store.fx_rates.chunk(key(pair, 2023))
    assert stored is not None
    newer = fx_event({"2023-05-02": "1.1300"}, 3, pair=pair, year=2023)
    await service.apply_event(fx_event({"2023-05-02": "1.1250"}, 2, pair=pair, year=2023))
    # Decided on revision 1, written after revision 2 landed: refused whole, marker included.
    lost = FxChunkChange(newer.event_id, FxChunk(stored.key, {}, "x", 3), stored)
    with pytest.raises(WriteConflict):
        await store.fx_rates.apply(lost)
    assert await raw_item(store, table.applied_key(newer.event_id)) is None
    await service.apply_event(newer)  # the use case reads again and applies it
    final = await store.fx_rates.chunk(key(pair, 2023))
    assert final is not None and final.rates == {date(2023, 5, 2): D("1.1300")}


async def test_a_looked_up_rates_source_and_date_round_trip(store):
    portfolio = await open_portfolio(store)
    looked_up = activity(
        portfolio,
        ActivityType.BUY,
        date(2024, 3, 3),
        symbol="SAP",
        quantity=D("2"),
        price=Amount(D("100"), "EUR"),
        fx_rate=D("1.0805"),
        fx_rate_source=FxRateSource.REFERENCE,
        fx_rate_date=date(2024, 3, 1),
    )
    given = activity(
        portfolio,
        ActivityType.BUY,
        date(2024, 3, 4),
        symbol="SAP",
        quantity=D("1"),
        price=Amount(D("100"), "EUR"),
        fx_rate=D("1.2"),
    )
    await record(store.repository, portfolio, looked_up, given)
    stored = await store.repository.ledger(portfolio.id)  # the journal
    assert stored is not None and set(stored.activities) == {looked_up, given}
    assert await store.repository.activity(portfolio.id, looked_up.id) == looked_up  # the item
    assert (await store.repository.activity(portfolio.id, given.id)) == given
    assert given.fx_rate_source is FxRateSource.GIVEN and given.fx_rate_date is None


async def test_an_activity_stored_before_lookups_reads_as_given(store):
    """Items written before this change have no `fxd`: their rate was given (or 1)."""
    portfolio = await open_portfolio(store)
    legacy = activity(
        portfolio,
        ActivityType.BUY,
        date(2024, 3, 4),
        symbol="SAP",
        quantity=D("1"),
        price=Amount(D("100"), "EUR"),
        fx_rate=D("1.1"),
    )
    await record(store.repository, portfolio, legacy)
    raw = await raw_item(store, table.activity_key(portfolio.id, legacy.occurred_on, legacy.id))
    assert raw is not None and '"fxd"' not in raw["a"] and '"fx":"1.1"' in raw["a"]
    read = await store.repository.activity(portfolio.id, legacy.id)
    assert read is not None and (read.fx_rate_source, read.fx_rate_date) == (FxRateSource.GIVEN, None)
