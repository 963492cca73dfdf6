"""DynamoClosesRepository against DynamoDB Local: closes read back exactly (Decimal, source, covered
days), one BatchGetItem for many symbols and years, one transaction per series, the refresh listing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from assets.adapters.closes import DynamoClosesRepository
from assets.adapters.table import table_definition
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries
from kit.aws.dynamo import RequestCounter, dynamodb_client
from kit.web.settings import ServiceSettings
from kit_testing import create_table, unique_table_name

D = Decimal
AAPL, BTC, EUR = SeriesKey.instrument("AAPL"), SeriesKey.instrument("BTC"), SeriesKey.fx("USD", "EUR")


class Store:
    def __init__(self, client: Any, table: str, counter: RequestCounter) -> None:
        self.client = client
        self.table = table
        self.counter = counter
        self.repository = DynamoClosesRepository(client, table)


@pytest.fixture(scope="module")
async def store(dynamodb_endpoint: str) -> AsyncIterator[Store]:
    settings = ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)
    table = unique_table_name("assets")
    counter = RequestCounter()
    async with dynamodb_client(settings, counter) as client:
        await create_table(client, table_definition(table))
        yield Store(client, table, counter)


def weekdays(first: date, last: date, price: str = "100.5000") -> list[DailyClose]:
    span = DateSpan(first, last)
    days = (first + timedelta(days=i) for i in range(span.days))
    return [
        DailyClose(day, D(price) + day.toordinal() % 7, "twelvedata") for day in days if day.weekday() < 5
    ]


async def test_five_years_of_many_series_read_back_exactly_in_one_batch(store: Store) -> None:
    repository = store.repository
    span = DateSpan(date(2020, 11, 2), date(2025, 11, 21))
    aapl = StoredSeries(AAPL).with_fetched(span, weekdays(span.first, span.last), "USD")
    tiny = [DailyClose(date(2025, 11, 22), D("0.00000881"), "coingecko")]
    btc = StoredSeries(BTC).with_fetched(DateSpan(date(2025, 11, 20), date(2025, 11, 23)), tiny, "USD")
    eur = StoredSeries(EUR).with_fetched(
        DateSpan(date(2025, 11, 3), date(2025, 11, 7)),
        [DailyClose(date(2025, 11, 3), D("0.8673"), "frankfurter")],
        None,
    )
    store.counter.reset()
    await repository.save_series([aapl, btc, eur], span.years())
    assert store.counter.calls == {"TransactWriteItems": 3}  # one per series, concurrently

    store.counter.reset()
    found = await repository.stored_series([AAPL, BTC, EUR, SeriesKey.instrument("NONE")], span.years())
    assert store.counter.calls == {"BatchGetItem": 1}  # 4 series x 6 years + 4 listings: one call
    assert found[AAPL].closes == aapl.closes  # every close, Decimal digits as written
    assert found[AAPL].covered == (span,) and found[AAPL].currency == "USD"
    assert found[AAPL].last_covered == date(2025, 11, 21)
    assert found[BTC].closes[date(2025, 11, 22)].close.as_tuple() == D("0.00000881").as_tuple()
    assert found[BTC].covered == (DateSpan(date(2025, 11, 20), date(2025, 11, 23)),)
    assert found[EUR].closes[date(2025, 11, 3)] == DailyClose(date(2025, 11, 3), D("0.8673"), "frankfurter")
    assert found[SeriesKey.instrument("NONE")] == StoredSeries(SeriesKey.instrument("NONE"))

    listed = await repository.listed_series()
    assert {key: listed[key] for key in (AAPL, BTC, EUR)} == {
        AAPL: date(2025, 11, 21),
        BTC: date(2025, 11, 23),
        EUR: date(2025, 11, 7),
    }


async def test_a_year_item_is_small_and_a_partial_read_gives_whole_years(store: Store) -> None:
    key = SeriesKey.instrument("MSFT")
    span = DateSpan(date(2023, 1, 1), date(2024, 12, 31))
    await store.repository.save_series(
        [StoredSeries(key).with_fetched(span, weekdays(span.first, span.last), "USD")], span.years()
    )
    response = await store.client.get_item(
        TableName=store.table, Key={"pk": {"S": "CLOSES#MSFT"}, "sk": {"S": "YEAR#2024"}}
    )
    item = response["Item"]
    assert len(item["closes"]["S"]) < 8_000  # 262 closes in a few kilobytes
    assert item["covered"]["S"] == "0101-1231"
    only_2024 = await store.repository.stored_series([key], range(2024, 2025))
    assert min(only_2024[key].closes) == date(2024, 1, 1) and max(only_2024[key].closes) == date(2024, 12, 31)
    assert only_2024[key].covered == (DateSpan(date(2024, 1, 1), date(2024, 12, 31)),)
