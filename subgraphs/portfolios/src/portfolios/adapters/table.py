"""The portfolios table: one DynamoDB table, single-table design.

    pk                   sk                  what
    PORTFOLIO#<id>       META                the portfolio                         in gsi1
    PORTFOLIO#<id>       LOT#<lotId>         one lot (an Investment)               in gsi1
    PORTFOLIO#<id>       IDEMPOTENCY#<key>   lot id + fingerprint of the input
    INVESTMENT#<lotId>   LOT                 copy of the lot, addressable by lot id (Investment refs)
    CUSTOMER#<cid>       DIRECTORY           a customer known to exist (from CustomerRegistered)

`gsi1` (projection ALL) has gsi1pk = CUSTOMER#<cid> and gsi1sk = PORTFOLIO#<id>#META or
PORTFOLIO#<id>#LOT#<lotId>: every portfolio and lot of a customer under one partition key, so a
single (paginated) Query returns a customer's whole book.
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
