"""Instrument search: symbol prefix and name words, ranked, paged with an opaque cursor."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kit.core import paging

from assets.domain.instruments import Instrument

MAX_PAGE = 50
_WORD = re.compile(r"[a-z0-9]+")
_CURSOR_PREFIX = "search:"


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _rank(instrument: Instrument, symbol_query: str, words: Sequence[str]) -> int | None:
    symbol = instrument.symbol
    if symbol_query and symbol == symbol_query:
        return 0
    if symbol_query and symbol.startswith(symbol_query):
        return 1
    if words:
        name_words = _words(instrument.name)
        if all(any(name_word.startswith(word) for name_word in name_words) for word in words):
            return 2 if name_words and name_words[0].startswith(words[0]) else 3
    return None


def search_instruments(instruments: Iterable[Instrument], query: str) -> list[Instrument]:
    """Matches for `query`, best first: the exact symbol, then symbols starting with it (shorter
    first), then instruments whose name has a word starting with every word of the query (those whose
    name starts with it first)."""
    text = query.strip()
    if not text:
        return []
    symbol_query = text.upper() if " " not in text else ""
    words = _words(text)
    ranked: dict[str, tuple[int, int, str, Instrument]] = {}
    for instrument in instruments:
        rank = _rank(instrument, symbol_query, words)
        if rank is None:
            continue
        key = (rank, len(instrument.symbol), instrument.symbol, instrument)
        known = ranked.get(instrument.symbol)
        if known is None or key[:3] < known[:3]:
            ranked[instrument.symbol] = key
    return [entry[3] for entry in sorted(ranked.values(), key=lambda entry: entry[:3])]


def encode_cursor(offset: int) -> str:
    return paging.encode_offset_cursor(_CURSOR_PREFIX, offset)


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; a cursor this service did not make is a client error."""
    return paging.decode_offset_cursor(cursor, _CURSOR_PREFIX)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[tuple[str, Instrument]]  # (cursor, instrument)
    has_next_page: bool
    has_previous_page: bool

    @property
    def start_cursor(self) -> str | None:
        return self.items[0][0] if self.items else None

    @property
    def end_cursor(self) -> str | None:
        return self.items[-1][0] if self.items else None


def page_of(matches: Sequence[Instrument], first: int, after: str | None) -> Page:
    """`first` (1..50) matches after the cursor `after`; bad arguments raise BAD_USER_INPUT."""
    paging.check_page_size(first, MAX_PAGE)
    start = decode_cursor(after) + 1 if after is not None else 0
    chosen = matches[start : start + first]
    return Page(
        items=[(encode_cursor(start + index), item) for index, item in enumerate(chosen)],
        has_next_page=start + first < len(matches),
        has_previous_page=start > 0,
    )
