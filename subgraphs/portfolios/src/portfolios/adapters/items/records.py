"""The records kept beside the ledger: audit entries (each change, before and after), idempotency
records (what a key recorded) and the customer directory's entries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from portfolios.adapters import table
from portfolios.adapters.items.activities import DATA, activity_data, activity_from_data
from portfolios.adapters.items.codec import dumps
from portfolios.domain.model import AuditAction, AuditEntry
from portfolios.domain.ports import IdempotencyRecord

IDEMPOTENCY_TYPE = "Idempotency"
DIRECTORY_TYPE = "CustomerDirectoryEntry"


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    data = {
        "id": entry.id,
        "p": entry.portfolio_id,
        "ac": entry.action.value,
        "u": entry.actor,
        "at": entry.at.isoformat(),
        "aid": entry.activity_id,
        "b": activity_data(entry.before) if entry.before is not None else None,
        "af": activity_data(entry.after) if entry.after is not None else None,
    }
    return {**table.audit_key(entry.portfolio_id, entry.id), DATA: dumps(data)}


def audit_from(item: Mapping[str, Any]) -> AuditEntry:
    data = json.loads(item[DATA])
    return AuditEntry(
        id=data["id"],
        portfolio_id=data["p"],
        action=AuditAction(data["ac"]),
        actor=data["u"],
        at=datetime.fromisoformat(data["at"]),
        activity_id=data["aid"],
        before=activity_from_data(data["b"]) if data.get("b") else None,
        after=activity_from_data(data["af"]) if data.get("af") else None,
    )


def idempotency_item(portfolio_id: str, record: IdempotencyRecord, created_at: datetime) -> dict[str, Any]:
    return {
        **table.idempotency_key(portfolio_id, record.key),
        "type": IDEMPOTENCY_TYPE,
        "key": record.key,
        "activityId": record.activity_id,
        "fingerprint": record.fingerprint,
        "createdAt": created_at.isoformat(),
    }


def idempotency_from(item: Mapping[str, Any]) -> IdempotencyRecord:
    # A record of an addInvestment before the ledger names the lot (`lotId`) and the old BUY entry;
    # the migration makes the lot's id the BUY activity's id, so the lot id is what it recorded.
    return IdempotencyRecord(
        key=item["key"],
        activity_id=item.get("lotId") or item["activityId"],
        fingerprint=item["fingerprint"],
    )
