"""Issue 7's rules in the customers subgraph, over HTTP with real tokens, against DynamoDB Local:
a customer registers itself once, under its token's subject; staff register
anyone, under a new ULID or the person's sign-in subject.

Refusals are FORBIDDEN GraphQL errors that say the same about an id that exists and one that does
not, and write nothing. All tests of a module share one app and table (`module_api`): each makes
customers of its own. The rules themselves: customers.access (unit-tested in tests/unit).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from kit.core.ids import is_customer_id
from kit_testing import ISSUER, execute
from ulid import ULID

from .support import ADMIN, ENTITIES, LIST, OPERATOR, READ, REGISTER, UPDATE, customer, email, unknown_id


@pytest.fixture
def api(module_api):
    return module_api


def registration(address: str | None = None) -> dict:
    return {"input": {"email": address or email(), "name": "Self Registered"}}


@pytest.mark.parametrize("subject", [str(ULID()), str(uuid.uuid4())], ids=["ulid", "cognito-uuid"])
async def test_a_customer_registers_itself_once_under_its_subject(api, subject):
    token = ISSUER.customer(subject)
    first = await execute(api.http, REGISTER, registration(), token=token)
    payload = first["data"]["registerCustomer"]
    assert payload["userErrors"] == []
    assert payload["customer"]["id"] == subject
    assert ("CustomerRegistered", 1, {"customerId": subject}) in await api.events()
    read = await execute(api.http, READ, {"id": subject}, token=token)
    assert read["data"]["customer"]["id"] == subject

    before, published = await api.items(), len(await api.events())
    for again in (registration(), registration(payload["customer"]["email"])):  # a new email or the same
        body = await execute(api.http, REGISTER, again, token=token)
        assert body["data"]["registerCustomer"] == {
            "customer": None,
            "userErrors": [
                {
                    "field": None,
                    "message": f"You are registered already, as customer {subject}.",
                    "code": "ALREADY_REGISTERED",
                }
            ],
        }
    assert await api.items() == before
    assert len(await api.events()) == published


async def test_racing_self_registrations_make_one_customer(api):
    subject = str(uuid.uuid4())
    token = ISSUER.customer(subject)
    emails = [email() for _ in range(6)]
    bodies = await asyncio.gather(
        *(execute(api.http, REGISTER, registration(e), token=token) for e in emails)
    )
    payloads = [b["data"]["registerCustomer"] for b in bodies]
    [created] = [p["customer"] for p in payloads if p["customer"]]
    assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == ["ALREADY_REGISTERED"] * 5
    items = await api.items()
    assert [i["id"] for i in items if i.get("id") == subject] == [subject]  # one profile
    assert [g for g in await api.guards() if g in emails] == [created["email"]]  # one email guard


@pytest.mark.parametrize(
    "subject",
    [
        "alice",
        "3F2504E0-4F89-41D3-9A0C-0305E82C3301",
        str(ULID()).lower(),
        "3f2504e04f8941d39a0c0305e82c3301",
    ],
    ids=["name", "upper-case-uuid", "lower-case-ulid", "uuid-without-hyphens"],
)
async def test_a_subject_that_is_no_customer_id_cannot_register(api, subject):
    before = await api.items()
    body = await execute(api.http, REGISTER, registration(), token=ISSUER.customer(subject))
    payload = body["data"]["registerCustomer"]
    assert payload["customer"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (None, "INVALID_SUBJECT")
    assert "ULID or a lower-case UUID" in error["message"]
    assert await api.items() == before


async def test_a_self_registration_keeps_emails_unique(api):
    ada = await customer(api)
    body = await execute(
        api.http, REGISTER, registration(ada["email"].upper()), token=ISSUER.customer(unknown_id())
    )
    assert [e["code"] for e in body["data"]["registerCustomer"]["userErrors"]] == ["EMAIL_TAKEN"]


@pytest.mark.parametrize("token", [OPERATOR, ADMIN], ids=["operator", "admin"])
async def test_staff_register_anyone_under_a_new_ulid(api, token):
    bodies = [await execute(api.http, REGISTER, registration(), token=token) for _ in range(2)]
    ids = [b["data"]["registerCustomer"]["customer"]["id"] for b in bodies]
    assert ids[0] != ids[1]
    assert all(is_customer_id(i) and len(i) == 26 for i in ids)  # ULIDs, not the staff member's sub


@pytest.mark.parametrize("token", [OPERATOR, ADMIN], ids=["operator", "admin"])
async def test_staff_register_a_person_under_their_sign_in_subject_and_their_token_reaches_it(api, token):
    subject = str(uuid.uuid4())  # the person's Cognito user
    body = await execute(
        api.http, REGISTER, {"input": {**registration()["input"], "id": subject}}, token=token
    )
    assert body["data"]["registerCustomer"]["customer"]["id"] == subject
    assert ("CustomerRegistered", 1, {"customerId": subject}) in await api.events()
    read = await execute(api.http, READ, {"id": subject}, token=ISSUER.customer(subject))
    assert read["data"]["customer"]["id"] == subject
    again = await execute(
        api.http, REGISTER, {"input": {**registration()["input"], "id": subject}}, token=token
    )
    assert [e["code"] for e in again["data"]["registerCustomer"]["userErrors"]] == ["ALREADY_REGISTERED"]
    # The person registering themselves afterwards finds the record made for them.
    own = await execute(api.http, REGISTER, registration(), token=ISSUER.customer(subject))
    assert [e["code"] for e in own["data"]["registerCustomer"]["userErrors"]] == ["ALREADY_REGISTERED"]


async def test_staff_giving_an_id_that_is_no_customer_id_get_invalid_and_nothing_written(api):
    before = await api.items()
    body = await execute(
        api.http, REGISTER, {"input": {**registration()["input"], "id": "alice"}}, token=ADMIN
    )
    payload = body["data"]["registerCustomer"]
    assert payload["customer"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "id"], "INVALID")]
    assert await api.items() == before


async def test_a_customer_cannot_register_under_another_id(api):
    before = await api.items()
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    body = await execute(
        api.http, REGISTER, {"input": {**registration()["input"], "id": other}}, token=ISSUER.customer(me)
    )
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await api.items() == before
    mine = await execute(
        api.http, REGISTER, {"input": {**registration()["input"], "id": me}}, token=ISSUER.customer(me)
    )
    assert mine["data"]["registerCustomer"]["customer"]["id"] == me


async def test_a_self_registered_uuid_customer_works_everywhere_an_id_is_taken(api):
    subject = str(uuid.uuid4())
    token = ISSUER.customer(subject)
    await execute(api.http, REGISTER, registration(), token=token)
    updated = await execute(
        api.http, UPDATE, {"input": {"id": subject, "expectedVersion": 1, "name": "U U"}}, token=token
    )
    assert updated["data"]["updateCustomer"]["customer"]["version"] == 2
    later = await customer(api, "Registered Later")
    mine = (await execute(api.http, LIST, {"first": 1}, token=token))["data"]["customers"]["edges"][0][
        "cursor"
    ]
    after = await execute(api.http, LIST, {"first": 100, "after": mine}, token=ADMIN)  # a UUID in the cursor
    listed = [e["node"]["id"] for e in after["data"]["customers"]["edges"]]
    assert later["id"] in listed
    assert subject not in listed
    entity = await execute(
        api.http, ENTITIES, {"r": [{"__typename": "Customer", "id": subject}]}, token=OPERATOR
    )
    assert entity["data"]["_entities"][0]["name"] == "U U"
