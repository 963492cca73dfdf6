"""The customers table: `pk=CUSTOMER#<id>, sk=PROFILE`, and `pk=EMAIL#<key>, sk=EMAIL` guarding
email uniqueness (written in the same transaction as the profile)."""

from __future__ import annotations

from typing import Any


def table_definition(table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    }
