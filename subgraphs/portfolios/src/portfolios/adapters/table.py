"""The portfolios table: one DynamoDB table, single-table design (DESIGN.md decision 11). Its
definition and every key of it are built here, and nowhere else.

    pk                 sk                              what
    PORTFOLIO#<id>     META                            the portfolio, projection version, chunk counts  (gsi1)
    PORTFOLIO#<id>     HOLDINGS#<n>                    the projection's Holdings (zlib JSON), chunk n (gsi1)
    PORTFOLIO#<id>     HISTORY#<n>                     the projection's History (closed lots, sales, income)
    PORTFOLIO#<id>     JOURNAL#<n>                     every activity at META's version (zlib JSON lines)
    PORTFOLIO#<id>     TIMELINE#<n>                    the projection's Timeline (value over time), chunk n
    PORTFOLIO#<id>     ACTIVITY#<yyyy-mm-dd>#<ulid>    one activity of the ledger (JSON in `a`)
    PORTFOLIO#<id>     AUDIT#<ulid>                    one change of the ledger (before/after)
    PORTFOLIO#<id>     IDEMPOTENCY#<key>               the activity an idempotency key recorded + fingerprint
    REF#<id>           REF                             owner (portfolio, customer) of an activity or lot id
    CUSTOMER#<cid>     DIRECTORY                       a customer known to exist; `sequence` = the last
                                                       customer event applied; closedAt once closed
    APPLIED#<eventId>  APPLIED                         an event the consumer applied (purgeAt: TTL)
    FX_RATES#<F>#<T>   YEAR#<yyyy>                     the copy of assets' FX closes of one pair and
                                                       year (JSON `rates`), `sequence` = its revision

`gsi1` (projection ALL) has gsi1pk = CUSTOMER#<cid> and gsi1sk = PORTFOLIO#<id>#META or
PORTFOLIO#<id>#HOLDINGS#<n>: one (paginated) Query returns a customer's portfolios with their
holdings, however long their ledgers are. Activities, history, audit and idempotency records are not
in it. Every ledger change is one TransactWriteItems conditioned on META's `version`; the chunks of
the projection carry the version they belong to, so a reader keeps only those matching META's.
The journal's chunks sort right before META, so `ledger()` is one Query of JOURNAL#..META; the
activity items stay the truth (the journal is written in the same transaction) and are paged.

Portfolios stored before the ledger (LOT#, POSITION#, INVESTMENT# items, ACTIVITY#<ulid> entries, a
META without `version`) are carried into it by `migration` (`legacy` reads them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

GSI1 = "gsi1"

PORTFOLIO_PREFIX = "PORTFOLIO#"
CUSTOMER_PREFIX = "CUSTOMER#"
REF_PREFIX = "REF#"

META = "META"
REF_SK = "REF"
DIRECTORY_SK = "DIRECTORY"
APPLIED_PREFIX = "APPLIED#"
APPLIED_SK = "APPLIED"
FX_RATES_PREFIX = "FX_RATES#"
YEAR_PREFIX = "YEAR#"
ACTIVITY_PREFIX = "ACTIVITY#"
AUDIT_PREFIX = "AUDIT#"
HOLDINGS_PREFIX = "HOLDINGS#"
HISTORY_PREFIX = "HISTORY#"
JOURNAL_PREFIX = "JOURNAL#"
TIMELINE_PREFIX = "TIMELINE#"
IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"
# "$" sorts right after "#": `sk BETWEEN X# AND X$` is every item of kind X under a portfolio.
ACTIVITY_END = "ACTIVITY$"
AUDIT_END = "AUDIT$"

# The chunked parts of a portfolio (their items' `type` too), and the sort keys of their chunks.
HOLDINGS_PART = "holdings"
HISTORY_PART = "history"
JOURNAL_PART = "journal"
TIMELINE_PART = "timeline"
PART_PREFIX = {
    HOLDINGS_PART: HOLDINGS_PREFIX,
    HISTORY_PART: HISTORY_PREFIX,
    JOURNAL_PART: JOURNAL_PREFIX,
    TIMELINE_PART: TIMELINE_PREFIX,
}

# The layout before the ledger, which only the migration reads (and deletes).
LEGACY_LOT_PREFIX = "LOT#"
LEGACY_POSITION_PREFIX = "POSITION#"
LEGACY_INVESTMENT_PREFIX = "INVESTMENT#"
LEGACY_INVESTMENT_SK = "LOT"


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments (on-demand billing)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gsi1pk", "AttributeType": "S"},
            {"AttributeName": "gsi1sk", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI1,
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


# --- partition keys -----------------------------------------------------------------------------


def portfolio_pk(portfolio_id: str) -> str:
    return f"{PORTFOLIO_PREFIX}{portfolio_id}"


def customer_pk(customer_id: str) -> str:
    return f"{CUSTOMER_PREFIX}{customer_id}"


def ref_pk(id_: str) -> str:
    return f"{REF_PREFIX}{id_}"


def is_portfolio_pk(pk: str) -> bool:
    return pk.startswith(PORTFOLIO_PREFIX)


def portfolio_id_of(pk: str) -> str:
    """The portfolio a portfolio's partition key is of."""
    return pk.removeprefix(PORTFOLIO_PREFIX)


def ref_id_of(pk: str) -> str:
    """The activity or lot id a REF item is of."""
    return pk.removeprefix(REF_PREFIX)


# --- sort keys ----------------------------------------------------------------------------------


def activity_sk(occurred_on: date | str, activity_id: str) -> str:
    """Trade date (a date or its ISO text, as a REF item keeps it), then the ULID (recording order):
    the ledger order, read backwards for paging."""
    day = occurred_on if isinstance(occurred_on, str) else occurred_on.isoformat()
    return f"{ACTIVITY_PREFIX}{day}#{activity_id}"


def audit_sk(entry_id: str) -> str:
    return f"{AUDIT_PREFIX}{entry_id}"


def chunk_sk(part: str, index: int) -> str:
    return f"{PART_PREFIX[part]}{index}"


def idempotency_sk(key: str) -> str:
    return f"{IDEMPOTENCY_PREFIX}{key}"


# --- whole keys ---------------------------------------------------------------------------------


def portfolio_key(portfolio_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": META}


def activity_key(portfolio_id: str, occurred_on: date | str, activity_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": activity_sk(occurred_on, activity_id)}


def audit_key(portfolio_id: str, entry_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": audit_sk(entry_id)}


def chunk_key(portfolio_id: str, part: str, index: int) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": chunk_sk(part, index)}


def idempotency_key(portfolio_id: str, key: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": idempotency_sk(key)}


def ref_key(id_: str) -> dict[str, str]:
    return {"pk": ref_pk(id_), "sk": REF_SK}


def directory_key(customer_id: str) -> dict[str, str]:
    return {"pk": customer_pk(customer_id), "sk": DIRECTORY_SK}


def applied_key(event_id: str) -> dict[str, str]:
    """The marker of an event the consumer applied, written with what it changed."""
    return {"pk": f"{APPLIED_PREFIX}{event_id}", "sk": APPLIED_SK}


def fx_rates_key(from_: str, to: str, year: int) -> dict[str, str]:
    """One year of one currency pair's daily closes in the copy of assets' FX history."""
    return {"pk": f"{FX_RATES_PREFIX}{from_}#{to}", "sk": f"{YEAR_PREFIX}{year:04d}"}


def legacy_investment_key(lot_id: str) -> dict[str, str]:
    """The copy of a lot the layout before the ledger kept under its own partition."""
    return {"pk": f"{LEGACY_INVESTMENT_PREFIX}{lot_id}", "sk": LEGACY_INVESTMENT_SK}


# --- gsi1 ---------------------------------------------------------------------------------------


def portfolio_index_key(customer_id: str, portfolio_id: str) -> dict[str, str]:
    """META's place in gsi1: under its customer, first of its portfolio's items there."""
    return {"gsi1pk": customer_pk(customer_id), "gsi1sk": f"{portfolio_pk(portfolio_id)}#{META}"}


def chunk_index_key(customer_id: str, portfolio_id: str, part: str, index: int) -> dict[str, str]:
    """A chunk's place in gsi1 (only holdings chunks are put there)."""
    return {
        "gsi1pk": customer_pk(customer_id),
        "gsi1sk": f"{portfolio_pk(portfolio_id)}#{chunk_sk(part, index)}",
    }
