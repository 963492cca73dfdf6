"""DynamoDB access for daily closes (adapters/table.py says what the items are).

A year item holds its year compactly: `closes` = "MMDD close source;..." (close as a decimal string,
read back bounded by kit.core.money's STORED_DECIMAL) and `covered` = "MMDD-MMDD;...". A year of
one symbol is a few kilobytes, so 20 years of one series is one transaction.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from datetime import date
from typing import Any

from kit.aws.dynamo import Item, batch_get, query_all, to_item
from kit.core.money import STORED_DECIMAL, parse_decimal

from assets.adapters.table import CLOSES_SERIES_PK, closes_year_key, listed_series_key
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries, merge_spans

# Year items kept parsed: e.g. 50 series over 10 years, about 60 kB each once parsed (~30 MB).
PARSED_YEARS_KEPT = 512


def _day(year: int, text: str) -> date:
    return date(year, int(text[:2]), int(text[2:4]))


def year_fields(series: StoredSeries, year: int) -> dict[str, Any] | None:
    """The year item's attributes; None when the series covers nothing that year."""
    year_span = DateSpan(date(year, 1, 1), date(year, 12, 31))
    covered = [part for span in series.covered if (part := span.clipped(year_span.first, year_span.last))]
    if not covered:
        return None
    closes = series.within(year_span)
    return {
        **closes_year_key(series.key, year),
        "kind": series.key.kind,
        "code": series.key.code,
        "year": year,
        "currency": series.currency,
        "closes": ";".join(f"{c.day:%m%d} {c.close:f} {c.source}" for c in closes),
        "covered": ";".join(f"{span.first:%m%d}-{span.last:%m%d}" for span in covered),
    }


def _read_year(item: Item) -> tuple[tuple[DailyClose, ...], tuple[DateSpan, ...]]:
    return _parsed_year(int(item["year"]), str(item.get("closes") or ""), str(item.get("covered") or ""))


# A year item parsed once per process, not per request: a chart reads the same (past) years again
# and again, and checking ~250 decimals per symbol-year was most of a warm read. Keyed by the item's
# text, so a rewritten year is parsed anew; bounded (a year item is a few kilobytes).
@functools.lru_cache(maxsize=PARSED_YEARS_KEPT)
def _parsed_year(
    year: int, closes_text: str, covered_text: str
) -> tuple[tuple[DailyClose, ...], tuple[DateSpan, ...]]:
    closes = []
    for entry in filter(None, closes_text.split(";")):
        day, close, source = entry.split(" ")
        closes.append(DailyClose(_day(year, day), parse_decimal(close, STORED_DECIMAL), source))
    spans = []
    for entry in filter(None, covered_text.split(";")):
        first, last = entry.split("-")
        spans.append(DateSpan(_day(year, first), _day(year, last)))
    return tuple(closes), tuple(spans)


class DynamoClosesRepository:
    """`domain.ports.ClosesRepository` on the assets table."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def stored_series(self, keys: Sequence[SeriesKey], years: range) -> dict[SeriesKey, StoredSeries]:
        """The year items of every series in `years` and their listing items, in ONE BatchGetItem
        (concurrent chunks past 100 keys)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        requested = [closes_year_key(key, year) for key in wanted for year in years]
        requested += [listed_series_key(key) for key in wanted]
        closes: dict[SeriesKey, list[DailyClose]] = {key: [] for key in wanted}
        spans: dict[SeriesKey, list[DateSpan]] = {key: [] for key in wanted}
        currencies: dict[SeriesKey, str] = {}
        last: dict[SeriesKey, date] = {}
        for item in await batch_get(self._client, self._table, requested):
            key = SeriesKey(item["kind"], item["code"])
            if key not in closes:
                continue
            if item.get("currency"):
                currencies[key] = item["currency"]
            if item["pk"] == CLOSES_SERIES_PK:
                last[key] = date.fromisoformat(item["last"])
                continue
            year_closes, year_spans = _read_year(item)
            closes[key].extend(year_closes)
            spans[key].extend(year_spans)
        return {
            key: StoredSeries(
                key=key,
                closes={close.day: close for close in closes[key]},
                covered=merge_spans(spans[key]),
                currency=currencies.get(key),
                last_covered=last.get(key),
            )
            for key in wanted
        }

    async def save_series(self, series: Sequence[StoredSeries], years: range) -> None:
        """One TransactWriteItems per series (its year items and its listing), all concurrently."""
        await asyncio.gather(*(self._save(one, years) for one in series if one.last_covered is not None))

    async def _save(self, series: StoredSeries, years: range) -> None:
        actions: list[dict[str, Any]] = []
        for year in years:
            fields = year_fields(series, year)
            if fields is not None:
                actions.append({"Put": {"TableName": self._table, "Item": to_item(fields)}})
        assert series.last_covered is not None
        listing = {
            **listed_series_key(series.key),
            "kind": series.key.kind,
            "code": series.key.code,
            "currency": series.currency,
            "last": series.last_covered.isoformat(),
        }
        actions.append({"Put": {"TableName": self._table, "Item": to_item(listing)}})
        await self._client.transact_write_items(TransactItems=actions)

    async def listed_series(self) -> dict[SeriesKey, date]:
        items = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": CLOSES_SERIES_PK}),
        )
        return {SeriesKey(item["kind"], item["code"]): date.fromisoformat(item["last"]) for item in items}
