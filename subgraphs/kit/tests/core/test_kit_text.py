"""kit.core.text: the one policy for client text (valid Unicode, no control characters, NFC, a length)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.core.errors import InputProblems, Problem, PublicError
from kit.core.text import TextError, TextKind, check_text, clean_text, text_argument, text_problem

FIELD = ("input", "name")


@pytest.mark.parametrize(
    "text",
    [
        "Ada Lovelace",
        "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # a family emoji: zero-width joiners are text
        "Zo\u00eb \u00c9lodie",
        "' OR '1'='1' --",
        "",
        " ",
        "\u200fRTL mark\u200e",  # right-to-left and left-to-right marks are not overrides
    ],
)
def test_ordinary_text_passes_unchanged(text: str) -> None:
    assert clean_text(text, TextKind.NAME) == text


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "Zoe\u0301"  # e and a combining acute accent
    assert clean_text(decomposed, TextKind.NAME) == "Zo\u00e9"
    # NFC shortens it: the bound counts characters after normalisation.
    assert clean_text("e\u0301" * 200, TextKind.NAME) == "\u00e9" * 200


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("AAPL\u0000", "control characters"),
        ("\u0000", "control characters"),
        ("a\u0007b", "control characters"),
        ("a\u007fb", "control characters"),
        ("a\u0085b", "control characters"),  # C1 next line
        ("a\u009bb", "control characters"),  # C1 control sequence introducer
        ("two\nlines", "line breaks"),
        ("tab\there", "control characters"),
        ("a\u2028b", "line breaks"),
        ("\ud800", "lone surrogate"),
        ("a\udfff", "lone surrogate"),
        ("\u202eLPAA", "bidirectional"),
        ("x\u2066y\u2069", "bidirectional"),
        ("x" * 201, "at most 200 characters"),
        ("x" * 15_000, "at most 200 characters"),
        ("x" * 100_000, "at most 200 characters"),
    ],
)
def test_what_no_field_may_hold_is_refused(text: str, phrase: str) -> None:
    with pytest.raises(TextError, match=phrase):
        clean_text(text, TextKind.NAME)


def test_multiline_text_keeps_tabs_and_line_breaks_but_no_other_control() -> None:
    assert clean_text("line one\r\n\tline two\n", TextKind.NOTE) == "line one\r\n\tline two\n"
    with pytest.raises(TextError, match="other than tab and line breaks"):
        clean_text("bell\u0007", TextKind.NOTE)


@pytest.mark.parametrize("kind", list(TextKind))
def test_each_kind_takes_exactly_its_length(kind: TextKind) -> None:
    assert clean_text("x" * kind.max_length, kind) == "x" * kind.max_length
    with pytest.raises(TextError):
        clean_text("x" * (kind.max_length + 1), kind)


def test_limits_per_kind() -> None:
    limits = {kind.name: kind.max_length for kind in TextKind}
    assert limits["ID"] >= 36  # a UUID
    assert limits["KEY"] == 128
    assert limits["CODE"] >= 20  # the longest ticker symbol
    assert all(limit < 15_000 for limit in limits.values())


def test_a_problem_for_a_mutation_and_an_error_for_a_query() -> None:
    assert text_problem("ok", TextKind.NAME, FIELD) is None
    assert text_problem("a\u0000", TextKind.NAME, FIELD) == Problem(
        FIELD, "name must not contain control characters or line breaks."
    )
    with pytest.raises(InputProblems) as problems:
        check_text("\ud800", TextKind.KEY, ("input", "idempotencyKey"))
    assert [(p.field, p.code) for p in problems.value.problems] == [(("input", "idempotencyKey"), "INVALID")]
    assert problems.value.problems[0].message.startswith("idempotencyKey must be valid Unicode")
    with pytest.raises(PublicError) as error:
        text_argument("x" * 15_000, TextKind.SEARCH, "query")
    assert error.value.extensions == {"code": "BAD_USER_INPUT"}
    assert str(error.value) == f"query must be at most {TextKind.SEARCH.max_length} characters long."


def test_a_non_string_is_refused_not_crashed_on() -> None:
    with pytest.raises(TextError):
        clean_text(12, TextKind.ID)  # type: ignore[arg-type]


_FORBIDDEN_IN_ONE_LINE = {"Cc", "Cs"}


# Every category, surrogates and unassigned code points included.
@given(st.text(alphabet=st.characters(exclude_categories=[]), max_size=300), st.sampled_from(list(TextKind)))
def test_any_text_is_accepted_in_nfc_or_refused_with_the_one_error(text: str, kind: TextKind) -> None:
    try:
        cleaned = clean_text(text, kind)
    except TextError as error:
        assert str(error).startswith("must ")
        return
    assert cleaned == unicodedata.normalize("NFC", text)
    assert len(cleaned) <= kind.max_length
    allowed = {"\t", "\n", "\r"} if kind.multiline else set()
    assert not any(
        unicodedata.category(char) in _FORBIDDEN_IN_ONE_LINE and char not in allowed for char in cleaned
    )
    cleaned.encode("utf-8")  # storable: DynamoDB strings are UTF-8
    assert clean_text(cleaned, kind) == cleaned  # idempotent


@given(st.text(alphabet=st.characters(categories=["Cc", "Cs"]), min_size=1, max_size=5), st.text(max_size=20))
def test_a_control_character_or_surrogate_anywhere_is_refused(bad: str, around: str) -> None:
    middle = len(around) // 2
    with pytest.raises(TextError):
        clean_text(around[:middle] + bad + around[middle:], TextKind.NAME)
