"""The assets table: manual instruments, manual prices and manual FX rates (quotes live in the cache).

Items:
- `pk=INSTRUMENT#<SYMBOL>, sk=INSTRUMENT`: an instrument the catalog does not list (name, assetClass,
  currency), created together with its first manual price.
- `pk=INSTRUMENT#<SYMBOL>, sk=MANUAL_PRICE`: price, currency, previousClose, setAt, expiresAt (optional).
  Amounts are decimal strings (S), not numbers: DynamoDB normalizes numbers ("200.00" reads back as
  200), a price must read back exactly as it was set.
- `pk=INSTRUMENTS, sk=SYMBOL#<SYMBOL>`: a copy of each manual instrument, written in the same
  transaction, so that searchInstruments lists them all with one Query.
- `pk=FX, sk=PAIR#<FROM>#<TO>`: a manual rate (1 FROM = rate TO, rate as a decimal string, setAt);
  setting a pair deletes its reverse in the same transaction (the inverse is implied).
- `pk=CLOSES#<SYMBOL>` (or `FX_CLOSES#<FROM>#<TO>`), `sk=YEAR#<yyyy>`: that year's daily closes
  (split-adjusted), compact: `closes` = "MMDD close source;..." and `covered` = "MMDD-MMDD;..." (the
  days asked of the providers that year), `currency`, `revision` (one more on every write, which is
  conditioned on the one read; items written before revisions were kept have none).
- `pk=EVENT#<eventId>, sk=EVENT`: an FxRatesStored event (kit.aws.outbox), written in the same
  transaction as each FX year item it reports; the table's stream carries it to the portfolios service.
- `pk=CLOSES_SERIES, sk=CLOSES#<SYMBOL>`: the series is stored; `last` = its last covered day.
- `pk=APPLIED#<eventId>, sk=APPLIED`: an event from another service this service handled (`purgeAt`:
  the table's TTL removes it after 14 days).
"""

from __future__ import annotations

from typing import Any

from assets.domain.history import SeriesKey

INSTRUMENT_SK = "INSTRUMENT"
MANUAL_PRICE_SK = "MANUAL_PRICE"
# Every manual instrument also has a copy in one partition, so that search lists them with one Query.
INSTRUMENTS_PK = "INSTRUMENTS"
# Manual FX rates: one partition, one item per pair (few items: one Query reads them all).
FX_PK = "FX"
# The `source` of the event items this service writes (the subgraph's name, as topology.toml's routes say).
EVENT_SOURCE = "assets"


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


APPLIED_PREFIX = "APPLIED#"
APPLIED_SK = "APPLIED"


def applied_key(event_id: str) -> dict[str, str]:
    """The marker of an event the consumer handled."""
    return {"pk": f"{APPLIED_PREFIX}{event_id}", "sk": APPLIED_SK}


def instrument_pk(symbol: str) -> str:
    return f"INSTRUMENT#{symbol}"


def instrument_key(symbol: str) -> dict[str, str]:
    """A manual instrument."""
    return {"pk": instrument_pk(symbol), "sk": INSTRUMENT_SK}


def manual_price_key(symbol: str) -> dict[str, str]:
    return {"pk": instrument_pk(symbol), "sk": MANUAL_PRICE_SK}


def listing_key(symbol: str) -> dict[str, str]:
    """A manual instrument's copy in the partition search reads."""
    return {"pk": INSTRUMENTS_PK, "sk": f"SYMBOL#{symbol}"}


def fx_key(from_currency: str, to_currency: str) -> dict[str, str]:
    return {"pk": FX_PK, "sk": f"PAIR#{from_currency}#{to_currency}"}


# Daily closes (DESIGN.md decision 13): one item per series and year, holding that year's closes and
# the spans of days asked of the providers, so five years of one symbol are six small items read in
# one BatchGetItem with any number of other symbols. A listing partition names every stored series
# and its last covered day, for the daily refresh (one Query).
CLOSES_SERIES_PK = "CLOSES_SERIES"


def closes_pk(series: SeriesKey) -> str:
    """`CLOSES#<SYMBOL>` for an instrument, `FX_CLOSES#<FROM>#<TO>` for an FX pair."""
    return f"{series.kind}#{series.code}"


def closes_year_key(series: SeriesKey, year: int) -> dict[str, str]:
    return {"pk": closes_pk(series), "sk": f"YEAR#{year:04d}"}


def listed_series_key(series: SeriesKey) -> dict[str, str]:
    return {"pk": CLOSES_SERIES_PK, "sk": closes_pk(series)}
