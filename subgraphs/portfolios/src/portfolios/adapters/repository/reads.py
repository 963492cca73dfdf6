"""The repository's reads of portfolios, ledgers and projections. Reads of many items are batched
(BatchGetItem) or a single Query. A read of chunks keeps only those at META's version: one that
overlapped a write (or a lagging index) is made again, consistently, from the table."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from kit.aws.dynamo import batch_get, from_item, query_all, to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository.base import RepositoryBase
from portfolios.domain.books import CustomerBook, History, book_of
from portfolios.domain.lots import Holdings
from portfolios.domain.model import Activity, Portfolio
from portfolios.domain.ports import StoredLedger
from portfolios.domain.timeline import Timeline

# Reads of a projection that overlap writes are retried this many times before giving up.
_CONSISTENT_READ_ATTEMPTS = 8


def _holdings(meta: Mapping[str, Any], blobs: Sequence[bytes]) -> Holdings:
    version = items.version_of(meta)
    if not blobs:
        return Holdings(meta["id"], meta["baseCurrency"], version=version)
    return replace(items.holdings_from_data(items.unpack(blobs)), version=version)


class PortfolioReads(RepositoryBase):
    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        if not ids:
            return {}
        return {pid: items.portfolio_from(meta) for pid, meta in (await self._metas(ids)).items()}

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
            blobs = items.assemble(chunk_items, version, items.chunk_count(meta, table.JOURNAL_PART))
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
                {":pk": table.portfolio_pk(portfolio_id), ":first": table.JOURNAL_PREFIX, ":last": table.META}
            ),
            "ConsistentRead": True,
        }
        meta: dict[str, Any] | None = None
        chunks: list[dict[str, Any]] = []
        while True:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                item = from_item(raw)
                if item["sk"] == table.META:
                    meta = item
                elif str(item["sk"]).startswith(table.JOURNAL_PREFIX):
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
                    ":pk": table.portfolio_pk(portfolio_id),
                    ":first": table.ACTIVITY_PREFIX,
                    ":last": table.ACTIVITY_END,
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
                items.activity_from_data(items.raw_data(raw), portfolio_id)
                for raw in response.get("Items", [])
                if raw
            )
            start = response.get("LastEvaluatedKey")
            if not start:
                return found
            query["ExclusiveStartKey"] = start

    async def consistent_part(
        self, portfolio_id: str, parts_read: Sequence[str] = (table.HOLDINGS_PART, table.HISTORY_PART)
    ) -> tuple[dict[str, Any], dict[str, list[bytes]]] | None:
        """META and the chunks of projection parts (holdings and history unless told) at its version,
        read so that they match: chunks read after META that all carry META's version are that
        version's (a write in between overwrites or deletes some of them; then the read is made again)."""
        for _ in range(_CONSISTENT_READ_ATTEMPTS):
            meta = await self._meta(portfolio_id)
            if meta is None:
                return None
            parts = await self._chunks_of({portfolio_id: meta}, parts_read)
            if portfolio_id in parts:
                return meta, parts[portfolio_id]
        raise RuntimeError(f"the projection of portfolio {portfolio_id} kept changing while read")

    async def _chunks_of(
        self, metas: Mapping[str, Mapping[str, Any]], parts: Sequence[str]
    ) -> dict[str, dict[str, list[bytes]]]:
        """For each portfolio (by its META), the chunks of `parts` at META's version, in one batched
        read; portfolios whose chunks did not match (a write overlapped) are left out."""
        keys = [
            table.chunk_key(pid, part, index)
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

    async def holdings(self, portfolio_ids: Sequence[str]) -> Mapping[str, Holdings]:
        if not portfolio_ids:
            return {}
        metas = await self._metas(portfolio_ids)
        parts = await self._chunks_of(metas, (table.HOLDINGS_PART,))
        torn = [pid for pid in metas if pid not in parts]
        for pid, answer in zip(
            torn, await asyncio.gather(*(self.consistent_part(pid) for pid in torn)), strict=True
        ):
            if answer is not None:
                metas[pid], parts[pid] = answer
        return {pid: _holdings(metas[pid], parts[pid][table.HOLDINGS_PART]) for pid in metas if pid in parts}

    async def timelines(self, portfolio_ids: Sequence[str]) -> Mapping[str, Timeline]:
        """Two batched reads (META, then the chunks) however many portfolios; a portfolio whose
        timeline was never stored (last written before timelines were) is left out."""
        if not portfolio_ids:
            return {}
        metas = {pid: m for pid, m in (await self._metas(portfolio_ids)).items() if items.has_timeline(m)}
        parts = await self._chunks_of(metas, (table.TIMELINE_PART,))
        torn = [pid for pid in metas if pid not in parts]
        answers = await asyncio.gather(*(self.consistent_part(pid, (table.TIMELINE_PART,)) for pid in torn))
        for pid, answer in zip(torn, answers, strict=True):
            if answer is not None and items.has_timeline(answer[0]):
                parts[pid] = answer[1]
        return {pid: items.timeline_from_chunks(chunks[table.TIMELINE_PART]) for pid, chunks in parts.items()}

    async def history(self, portfolio_id: str) -> History:
        answer = await self.consistent_part(portfolio_id)
        if answer is None or not answer[1][table.HISTORY_PART]:
            return History()
        return items.history_from_data(items.unpack(answer[1][table.HISTORY_PART]))

    async def book(self, customer_id: str) -> CustomerBook:
        # One Query of the index: every portfolio of the customer and its holdings' chunks. The index
        # is eventually consistent: a portfolio whose chunks do not match its META there (torn by a
        # write, or lagging) is read again from the table, consistently.
        found = await query_all(
            self._client,
            TableName=self._table,
            IndexName=table.GSI1,
            KeyConditionExpression="gsi1pk = :customer",
            ExpressionAttributeValues=to_item({":customer": table.customer_pk(customer_id)}),
        )
        metas = {i["id"]: i for i in found if i.get("type") == items.PORTFOLIO_TYPE}
        chunks: dict[str, list[Mapping[str, Any]]] = {}
        for item in found:
            if item.get("type") == table.HOLDINGS_PART:
                chunks.setdefault(item["portfolioId"], []).append(item)
        holdings: dict[str, Holdings] = {}
        torn: list[str] = []
        for pid, meta in metas.items():
            blobs = items.assemble(
                chunks.get(pid, ()), items.version_of(meta), items.chunk_count(meta, table.HOLDINGS_PART)
            )
            if blobs is None:
                torn.append(pid)
            else:
                holdings[pid] = _holdings(meta, blobs)
        for pid, answer in zip(
            torn, await asyncio.gather(*(self.consistent_part(pid) for pid in torn)), strict=True
        ):
            if answer is not None:
                meta, parts = answer
                metas[pid] = meta
                holdings[pid] = _holdings(meta, parts[table.HOLDINGS_PART])
        portfolios = [items.portfolio_from(meta) for meta in metas.values()]
        return book_of(customer_id, portfolios, holdings.values())
