"""kit.core.paging: a cursor this API did not hand out is BAD_USER_INPUT, whatever it decodes to."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.core.errors import PublicError
from kit.core.paging import (
    MAX_CURSOR_LENGTH,
    check_page_size,
    decode_cursor,
    decode_offset_cursor,
    encode_cursor,
    encode_offset_cursor,
)

PREFIX = "search:"


def test_an_offset_cursor_round_trips() -> None:
    for offset in (0, 7, 123_456_789):
        assert decode_offset_cursor(encode_offset_cursor(PREFIX, offset), PREFIX) == offset


@pytest.mark.parametrize(
    "key",
    [
        "search:\u0661\u0662\u0663",  # Arabic-Indic digits: int() reads them as 123
        "search:\u00b2",  # superscript two: str.isdigit() says yes, int() raises
        "search:\uff11",  # a full-width 1
        "search:" + "9" * 5000,  # more digits than int() converts
        "search:1234567890",  # beyond any list this API pages
        "search:-1",
        "search: 1",
        "search:",
        "other:1",
        "search:1\x00",
    ],
)
def test_an_offset_cursor_with_anything_but_a_few_ascii_digits_is_bad_user_input(key: str) -> None:
    with pytest.raises(PublicError) as refused:
        decode_offset_cursor(encode_cursor(key), PREFIX)
    assert refused.value.code == "BAD_USER_INPUT"
    assert refused.value.extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize(
    "cursor",
    ["", "=", "c2VhcmNoOjE=", "c2VhcmNoOjE\u0661", "\u00e9t\u00e9", "!!!!", "A" * (MAX_CURSOR_LENGTH + 4)],
)
def test_a_cursor_that_is_not_canonical_base64_of_ascii_is_bad_user_input(cursor: str) -> None:
    with pytest.raises(PublicError) as refused:
        decode_offset_cursor(cursor, PREFIX)
    assert refused.value.code == "BAD_USER_INPUT"


@given(cursor=st.text(max_size=80))
def test_any_cursor_text_is_an_offset_or_bad_user_input(cursor: str) -> None:
    try:
        offset = decode_offset_cursor(cursor, PREFIX)
    except PublicError as refused:
        assert refused.code == "BAD_USER_INPUT"
    else:
        assert 0 <= offset < 10**9
        assert encode_offset_cursor(PREFIX, offset) == cursor


@given(key=st.text(max_size=60))
def test_any_decoded_key_reaches_the_validator_only_as_printable_ascii(key: str) -> None:
    seen: list[str] = []

    def accept(text: str) -> bool:
        seen.append(text)
        return True

    try:
        assert decode_cursor(encode_cursor(key), accept) == key
    except PublicError as refused:
        assert refused.code == "BAD_USER_INPUT"
    assert all(text.isascii() and text.isprintable() for text in seen)


@pytest.mark.parametrize("first", [0, -1, 101, 10**30])
def test_a_page_size_outside_the_range_is_bad_user_input(first: int) -> None:
    with pytest.raises(PublicError) as refused:
        check_page_size(first, 100)
    assert refused.value.code == "BAD_USER_INPUT"
