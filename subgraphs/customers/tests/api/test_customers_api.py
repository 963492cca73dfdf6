"""The customers subgraph over GraphQL, against DynamoDB Local."""

import asyncio

import pytest
from kit.aws.dynamo import from_item
from kit_testing import execute

from ..conftest import published

REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    customer { id email name phone address { line1 line2 city region postalCode country } createdAt version }
    userErrors { field message code }
  }
}"""


@pytest.fixture
async def api(api):
    """The shared fixture (tests/conftest.py) as the (http, runtime) pair these tests use."""
    return api.http, api.runtime


async def count_items(runtime) -> int:
    response = await runtime.dynamodb.scan(TableName=runtime.settings.table_name, Select="COUNT")
    return response["Count"]


async def events_of(runtime) -> list[tuple[str, int, dict]]:
    response = await runtime.dynamodb.scan(TableName=runtime.settings.table_name)
    return published([from_item(item) for item in response["Items"]])


def person(**overrides):
    return {"email": "ada@example.com", "name": "Ada Investor", **overrides}


async def test_register_then_read_back(api):
    http, runtime = api
    body = await execute(
        http,
        REGISTER,
        {
            "input": person(
                phone="+14155550123",
                address={"line1": "1 Market St", "city": "SF", "postalCode": "94105", "country": "us"},
            )
        },
    )
    payload = body["data"]["registerCustomer"]
    assert payload["userErrors"] == []
    customer = payload["customer"]
    assert customer["email"] == "ada@example.com"
    assert customer["version"] == 1
    assert customer["address"]["country"] == "US"
    assert await events_of(runtime) == [("CustomerRegistered", 1, {"customerId": customer["id"]})]

    read = await execute(
        http, "query($id: ID!) { customer(id: $id) { id name phone } }", {"id": customer["id"]}
    )
    assert read["data"]["customer"] == {"id": customer["id"], "name": "Ada Investor", "phone": "+14155550123"}


async def test_missing_customer_is_null(api):
    http, _ = api
    body = await execute(http, 'query { customer(id: "01HZZZZZZZZZZZZZZZZZZZZZZZ") { id } }')
    assert body == {"data": {"customer": None}}


async def test_bad_input_writes_nothing(api):
    http, runtime = api
    body = await execute(http, REGISTER, {"input": person(email="nope", phone="12")})
    payload = body["data"]["registerCustomer"]
    assert payload["customer"] is None
    assert {(tuple(e["field"]), e["code"]) for e in payload["userErrors"]} == {
        (("input", "email"), "INVALID"),
        (("input", "phone"), "INVALID"),
    }
    assert await count_items(runtime) == 0
    assert await events_of(runtime) == []


async def test_email_taken_case_insensitively_even_when_racing(api):
    http, runtime = api
    attempts = [person(email="Racer@Example.com", name=f"Racer {i}") for i in range(8)]
    attempts[3]["email"] = "racer@EXAMPLE.COM"
    results = await asyncio.gather(*(execute(http, REGISTER, {"input": a}) for a in attempts))
    payloads = [r["data"]["registerCustomer"] for r in results]
    created = [p for p in payloads if p["customer"]]
    refused = [p for p in payloads if not p["customer"]]
    assert len(created) == 1
    assert all(p["userErrors"][0]["code"] == "EMAIL_TAKEN" for p in refused)
    assert await count_items(runtime) == 3  # one profile, one email guard, the winner's event
    winner = created[0]["customer"]["id"]
    assert await events_of(runtime) == [("CustomerRegistered", 1, {"customerId": winner})]  # none of a loser


async def test_entities_for_many_customers_is_one_batch_read(api):
    http, runtime = api
    ids = []
    for i in range(3):
        body = await execute(http, REGISTER, {"input": person(email=f"c{i}@example.com")})
        ids.append(body["data"]["registerCustomer"]["customer"]["id"])
    runtime.counter.reset()
    representations = [{"__typename": "Customer", "id": i} for i in ids] + [
        {"__typename": "Customer", "id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}
    ]
    body = await execute(
        http,
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id email } } }",
        {"r": representations},
    )
    entities = body["data"]["_entities"]
    assert [e["id"] for e in entities[:3]] == ids
    assert entities[3] is None
    assert dict(runtime.counter.calls) == {"BatchGetItem": 1}


async def test_wrong_variable_type_is_a_graphql_error_not_a_crash(api):
    http, _ = api
    body = await execute(http, REGISTER, {"input": {"email": 42}})
    assert body["data"] is None
    assert "Variable '$input'" in body["errors"][0]["message"]
