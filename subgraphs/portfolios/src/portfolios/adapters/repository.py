"""The portfolios repository on DynamoDB (see `table` for the item layout).

Reads of many items are batched (BatchGetItem) or a single Query; every write that must be all or
nothing is one TransactWriteItems whose conditions re-check what the use case read. A cancelled
transaction (a condition failed, or a concurrent transaction interfered) raises `WriteConflict`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from botocore.exceptions import ClientError
from kit.aws.dynamo import batch_get, from_item, query_all, to_item

from portfolios.adapters import items
from portfolios.adapters.table import GSI1
from portfolios.domain.model import (
    Activity,
    ActivityPage,
    AuditPage,
    CustomerBook,
    History,
    Holdings,
    Portfolio,
    PortfolioStatus,
    book_of,
)
from portfolios.domain.ports import IdempotencyRecord, LedgerChange, Owner, StoredLedger, WriteConflict
from portfolios.domain.validation import CustomerStatus

log = logging.getLogger(__name__)

_NOT_EXISTS = "attribute_not_exists(pk)"
_EXISTS = "attribute_exists(pk)"

# DynamoDB's limits on one TransactWriteItems: 100 items, 4 MB in all. A write is checked against
# them before it is sent (with a margin for keys and attribute names), so that it fails clearly.
MAX_TRANSACTION_ITEMS = 100
MAX_TRANSACTION_BYTES = 4_000_000

# Reads of a projection that overlap writes are retried this many times before giving up.
_CONSISTENT_READ_ATTEMPTS = 8

# An activity page asks for a few more than it needs: the `after` item itself may come back.
_PAGE_MARGIN = 2


def _cancellation_codes(error: ClientError) -> list[str] | None:
    """The per-item reasons of a cancelled transaction, None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _at_version(expected: int) -> tuple[str, dict[str, Any]]:
    """Condition (and its values) that META's projection is at `expected`; a portfolio stored before
    the ledger has no version, which is version 0."""
    if expected == 0:
        return "(attribute_not_exists(#version) OR #version = :expected)", {":expected": 0}
    return "#version = :expected", {":expected": expected}


def _approximate_size(entry: Mapping[str, Any]) -> int:
    """Bytes an item of a transaction takes, roughly (DynamoDB counts names and values)."""
    total = 0
    for value in entry.values():
        if isinstance(value, Mapping):
            total += _approximate_size(value)
        elif isinstance(value, bytes | bytearray):
            total += len(value)
        elif isinstance(value, list):
            total += sum(_approximate_size(v) if isinstance(v, Mapping) else len(str(v)) for v in value)
        else:
            total += len(str(value))
    return total + 16 * len(entry)


def check_transaction_limits(transaction: Sequence[Mapping[str, Any]]) -> None:
    """ValueError when `transaction` exceeds what one TransactWriteItems takes."""
    if len(transaction) > MAX_TRANSACTION_ITEMS:
        raise ValueError(
            f"This ledger change needs {len(transaction)} items in one transaction; "
            f"DynamoDB takes at most {MAX_TRANSACTION_ITEMS}."
        )
    size = sum(_approximate_size(entry) for entry in transaction)
    if size > MAX_TRANSACTION_BYTES:
        raise ValueError(
            f"This ledger change writes about {size} bytes in one transaction; DynamoDB takes at most 4 MB."
        )


def _check_journal(change: LedgerChange) -> None:
    """A journal that cannot be the ledger after `change` (it misses an activity put, or keeps one
    deleted) is a caller's bug: refused before anything is written."""
    if change.activities is None:
        return
    ids = {activity.id for activity in change.activities}
    put = {activity.id for activity in change.put}
    gone = {activity.id for activity in change.deleted} - put
    if not put <= ids or gone & ids or len(ids) != len(change.activities):
        raise ValueError(f"the journal of portfolio {change.portfolio.id} is not its ledger after the change")


def _raw_data(raw: Mapping[str, Any]) -> Any:
    """The JSON of an activity or audit item, straight from the wire format (no deserializer: the
    ledger read parses thousands of them)."""
    return json.loads(raw[items.DATA]["S"])


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


class DynamoPortfolioRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table
        self._journal_lines = JournalLines()

    # --- transaction parts --------------------------------------------------------------------

    def _check_active(self, customer_id: str) -> dict[str, Any]:
        """The customer directory knows the customer, and not as closed."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item(items.directory_key(customer_id)),
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(closedAt)",
            }
        }

    def _put(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": to_item(item)}}

    def _put_new(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": _NOT_EXISTS}}

    def _delete(self, key: Mapping[str, Any]) -> dict[str, Any]:
        return {"Delete": {"TableName": self._table, "Key": to_item(key)}}

    def flip_meta(
        self,
        portfolio: Portfolio,
        expected_version: int,
        holdings_count: int,
        history_count: int,
        *,
        journal_count: int | None,
        extra_set: Mapping[str, Any] | None = None,
        extra_condition: str | None = None,
        require_open: bool = True,
    ) -> dict[str, Any]:
        """META moved to `expected_version + 1` with the new chunk counts, if it is at
        `expected_version` and the portfolio exists and is open. `journal_count` None: the new
        version has no journal (the old chunks stay, counted, until a journal replaces them)."""
        version_condition, values = _at_version(expected_version)
        values = {
            **values,
            ":next": expected_version + 1,
            ":holdings": holdings_count,
            ":history": history_count,
            **(extra_set or {}),
        }
        assignments = [
            "#version = :next",
            f"{items.HOLDINGS_CHUNKS} = :holdings",
            f"{items.HISTORY_CHUNKS} = :history",
            *(f"{name.removeprefix(':')} = {name}" for name in (extra_set or {})),
        ]
        if journal_count is not None:
            values[":journal"] = journal_count
            assignments += [f"{items.JOURNAL_CHUNKS} = :journal", f"{items.JOURNAL_VERSION} = :next"]
        update = "SET " + ", ".join(assignments)
        if journal_count is None:
            update += f" REMOVE {items.JOURNAL_VERSION}"
        condition = f"attribute_exists(pk) AND {version_condition}"
        names = {"#version": items.VERSION}
        if require_open:
            condition += " AND (attribute_not_exists(#status) OR #status <> :closed)"
            names["#status"] = "status"
            values[":closed"] = PortfolioStatus.CLOSED.value
        if extra_condition:
            condition = f"{condition} AND {extra_condition}"
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_item(items.portfolio_key(portfolio.id)),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def projection_parts(
        self,
        portfolio: Portfolio,
        version: int,
        holdings: Holdings,
        history: History,
        old_meta: Mapping[str, Any],
    ) -> tuple[list[dict[str, Any]], int, int]:
        """Puts of the projection's chunks at `version`, deletes of the surplus chunks of the
        projection `old_meta` describes; and the new chunk counts."""
        parts: list[dict[str, Any]] = []
        counts = []
        for part, blobs in (
            (items.HOLDINGS_PART, items.holdings_chunks(holdings)),
            (items.HISTORY_PART, items.history_chunks(history, portfolio.id, portfolio.base_currency)),
        ):
            for index, blob in enumerate(blobs):
                parts.append(self._put(items.chunk_item(portfolio, part, index, len(blobs), version, blob)))
            for index in range(len(blobs), items.chunk_count(old_meta, part)):
                parts.append(self._delete(items.chunk_key(portfolio.id, part, index)))
            counts.append(len(blobs))
        return parts, counts[0], counts[1]

    def journal_parts(
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
        parts = [
            self._put(items.chunk_item(portfolio, items.JOURNAL_PART, index, len(blobs), version, blob))
            for index, blob in enumerate(blobs)
        ]
        for index in range(len(blobs), items.chunk_count(old_meta, items.JOURNAL_PART)):
            parts.append(self._delete(items.chunk_key(portfolio.id, items.JOURNAL_PART, index)))
        return parts, len(blobs)

    def _change_parts(
        self, change: LedgerChange, old_meta: Mapping[str, Any], *, with_journal: bool = True
    ) -> list[dict[str, Any]]:
        portfolio = change.portfolio
        version = change.expected_version + 1
        chunks, holdings_count, history_count = self.projection_parts(
            portfolio, version, change.books.holdings, change.books.history, old_meta
        )
        journal, journal_count = self.journal_parts(
            portfolio, version, change.activities if with_journal else None, old_meta
        )
        flip = self.flip_meta(
            portfolio, change.expected_version, holdings_count, history_count, journal_count=journal_count
        )
        parts = [flip, *chunks, *journal]

        put_keys = {items.activity_sk(a.occurred_on, a.id) for a in change.put}
        put_refs = {ref for a in change.put for ref in (a.id, *items.lot_ids_of(a))}
        for activity in change.deleted:
            # A corrected activity on the same date is one Put (a transaction touches an item once).
            if items.activity_sk(activity.occurred_on, activity.id) not in put_keys:
                parts.append(
                    self._delete(items.activity_key(portfolio.id, activity.occurred_on, activity.id))
                )
            for ref in (activity.id, *items.lot_ids_of(activity)):
                if ref not in put_refs:
                    parts.append(self._delete(items.ref_key(ref)))
        for activity in change.put:
            parts.append(self._put(items.activity_item(activity)))
            parts.append(self._put(items.ref_item(activity.id, portfolio, activity.occurred_on)))
            parts.extend(
                self._put(items.ref_item(lot_id, portfolio)) for lot_id in items.lot_ids_of(activity)
            )
        for entry in change.audit:
            parts.append(self._put_new(items.audit_item(entry)))
        if change.idempotency is not None:
            at = change.audit[0].at if change.audit else datetime.now(UTC)
            parts.append(self._put_new(items.idempotency_item(portfolio.id, change.idempotency, at)))
        return parts

    async def transact(self, transaction: list[dict[str, Any]]) -> None:
        check_transaction_limits(transaction)
        try:
            await self._client.transact_write_items(TransactItems=transaction)
        except ClientError as error:
            codes = _cancellation_codes(error)
            if codes is not None or _error_code(error) == "TransactionInProgressException":
                raise WriteConflict(codes) from error
            raise

    async def _metas(self, portfolio_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = await batch_get(self._client, self._table, [items.portfolio_key(i) for i in portfolio_ids])
        return {item["id"]: item for item in found if item.get("sk") == items.META}

    # --- writes -------------------------------------------------------------------------------

    async def create_portfolio(self, portfolio: Portfolio) -> None:
        await self.transact(
            [self._check_active(portfolio.customer_id), self._put_new(items.portfolio_item(portfolio))]
        )

    async def write(self, changes: Sequence[LedgerChange]) -> None:
        if not changes:
            return
        for change in changes:
            _check_journal(change)
        # The surplus chunks to delete are those of the version the change expects: read its counts
        # (a META at another version already means the write cannot succeed).
        metas = await self._metas([change.portfolio.id for change in changes])
        for change in changes:
            meta = metas.get(change.portfolio.id)
            if meta is None or items.version_of(meta) != change.expected_version:
                raise WriteConflict(
                    f"portfolio {change.portfolio.id} is not at version {change.expected_version}"
                )
        customers = {c.portfolio.customer_id for c in changes if c.require_active_customer}
        checks = [self._check_active(customer_id) for customer_id in sorted(customers)]

        def transaction(with_journal: bool) -> list[dict[str, Any]]:
            parts = [
                part
                for change in changes
                for part in self._change_parts(change, metas[change.portfolio.id], with_journal=with_journal)
            ]
            return [*parts, *checks]

        full = transaction(with_journal=True)
        try:
            check_transaction_limits(full)
        except ValueError:
            if all(change.activities is None for change in changes):
                raise
            # A journal too big for one transaction (far beyond 10,000 activities) is left out: the
            # change is still written, and reads take the activity items instead.
            log.warning(
                "ledger journal of %s left out: the transaction would exceed DynamoDB's limits",
                ", ".join(change.portfolio.id for change in changes),
            )
            full = transaction(with_journal=False)
        await self.transact(full)

    @staticmethod
    def _owned_by(owner: str | None, condition: str, values: dict[str, Any]) -> str:
        """`condition`, and the stored portfolio belongs to `owner` when one is given."""
        if owner is None:
            return condition
        values[":owner"] = owner
        return f"{condition} AND customerId = :owner"

    async def rename_portfolio(
        self, portfolio_id: str, name: str, owner: str | None = None
    ) -> Portfolio | None:
        values: dict[str, Any] = {":name": name}
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=to_item(items.portfolio_key(portfolio_id)),
                UpdateExpression="SET #name = :name",
                ConditionExpression=self._owned_by(owner, _EXISTS, values),
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        return items.portfolio_from(from_item(response["Attributes"]))

    async def close_portfolio(
        self, portfolio_id: str, closed_at: datetime, owner: str | None = None
    ) -> Portfolio | None:
        values: dict[str, Any] = {":closed": PortfolioStatus.CLOSED.value, ":at": closed_at.isoformat()}
        condition = "attribute_exists(pk) AND (attribute_not_exists(#status) OR #status <> :closed)"
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=to_item(items.portfolio_key(portfolio_id)),
                UpdateExpression="SET #status = :closed, closedAt = :at",
                ConditionExpression=self._owned_by(owner, condition, values),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _error_code(error) != "ConditionalCheckFailedException":
                raise
            # Missing (no item comes back), closed already (then it keeps its first closing time),
            # or not `owner`'s (then it is unchanged: the caller checks the owner of what is
            # returned). The failed write returns the stored item: no second read.
            old = cast("Mapping[str, Any] | None", error.response.get("Item"))
            return items.portfolio_from(from_item(old)) if old else None
        return items.portfolio_from(from_item(response["Attributes"]))

    # --- reads --------------------------------------------------------------------------------

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        if not ids:
            return {}
        return {pid: items.portfolio_from(meta) for pid, meta in (await self._metas(ids)).items()}

    async def _meta(self, portfolio_id: str) -> dict[str, Any] | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(items.portfolio_key(portfolio_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    async def ledger(self, portfolio_id: str) -> StoredLedger | None:
        # One Query: the journal's chunks and META sort next to each other (JOURNAL# < META). Chunks
        # that all carry META's version are that version's ledger; a write overlapping the read
        # leaves some at another version, and the read is made again.
        for _ in range(_CONSISTENT_READ_ATTEMPTS):
            meta, chunk_items = await self._meta_and_journal(portfolio_id)
            if meta is None:
                return None
            portfolio, version = items.portfolio_from(meta), items.version_of(meta)
            if not items.has_journal(meta):
                # No journal (written before it existed): META was read first, then the items; a
                # write landing in between moves META past `version`, so the caller's write
                # (conditioned on it) fails instead of losing it.
                activities = await self.ledger_activities(portfolio_id)
                return StoredLedger(portfolio, tuple(activities), version)
            blobs = items.assemble(chunk_items, version, items.chunk_count(meta, items.JOURNAL_PART))
            if blobs is not None:
                lines = items.journal_lines(blobs)
                activities = items.journal_activities(lines, portfolio_id)
                self._journal_lines.remember(portfolio_id, activities, lines)
                return StoredLedger(portfolio, tuple(activities), version)
        raise RuntimeError(f"the ledger of portfolio {portfolio_id} kept changing while read")

    async def _meta_and_journal(
        self, portfolio_id: str
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """META and every JOURNAL# chunk item of the portfolio, in one consistent (paginated) Query."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_item(
                {":pk": items.portfolio_pk(portfolio_id), ":first": items.JOURNAL_PREFIX, ":last": items.META}
            ),
            "ConsistentRead": True,
        }
        meta: dict[str, Any] | None = None
        chunks: list[dict[str, Any]] = []
        while True:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                item = from_item(raw)
                if item["sk"] == items.META:
                    meta = item
                elif str(item["sk"]).startswith(items.JOURNAL_PREFIX):
                    chunks.append(item)
            start = response.get("LastEvaluatedKey")
            if not start:
                return meta, chunks
            query["ExclusiveStartKey"] = start

    async def ledger_activities(self, portfolio_id: str) -> list[Activity]:
        """Every activity of the ledger, in ledger order: one paginated Query of their JSON alone."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_item(
                {
                    ":pk": items.portfolio_pk(portfolio_id),
                    ":first": items.ACTIVITY_PREFIX,
                    ":last": items.ACTIVITY_END,
                }
            ),
            "ProjectionExpression": "#data",
            "ExpressionAttributeNames": {"#data": items.DATA},
            "ConsistentRead": True,
        }
        found: list[Activity] = []
        while True:
            response = await self._client.query(**query)
            # Entries of the layout before the ledger have no `a`: the migration converts them.
            found.extend(
                items.activity_from_data(_raw_data(raw), portfolio_id)
                for raw in response.get("Items", [])
                if raw
            )
            start = response.get("LastEvaluatedKey")
            if not start:
                return found
            query["ExclusiveStartKey"] = start

    async def consistent_part(
        self, portfolio_id: str
    ) -> tuple[dict[str, Any], dict[str, list[bytes]]] | None:
        """META and the chunks of both projection parts at its version, read so that they match:
        chunks read after META that all carry META's version are that version's (a write in
        between overwrites or deletes some of them; then the read is made again)."""
        for _ in range(_CONSISTENT_READ_ATTEMPTS):
            meta = await self._meta(portfolio_id)
            if meta is None:
                return None
            parts = await self._chunks_of({portfolio_id: meta}, (items.HOLDINGS_PART, items.HISTORY_PART))
            if portfolio_id in parts:
                return meta, parts[portfolio_id]
        raise RuntimeError(f"the projection of portfolio {portfolio_id} kept changing while read")

    async def _chunks_of(
        self, metas: Mapping[str, Mapping[str, Any]], parts: Sequence[str]
    ) -> dict[str, dict[str, list[bytes]]]:
        """For each portfolio (by its META), the chunks of `parts` at META's version, in one batched
        read; portfolios whose chunks did not match (a write overlapped) are left out."""
        keys = [
            items.chunk_key(pid, part, index)
            for pid, meta in metas.items()
            for part in parts
            for index in range(items.chunk_count(meta, part))
        ]
        found = await batch_get(self._client, self._table, keys) if keys else []
        by_portfolio: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for item in found:
            by_portfolio.setdefault((item["portfolioId"], item["type"]), []).append(item)
        result: dict[str, dict[str, list[bytes]]] = {}
        for pid, meta in metas.items():
            assembled: dict[str, list[bytes]] = {}
            for part in parts:
                blobs = items.assemble(
                    by_portfolio.get((pid, part), ()), items.version_of(meta), items.chunk_count(meta, part)
                )
                if blobs is None:
                    break
                assembled[part] = blobs
            else:
                result[pid] = assembled
        return result

    @staticmethod
    def _holdings(meta: Mapping[str, Any], blobs: Sequence[bytes]) -> Holdings:
        version = items.version_of(meta)
        if not blobs:
            return Holdings(meta["id"], meta["baseCurrency"], version=version)
        return replace(items.holdings_from_data(items.unpack(blobs)), version=version)

    async def holdings(self, portfolio_ids: Sequence[str]) -> Mapping[str, Holdings]:
        if not portfolio_ids:
            return {}
        metas = await self._metas(portfolio_ids)
        parts = await self._chunks_of(metas, (items.HOLDINGS_PART,))
        torn = [pid for pid in metas if pid not in parts]
        for pid, answer in zip(
            torn, await asyncio.gather(*(self.consistent_part(pid) for pid in torn)), strict=True
        ):
            if answer is not None:
                metas[pid], parts[pid] = answer
        return {
            pid: self._holdings(metas[pid], parts[pid][items.HOLDINGS_PART]) for pid in metas if pid in parts
        }

    async def history(self, portfolio_id: str) -> History:
        answer = await self.consistent_part(portfolio_id)
        if answer is None or not answer[1][items.HISTORY_PART]:
            return History()
        return items.history_from_data(items.unpack(answer[1][items.HISTORY_PART]))

    async def book(self, customer_id: str) -> CustomerBook:
        # One Query of the index: every portfolio of the customer and its holdings' chunks. The index
        # is eventually consistent: a portfolio whose chunks do not match its META there (torn by a
        # write, or lagging) is read again from the table, consistently.
        found = await query_all(
            self._client,
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :customer",
            ExpressionAttributeValues=to_item({":customer": items.customer_pk(customer_id)}),
        )
        metas = {i["id"]: i for i in found if i.get("type") == items.PORTFOLIO_TYPE}
        chunks: dict[str, list[Mapping[str, Any]]] = {}
        for item in found:
            if item.get("type") == items.HOLDINGS_PART:
                chunks.setdefault(item["portfolioId"], []).append(item)
        holdings: dict[str, Holdings] = {}
        torn: list[str] = []
        for pid, meta in metas.items():
            blobs = items.assemble(
                chunks.get(pid, ()), items.version_of(meta), items.chunk_count(meta, items.HOLDINGS_PART)
            )
            if blobs is None:
                torn.append(pid)
            else:
                holdings[pid] = self._holdings(meta, blobs)
        for pid, answer in zip(
            torn, await asyncio.gather(*(self.consistent_part(pid) for pid in torn)), strict=True
        ):
            if answer is not None:
                meta, parts = answer
                metas[pid] = meta
                holdings[pid] = self._holdings(meta, parts[items.HOLDINGS_PART])
        portfolios = [items.portfolio_from(meta) for meta in metas.values()]
        return book_of(customer_id, portfolios, holdings.values())

    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        keys = [items.portfolio_key(portfolio_id)]
        if idempotency_key is not None:
            keys.append(items.idempotency_key(portfolio_id, idempotency_key))
        found = await batch_get(self._client, self._table, keys)
        portfolio = next((items.portfolio_from(i) for i in found if i["sk"] == items.META), None)
        record = next(
            (items.idempotency_from(i) for i in found if i.get("type") == items.IDEMPOTENCY_TYPE), None
        )
        return portfolio, record

    async def owners(self, ids: Sequence[str]) -> Mapping[str, Owner]:
        if not ids:
            return {}
        found = await batch_get(self._client, self._table, [items.ref_key(i) for i in ids])
        return {owner.id: owner for owner in (items.owner_from(item) for item in found)}

    async def _activity_date(self, portfolio_id: str, activity_id: str) -> str | None:
        """An activity's trade date (part of its key), from its REF item; None when it is not one of
        this portfolio's activities."""
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(items.ref_key(activity_id)), ConsistentRead=True
        )
        ref = from_item(response.get("Item") or {})
        if ref.get("portfolioId") != portfolio_id or not ref.get("occurredOn"):
            return None
        return str(ref["occurredOn"])

    async def activity(self, portfolio_id: str, activity_id: str) -> Activity | None:
        day = await self._activity_date(portfolio_id, activity_id)
        if day is None:
            return None
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(
                {"pk": items.portfolio_pk(portfolio_id), "sk": f"{items.ACTIVITY_PREFIX}{day}#{activity_id}"}
            ),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return (
            items.activity_from_data(_raw_data(item), portfolio_id) if item and items.DATA in item else None
        )

    async def _page(
        self, portfolio_id: str, first_sk: str, last_sk: str, first: int, skip_sk: str | None
    ) -> tuple[list[Mapping[str, Any]], bool]:
        """Up to `first` items with a JSON `a` from `last_sk` down to `first_sk` (inclusive; `skip_sk`
        left out), and whether more follow."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_item(
                {":pk": items.portfolio_pk(portfolio_id), ":first": first_sk, ":last": last_sk}
            ),
            "ProjectionExpression": "sk, #data",
            "ExpressionAttributeNames": {"#data": items.DATA},
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": first + _PAGE_MARGIN,
        }
        found: list[Mapping[str, Any]] = []
        while len(found) <= first:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                if items.DATA in raw and raw["sk"]["S"] != skip_sk:
                    found.append(raw)
            start = response.get("LastEvaluatedKey")
            if not start:
                break
            query["ExclusiveStartKey"] = start
        return found[:first], len(found) > first

    async def activities(self, portfolio_id: str, first: int, after: str | None) -> ActivityPage:
        # Newest first: descending sort keys from just below `after` down to the oldest activity.
        # The cursor is an activity id; its trade date (the rest of its key) is in its REF item.
        last, skip = items.ACTIVITY_END, None
        if after is not None:
            day = await self._activity_date(portfolio_id, after)
            if day is None:  # not an activity of this portfolio (any more): nothing follows it
                return ActivityPage(activities=(), has_next=False)
            last = skip = f"{items.ACTIVITY_PREFIX}{day}#{after}"
        if first <= 0:
            return ActivityPage(activities=(), has_next=False)
        found, more = await self._page(portfolio_id, items.ACTIVITY_PREFIX, last, first, skip)
        return ActivityPage(
            activities=tuple(items.activity_from_data(_raw_data(raw), portfolio_id) for raw in found),
            has_next=more,
        )

    async def audit_trail(self, portfolio_id: str, first: int, after: str | None) -> AuditPage:
        if first <= 0:
            return AuditPage(entries=(), has_next=False)
        last = items.audit_sk(after) if after is not None else items.AUDIT_END
        skip = last if after is not None else None
        found, more = await self._page(portfolio_id, items.AUDIT_PREFIX, last, first, skip)
        return AuditPage(
            entries=tuple(items.audit_from({items.DATA: raw[items.DATA]["S"]}) for raw in found),
            has_next=more,
        )


class DynamoCustomerDirectory:
    """The customers known to exist: `CUSTOMER#<id> / DIRECTORY` items in the portfolios table.

    `registeredAt` is set by CustomerRegistered, `closedAt` by CustomerClosed; each keeps its first
    value, so that redelivered or reordered events end in the same item.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def _upsert(self, customer_id: str, attribute: str, at: datetime) -> None:
        await self._client.update_item(
            TableName=self._table,
            Key=to_item(items.directory_key(customer_id)),
            UpdateExpression=(
                f"SET #type = :type, customerId = :id, {attribute} = if_not_exists({attribute}, :at)"
            ),
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues=to_item(
                {":type": items.DIRECTORY_TYPE, ":id": customer_id, ":at": at.isoformat()}
            ),
        )

    async def register(self, customer_id: str, registered_at: datetime) -> None:
        await self._upsert(customer_id, "registeredAt", registered_at)

    async def close(self, customer_id: str, closed_at: datetime) -> None:
        await self._upsert(customer_id, "closedAt", closed_at)

    async def status(self, customer_id: str) -> CustomerStatus:
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(items.directory_key(customer_id)),
            ConsistentRead=True,
            ProjectionExpression="pk, closedAt",
        )
        item = response.get("Item")
        if item is None:
            return CustomerStatus.UNKNOWN
        return CustomerStatus.CLOSED if "closedAt" in item else CustomerStatus.ACTIVE
