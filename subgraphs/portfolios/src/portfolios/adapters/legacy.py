"""The layout before the activity ledger, read for the migration (DESIGN.md decision 11).

Before the ledger a portfolio was its lots (`LOT#<lotId>`, copied to `INVESTMENT#<lotId>/LOT`),
per-symbol realized totals (`POSITION#<symbol>`) and a log of entries (`ACTIVITY#<ulid>`: BUY,
CORRECTION, SELL, REMOVAL), under a META without `version`. `convert` says what ledger they make:

- every lot becomes a BUY whose id IS the lot id (Investment ids stay valid), with the lot's
  quantity, price, fees, fxRate and purchase date as it last stood, and its creation as recorded_at;
- every old SELL becomes a SELL with the same id, naming no lots: the portfolio's method applies,
  in trade-date order (the old lot choices were made in typing order, which is what the ledger fixes);
- old BUY, CORRECTION and REMOVAL entries become audit entries (MIGRATED; before/after what they said).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kit.aws.dynamo import batch_get, from_item, to_item
from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

from portfolios.adapters import items, table
from portfolios.domain.model import ONE, Activity, ActivityType, AuditAction, AuditEntry, Portfolio

ACTOR = "migration"
LEGACY_TYPE = "activityType"  # the attribute only legacy ACTIVITY# entries have


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
class Legacy:
    """One portfolio as read for its migration."""

    meta: dict[str, Any]
    activities: dict[str, Activity]  # of the ledger already
    lots: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    leftovers: list[dict[str, str]]  # keys of every legacy item to delete


class LegacyReader:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def legacy_portfolios(self) -> list[str]:
        """Ids of the portfolios with legacy items (one paginated Scan of keys)."""
        values = {
            ":lot": table.LEGACY_LOT_PREFIX,
            ":position": table.LEGACY_POSITION_PREFIX,
            ":investment": table.LEGACY_INVESTMENT_PREFIX,
            ":activity": table.ACTIVITY_PREFIX,
            ":meta": table.META,
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
                if table.is_portfolio_pk(str(item["pk"])):
                    found.add(table.portfolio_id_of(str(item["pk"])))
                elif item.get("portfolioId"):
                    found.add(str(item["portfolioId"]))
            start = response.get("LastEvaluatedKey")
            if not start:
                return sorted(found)
            scan["ExclusiveStartKey"] = start

    async def read(self, portfolio_id: str) -> Legacy | None:
        # One consistent Query in sort-key order: legacy entries (ACTIVITY#) and lots (LOT#) come
        # before META, so a META read without `migratedAt` means they were read before any deletion.
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": table.portfolio_pk(portfolio_id)}),
            "ConsistentRead": True,
        }
        meta: dict[str, Any] | None = None
        legacy = Legacy({}, {}, [], [], [])
        while True:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                item = from_item(raw)
                sk = str(item["sk"])
                if sk == table.META:
                    meta = item
                elif items.is_ledger_activity(item):
                    activity = items.activity_from(item)
                    legacy.activities[activity.id] = activity
                elif sk.startswith(table.ACTIVITY_PREFIX) and LEGACY_TYPE in item:
                    legacy.entries.append(item)
                    legacy.leftovers.append({"pk": item["pk"], "sk": sk})
                elif sk.startswith(table.LEGACY_LOT_PREFIX):
                    legacy.lots.append(item)
                    legacy.leftovers.append({"pk": item["pk"], "sk": sk})
                elif sk.startswith(table.LEGACY_POSITION_PREFIX):
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
            self._client, self._table, [table.legacy_investment_key(i) for i in sorted(lot_ids)]
        )
        legacy.leftovers.extend({"pk": c["pk"], "sk": c["sk"]} for c in copies)
        return legacy
