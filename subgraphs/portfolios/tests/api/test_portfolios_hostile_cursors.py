"""Portfolio.activities(first, after): a cursor this API did not hand out is BAD_USER_INPUT, whatever
it decodes to, with no internals in the answer; a real cursor still pages."""

from __future__ import annotations

import base64

import pytest
from kit.core.paging import encode_cursor
from kit_testing import refusal_codes
from ulid import ULID

ACTIVITIES = """query($id: ID!, $after: String) { portfolio(id: $id) {
  activities(first: 1, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }"""

HOSTILE_CURSORS = {
    "Arabic-Indic digits": encode_cursor("activity:\u0660" + str(ULID())[1:]),
    "lower-case id": encode_cursor(f"activity:{str(ULID()).lower()}"),
    "another prefix": encode_cursor(f"search:{ULID()}"),
    "not UTF-8": base64.urlsafe_b64encode(b"activity:\xff").decode().rstrip("="),
    "non-ASCII cursor": "\u0661\u0662\u0663",
    "100 kB": "A" * 100_000,
}


@pytest.fixture(scope="module")
async def seeded(api):
    return await api.seed(sell=True)


@pytest.mark.parametrize("case", list(HOSTILE_CURSORS))
async def test_a_hostile_activities_cursor_is_bad_user_input(api, seeded, case):
    body = await api.gql(ACTIVITIES, {"id": seeded.portfolio_id, "after": HOSTILE_CURSORS[case]})
    assert refusal_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "after is not a cursor this API returned."


async def test_a_real_activities_cursor_still_pages(api, seeded):
    first = (await api.data(ACTIVITIES, {"id": seeded.portfolio_id}))["portfolio"]["activities"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    page = await api.data(ACTIVITIES, {"id": seeded.portfolio_id, "after": after})
    second = page["portfolio"]["activities"]
    assert second["edges"][0]["node"]["id"] != first["edges"][0]["node"]["id"]
