"""FxRatesStored against DynamoDB Local: every write of an FX year item carries its event item in the
same transaction; the year's revision (the event's sequence) grows by one per write; a writer that
read a stale revision merges its days over the other's and writes again; a failed write leaves no
event; an instrument's closes and unchanged years write none."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from assets.adapters import closes as closes_adapter
from assets.adapters.closes import DynamoClosesRepository
from assets.adapters.table import table_definition
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries
from botocore.exceptions import ClientError
from kit.aws.dynamo import RequestCounter, dynamodb_client, from_item, to_item
from kit.web.settings import ServiceSettings
from kit_testing import create_table, unique_table_name

D = Decimal
EUR = SeriesKey.fx("USD", "EUR")
WRITTEN_AT = datetime(2025, 11, 24, 6, 0, tzinfo=UTC)


class Store:
    def __init__(self, client: Any, table: str, counter: RequestCounter) -> None:
        self.client = client
        self.table = table
        self.counter = counter
        self.repository = DynamoClosesRepository(client, table, clock=lambda: WRITTEN_AT)

    async def events(self) -> list[dict[str, Any]]:
        response = await self.client.scan(
            TableName=self.table,
            FilterExpression="begins_with(pk, :event)",
            ExpressionAttributeValues=to_item({":event": "EVENT#"}),
            ConsistentRead=True,
        )
        return sorted(
            (from_item(item) for item in response["Items"]), key=lambda e: (e["aggregateId"], e["sequence"])
        )

    async def year(self, key: SeriesKey, year: int) -> dict[str, Any]:
        code = key.code
        response = await self.client.get_item(
            TableName=self.table,
            Key=to_item({"pk": f"{key.kind}#{code}", "sk": f"YEAR#{year}"}),
            ConsistentRead=True,
        )
        return from_item(response["Item"])


@pytest.fixture
async def store(dynamodb_endpoint: str) -> AsyncIterator[Store]:
    settings = ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)
    table = unique_table_name("assets")
    counter = RequestCounter()
    async with dynamodb_client(settings, counter) as client:
        await create_table(client, table_definition(table))
        yield Store(client, table, counter)


def rates(first: date, last: date, rate: str = "0.8650", source: str = "frankfurter") -> list[DailyClose]:
    days = (first + timedelta(days=i) for i in range(DateSpan(first, last).days))
    return [DailyClose(day, D(rate), source) for day in days if day.weekday() < 5]


def fetched(series: StoredSeries, first: date, last: date, **more: Any) -> StoredSeries:
    return series.with_fetched(DateSpan(first, last), rates(first, last, **more), None)


async def test_each_fx_year_written_carries_its_event_in_the_same_transaction(store: Store) -> None:
    span = DateSpan(date(2023, 12, 27), date(2024, 1, 5))
    series = StoredSeries(EUR).with_fetched(
        span, [*rates(span.first, date(2023, 12, 29)), *rates(date(2024, 1, 2), span.last, "0.9123")], None
    )
    store.counter.reset()
    await store.repository.save_series([series], span.years())
    assert store.counter.calls == {"TransactWriteItems": 1}  # the years, their events and the listing

    events = await store.events()
    assert [(e["aggregateId"], e["sequence"]) for e in events] == [("USDEUR:2023", 1), ("USDEUR:2024", 1)]
    first = events[0]
    assert first["type"] == "FxRatesStored" and first["source"] == "assets" and first["kind"] == "event"
    assert first["occurredAt"] == "2025-11-24T06:00:00.000000Z"
    assert json.loads(first["data"]) == {
        "from": "USD",
        "to": "EUR",
        "year": 2023,
        "rates": {"2023-12-27": "0.8650", "2023-12-28": "0.8650", "2023-12-29": "0.8650"},
        "source": "frankfurter",
    }
    assert json.loads(events[1]["data"])["rates"] == {
        "2024-01-02": "0.9123",
        "2024-01-03": "0.9123",
        "2024-01-04": "0.9123",
        "2024-01-05": "0.9123",
    }
    assert (await store.year(EUR, 2023))["revision"] == 1 and (await store.year(EUR, 2024))["revision"] == 1


async def test_a_year_written_again_counts_one_more_and_its_event_holds_the_whole_year(store: Store) -> None:
    years = range(2024, 2026)
    await store.repository.save_series(
        [fetched(StoredSeries(EUR), date(2024, 12, 2), date(2025, 1, 10))], years
    )
    read = (await store.repository.stored_series([EUR], years))[EUR]
    assert read.revisions == {2024: 1, 2025: 1} and read.changed_years == frozenset()

    # The refresh adds days of 2025 only: 2024 is not written again, 2025 is at revision 2.
    await store.repository.save_series(
        [fetched(read, date(2025, 1, 13), date(2025, 1, 17), rate="0.95")], years
    )
    events = await store.events()
    assert [(e["aggregateId"], e["sequence"]) for e in events] == [
        ("USDEUR:2024", 1),
        ("USDEUR:2025", 1),
        ("USDEUR:2025", 2),
    ]
    latest = json.loads(events[-1]["data"])["rates"]
    assert len(latest) == 13 and latest["2025-01-02"] == "0.8650" and latest["2025-01-17"] == "0.95"
    assert (await store.year(EUR, 2025))["revision"] == 2 and (await store.year(EUR, 2024))["revision"] == 1


async def test_a_writer_with_a_stale_revision_merges_over_the_other_and_loses_nothing(store: Store) -> None:
    years = range(2025, 2026)
    await store.repository.save_series(
        [fetched(StoredSeries(EUR), date(2025, 3, 3), date(2025, 3, 7))], years
    )
    one = (await store.repository.stored_series([EUR], years))[EUR]
    other = (await store.repository.stored_series([EUR], years))[EUR]
    await store.repository.save_series(
        [fetched(one, date(2025, 3, 10), date(2025, 3, 14), rate="0.87")], years
    )
    # `other` read revision 1, which is now 2: its write is refused, then merged and written as 3.
    store.counter.reset()
    await store.repository.save_series(
        [fetched(other, date(2025, 3, 17), date(2025, 3, 21), rate="0.88")], years
    )
    assert store.counter.calls == {"TransactWriteItems": 2, "BatchGetItem": 1}

    stored = (await store.repository.stored_series([EUR], years))[EUR]
    assert stored.revisions == {2025: 3}
    assert stored.covered == tuple(DateSpan(date(2025, 3, d), date(2025, 3, d + 4)) for d in (3, 10, 17))
    assert [stored.closes[date(2025, 3, day)].close for day in (3, 10, 17)] == [
        D("0.8650"),
        D("0.87"),
        D("0.88"),
    ]
    events = await store.events()
    assert [e["sequence"] for e in events] == [1, 2, 3]  # one event per revision, none for the refused write
    assert len(json.loads(events[-1]["data"])["rates"]) == 15


async def test_a_failed_write_writes_no_event(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    years = range(2025, 2026)
    await store.repository.save_series(
        [fetched(StoredSeries(EUR), date(2025, 3, 3), date(2025, 3, 7))], years
    )
    stale = (await store.repository.stored_series([EUR], years))[EUR]
    await store.repository.save_series([fetched(stale, date(2025, 3, 10), date(2025, 3, 10))], years)
    monkeypatch.setattr(closes_adapter, "SAVE_ATTEMPTS", 1)  # no retry: the conflict fails the write
    with pytest.raises(ClientError):
        await store.repository.save_series([fetched(stale, date(2025, 3, 17), date(2025, 3, 21))], years)
    assert [e["sequence"] for e in await store.events()] == [1, 2]
    year = await store.year(EUR, 2025)
    assert year["revision"] == 2 and "0317" not in year["closes"]


async def test_an_instruments_closes_write_no_event(store: Store) -> None:
    aapl = SeriesKey.instrument("AAPL")
    await store.repository.save_series(
        [fetched(StoredSeries(aapl), date(2025, 3, 3), date(2025, 3, 7), rate="190.5")], range(2025, 2026)
    )
    assert await store.events() == []
    assert (await store.year(aapl, 2025))["revision"] == 1


async def test_a_year_stored_before_revisions_were_kept_is_written_as_revision_one(store: Store) -> None:
    legacy = {
        "pk": "FX_CLOSES#USD#EUR",
        "sk": "YEAR#2025",
        "kind": "FX_CLOSES",
        "code": "USD#EUR",
        "year": 2025,
        "closes": "0303 0.8600 simulated",
        "covered": "0303-0303",
    }
    await store.client.put_item(TableName=store.table, Item=to_item(legacy))
    years = range(2025, 2026)
    read = (await store.repository.stored_series([EUR], years))[EUR]
    assert read.revisions == {2025: 0}
    await store.repository.save_series([fetched(read, date(2025, 3, 4), date(2025, 3, 4))], years)
    events = await store.events()
    assert [(e["sequence"], json.loads(e["data"])["rates"]) for e in events] == [
        (1, {"2025-03-03": "0.8600", "2025-03-04": "0.8650"})
    ]
    assert json.loads(events[0]["data"])["source"] == "frankfurter"  # ties: the earliest name
