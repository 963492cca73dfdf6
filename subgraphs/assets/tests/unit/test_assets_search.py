"""Instrument search ranking and paging."""

from __future__ import annotations

import pytest
from assets.adapters.catalog import load_catalog
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.search import decode_cursor, encode_cursor, page_of, search_instruments
from kit.core.errors import PublicError


def catalog() -> list[Instrument]:
    return [entry.instrument for entry in load_catalog()]


def test_exact_symbol_first_then_prefixes_then_name_words() -> None:
    found = [i.symbol for i in search_instruments(catalog(), "meta")]
    assert found[0] == "META"
    goog = [i.symbol for i in search_instruments(catalog(), "goog")]
    assert goog == ["GOOG", "GOOGL"]  # exact, then the longer prefix match
    alphabet = [i.symbol for i in search_instruments(catalog(), "alphabet")]
    assert alphabet == ["GOOG", "GOOGL"]  # by name words
    assert [i.symbol for i in search_instruments(catalog(), "berkshire hath")] == ["BRK.B"]
    assert search_instruments(catalog(), "  ") == []
    assert search_instruments(catalog(), "zzqx") == []


def test_manual_instruments_are_searched_too() -> None:
    private = Instrument("ACME-PRIVATE", "ACME-PRIVATE", AssetClass.OTHER, "USD", None)
    assert [i.symbol for i in search_instruments([*catalog(), private], "acme")] == ["ACME-PRIVATE"]


def test_paging_with_opaque_cursors() -> None:
    matches = search_instruments(catalog(), "a")
    assert len(matches) > 5
    first = page_of(matches, 2, None)
    assert [i for _, i in first.items] == matches[:2] and first.has_next_page and not first.has_previous_page
    assert first.end_cursor is not None and not first.end_cursor.isdigit()  # opaque, not an offset
    second = page_of(matches, 3, first.end_cursor)
    assert [i for _, i in second.items] == matches[2:5] and second.has_previous_page
    last = page_of(matches, 50, encode_cursor(len(matches) - 2))
    assert [i for _, i in last.items] == matches[-1:] and not last.has_next_page
    assert decode_cursor(encode_cursor(7)) == 7


@pytest.mark.parametrize("first", [0, 51, -1])
def test_first_out_of_range_is_bad_user_input(first: int) -> None:
    with pytest.raises(PublicError) as raised:
        page_of([], first, None)
    assert raised.value.code == "BAD_USER_INPUT"


@pytest.mark.parametrize("cursor", ["nope", "c2VhcmNoOng=", "b3RoZXI6Mw=="])
def test_foreign_cursors_are_bad_user_input(cursor: str) -> None:
    with pytest.raises(PublicError, match="cursor"):
        page_of([], 10, cursor)
