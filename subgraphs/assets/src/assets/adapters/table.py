"""The assets table: manual instruments, manual prices and manual FX rates (quotes live in the cache).

Items:
- `pk=INSTRUMENT#<SYMBOL>, sk=INSTRUMENT`: an instrument the catalog does not list (name, assetClass,
  currency), created together with its first manual price.
- `pk=INSTRUMENT#<SYMBOL>, sk=MANUAL_PRICE`: price, currency, previousClose, setAt. Amounts are decimal
  strings (S), not numbers: DynamoDB normalizes numbers ("200.00" reads back as 200), a price must read
  back exactly as it was set.
- `pk=INSTRUMENTS, sk=SYMBOL#<SYMBOL>`: a copy of each manual instrument, written in the same
  transaction, so that searchInstruments lists them all with one Query.
- `pk=FX, sk=PAIR#<FROM>#<TO>`: a manual rate (1 FROM = rate TO, rate as a decimal string, setAt);
  setting a pair deletes its reverse in the same transaction (the inverse is implied).
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
