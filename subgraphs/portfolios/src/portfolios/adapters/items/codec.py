"""The scalars of every item: Decimals as text, compact JSON, zlib chunks.

Decimals are stored as text (`str(value)`), never as DynamoDB numbers or floats: a number attribute
loses its scale ("150.00" comes back as "150"), and what a client recorded reads back exactly as
sent. Text is parsed back by `kit.core.money.parse_decimal` with the stored bounds.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

# A chunk of a compressed projection or journal: well under DynamoDB's 400 KB item limit, keys included.
CHUNK_BYTES = 350 * 1024


def text(value: Decimal) -> str:
    # str() keeps value and scale exactly ("150.00", "0E-8"); parse_decimal reads it back.
    return str(value)


def number(value: Any) -> Decimal:
    # Bounded like every Decimal made from text (kit.core.money): a broken or tampered item cannot
    # make this service compute with 1E-999999999.
    if type(value) is str:
        return _stored_number(value)
    return parse_decimal(value, STORED_DECIMAL)


# Books repeat the same quantities, prices and amounts across reads and requests: each distinct
# text is parsed (and bounded) once per process, while it is in use. Decimals are immutable.
@functools.lru_cache(maxsize=1 << 16)
def _stored_number(value: str) -> Decimal:
    return parse_decimal(value, STORED_DECIMAL)


def amount(value: Amount | None) -> list[str] | None:
    return None if value is None else [text(value.value), value.currency_code]


def compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None and value != []}


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Parser:
    """Parses stored text for one read. Numbers are memoized process-wide by `number` (an LRU);
    dates, repeated thousands of times in a ledger, once per read. Decimal and date are immutable,
    so sharing one parsed value is safe."""

    __slots__ = ("_days",)

    def __init__(self) -> None:
        self._days: dict[str, date] = {}

    @staticmethod
    def number(value: Any) -> Decimal:
        return number(value)

    def day(self, value: str) -> date:
        parsed = self._days.get(value)
        if parsed is None:
            parsed = self._days[value] = date.fromisoformat(value)
        return parsed

    def amount(self, value: Sequence[str] | None) -> Amount | None:
        return None if value is None else Amount(self.number(value[0]), value[1])


def chunked(blob: bytes) -> list[bytes]:
    """A compressed blob cut into chunks of at most CHUNK_BYTES."""
    return [blob[i : i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)]


def pack(data: Any) -> list[bytes]:
    """JSON, compressed, cut into chunks of at most CHUNK_BYTES; nothing at all for `None`."""
    if data is None:
        return []
    return chunked(zlib.compress(dumps(data).encode(), 6))


def unpack(chunks: Sequence[bytes]) -> Any:
    return json.loads(zlib.decompress(b"".join(chunks)))
