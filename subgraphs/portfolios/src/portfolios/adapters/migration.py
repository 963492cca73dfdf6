"""Carries portfolios stored before the activity ledger into it (DESIGN.md decision 11).

Before the ledger a portfolio was its lots (`LOT#<lotId>`, copied to `INVESTMENT#<lotId>/LOT`),
per-symbol realized totals (`POSITION#<symbol>`) and a log of entries (`ACTIVITY#<ulid>`: BUY,
CORRECTION, SELL, REMOVAL), under a META without `version`. Each such portfolio becomes a ledger:

- every lot becomes a BUY whose id IS the lot id (Investment ids stay valid), with the lot's
  quantity, price, fees, fxRate and purchase date as it last stood, and its creation as recorded_at;
- every old SELL becomes a SELL with the same id, naming no lots: the portfolio's method applies,
  in trade-date order (the old lot choices were made in typing order, which is what the ledger fixes);
- old BUY, CORRECTION and REMOVAL entries become audit entries (MIGRATED; before/after what they said).

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
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import ClientError
from kit.aws.dynamo import batch_get, from_item, to_item
from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

from portfolios.adapters import items
from portfolios.adapters.repository import DynamoPortfolioRepository
from portfolios.domain.ledger import ImpossibleHistory, Ledger
from portfolios.domain.model import ONE, Activity, ActivityType, AuditAction, AuditEntry, Portfolio
from portfolios.domain.ports import WriteConflict

log = logging.getLogger(__name__)

ACTOR = "migration"
LOT_PREFIX = "LOT#"
POSITION_PREFIX = "POSITION#"
INVESTMENT_PREFIX = "INVESTMENT#"
LEGACY_TYPE = "activityType"  # the attribute only legacy ACTIVITY# entries have

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


def _number(value: Any) -> Any:
    return parse_decimal(value, STORED_DECIMAL)


def _legacy_values(item: Mapping[str, Any], activity_id: str, kind: ActivityType, on_field: str) -> Activity:
    """An activity from a legacy lot or entry (they share the field names)."""
    fees = item.get("feesAmount")
    fx = item.get("fxRate")
    return Activity(
        id=activity_id,
        portfolio_id=item["portfolioId"],
        type=kind,
        occurred_on=date.fromisoformat(item[on_field]),
        recorded_at=datetime.fromisoformat(item["createdAt" if on_field == "purchasedAt" else "recordedAt"]),
        symbol=item["symbol"],
        quantity=_number(item["quantity"]),
        price=Amount(_number(item["priceAmount"]), item["priceCurrency"]),
        fees=Amount(_number(fees), item.get("feesCurrency") or item["priceCurrency"])
        if fees is not None
        else None,
        fx_rate=_number(fx) if fx is not None else ONE,
    )


def convert(
    portfolio: Portfolio, lots: Sequence[Mapping[str, Any]], entries: Sequence[Mapping[str, Any]]
) -> tuple[list[Activity], list[AuditEntry]]:
    """The ledger activities and audit entries a legacy portfolio's lots and entries make."""
    activities = [_legacy_values(lot, lot["id"], ActivityType.BUY, "purchasedAt") for lot in lots]
    audit: list[AuditEntry] = []
    last_seen: dict[str, Activity] = {}  # what the previous entry of each lot said
    for entry in sorted(entries, key=lambda e: str(e["id"])):
        kind = entry[LEGACY_TYPE]
        if kind == "SELL":
            activities.append(_legacy_values(entry, entry["id"], ActivityType.SELL, "occurredAt"))
            continue
        lot_id = entry.get("lotId") or entry["id"]
        said = _legacy_values(entry, lot_id, ActivityType.BUY, "occurredAt")
        before = last_seen.get(lot_id) if kind != "BUY" else None
        after = None if kind == "REMOVAL" else said
        if kind == "REMOVAL" and before is None:
            before = said
        audit.append(
            AuditEntry(
                id=entry["id"],
                portfolio_id=portfolio.id,
                action=AuditAction.MIGRATED,
                actor=ACTOR,
                at=said.recorded_at,
                activity_id=lot_id,
                before=before,
                after=after,
            )
        )
        last_seen[lot_id] = said
    return activities, audit


@dataclass
class _Legacy:
    """One portfolio as read for its migration."""

    meta: dict[str, Any]
    activities: dict[str, Activity]  # of the ledger already
    lots: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    leftovers: list[dict[str, str]]  # keys of every legacy item to delete


class LegacyMigration:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table
        self._repository = DynamoPortfolioRepository(client, table)

    async def legacy_portfolios(self) -> list[str]:
        """Ids of the portfolios with legacy items (one paginated Scan of keys)."""
        values = {
            ":lot": LOT_PREFIX,
            ":position": POSITION_PREFIX,
            ":investment": INVESTMENT_PREFIX,
            ":activity": items.ACTIVITY_PREFIX,
            ":meta": items.META,
        }
        scan: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "begins_with(sk, :lot) OR begins_with(sk, :position) "
            "OR begins_with(pk, :investment) OR (sk = :meta AND attribute_not_exists(#version)) "
            "OR (begins_with(sk, :activity) AND attribute_exists(#legacy))",
            "ProjectionExpression": "pk, sk, portfolioId",
            "ExpressionAttributeNames": {"#version": items.VERSION, "#legacy": LEGACY_TYPE},
            "ExpressionAttributeValues": to_item(values),
        }
        found: set[str] = set()
        while True:
            response = await self._client.scan(**scan)
            for raw in response.get("Items", []):
                item = from_item(raw)
                if str(item["pk"]).startswith("PORTFOLIO#"):
                    found.add(str(item["pk"]).removeprefix("PORTFOLIO#"))
                elif item.get("portfolioId"):
                    found.add(str(item["portfolioId"]))
            start = response.get("LastEvaluatedKey")
            if not start:
                return sorted(found)
            scan["ExclusiveStartKey"] = start

    async def _read(self, portfolio_id: str) -> _Legacy | None:
        # One consistent Query in sort-key order: legacy entries (ACTIVITY#) and lots (LOT#) come
        # before META, so a META read without `migratedAt` means they were read before any deletion.
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": items.portfolio_pk(portfolio_id)}),
            "ConsistentRead": True,
        }
        meta: dict[str, Any] | None = None
        legacy = _Legacy({}, {}, [], [], [])
        while True:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                item = from_item(raw)
                sk = str(item["sk"])
                if sk == items.META:
                    meta = item
                elif items.is_ledger_activity(item):
                    activity = items.activity_from(item)
                    legacy.activities[activity.id] = activity
                elif sk.startswith(items.ACTIVITY_PREFIX) and LEGACY_TYPE in item:
                    legacy.entries.append(item)
                    legacy.leftovers.append({"pk": item["pk"], "sk": sk})
                elif sk.startswith(LOT_PREFIX):
                    legacy.lots.append(item)
                    legacy.leftovers.append({"pk": item["pk"], "sk": sk})
                elif sk.startswith(POSITION_PREFIX):
                    legacy.leftovers.append({"pk": item["pk"], "sk": sk})
            start = response.get("LastEvaluatedKey")
            if not start:
                break
            query["ExclusiveStartKey"] = start
        if meta is None:
            return None
        legacy.meta = meta
        # The lots' copies by id: those of the lots, and of lots the entries name (a removed lot's
        # copy is gone already; asking costs nothing).
        lot_ids = {str(lot["id"]) for lot in legacy.lots} | {
            str(e["lotId"]) for e in legacy.entries if e.get("lotId")
        }
        copies = await batch_get(
            self._client,
            self._table,
            [{"pk": f"{INVESTMENT_PREFIX}{i}", "sk": "LOT"} for i in sorted(lot_ids)],
        )
        legacy.leftovers.extend({"pk": c["pk"], "sk": c["sk"]} for c in copies)
        return legacy

    async def migrate(self, portfolio_id: str, *, stop_after_first_step: bool = False) -> str:
        """'migrated', 'cleaned' (converted before; leftovers deleted), 'interrupted' (tests),
        'nothing' or 'failed: <reason>'."""
        for _ in range(_ATTEMPTS):
            legacy = await self._read(portfolio_id)
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
                "Key": to_item(items.portfolio_key(portfolio_id)),
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
            await self._repository.transact(
                [
                    self._not_migrated(portfolio.id),
                    *({"Put": {"TableName": self._table, "Item": to_item(item)}} for item in batch),
                ]
            )

    async def _flip(
        self,
        portfolio: Portfolio,
        version: int,
        books: Any,
        activities: Sequence[Activity],
        meta: Mapping[str, Any],
    ) -> None:
        """Step 2: META to the next version with the replayed projection and the journal, once."""
        chunks, holdings_count, history_count = self._repository.projection_parts(
            portfolio, version + 1, books.holdings, books.history, meta
        )
        journal, journal_count = self._repository.journal_parts(portfolio, version + 1, activities, meta)
        flip = self._repository.flip_meta(
            portfolio,
            version,
            holdings_count,
            history_count,
            journal_count=journal_count,
            extra_set={f":{items.MIGRATED_AT}": datetime.now(UTC).isoformat()},
            extra_condition=f"attribute_not_exists({items.MIGRATED_AT})",
            require_open=False,  # a closed portfolio is migrated too
        )
        await self._repository.transact([flip, *chunks, *journal])

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


async def migrate_legacy(client: Any, table: str) -> MigrationReport:
    """Every portfolio stored before the ledger, carried into it; idempotent."""
    migration = LegacyMigration(client, table)
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


async def migrate_at_startup(client: Any, table: str) -> MigrationReport | None:
    """The migration as the service runs it when it starts: logged, never raising (a table not
    created yet has nothing to migrate)."""
    try:
        report = await migrate_legacy(client, table)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            log.info("migration: table %s does not exist yet; nothing to migrate", table)
            return None
        log.exception("migration: the run failed; it is tried again at the next start")
        return None
    except Exception:
        log.exception("migration: the run failed; it is tried again at the next start")
        return None
    level = logging.ERROR if report.failed else logging.INFO
    log.log(level, "migration of legacy portfolios: %s", report.counts)
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
    print(json.dumps({**report.counts, "failed": report.failed}))
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_main()))
