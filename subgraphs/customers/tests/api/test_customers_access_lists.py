"""Issue 7's rules in the customers subgraph, over HTTP with real tokens, against DynamoDB Local:
in `customers(first, after)` staff page through everyone, and a customer's list
holds only itself, with the same paging (and paging errors) as everyone's.

Refusals are FORBIDDEN GraphQL errors that say the same about an id that exists and one that does
not, and write nothing. All tests of a module share one app and table (`module_api`): each makes
customers of its own. The rules themselves: customers.access (unit-tested in tests/unit).
"""

from __future__ import annotations

import uuid

import pytest
from kit_testing import ISSUER, execute

from .support import ADMIN, LIST, OPERATOR, customer, leaks, reads_and_writes, unknown_id


@pytest.fixture
def api(module_api):
    return module_api


async def test_a_customer_lists_only_itself_with_well_formed_paging(api):
    ada, bob = await customer(api), await customer(api, "Bob Other")
    as_ada = ISSUER.customer(ada["id"])
    body, calls = await reads_and_writes(api, lambda: execute(api.http, LIST, {"first": 100}, token=as_ada))
    page = body["data"]["customers"]
    [edge] = page["edges"]
    assert edge["node"] == {
        "id": ada["id"],
        "name": "Ada Investor",
        "email": ada["email"],
        "createdAt": ada["createdAt"],
    }
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": edge["cursor"],
        "endCursor": edge["cursor"],
    }
    assert calls == {"GetItem": 1}  # its own profile; the list of everyone is never queried
    assert not leaks(body, bob)

    after_itself = await execute(api.http, LIST, {"first": 1, "after": edge["cursor"]}, token=as_ada)
    assert after_itself == {
        "data": {
            "customers": {
                "edges": [],
                "pageInfo": {
                    "hasNextPage": False,
                    "hasPreviousPage": True,
                    "startCursor": None,
                    "endCursor": None,
                },
            }
        }
    }
    # Its cursor is a real position in the list: staff continuing from it see Bob, registered later.
    staff = await execute(api.http, LIST, {"first": 1, "after": edge["cursor"]}, token=OPERATOR)
    assert [e["node"]["id"] for e in staff["data"]["customers"]["edges"]] == [bob["id"]]


async def test_a_customer_that_has_not_registered_lists_nothing(api):
    await customer(api)
    body = await execute(api.http, LIST, {"first": 10}, token=ISSUER.customer(str(uuid.uuid4())))
    assert body["data"]["customers"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [({"first": 0}, "between 1 and 100"), ({"first": 1, "after": "nope"}, "not a cursor")],
)
async def test_a_customer_gets_the_same_paging_errors(api, variables, message):
    body = await execute(api.http, LIST, variables, token=ISSUER.customer(unknown_id()))
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]


@pytest.mark.parametrize("token", [OPERATOR, ADMIN], ids=["operator", "admin"])
async def test_staff_list_everyone(api, token):
    ada, bob = await customer(api), await customer(api, "Bob Other")
    listed, after = [], None
    while True:  # every page: the shared table holds other tests' customers too
        page = (await execute(api.http, LIST, {"first": 100, "after": after}, token=token))["data"][
            "customers"
        ]
        listed += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert {ada["id"], bob["id"]} <= set(listed)
    assert listed.index(ada["id"]) < listed.index(bob["id"])
