"""Issue 7's rules in the customers subgraph, over HTTP with real tokens, against DynamoDB Local:
staff read every customer, a customer only itself, by `customer(id)` and by
`_entities`, after one batched read of only what the caller may see.

Refusals are FORBIDDEN GraphQL errors that say the same about an id that exists and one that does
not, and write nothing. All tests of a module share one app and table (`module_api`): each makes
customers of its own. The rules themselves: customers.access (unit-tested in tests/unit).
"""

from __future__ import annotations

import pytest
from kit_testing import ISSUER, execute

from .support import (
    ADMIN,
    ENTITIES,
    OPERATOR,
    READ,
    customer,
    forbidden,
    leaks,
    reads_and_writes,
    unknown_id,
)


@pytest.fixture
def api(module_api):
    return module_api


# -- customer(id) ------------------------------------------------------------------------------------


async def test_a_customer_reads_itself(api):
    ada = await customer(api)
    body = await execute(api.http, READ, {"id": ada["id"]}, token=ISSUER.customer(ada["id"]))
    assert body == {"data": {"customer": {"id": ada["id"], "email": ada["email"], "name": "Ada Investor"}}}


async def test_a_customer_reading_another_gets_null_and_forbidden_whether_it_exists_or_not(api):
    ada, bob = await customer(api), await customer(api, "Bob Other")
    as_ada = ISSUER.customer(ada["id"])
    missing = unknown_id()
    bodies = {
        target: await execute(api.http, READ, {"id": target}, token=as_ada)
        for target in (bob["id"], missing, "not-an-id")
    }
    for target, body in bodies.items():
        assert body["data"] == {"customer": None}
        [(path, code, message)] = forbidden(body)
        assert (path, code) == (("customer",), "FORBIDDEN")
        # The same words for an existing customer, a missing one and a malformed id: no oracle.
        assert message.replace(target, "<id>") == "You may not see customer <id>."
    assert not leaks(bodies[bob["id"]], bob)


@pytest.mark.parametrize("token", [OPERATOR, ADMIN], ids=["operator", "admin"])
async def test_staff_read_every_customer_and_null_for_none(api, token):
    ada, bob = await customer(api), await customer(api, "Bob Other")
    for someone in (ada, bob):
        body = await execute(api.http, READ, {"id": someone["id"]}, token=token)
        assert body == {
            "data": {"customer": {"id": someone["id"], "email": someone["email"], "name": someone["name"]}}
        }
    assert await execute(api.http, READ, {"id": unknown_id()}, token=token) == {"data": {"customer": None}}


async def test_a_malformed_id_is_null_without_a_read(api):
    body, calls = await reads_and_writes(
        api, lambda: execute(api.http, READ, {"id": "not-a-customer-id"}, token=OPERATOR)
    )
    assert body == {"data": {"customer": None}}
    assert calls == {}


@pytest.mark.parametrize("text", ["x" * 3000, "x" * 65, "01ARZ3NDEKTSV4RRFFQ69G5FAV\u0000", "\ud800"])
async def test_text_no_id_can_be_is_bad_user_input_without_a_read(api, text):
    body, calls = await reads_and_writes(api, lambda: execute(api.http, READ, {"id": text}, token=OPERATOR))
    assert body["data"] == {"customer": None}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["customer"], "BAD_USER_INPUT")
    ]
    assert body["errors"][0]["message"].startswith("id must ")
    assert calls == {}  # a key DynamoDB would refuse (too long, not UTF-8) never reaches it


# -- _entities ---------------------------------------------------------------------------------------


async def test_entities_show_a_customer_only_itself_after_one_batched_read(api):
    ada, bob = await customer(api), await customer(api, "Bob Other")
    missing = unknown_id()
    representations = [
        {"__typename": "Customer", "id": i} for i in (ada["id"], bob["id"], missing, ada["id"])
    ]
    body, calls = await reads_and_writes(
        api, lambda: execute(api.http, ENTITIES, {"r": representations}, token=ISSUER.customer(ada["id"]))
    )
    mine = {"id": ada["id"], "email": ada["email"], "name": "Ada Investor"}
    assert body["data"] == {"_entities": [mine, None, None, mine]}
    errors = forbidden(body)
    assert [(path, code) for path, code, _ in errors] == [
        (("_entities", 1), "FORBIDDEN"),
        (("_entities", 2), "FORBIDDEN"),
    ]
    assert errors[0][2].replace(bob["id"], "<id>") == errors[1][2].replace(missing, "<id>")
    assert not leaks(body, bob)
    # four representations, one read (of Ada: Bob's id and the missing one are never read)
    assert calls == {"BatchGetItem": 1}


async def test_entities_show_staff_every_customer_after_one_batched_read(api):
    ada, bob = await customer(api), await customer(api, "Bob Other")
    representations = [{"__typename": "Customer", "id": i} for i in (ada["id"], bob["id"], unknown_id())]
    body, calls = await reads_and_writes(
        api, lambda: execute(api.http, ENTITIES, {"r": representations}, token=OPERATOR)
    )
    assert "errors" not in body
    assert [e and e["id"] for e in body["data"]["_entities"]] == [ada["id"], bob["id"], None]
    assert calls == {"BatchGetItem": 1}
