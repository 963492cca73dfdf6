"""Hostile text in every string of every customers mutation, and malformed `_entities` (issue 11).

Each string input obeys kit.core.text: a control character, a lone surrogate or unbounded length is a
userError INVALID at that field and nothing is written; `_entities` refuses a malformed
representation at its index (BAD_USER_INPUT) and resolves the valid ones beside it.
"""

from __future__ import annotations

from typing import Any

import pytest
from kit_testing import ISSUER, execute
from ulid import ULID

ADMIN = ISSUER.admin()
PAYLOAD = "{ customer { id name } userErrors { field message code } }"
REGISTER = f"mutation($input: RegisterCustomerInput!) {{ registerCustomer(input: $input) {PAYLOAD} }}"
UPDATE = f"mutation($input: UpdateCustomerInput!) {{ updateCustomer(input: $input) {PAYLOAD} }}"
CLOSE = f"mutation($input: CloseCustomerInput!) {{ closeCustomer(input: $input) {PAYLOAD} }}"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Customer { id name } } }"

HOSTILE = {
    "NUL": "Ada\u0000Lovelace",
    "C0": "Ada\u001bLovelace",
    "C1": "Ada\u0085Lovelace",
    "newline": "Ada\nLovelace",
    "lone surrogate": "Ada\ud800",
    "low surrogate": "\udfffAda",
    "15k": "x" * 15_000,
    "bidi override": "\u202eecalevoL adA",
}
ADDRESS = {"line1": "1 Market Street", "city": "San Francisco", "postalCode": "94105", "country": "US"}


def registration(suffix: str) -> dict[str, Any]:
    return {
        "email": f"text-{suffix}@example.com",
        "name": "Ada Lovelace",
        "phone": "+14155550123",
        "address": {**ADDRESS, "line2": "Suite 2", "region": "CA"},
    }


def with_leaf(value: dict[str, Any], path: tuple[str, ...], new: Any) -> dict[str, Any]:
    copy = {**value, **({path[0]: dict(value[path[0]])} if len(path) > 1 else {})}
    holder = copy[path[0]] if len(path) > 1 else copy
    holder[path[-1]] = new
    return copy


LEAVES = [
    ("name",),
    ("email",),
    ("phone",),
    ("address", "line1"),
    ("address", "line2"),
    ("address", "city"),
    ("address", "region"),
    ("address", "postalCode"),
    ("address", "country"),
    ("id",),
]


async def count(module_api) -> int:
    return len(await module_api.items())


@pytest.mark.parametrize("leaf", LEAVES, ids=".".join)
@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_register_refuses_hostile_text_in_every_field_and_writes_nothing(module_api, leaf, hostile):
    before = await count(module_api)
    request = with_leaf(registration(str(ULID()).lower()), leaf, HOSTILE[hostile])
    body = await execute(module_api.http, REGISTER, {"input": request}, token=ADMIN)
    assert "errors" not in body, body
    payload = body["data"]["registerCustomer"]
    assert payload["customer"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", *leaf], "INVALID")]
    assert "Traceback" not in str(body)
    assert await count(module_api) == before


@pytest.mark.parametrize("leaf", [leaf for leaf in LEAVES if leaf != ("id",)], ids=".".join)
@pytest.mark.parametrize("hostile", ["NUL", "lone surrogate", "15k"])
async def test_update_refuses_hostile_text_in_every_field_and_changes_nothing(module_api, leaf, hostile):
    ada = await module_api.register(email=f"upd-{ULID()}@example.com")
    fields = {"address": dict(ADDRESS)} if leaf[0] == "address" else {}
    request = with_leaf({"id": ada["id"], "expectedVersion": 1, **fields}, leaf, HOSTILE[hostile])
    payload = (await execute(module_api.http, UPDATE, {"input": request}, token=ADMIN))["data"][
        "updateCustomer"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", *leaf], "INVALID")]
    after = await module_api.read(ada["id"])
    assert after is not None and after["version"] == 1 and after["name"] == ada["name"]


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_hostile_ids_are_invalid_for_update_and_close(module_api, hostile):
    update = await execute(
        module_api.http, UPDATE, {"input": {"id": HOSTILE[hostile], "expectedVersion": 1}}, token=ADMIN
    )
    close = await execute(module_api.http, CLOSE, {"input": {"id": HOSTILE[hostile]}}, token=ADMIN)
    for payload in (update["data"]["updateCustomer"], close["data"]["closeCustomer"]):
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "id"], "INVALID")]


async def test_names_and_addresses_are_stored_in_nfc_and_foreign_scripts_stay(module_api):
    decomposed = "Zoe\u0308 \u05e9\u05dc\u05d5\u05dd \U0001f469\u200d\U0001f469\u200d\U0001f467"
    request = {
        **registration(str(ULID()).lower()),
        "name": decomposed,
        "address": {**ADDRESS, "city": "Zu\u0308rich"},
    }
    body = await execute(module_api.http, REGISTER, {"input": request}, token=ADMIN)
    payload = body["data"]["registerCustomer"]
    assert payload["userErrors"] == []
    stored = await module_api.read(payload["customer"]["id"])
    assert stored["name"] == "Zo\u00eb \u05e9\u05dc\u05d5\u05dd \U0001f469\u200d\U0001f469\u200d\U0001f467"
    assert stored["address"]["city"] == "Z\u00fcrich"


# -- _entities ---------------------------------------------------------------------------------------

MALFORMED: list[Any] = [
    {"__typename": "Customer"},
    {},
    {"__typename": "Query"},
    {"__typename": "Query", "id": "x"},
    {"__typename": "Customer", "id": 5},
    {"__typename": "Customer", "id": {"id": "x"}},
    {"__typename": "Customer", "id": "\ud800"},
    {"__typename": "Customer", "id": "x" * 15_000},
    {"__typename": "Customer", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "x": 1},
    -1,
    "Customer",
]


@pytest.mark.parametrize("bad", MALFORMED, ids=[repr(m)[:30] for m in MALFORMED])
async def test_a_malformed_representation_is_bad_user_input_beside_a_valid_one(module_api, bad):
    ada = await module_api.register(email=f"ent-{ULID()}@example.com")
    good = {"__typename": "Customer", "id": ada["id"]}
    body = await execute(module_api.http, ENTITIES, {"r": [good, bad, good]}, token=ADMIN)
    resolved = {"__typename": "Customer", "id": ada["id"], "name": ada["name"]}
    assert body["data"] == {"_entities": [resolved, None, resolved]}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", 1], "BAD_USER_INPUT")
    ]


@pytest.mark.parametrize("representations", ["{}", "-1", '{__typename: "Customer"}'])
async def test_representations_that_are_no_list_are_bad_user_input(module_api, representations):
    document = f"{{ _entities(representations: {representations}) {{ __typename }} }}"
    body = await execute(module_api.http, document, token=ADMIN)
    assert body["data"] == {"_entities": [None]}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
