"""DynamoDB access for daily closes (adapters/table.py says what the items are).

A year item holds its year compactly: `closes` = "MMDD close source;..." (close as a decimal string,
read back bounded by kit.core.money's STORED_DECIMAL) and `covered` = "MMDD-MMDD;...". A year of
one symbol is a few kilobytes, so 20 years of one series is one transaction.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from kit.aws.dynamo import Item, batch_get, query_all, to_item
from kit.aws.event_tracing import current_traceparent
from kit.aws.outbox import OutgoingEvent, event_item, event_put
from kit.core.money import STORED_DECIMAL, parse_decimal

from assets.adapters.table import CLOSES_SERIES_PK, EVENT_SOURCE, closes_year_key, listed_series_key
from assets.domain.fx_events import fx_rates_stored
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries, merge_spans

# Year items kept parsed: e.g. 50 series over 10 years, about 60 kB each once parsed (~30 MB).
PARSED_YEARS_KEPT = 512
# Writes of one series tried before giving up when other writers keep changing the same years.
SAVE_ATTEMPTS = 5


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

    def __init__(
        self, client: Any, table: str, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._client = client
        self._table = table
        self._clock = clock

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
        revisions: dict[SeriesKey, dict[int, int]] = {key: {} for key in wanted}
        for item in await batch_get(self._client, self._table, requested):
            key = SeriesKey(item["kind"], item["code"])
            if key not in closes:
                continue
            if item.get("currency"):
                currencies[key] = item["currency"]
            if item["pk"] == CLOSES_SERIES_PK:
                last[key] = date.fromisoformat(item["last"])
                continue
            revisions[key][int(item["year"])] = int(item.get("revision", 0))
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
                revisions=revisions[key],
            )
            for key in wanted
        }

    async def save_series(self, series: Sequence[StoredSeries], years: range) -> None:
        """One TransactWriteItems per series (its changed year items, an FxRatesStored event item per
        FX year written, and its listing), all concurrently."""
        await asyncio.gather(*(self._save(one, years) for one in series if one.last_covered is not None))

    async def _save(self, series: StoredSeries, years: range) -> None:
        """Each year item is written on the condition that its revision is still the one read; when
        another writer stored the series meanwhile, our changes are merged over its (re-read) and
        written again, so neither writer's days are lost and every revision has one event."""
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                await self._client.transact_write_items(TransactItems=self._actions(series, years))
                return
            except self._client.exceptions.TransactionCanceledException as error:
                reasons = error.response.get("CancellationReasons") or []
                conflict = any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)
                if not conflict or attempt == SAVE_ATTEMPTS:
                    raise
            fresh = await self.stored_series([series.key], years)
            series = series.rebased_on(fresh[series.key])

    def _actions(self, series: StoredSeries, years: range) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = []
        traceparent = current_traceparent()
        for year in years:
            if year not in series.changed_years:
                continue
            fields = year_fields(series, year)
            if fields is None:
                continue
            previous = series.revisions.get(year)
            revision = (previous or 0) + 1
            actions.append({"Put": self._conditioned({**fields, "revision": revision}, previous)})
            event = fx_rates_stored(series, year, revision)
            if event is not None:
                outgoing = OutgoingEvent(event.type, event.aggregate_id, event.sequence, event.data)
                item = event_item(
                    outgoing, source=EVENT_SOURCE, occurred_at=self._clock(), traceparent=traceparent
                )
                actions.append(event_put(self._table, item))
        assert series.last_covered is not None
        listing = {
            **listed_series_key(series.key),
            "kind": series.key.kind,
            "code": series.key.code,
            "currency": series.currency,
            "last": series.last_covered.isoformat(),
        }
        actions.append({"Put": {"TableName": self._table, "Item": to_item(listing)}})
        return actions

    def _conditioned(self, item: dict[str, Any], previous: int | None) -> dict[str, Any]:
        """The Put of a year item, on the condition that it is as read: absent, stored before
        revisions were kept, or at revision `previous`."""
        put: dict[str, Any] = {"TableName": self._table, "Item": to_item(item)}
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        elif previous == 0:
            put["ConditionExpression"] = "attribute_not_exists(revision)"
        else:
            put["ConditionExpression"] = "revision = :revision"
            put["ExpressionAttributeValues"] = to_item({":revision": previous})
        return put

    async def listed_series(self) -> dict[SeriesKey, date]:
        items = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": CLOSES_SERIES_PK}),
        )
        return {SeriesKey(item["kind"], item["code"]): date.fromisoformat(item["last"]) for item in items}
