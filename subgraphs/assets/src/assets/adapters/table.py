"""The assets table: manual instruments and manual prices (quotes live in the cache, not here).

Items:
- `pk=INSTRUMENT#<SYMBOL>, sk=INSTRUMENT`: an instrument the catalog does not list (name, assetClass,
  currency), created together with its first manual price.
- `pk=INSTRUMENT#<SYMBOL>, sk=MANUAL_PRICE`: price, currency, previousClose, setAt. Amounts are decimal
  strings (S), not numbers: DynamoDB normalizes numbers ("200.00" reads back as 200), a price must read
  back exactly as it was set.
"""

from __future__ import annotations

from typing import Any


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments (on-demand billing)."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
