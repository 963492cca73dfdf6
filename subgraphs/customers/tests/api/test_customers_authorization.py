"""Issue 7's rules in the customers subgraph, over HTTP with real tokens, against DynamoDB Local.

A customer sees and changes only itself (by query, by `_entities`, in the list) and registers itself
once, under its token's subject; operators read everyone and register anyone but change no one;
admins do everything. Refusals are FORBIDDEN GraphQL errors that say the same about an id that
exists and one that does not, and write nothing.

All tests share one app and table (`module_api`): each makes customers of its own.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from kit.core.ids import is_customer_id
from kit_testing import ISSUER, execute
from ulid import ULID

FIELDS = "id email name createdAt version status"
PAYLOAD = f"{{ customer {{ {FIELDS} }} userErrors {{ field message code }} }}"
REGISTER = f"mutation($input: RegisterCustomerInput!) {{ registerCustomer(input: $input) {PAYLOAD} }}"
UPDATE = f"mutation($input: UpdateCustomerInput!) {{ updateCustomer(input: $input) {PAYLOAD} }}"
CLOSE = f"mutation($input: CloseCustomerInput!) {{ closeCustomer(input: $input) {PAYLOAD} }}"
LIST = """query($first: Int!, $after: String) { customers(first: $first, after: $after) {
  edges { cursor node { id name email createdAt } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
READ = "query($id: ID!) { customer(id: $id) { id email name } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id email name } } }"
OPERATOR, ADMIN = ISSUER.operator(), ISSUER.admin()


@pytest.fixture
def api(module_api):
    return module_api


def email() -> str:
    return f"c-{str(ULID()).lower()}@example.com"


def unknown_id() -> str:
    return str(ULID())  # well formed, never registered


async def customer(api, name: str = "Ada Investor") -> dict:
    """A customer registered by an admin (the client's default token)."""
    return await api.register(email=email(), name=name)


def forbidden(body: dict) -> list[tuple[tuple, str, str]]:
    """(path, code, message) of every error."""
    return [(tuple(e["path"]), e["extensions"]["code"], e["message"]) for e in body.get("errors", [])]


def leaks(body: dict, other: dict) -> bool:
    text = json.dumps(body)
    return other["email"] in text or other["name"] in text


async def reads_and_writes(api, call) -> tuple[dict, dict]:
    """The body of `call()` and the DynamoDB calls it made."""
    api.runtime.counter.reset()
    body = await call()
    return body, dict(api.runtime.counter.calls)


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


# -- customers(first, after) -------------------------------------------------------------------------


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


# -- updateCustomer, closeCustomer -------------------------------------------------------------------


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


# -- registerCustomer --------------------------------------------------------------------------------


def registration(address: str | None = None) -> dict:
    return {"input": {"email": address or email(), "name": "Self Registered"}}


@pytest.mark.parametrize("subject", [str(ULID()), str(uuid.uuid4())], ids=["ulid", "cognito-uuid"])
async def test_a_customer_registers_itself_once_under_its_subject(api, subject):
    token = ISSUER.customer(subject)
    first = await execute(api.http, REGISTER, registration(), token=token)
    payload = first["data"]["registerCustomer"]
    assert payload["userErrors"] == []
    assert payload["customer"]["id"] == subject
    assert ("CustomerRegistered", {"customerId": subject}) in api.events.published
    read = await execute(api.http, READ, {"id": subject}, token=token)
    assert read["data"]["customer"]["id"] == subject

    before, published = await api.items(), len(api.events.published)
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
    assert len(api.events.published) == published


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
    assert ("CustomerRegistered", {"customerId": subject}) in api.events.published
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
