"""The portfolios table: one DynamoDB table, single-table design (DESIGN.md decision 11).

    pk                 sk                              what
    PORTFOLIO#<id>     META                            the portfolio, projection version, chunk counts  (gsi1)
    PORTFOLIO#<id>     HOLDINGS#<n>                    the projection's Holdings (zlib JSON), chunk n (gsi1)
    PORTFOLIO#<id>     HISTORY#<n>                     the projection's History (closed lots, sales, income)
    PORTFOLIO#<id>     JOURNAL#<n>                     every activity at META's version (zlib JSON lines)
    PORTFOLIO#<id>     ACTIVITY#<yyyy-mm-dd>#<ulid>    one activity of the ledger (JSON in `a`)
    PORTFOLIO#<id>     AUDIT#<ulid>                    one change of the ledger (before/after)
    PORTFOLIO#<id>     IDEMPOTENCY#<key>               the activity an idempotency key recorded + fingerprint
    REF#<id>           REF                             owner (portfolio, customer) of an activity or lot id
    CUSTOMER#<cid>     DIRECTORY                       a customer known to exist; closedAt once closed

`gsi1` (projection ALL) has gsi1pk = CUSTOMER#<cid> and gsi1sk = PORTFOLIO#<id>#META or
PORTFOLIO#<id>#HOLDINGS#<n>: one (paginated) Query returns a customer's portfolios with their
holdings, however long their ledgers are. Activities, history, audit and idempotency records are not
in it. Every ledger change is one TransactWriteItems conditioned on META's `version`; the chunks of
the projection carry the version they belong to, so a reader keeps only those matching META's.
The journal's chunks sort right before META, so `ledger()` is one Query of JOURNAL#..META; the
activity items stay the truth (the journal is written in the same transaction) and are paged.

Portfolios stored before the ledger (LOT#, POSITION#, INVESTMENT# items, ACTIVITY#<ulid> entries, a
META without `version`) are carried into it by `migration`.
"""

from __future__ import annotations

from typing import Any

GSI1 = "gsi1"


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
