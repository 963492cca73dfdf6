"""customers(first, after): a Relay connection in creation order, against DynamoDB Local."""

from __future__ import annotations

import base64

import pytest

LIST = """
query($first: Int!, $after: String) {
  customers(first: $first, after: $after) {
    edges { cursor node { id name email status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def register_seven(api) -> list[str]:
    ids = []
    for i in range(7):  # one after the other: creation order is this order
        ids.append((await api.register(email=f"c{i}@example.com", name=f"Customer {i}"))["id"])
    return ids


async def test_pages_of_three_return_all_seven_once_in_creation_order(api):
    ids = await register_seven(api)
    seen, pages, after = [], [], None
    api.runtime.counter.reset()
    while True:
        body = await api.graphql(LIST, {"first": 3, "after": after})
        assert "errors" not in body, body
        page = body["data"]["customers"]
        pages.append(
            (len(page["edges"]), page["pageInfo"]["hasNextPage"], page["pageInfo"]["hasPreviousPage"])
        )
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [(3, True, False), (3, True, True), (1, False, True)]
    assert seen == ids
    assert dict(api.runtime.counter.calls) == {"Query": 3}  # one Query per page


async def test_has_next_page_is_exact_at_the_end(api):
    ids = await register_seven(api)
    body = await api.graphql(LIST, {"first": 7})
    assert body["data"]["customers"]["pageInfo"]["hasNextPage"] is False
    six = (await api.graphql(LIST, {"first": 6}))["data"]["customers"]
    assert six["pageInfo"]["hasNextPage"] is True
    rest = (await api.graphql(LIST, {"first": 6, "after": six["pageInfo"]["endCursor"]}))["data"]["customers"]
    assert [e["node"]["id"] for e in rest["edges"]] == ids[6:]
    assert rest["pageInfo"]["hasNextPage"] is False
    past = (await api.graphql(LIST, {"first": 6, "after": rest["pageInfo"]["endCursor"]}))["data"][
        "customers"
    ]
    assert past == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": True, "startCursor": None, "endCursor": None},
    }


async def test_an_empty_list(api):
    body = await api.graphql(LIST, {"first": 100})
    assert body["data"]["customers"]["edges"] == []
    assert body["data"]["customers"]["pageInfo"]["hasNextPage"] is False


async def test_closed_and_updated_customers_keep_their_place(api):
    ids = await register_seven(api)
    await api.update(id=ids[0], expectedVersion=1, name="Renamed First")
    await api.close(id=ids[3])
    nodes = [e["node"] for e in (await api.graphql(LIST, {"first": 10}))["data"]["customers"]["edges"]]
    assert [n["id"] for n in nodes] == ids
    assert (nodes[0]["name"], nodes[3]["status"]) == ("Renamed First", "CLOSED")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 0}, "first must be between 1 and 100"),
        ({"first": 101}, "first must be between 1 and 100"),
        ({"first": 3, "after": "not a cursor"}, "after is not a cursor"),
        ({"first": 3, "after": base64.urlsafe_b64encode(b"PROFILE").decode()}, "after is not a cursor"),
    ],
)
async def test_bad_first_or_after_is_bad_user_input(api, variables, message):
    body = await api.graphql(LIST, variables)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]
