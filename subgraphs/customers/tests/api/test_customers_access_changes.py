"""Issue 7's rules in the customers subgraph, over HTTP with real tokens, against DynamoDB Local:
only the customer itself or an admin updates or closes a customer; anyone else
is refused before anything is read, whatever the input.

Refusals are FORBIDDEN GraphQL errors that say the same about an id that exists and one that does
not, and write nothing. All tests of a module share one app and table (`module_api`): each makes
customers of its own. The rules themselves: customers.access (unit-tested in tests/unit).
"""

from __future__ import annotations

import pytest
from kit_testing import ISSUER, execute

from .support import ADMIN, CLOSE, OPERATOR, UPDATE, customer, forbidden, reads_and_writes, unknown_id


@pytest.fixture
def api(module_api):
    return module_api


def refused_change(body: dict, field: str, target: str) -> None:
    assert body["data"] is None  # no payload, so no field of the target
    [(path, code, message)] = forbidden(body)
    assert (path, code) == ((field,), "FORBIDDEN")
    assert message.replace(target, "<id>") == "Only the customer itself or an admin may change customer <id>."


@pytest.mark.parametrize("who", ["another customer", "operator"])
async def test_others_cannot_update_or_close_a_customer_and_nothing_is_read_or_written(api, who):
    bob = await customer(api, "Bob Other")
    token = ISSUER.customer(unknown_id()) if who == "another customer" else OPERATOR
    before = await api.items()
    for target in (bob["id"], unknown_id()):  # an existing customer and a missing one: the same answer
        body, calls = await reads_and_writes(
            api,
            lambda target=target: execute(
                api.http,
                UPDATE,
                {"input": {"id": target, "expectedVersion": 1, "name": "Hacked"}},
                token=token,
            ),
        )
        refused_change(body, "updateCustomer", target)
        assert calls == {}  # refused before any read: it cannot tell whether the customer exists
        body, calls = await reads_and_writes(
            api, lambda target=target: execute(api.http, CLOSE, {"input": {"id": target}}, token=token)
        )
        refused_change(body, "closeCustomer", target)
        assert calls == {}
    # Bad input gets the same answer: authorization comes first, no userErrors to learn from.
    body = await execute(
        api.http, UPDATE, {"input": {"id": bob["id"], "expectedVersion": 1, "email": "x"}}, token=token
    )
    refused_change(body, "updateCustomer", bob["id"])
    assert await api.items() == before
    assert await api.read(bob["id"]) == bob  # version 1, ACTIVE, as registered


async def test_a_customer_updates_and_closes_itself(api):
    ada = await customer(api)
    as_ada = ISSUER.customer(ada["id"])
    updated = await execute(
        api.http, UPDATE, {"input": {"id": ada["id"], "expectedVersion": 1, "name": "Ada L"}}, token=as_ada
    )
    assert updated["data"]["updateCustomer"]["userErrors"] == []
    assert (
        updated["data"]["updateCustomer"]["customer"]["name"],
        updated["data"]["updateCustomer"]["customer"]["version"],
    ) == ("Ada L", 2)
    closed = await execute(api.http, CLOSE, {"input": {"id": ada["id"], "expectedVersion": 2}}, token=as_ada)
    assert closed["data"]["closeCustomer"]["userErrors"] == []
    assert (
        closed["data"]["closeCustomer"]["customer"]["status"],
        closed["data"]["closeCustomer"]["customer"]["version"],
    ) == ("CLOSED", 3)


async def test_an_admin_updates_and_closes_anyone(api):
    bob = await customer(api, "Bob Other")
    updated = await execute(
        api.http, UPDATE, {"input": {"id": bob["id"], "expectedVersion": 1, "name": "Bob B"}}, token=ADMIN
    )
    assert updated["data"]["updateCustomer"]["customer"]["name"] == "Bob B"
    closed = await execute(api.http, CLOSE, {"input": {"id": bob["id"]}}, token=ADMIN)
    assert closed["data"]["closeCustomer"]["customer"]["status"] == "CLOSED"


async def test_an_admin_with_a_malformed_id_gets_invalid_without_a_read(api):
    body, calls = await reads_and_writes(
        api,
        lambda: execute(
            api.http, UPDATE, {"input": {"id": "nope", "expectedVersion": 1, "phone": "12"}}, token=ADMIN
        ),
    )
    assert sorted((tuple(e["field"]), e["code"]) for e in body["data"]["updateCustomer"]["userErrors"]) == [
        (("input", "id"), "INVALID"),
        (("input", "phone"), "INVALID"),
    ]
    body, more = await reads_and_writes(
        api, lambda: execute(api.http, CLOSE, {"input": {"id": "nope"}}, token=ADMIN)
    )
    assert [(e["field"], e["code"]) for e in body["data"]["closeCustomer"]["userErrors"]] == [
        (["input", "id"], "INVALID")
    ]
    assert calls == more == {}
