"""customers(first, after): a cursor this API did not hand out is BAD_USER_INPUT, whatever it decodes
to (non-ASCII digits that int() and strptime would read, 100 kB, bytes that are not UTF-8), with
no internals in the answer, and the list still pages afterwards."""

from __future__ import annotations

import base64

import pytest
from kit.core.paging import encode_cursor
from kit_testing import ISSUER, execute, refusal_codes
from ulid import ULID

LIST = """query($first: Int!, $after: String) { customers(first: $first, after: $after) {
  edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
OPERATOR = ISSUER.operator()
ULID_TEXT = str(ULID())

HOSTILE_CURSORS = {
    "Arabic-Indic year": encode_cursor(f"\u0662\u0660\u0662\u0664-05-01T12:00:00.123456Z#{ULID_TEXT}"),
    "superscript digit": encode_cursor(f"2024-05-01T12:00:0\u00b2.123456Z#{ULID_TEXT}"),
    "month 13": encode_cursor(f"2024-13-01T12:00:00.123456Z#{ULID_TEXT}"),
    "no id": encode_cursor("2024-05-01T12:00:00.123456Z#"),
    "not UTF-8": base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode().rstrip("="),
    "non-ASCII cursor": "\u00e9t\u00e9",
    "padding": encode_cursor(f"2024-05-01T12:00:00.123456Z#{ULID_TEXT}") + "==",
    "100 kB": "A" * 100_000,
    "empty": "",
}


@pytest.mark.parametrize("case", list(HOSTILE_CURSORS))
async def test_a_hostile_cursor_is_bad_user_input(module_api, case):
    body = await execute(module_api.http, LIST, {"first": 5, "after": HOSTILE_CURSORS[case]}, token=OPERATOR)
    assert refusal_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "after is not a cursor this API returned."
    assert body["data"] is None


async def test_the_list_still_pages_after_hostile_cursors(module_api):
    await module_api.register(email=f"{ULID()}@example.com")
    await module_api.register(email=f"{ULID()}@example.com")
    first = await execute(module_api.http, LIST, {"first": 1}, token=OPERATOR)
    assert refusal_codes(first) == []
    cursor = first["data"]["customers"]["pageInfo"]["endCursor"]
    second = await execute(module_api.http, LIST, {"first": 1, "after": cursor}, token=OPERATOR)
    assert refusal_codes(second) == []
    assert (
        second["data"]["customers"]["edges"][0]["node"]["id"]
        != first["data"]["customers"]["edges"][0]["node"]["id"]
    )
