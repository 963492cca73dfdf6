"""The portfolio item (META): the portfolio itself, the version and chunk counts of what is stored
beside it (the projection, the journal), and the sequence of its events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from portfolios.adapters import table
from portfolios.domain.model import CostBasisMethod, Portfolio, PortfolioKind, PortfolioStatus

PORTFOLIO_TYPE = "Portfolio"

# META's attributes that describe the stored projection.
VERSION = "version"
HOLDINGS_CHUNKS = "holdingsChunks"
HISTORY_CHUNKS = "historyChunks"
# How many JOURNAL# chunk items exist (whatever their version), and the version whose journal they
# are: a META whose `journalVersion` is not its `version` has no journal (reads take the items).
JOURNAL_CHUNKS = "journalChunks"
JOURNAL_VERSION = "journalVersion"
MIGRATED_AT = "migratedAt"
# How many TIMELINE# chunks META's version has; absent: the timeline was never stored (a portfolio
# last written before timelines were).
TIMELINE_CHUNKS = "timelineChunks"
# The number of the portfolio's last event: one more per event (opened = 1), so a consumer applies a
# portfolio's events in order. Kept apart from VERSION, which numbers the projection's chunks and
# moves only with the ledger (a rename or a close changes no chunk).
SEQUENCE = "sequence"
FIRST_SEQUENCE = 1

PART_COUNT = {
    table.HOLDINGS_PART: HOLDINGS_CHUNKS,
    table.HISTORY_PART: HISTORY_CHUNKS,
    table.JOURNAL_PART: JOURNAL_CHUNKS,
    table.TIMELINE_PART: TIMELINE_CHUNKS,
}


def portfolio_attributes(portfolio: Portfolio) -> dict[str, Any]:
    return {
        "type": PORTFOLIO_TYPE,
        **table.portfolio_index_key(portfolio.customer_id, portfolio.id),
        "id": portfolio.id,
        "customerId": portfolio.customer_id,
        "name": portfolio.name,
        "kind": portfolio.kind.value,
        "baseCurrency": portfolio.base_currency,
        "costBasisMethod": portfolio.cost_basis_method.value,
        "createdAt": portfolio.created_at.isoformat(),
        "status": portfolio.status.value,
        "closedAt": portfolio.closed_at.isoformat() if portfolio.closed_at else None,
    }


def portfolio_item(portfolio: Portfolio) -> dict[str, Any]:
    """A new portfolio: its projection and its journal at version 0, empty (no chunks), and its
    first event (PortfolioOpened)."""
    return {
        **table.portfolio_key(portfolio.id),
        **portfolio_attributes(portfolio),
        VERSION: 0,
        HOLDINGS_CHUNKS: 0,
        HISTORY_CHUNKS: 0,
        JOURNAL_CHUNKS: 0,
        JOURNAL_VERSION: 0,
        TIMELINE_CHUNKS: 0,
        SEQUENCE: FIRST_SEQUENCE,
    }


def portfolio_from(item: Mapping[str, Any]) -> Portfolio:
    return Portfolio(
        id=item["id"],
        customer_id=item["customerId"],
        name=item["name"],
        kind=PortfolioKind(item["kind"]),
        base_currency=item["baseCurrency"],
        cost_basis_method=CostBasisMethod(item["costBasisMethod"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        status=PortfolioStatus(item.get("status", PortfolioStatus.OPEN.value)),
        closed_at=datetime.fromisoformat(item["closedAt"]) if item.get("closedAt") else None,
    )


def version_of(meta: Mapping[str, Any]) -> int:
    """The projection's version; a portfolio stored before the ledger has none: 0."""
    return int(meta.get(VERSION, 0))


def stored_sequence(meta: Mapping[str, Any]) -> int | None:
    """META's event sequence as stored; None for a portfolio written before events were."""
    sequence = meta.get(SEQUENCE)
    return None if sequence is None else int(sequence)


def sequence_of(meta: Mapping[str, Any]) -> int:
    """The number of the portfolio's last event; a portfolio written before events were counts on
    from its version."""
    stored = stored_sequence(meta)
    return version_of(meta) if stored is None else stored


def chunk_count(meta: Mapping[str, Any], part: str) -> int:
    return int(meta.get(PART_COUNT[part], 0))


def has_timeline(meta: Mapping[str, Any]) -> bool:
    """Whether META's version has its timeline stored (`TIMELINE_CHUNKS` chunks, 0 when empty)."""
    return TIMELINE_CHUNKS in meta


def has_journal(meta: Mapping[str, Any]) -> bool:
    """Whether META's version has a journal (a portfolio written before the journal, or by a change
    that could not carry it, has none: its activities are read from their items)."""
    journal = meta.get(JOURNAL_VERSION)
    return journal is not None and int(journal) == version_of(meta)
