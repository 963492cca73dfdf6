"""The portfolios table: one DynamoDB table, single-table design.

    pk                   sk                  what
    PORTFOLIO#<id>       ACTIVITY#<ulid>     one activity-ledger entry (BUY, CORRECTION, SELL, REMOVAL)
    PORTFOLIO#<id>       IDEMPOTENCY#<key>   lot/activity id + fingerprint of the input
    PORTFOLIO#<id>       LOT#<lotId>         one lot (an Investment), with what sales left of it  in gsi1
    PORTFOLIO#<id>       META                the portfolio (status, closedAt)                     in gsi1
    PORTFOLIO#<id>       POSITION#<symbol>   realized gain to date of one instrument's sales      in gsi1
    INVESTMENT#<lotId>   LOT                 copy of the lot, addressable by lot id (Investment refs)
    CUSTOMER#<cid>       DIRECTORY           a customer known to exist (registeredAt), closedAt once closed

`gsi1` (projection ALL) has gsi1pk = CUSTOMER#<cid> and gsi1sk = PORTFOLIO#<id>#META,
PORTFOLIO#<id>#LOT#<lotId> or PORTFOLIO#<id>#POSITION#<symbol>: every portfolio, lot and position
summary of a customer under one partition key, so a single (paginated) Query returns a customer's
whole book. Activities and idempotency records are not in it: the book does not grow with history.
Under one portfolio, sk from LOT# to POSITION$ is its lots, META and summaries (one Query).

The two copies of a lot are always written together, in one transaction conditioned on the lot's
`version`; so are a lot's changes and the activity recording them.
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
