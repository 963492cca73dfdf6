"""The audit trail's GraphQL types: each change of the ledger with the activity before and after."""

from __future__ import annotations

from datetime import datetime

import strawberry
from kit.graphql.types import PageInfo

from portfolios.domain import model
from portfolios.domain.paging import encode_cursor
from portfolios.graphql.types import Activity, page_info


@strawberry.type(
    description="One change of the ledger. It moves nothing: it records what happened to the ledger."
)
class AuditEntry:
    id: strawberry.ID
    action: model.AuditAction
    actor: str = strawberry.field(description="Who made the change: role and subject of the token.")
    at: datetime
    activity_id: strawberry.ID
    before: Activity | None = strawberry.field(description="The activity before; null when it was recorded.")
    after: Activity | None = strawberry.field(description="The activity after; null when it was removed.")

    @classmethod
    def from_domain(cls, entry: model.AuditEntry, base_currency: str) -> AuditEntry:
        return cls(
            id=strawberry.ID(entry.id),
            action=entry.action,
            actor=entry.actor,
            at=entry.at,
            activity_id=strawberry.ID(entry.activity_id),
            before=Activity.from_domain(entry.before, base_currency) if entry.before else None,
            after=Activity.from_domain(entry.after, base_currency) if entry.after else None,
        )


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditEntry


@strawberry.type(description="A page of the audit trail, newest first.")
class AuditConnection:
    edges: list[AuditEdge]
    page_info: PageInfo

    @classmethod
    def from_domain(
        cls, page: model.AuditPage | None, base_currency: str, after: str | None
    ) -> AuditConnection:
        entries = page.entries if page else ()
        edges = [
            AuditEdge(cursor=encode_cursor(e.id), node=AuditEntry.from_domain(e, base_currency))
            for e in entries
        ]
        return cls(edges=edges, page_info=page_info(edges, bool(page and page.has_next), after))
