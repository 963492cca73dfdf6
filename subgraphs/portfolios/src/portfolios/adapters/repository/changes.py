"""The parts of the one transaction a ledger change is: META moved to the next version (and its event
sequence on by the change's events), the chunks of the projection and of the journal at that version
(surplus chunks deleted), the activity items and their refs, the audit entries, the idempotency
record and the event items."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kit.aws.dynamo import to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository.transactions import TransactionParts, at_version, sequence_step
from portfolios.domain.books import Books
from portfolios.domain.model import Activity, Portfolio, PortfolioStatus
from portfolios.domain.ports import LedgerChange


def check_journal(change: LedgerChange) -> None:
    """A journal that cannot be the ledger after `change` (it misses an activity put, or keeps one
    deleted) is a caller's bug: refused before anything is written."""
    if change.activities is None:
        return
    ids = {activity.id for activity in change.activities}
    put = {activity.id for activity in change.put}
    gone = {activity.id for activity in change.deleted} - put
    if not put <= ids or gone & ids or len(ids) != len(change.activities):
        raise ValueError(f"the journal of portfolio {change.portfolio.id} is not its ledger after the change")


class JournalLines:
    """The encoded journal lines of the activities last read or written, per portfolio: a write
    encodes only the activities that are not the very objects read (frozen, so their lines still
    hold), instead of all of them again. Only a time saver: anything not found is encoded. Bounded
    by the number of activities kept (least recently used portfolios go first)."""

    def __init__(self, max_activities: int = 25_000) -> None:
        self._max = max_activities
        self._kept: OrderedDict[str, dict[str, tuple[Activity, bytes]]] = OrderedDict()

    def remember(self, portfolio_id: str, activities: Sequence[Activity], lines: Sequence[bytes]) -> None:
        self._kept.pop(portfolio_id, None)
        if len(activities) > self._max:
            return
        self._kept[portfolio_id] = {a.id: (a, line) for a, line in zip(activities, lines, strict=True)}
        total = sum(len(kept) for kept in self._kept.values())
        while total > self._max:
            _, dropped = self._kept.popitem(last=False)
            total -= len(dropped)

    def lines(self, portfolio_id: str, activities: Iterable[Activity]) -> tuple[list[Activity], list[bytes]]:
        kept = self._kept.get(portfolio_id, {})
        found, lines = [], []
        for activity in activities:
            entry = kept.get(activity.id)
            lines.append(
                entry[1]
                if entry is not None and entry[0] is activity
                else items.journal_line(activity, portfolio_id)
            )
            found.append(activity)
        return found, lines


class ChangeParts(TransactionParts):
    """The parts of ledger changes on one table (the migration's too)."""

    def __init__(self, table_name: str, journal_lines: JournalLines) -> None:
        super().__init__(table_name)
        self._journal_lines = journal_lines

    def flip_meta(
        self,
        portfolio: Portfolio,
        expected_version: int,
        counts: Mapping[str, int],
        *,
        journal_count: int | None,
        extra_set: Mapping[str, Any] | None = None,
        extra_condition: str | None = None,
        require_open: bool = True,
        sequence: tuple[int | None, int] | None = None,
    ) -> dict[str, Any]:
        """META moved to `expected_version + 1` with the projection's new chunk counts (by part), if it is at
        `expected_version` and the portfolio exists and is open. `journal_count` None: the new
        version has no journal (the old chunks stay, counted, until a journal replaces them).
        `sequence` (stored, last): the event sequence moves from `stored` to `last` too."""
        version_condition, values = at_version(expected_version)
        values = {
            **values,
            ":next": expected_version + 1,
            ":holdings": counts[table.HOLDINGS_PART],
            ":history": counts[table.HISTORY_PART],
            ":timeline": counts[table.TIMELINE_PART],
            **(extra_set or {}),
        }
        assignments = [
            "#version = :next",
            f"{items.HOLDINGS_CHUNKS} = :holdings",
            f"{items.HISTORY_CHUNKS} = :history",
            f"{items.TIMELINE_CHUNKS} = :timeline",
            *(f"{name.removeprefix(':')} = {name}" for name in (extra_set or {})),
        ]
        if journal_count is not None:
            values[":journal"] = journal_count
            assignments += [f"{items.JOURNAL_CHUNKS} = :journal", f"{items.JOURNAL_VERSION} = :next"]
        step = sequence_step(*sequence) if sequence is not None else None
        if step is not None:
            assignments.append(step[0])
            values.update(step[2])
        update = "SET " + ", ".join(assignments)
        if journal_count is None:
            update += f" REMOVE {items.JOURNAL_VERSION}"
        condition = f"attribute_exists(pk) AND {version_condition}"
        names = {"#version": items.VERSION}
        if require_open:
            condition += " AND (attribute_not_exists(#status) OR #status <> :closed)"
            names["#status"] = "status"
            values[":closed"] = PortfolioStatus.CLOSED.value
        if step is not None:
            condition += f" AND {step[1]}"
            names["#sequence"] = items.SEQUENCE
        if extra_condition:
            condition = f"{condition} AND {extra_condition}"
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item(table.portfolio_key(portfolio.id)),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def projection(
        self, portfolio: Portfolio, version: int, books: Books, old_meta: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """Puts of the projection's chunks at `version` (holdings, history, timeline), deletes of the
        surplus chunks of the projection `old_meta` describes; and the new chunk counts by part."""
        parts: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        for part, blobs in (
            (table.HOLDINGS_PART, items.holdings_chunks(books.holdings)),
            (table.HISTORY_PART, items.history_chunks(books.history, portfolio.id, portfolio.base_currency)),
            (table.TIMELINE_PART, items.timeline_chunks(books.timeline)),
        ):
            parts.extend(self.chunks(portfolio, part, version, blobs, old_meta))
            counts[part] = len(blobs)
        return parts, counts

    def chunks(
        self,
        portfolio: Portfolio,
        part: str,
        version: int,
        blobs: Sequence[bytes],
        old_meta: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        """Puts of one part's chunks at `version`, deletes of its surplus chunks `old_meta` counts."""
        parts = [
            self.put(items.chunk_item(portfolio, part, index, len(blobs), version, blob))
            for index, blob in enumerate(blobs)
        ]
        for index in range(len(blobs), items.chunk_count(old_meta, part)):
            parts.append(self.delete(table.chunk_key(portfolio.id, part, index)))
        return parts

    def journal(
        self,
        portfolio: Portfolio,
        version: int,
        activities: Iterable[Activity] | None,
        old_meta: Mapping[str, Any],
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Puts of the journal's chunks at `version` and deletes of the surplus chunks `old_meta`
        counts, and the new count; nothing (and None) without activities: no journal."""
        if activities is None:
            return [], None
        listed, lines = self._journal_lines.lines(portfolio.id, activities)
        blobs = items.pack_journal(lines)
        self._journal_lines.remember(portfolio.id, listed, lines)
        return self.chunks(portfolio, table.JOURNAL_PART, version, blobs, old_meta), len(blobs)

    def change(
        self, change: LedgerChange, old_meta: Mapping[str, Any], *, with_journal: bool = True
    ) -> list[dict[str, Any]]:
        """Every part of `change` but the customer's check: its events included, one item each,
        numbered on from META's sequence."""
        portfolio = change.portfolio
        version = change.expected_version + 1
        chunks, counts = self.projection(portfolio, version, change.books, old_meta)
        journal, journal_count = self.journal(
            portfolio, version, change.activities if with_journal else None, old_meta
        )
        events = change.events(change.changed_at or datetime.now(UTC))
        first = items.sequence_of(old_meta) + 1
        sequence = (items.stored_sequence(old_meta), first + len(events) - 1) if events else None
        flip = self.flip_meta(
            portfolio, change.expected_version, counts, journal_count=journal_count, sequence=sequence
        )
        parts = [flip, *chunks, *journal, *self.events(events, first)]

        put_keys = {table.activity_sk(a.occurred_on, a.id) for a in change.put}
        put_refs = {ref for a in change.put for ref in (a.id, *items.lot_ids_of(a))}
        for activity in change.deleted:
            # A corrected activity on the same date is one Put (a transaction touches an item once).
            if table.activity_sk(activity.occurred_on, activity.id) not in put_keys:
                parts.append(self.delete(table.activity_key(portfolio.id, activity.occurred_on, activity.id)))
            for ref in (activity.id, *items.lot_ids_of(activity)):
                if ref not in put_refs:
                    parts.append(self.delete(table.ref_key(ref)))
        for activity in change.put:
            parts.append(self.put(items.activity_item(activity)))
            parts.append(self.put(items.ref_item(activity.id, portfolio, activity.occurred_on)))
            parts.extend(self.put(items.ref_item(lot_id, portfolio)) for lot_id in items.lot_ids_of(activity))
        for entry in change.audit:
            parts.append(self.put_new(items.audit_item(entry)))
        if change.idempotency is not None:
            at = change.changed_at or datetime.now(UTC)
            parts.append(self.put_new(items.idempotency_item(portfolio.id, change.idempotency, at)))
        return parts
