"""Carries portfolios stored before the activity ledger into it (DESIGN.md decision 11); `legacy`
reads them and says what ledger they make. At startup, `timeline_backfill` then stores the timeline
of portfolios written before timelines were.

The ledger is replayed (`Ledger.replay`) and written in three steps, each safe to repeat and to run
from two processes at once: (1) the activities, their refs and the audit entries, by idempotent puts,
each batch conditioned on the portfolio not being migrated yet; (2) one transaction moves META to the
next version with the replayed projection and marks it `migratedAt`, conditioned on the version read;
(3) the legacy items are deleted. A crash anywhere leaves a state the next run finishes: before (2)
the portfolio is still legacy and is converted again (activities already written keep their content);
after it, only (3) remains. A portfolio whose replay is impossible is left untouched, logged at ERROR.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from kit.aws.dynamo import to_item

from portfolios.adapters import items, table
from portfolios.adapters.legacy import LegacyReader, convert
from portfolios.adapters.repository.changes import ChangeParts, JournalLines
from portfolios.adapters.repository.transactions import transact
from portfolios.adapters.timeline_backfill import backfill_timelines
from portfolios.domain.ledger import ImpossibleHistory, Ledger
from portfolios.domain.model import Activity, AuditEntry, Portfolio
from portfolios.domain.ports import WriteConflict

log = logging.getLogger(__name__)

# Puts per transaction of step 1 (one more item is the condition on META).
_BATCH = 99
_BATCH_WRITE = 25
_ATTEMPTS = 5


@dataclass
class MigrationReport:
    """What a run did: portfolios converted, portfolios whose leftovers it deleted, failures."""

    migrated: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {"migrated": len(self.migrated), "cleaned": len(self.cleaned), "failed": len(self.failed)}


class LegacyMigration:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._reader = LegacyReader(client, table_name)
        self._parts = ChangeParts(table_name, JournalLines())

    async def legacy_portfolios(self) -> list[str]:
        """Ids of the portfolios with legacy items."""
        return await self._reader.legacy_portfolios()

    async def migrate(self, portfolio_id: str, *, stop_after_first_step: bool = False) -> str:
        """'migrated', 'cleaned' (converted before; leftovers deleted), 'interrupted' (tests),
        'nothing' or 'failed: <reason>'."""
        for _ in range(_ATTEMPTS):
            legacy = await self._reader.read(portfolio_id)
            if legacy is None:
                # Copies of lots whose portfolio is gone: nothing to convert them into.
                log.warning("migration: portfolio %s has legacy items but no portfolio item", portfolio_id)
                return "failed: no portfolio item"
            if items.MIGRATED_AT in legacy.meta:
                await self._delete(legacy.leftovers)
                return "cleaned" if legacy.leftovers else "nothing"
            portfolio = items.portfolio_from(legacy.meta)
            version = items.version_of(legacy.meta)
            activities, audit = convert(portfolio, legacy.lots, legacy.entries)
            # An activity the ledger has already (a run before, or a change since) keeps its content.
            new = [a for a in activities if a.id not in legacy.activities]
            ledger = Ledger(portfolio, [*legacy.activities.values(), *new])
            try:
                books = ledger.replay(version=version + 1)
            except ImpossibleHistory as error:
                log.error(
                    "migration: portfolio %s left as it is: its replay is impossible (%s: %s)",
                    portfolio_id,
                    error.code,
                    error.message,
                )
                return f"failed: {error.message}"
            try:
                await self._put_ledger(portfolio, new, audit)
                if stop_after_first_step:
                    return "interrupted"
                await self._flip(portfolio, version, books, list(ledger.activities.values()), legacy.meta)
            except WriteConflict:
                continue  # migrated or changed meanwhile: read again
            await self._delete(legacy.leftovers)
            return "migrated"
        return "failed: the portfolio kept changing during its migration"

    def _not_migrated(self, portfolio_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item(table.portfolio_key(portfolio_id)),
                "ConditionExpression": f"attribute_exists(pk) AND attribute_not_exists({items.MIGRATED_AT})",
            }
        }

    async def _put_ledger(
        self, portfolio: Portfolio, activities: Sequence[Activity], audit: Sequence[AuditEntry]
    ) -> None:
        """Step 1: idempotent puts, in batches that land only while the portfolio is not migrated
        (so a slow second process cannot bring back an activity removed since)."""
        puts = [
            *(items.activity_item(a) for a in activities),
            *(items.ref_item(a.id, portfolio, a.occurred_on) for a in activities),
            *(items.audit_item(entry) for entry in audit),
        ]
        for start in range(0, len(puts), _BATCH):
            batch = puts[start : start + _BATCH]
            await transact(self._client, [self._not_migrated(portfolio.id), *map(self._parts.put, batch)])

    async def _flip(
        self,
        portfolio: Portfolio,
        version: int,
        books: Any,
        activities: Sequence[Activity],
        meta: Mapping[str, Any],
    ) -> None:
        """Step 2: META to the next version with the replayed projection and the journal, once."""
        chunks, counts = self._parts.projection(portfolio, version + 1, books, meta)
        journal, journal_count = self._parts.journal(portfolio, version + 1, activities, meta)
        flip = self._parts.flip_meta(
            portfolio,
            version,
            counts,
            journal_count=journal_count,
            extra_set={f":{items.MIGRATED_AT}": datetime.now(UTC).isoformat()},
            extra_condition=f"attribute_not_exists({items.MIGRATED_AT})",
            require_open=False,  # a closed portfolio is migrated too
        )
        await transact(self._client, [flip, *chunks, *journal])

    async def _delete(self, keys: Sequence[Mapping[str, str]]) -> None:
        """Step 3: the legacy items, by BatchWriteItem (deleting what is gone already is no error)."""
        for start in range(0, len(keys), _BATCH_WRITE):
            request: dict[str, Any] = {
                self._table: [
                    {"DeleteRequest": {"Key": to_item(key)}} for key in keys[start : start + _BATCH_WRITE]
                ]
            }
            for attempt in range(8):
                response = await self._client.batch_write_item(RequestItems=request)
                request = response.get("UnprocessedItems") or {}
                if not request:
                    break
                await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise RuntimeError("BatchWriteItem left legacy items undeleted after retries")


async def migrate_legacy(client: Any, table_name: str) -> MigrationReport:
    """Every portfolio stored before the ledger, carried into it; idempotent."""
    migration = LegacyMigration(client, table_name)
    report = MigrationReport()
    for portfolio_id in await migration.legacy_portfolios():
        try:
            outcome = await migration.migrate(portfolio_id)
        except Exception as error:  # one portfolio's failure does not stop the others
            log.exception("migration: portfolio %s failed", portfolio_id)
            report.failed[portfolio_id] = type(error).__name__
            continue
        if outcome == "migrated":
            report.migrated.append(portfolio_id)
        elif outcome == "cleaned":
            report.cleaned.append(portfolio_id)
        elif outcome.startswith("failed"):
            report.failed[portfolio_id] = outcome.removeprefix("failed: ")
    return report


async def migrate_at_startup(client: Any, table_name: str) -> MigrationReport | None:
    """The migration as the service runs it when it starts: logged, never raising (a table not
    created yet has nothing to migrate)."""
    try:
        report = await migrate_legacy(client, table_name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            log.info("migration: table %s does not exist yet; nothing to migrate", table_name)
            return None
        log.exception("migration: the run failed; it is tried again at the next start")
        return None
    except Exception:
        log.exception("migration: the run failed; it is tried again at the next start")
        return None
    level = logging.ERROR if report.failed else logging.INFO
    log.log(level, "migration of legacy portfolios: %s", report.counts)
    try:
        timelines = await backfill_timelines(client, table_name)
    except Exception:
        log.exception("timelines: the run failed; it is tried again at the next start")
        return report
    level = logging.ERROR if timelines.failed else logging.INFO
    log.log(level, "timelines stored: %d, failed: %d", len(timelines.stored), len(timelines.failed))
    return report


async def _main(arguments: Sequence[str] | None = None) -> int:
    from kit.aws.dynamo import dynamodb_client

    from portfolios.app import PortfoliosSettings

    parser = argparse.ArgumentParser(
        prog="python -m portfolios.adapters.migration",
        description="Carry portfolios stored before the activity ledger into it (idempotent).",
    )
    parser.parse_args(arguments)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    settings = PortfoliosSettings()
    async with dynamodb_client(settings) as client:
        report = await migrate_legacy(client, settings.table_name)
        timelines = await backfill_timelines(client, settings.table_name)
    print(
        json.dumps(
            {**report.counts, "failed": report.failed, "timelines": len(timelines.stored)}
            | ({"timelinesFailed": timelines.failed} if timelines.failed else {})
        )
    )
    return 1 if report.failed or timelines.failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_main()))
