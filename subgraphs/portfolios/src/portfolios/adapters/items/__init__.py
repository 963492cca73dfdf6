"""Domain objects to DynamoDB items and back (`table` has the layout and builds every key).

By topic: `codec` (Decimals as text, compact JSON, zlib chunks), `activities` (activity items, the
journal's lines, refs), `projection` (Holdings and History in chunks), `timeline` (the Timeline in
chunks), `portfolio` (META) and
`records` (audit entries, idempotency records, the customer directory). The adapters use them
through this package: `items.activity_item(...)`.
"""

from portfolios.adapters.items.activities import (
    DATA,
    REF_TYPE,
    activity_data,
    activity_from,
    activity_from_data,
    activity_item,
    is_ledger_activity,
    journal_activities,
    journal_line,
    journal_lines,
    lot_ids_of,
    owner_from,
    pack_journal,
    raw_data,
    ref_item,
)
from portfolios.adapters.items.codec import CHUNK_BYTES, pack, unpack
from portfolios.adapters.items.portfolio import (
    FIRST_SEQUENCE,
    HISTORY_CHUNKS,
    HOLDINGS_CHUNKS,
    JOURNAL_CHUNKS,
    JOURNAL_VERSION,
    MIGRATED_AT,
    PORTFOLIO_TYPE,
    SEQUENCE,
    TIMELINE_CHUNKS,
    VERSION,
    chunk_count,
    has_journal,
    has_timeline,
    portfolio_attributes,
    portfolio_from,
    portfolio_item,
    sequence_of,
    stored_sequence,
    version_of,
)
from portfolios.adapters.items.projection import (
    CHUNK,
    assemble,
    chunk_bytes,
    chunk_item,
    history_chunks,
    history_data,
    history_from_data,
    holdings_chunks,
    holdings_data,
    holdings_from_data,
)
from portfolios.adapters.items.records import (
    DIRECTORY_TYPE,
    IDEMPOTENCY_TYPE,
    audit_from,
    audit_item,
    idempotency_from,
    idempotency_item,
)
from portfolios.adapters.items.timeline import (
    timeline_chunks,
    timeline_data,
    timeline_from_chunks,
    timeline_from_data,
)

# The chunked parts are the `type` of their chunk items. The two keys are kept here for callers
# outside the adapters that read items by key (tests/api, tests/test_portfolios_app, devstack's
# bench_ledger); every key is built in `table`.
from portfolios.adapters.table import HISTORY_PART, HOLDINGS_PART, JOURNAL_PART, TIMELINE_PART

__all__ = [
    "CHUNK",
    "CHUNK_BYTES",
    "DATA",
    "DIRECTORY_TYPE",
    "FIRST_SEQUENCE",
    "HISTORY_CHUNKS",
    "HISTORY_PART",
    "HOLDINGS_CHUNKS",
    "HOLDINGS_PART",
    "IDEMPOTENCY_TYPE",
    "JOURNAL_CHUNKS",
    "JOURNAL_PART",
    "JOURNAL_VERSION",
    "MIGRATED_AT",
    "PORTFOLIO_TYPE",
    "REF_TYPE",
    "SEQUENCE",
    "TIMELINE_CHUNKS",
    "TIMELINE_PART",
    "VERSION",
    "activity_data",
    "activity_from",
    "activity_from_data",
    "activity_item",
    "assemble",
    "audit_from",
    "audit_item",
    "chunk_bytes",
    "chunk_count",
    "chunk_item",
    "has_journal",
    "has_timeline",
    "history_chunks",
    "history_data",
    "history_from_data",
    "holdings_chunks",
    "holdings_data",
    "holdings_from_data",
    "idempotency_from",
    "idempotency_item",
    "is_ledger_activity",
    "journal_activities",
    "journal_line",
    "journal_lines",
    "lot_ids_of",
    "owner_from",
    "pack",
    "pack_journal",
    "portfolio_attributes",
    "portfolio_from",
    "portfolio_item",
    "raw_data",
    "ref_item",
    "sequence_of",
    "stored_sequence",
    "timeline_chunks",
    "timeline_data",
    "timeline_from_chunks",
    "timeline_from_data",
    "unpack",
    "version_of",
]
