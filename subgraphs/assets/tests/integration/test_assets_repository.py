"""DynamoAssetsRepository against DynamoDB Local: what is written reads back exactly, one batched read
for many symbols, and a manual instrument in another currency cancels the whole write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from assets.adapters.repository import DynamoAssetsRepository
from assets.adapters.table import table_definition
from assets.domain.fx import FxRate
from assets.domain.instruments import Instrument
from assets.domain.manual import ManualPrice, ManualPriceChange
from assets.domain.ports import ManualInstrumentCurrencyConflict
from kit.aws.dynamo import RequestCounter, dynamodb_client
from kit.core.money import Amount
from kit.web.settings import ServiceSettings
from kit_testing import create_table, unique_table_name

AT = datetime(2025, 11, 24, 15, 30, tzinfo=UTC)
D = Decimal


class Store:
    def __init__(self, client: Any, table: str, counter: RequestCounter) -> None:
        self.client = client
        self.table = table
        self.counter = counter
        self.repository = DynamoAssetsRepository(client, table)


@pytest.fixture(scope="module")
async def store(dynamodb_endpoint: str) -> AsyncIterator[Store]:
    settings = ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)
    table = unique_table_name("assets")
    counter = RequestCounter()
    async with dynamodb_client(settings, counter) as client:
        await create_table(client, table_definition(table))
        yield Store(client, table, counter)


def price(symbol: str, amount: str, currency: str, previous: str | None = None) -> ManualPrice:
    prev = None if previous is None else Amount(D(previous), currency)
    return ManualPrice(symbol, Amount(D(amount), currency), prev, AT)


async def test_manual_prices_and_instruments_read_back_exactly_in_one_batch(store: Store) -> None:
    repository = store.repository
    await repository.save_manual_price(ManualPriceChange(price("AAPL", "200.00", "USD", "195.50"), None))
    fund = Instrument.manual("REPO-FUND", "CHF")
    await repository.save_manual_price(ManualPriceChange(price("REPO-FUND", "12.3400", "CHF"), fund))
    store.counter.reset()

    records = await repository.manual_records(["REPO-FUND", "NOPE"], ["AAPL", "REPO-FUND", "NOPE"])

    assert store.counter.calls == {"BatchGetItem": 1}
    assert set(records) == {"AAPL", "REPO-FUND"}
    apple = records["AAPL"].price
    assert apple is not None and str(apple.price.value) == "200.00"  # trailing zeros kept
    assert apple.previous_close == Amount(D("195.50"), "USD") and apple.set_at == AT
    assert records["AAPL"].instrument is None  # not asked for: the catalog lists it
    assert records["REPO-FUND"].instrument == fund
    assert [i.symbol for i in await repository.manual_instruments()] == ["REPO-FUND"]


async def test_a_manual_instrument_in_another_currency_writes_nothing(store: Store) -> None:
    repository = store.repository
    await repository.save_manual_price(
        ManualPriceChange(price("REPO-GBP", "5", "GBP"), Instrument.manual("REPO-GBP", "GBP"))
    )
    with pytest.raises(ManualInstrumentCurrencyConflict) as raised:
        await repository.save_manual_price(
            ManualPriceChange(price("REPO-GBP", "6", "USD"), Instrument.manual("REPO-GBP", "USD"))
        )
    assert (raised.value.symbol, raised.value.currency) == ("REPO-GBP", "GBP")
    records = await repository.manual_records(["REPO-GBP"], ["REPO-GBP"])
    stored = records["REPO-GBP"].price
    assert stored is not None and stored.price == Amount(D("5"), "GBP")  # the price was not written either


async def test_setting_a_pair_drops_its_reverse(store: Store) -> None:
    repository = store.repository
    await repository.save_manual_fx_rate(FxRate("EUR", "USD", D("1.0850"), "manual", AT))
    await repository.save_manual_fx_rate(FxRate("USD", "EUR", D("0.9300"), "manual", AT))
    (rate,) = await repository.manual_fx_rates()
    assert (rate.from_currency, rate.to_currency, str(rate.rate), rate.source) == (
        "USD",
        "EUR",
        "0.9300",
        "manual",
    )


async def test_an_expiry_reads_back_and_clearing_deletes_the_price_only(store: Store) -> None:
    repository = store.repository
    expires = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
    pinned = ManualPrice("CLR-FUND", Amount(D("12.50"), "EUR"), None, AT, expires)
    await repository.save_manual_price(ManualPriceChange(pinned, Instrument.manual("CLR-FUND", "EUR")))
    read = await repository.manual_records(["CLR-FUND"], ["CLR-FUND"])
    assert read["CLR-FUND"].price == pinned  # the expiry too, exactly

    store.counter.reset()
    assert await repository.clear_manual_price("CLR-FUND") is True
    assert store.counter.calls["DeleteItem"] == 1
    after = await repository.manual_records(["CLR-FUND"], ["CLR-FUND"])
    assert after["CLR-FUND"].price is None
    assert after["CLR-FUND"].instrument == Instrument.manual("CLR-FUND", "EUR")  # the instrument stays
    # Nothing left to clear: False, and nothing written (the condition refused the delete).
    assert await repository.clear_manual_price("CLR-FUND") is False
    assert await repository.clear_manual_price("NEVER-PRICED") is False
