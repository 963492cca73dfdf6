"""kit.aws.dynamo: (de)serialisation, batched reads and pagination, against DynamoDB Local and fakes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import kit.aws.dynamo
import pytest
from kit.aws.dynamo import (
    BATCH_GET_LIMIT,
    RequestCounter,
    batch_get,
    dynamodb_client,
    ensure_table,
    from_item,
    query_all,
    table_answers,
    to_item,
)
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name


def table_definition(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


class Db(SimpleNamespace):
    client: Any
    counter: RequestCounter
    table: str


@pytest.fixture(scope="module")
async def db(dynamodb_endpoint: str) -> AsyncIterator[Db]:
    settings = ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("kit"))
    counter = RequestCounter()
    async with dynamodb_client(settings, counter) as client:
        await ensure_table(client, table_definition(settings.table_name))
        yield Db(client=client, counter=counter, table=settings.table_name)


async def put_all(db: Db, items: list[dict[str, Any]]) -> None:
    chunks = [items[i : i + 25] for i in range(0, len(items), 25)]
    await asyncio.gather(
        *(
            db.client.batch_write_item(
                RequestItems={db.table: [{"PutRequest": {"Item": to_item(item)}} for item in chunk]}
            )
            for chunk in chunks
        )
    )


# --- (de)serialisation ---------------------------------------------------------------------------


def test_to_item_types_values_and_drops_none() -> None:
    item = to_item({"pk": "A", "n": Decimal("1.10"), "gone": None, "flag": True, "tags": ["x"]})
    assert item == {
        "pk": {"S": "A"},
        "n": {"N": "1.10"},
        "flag": {"BOOL": True},
        "tags": {"L": [{"S": "x"}]},
    }
    assert "gone" not in item


def test_to_item_refuses_floats() -> None:
    with pytest.raises(TypeError):
        to_item({"price": 0.1})


def test_from_item_numbers_are_decimal_never_float() -> None:
    values = from_item({"n": {"N": "0.1"}, "i": {"N": "3"}, "m": {"M": {"x": {"N": "2.5"}}}})
    assert values == {"n": Decimal("0.1"), "i": Decimal(3), "m": {"x": Decimal("2.5")}}
    assert all(isinstance(v, Decimal) for v in (values["n"], values["i"], values["m"]["x"]))


def test_round_trip_in_memory() -> None:
    original = {"pk": "P", "sk": "S", "amount": Decimal("12345678901234567890.123456789"), "name": "é"}
    assert from_item(to_item({**original, "none": None})) == original


async def test_round_trip_through_dynamodb_keeps_decimals_exact_and_drops_none(db: Db) -> None:
    values = {
        "pk": "ROUNDTRIP#1",
        "sk": "META",
        "big": Decimal("12345678901234567890.123456789"),  # 29 significant digits, beyond a float
        "tiny": Decimal("0.000000000000000001"),
        "tenth": Decimal("0.1"),
        "negative": Decimal("-42.5"),
        "nested": {"price": Decimal("99.99"), "list": [Decimal("1.5"), "a"]},
        "missing": None,
    }
    await db.client.put_item(TableName=db.table, Item=to_item(values))
    response = await db.client.get_item(
        TableName=db.table, Key=to_item({"pk": "ROUNDTRIP#1", "sk": "META"}), ConsistentRead=True
    )
    stored = from_item(response["Item"])
    assert "missing" not in stored
    expected = {k: v for k, v in values.items() if v is not None}
    assert stored == expected
    assert isinstance(stored["big"], Decimal)
    assert str(stored["big"]) == "12345678901234567890.123456789"
    assert stored["tenth"] + Decimal("0.2") == Decimal("0.3")


# --- batch_get against DynamoDB Local ------------------------------------------------------------


async def test_batch_get_250_keys_returns_existing_items_in_three_calls(db: Db) -> None:
    existing = [{"pk": f"BATCH#{i:03d}", "sk": "META", "n": Decimal(i)} for i in range(250) if i % 5 != 0]
    await put_all(db, existing)
    keys = [{"pk": f"BATCH#{i:03d}", "sk": "META"} for i in range(250)]
    db.counter.reset()
    found = await batch_get(db.client, db.table, keys)
    assert db.counter.calls["BatchGetItem"] == 3
    assert db.counter.total == 3
    assert len(found) == len(existing) == 200
    assert sorted(found, key=lambda item: item["pk"]) == existing


async def test_batch_get_deduplicates_keys(db: Db) -> None:
    await put_all(db, [{"pk": "DUP#1", "sk": "A"}, {"pk": "DUP#2", "sk": "A"}])
    keys = [
        {"pk": "DUP#1", "sk": "A"},
        {"sk": "A", "pk": "DUP#1"},  # same key, other order
        {"pk": "DUP#2", "sk": "A"},
        {"pk": "DUP#1", "sk": "A"},
    ]
    db.counter.reset()
    found = await batch_get(db.client, db.table, keys)
    # DynamoDB itself refuses duplicate keys in one BatchGetItem, so this also proves de-duplication.
    assert sorted(item["pk"] for item in found) == ["DUP#1", "DUP#2"]
    assert db.counter.calls["BatchGetItem"] == 1


async def test_batch_get_of_nothing_makes_no_call(db: Db) -> None:
    db.counter.reset()
    assert await batch_get(db.client, db.table, []) == []
    assert db.counter.total == 0


# --- batch_get against a fake client -------------------------------------------------------------


class FakeBatchClient:
    """batch_get_item answers from `responses` in turn (the last one repeats); records requests."""

    def __init__(self, responses: list[dict[str, Any]]) -> None:
        self.responses = responses
        self.requests: list[dict[str, Any]] = []

    async def batch_get_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(RequestItems)
        return self.responses[min(len(self.requests) - 1, len(self.responses) - 1)]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replace kit.aws.dynamo's backoff sleep with a recorder, so retry tests take no time."""
    recorded: list[float] = []

    async def fake_sleep(delay: float) -> None:
        recorded.append(delay)

    monkeypatch.setattr(kit.aws.dynamo, "asyncio", SimpleNamespace(gather=asyncio.gather, sleep=fake_sleep))
    return recorded


def key(i: int) -> dict[str, Any]:
    return {"pk": f"K#{i}", "sk": "META"}


async def test_batch_get_retries_unprocessed_keys(sleeps: list[float]) -> None:
    unprocessed = {"t": {"Keys": [to_item(key(2))], "ConsistentRead": True}}
    client = FakeBatchClient(
        [
            {"Responses": {"t": [to_item({**key(1), "v": "one"})]}, "UnprocessedKeys": unprocessed},
            {"Responses": {"t": [to_item({**key(2), "v": "two"})]}, "UnprocessedKeys": {}},
        ]
    )
    found = await batch_get(client, "t", [key(1), key(2)])
    assert sorted(item["v"] for item in found) == ["one", "two"]
    assert len(client.requests) == 2
    assert client.requests[0] == {"t": {"Keys": [to_item(key(1)), to_item(key(2))], "ConsistentRead": True}}
    assert client.requests[1] == unprocessed  # only what was left over is asked again
    assert len(sleeps) == 1
    assert sleeps[0] > 0


async def test_batch_get_gives_up_after_too_many_retries(sleeps: list[float]) -> None:
    stuck = {"t": {"Keys": [to_item(key(1))]}}
    client = FakeBatchClient([{"Responses": {"t": []}, "UnprocessedKeys": stuck}])
    with pytest.raises(RuntimeError, match="unprocessed"):
        await batch_get(client, "t", [key(1)])
    assert len(client.requests) == kit.aws.dynamo._MAX_UNPROCESSED_RETRIES + 1
    # Exponential backoff, capped.
    assert sleeps == sorted(sleeps)
    assert sleeps[1] == 2 * sleeps[0]
    assert max(sleeps) <= 1.0


@pytest.mark.parametrize(("count", "calls"), [(1, 1), (100, 1), (101, 2), (250, 3), (300, 3), (301, 4)])
async def test_batch_get_chunks_by_one_hundred(count: int, calls: int) -> None:
    client = FakeBatchClient([{"Responses": {"t": []}}])
    await batch_get(client, "t", [key(i) for i in range(count)])
    assert len(client.requests) == calls
    sizes = [len(request["t"]["Keys"]) for request in client.requests]
    assert sum(sizes) == count
    assert max(sizes) <= BATCH_GET_LIMIT


# --- query_all ---------------------------------------------------------------------------------


async def test_query_all_follows_pages_on_dynamodb_local(db: Db) -> None:
    items = [{"pk": "QUERY#1", "sk": f"LOT#{i:02d}", "q": Decimal(i)} for i in range(7)]
    await put_all(db, [*items, {"pk": "QUERY#2", "sk": "LOT#00"}])
    db.counter.reset()
    found = await query_all(
        db.client,
        TableName=db.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": "QUERY#1"}),
        ConsistentRead=True,
        Limit=2,
    )
    assert found == items
    assert db.counter.calls["Query"] == 4  # 2 + 2 + 2 + 1


async def test_query_all_passes_last_evaluated_key_on() -> None:
    pages = [
        {"Items": [to_item({"n": 1})], "LastEvaluatedKey": {"pk": {"S": "a"}}},
        {"Items": [], "LastEvaluatedKey": {"pk": {"S": "b"}}},  # an empty page that is not the last
        {"Items": [to_item({"n": 2}), to_item({"n": 3})]},
    ]
    calls: list[dict[str, Any]] = []

    class FakeQueryClient:
        async def query(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return pages[len(calls) - 1]

    found = await query_all(FakeQueryClient(), TableName="t", Limit=1)
    assert found == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert calls == [
        {"TableName": "t", "Limit": 1},
        {"TableName": "t", "Limit": 1, "ExclusiveStartKey": {"pk": {"S": "a"}}},
        {"TableName": "t", "Limit": 1, "ExclusiveStartKey": {"pk": {"S": "b"}}},
    ]


# --- tables ------------------------------------------------------------------------------------


async def test_ensure_table_is_idempotent(db: Db) -> None:
    definition = table_definition(unique_table_name("kit-ensure"))
    name = definition["TableName"]
    assert await table_answers(db.client, name) is False
    assert await ensure_table(db.client, definition) is True
    assert await ensure_table(db.client, definition) is False
    assert await table_answers(db.client, name) is True
    tables = (await db.client.list_tables())["TableNames"]
    assert tables.count(name) == 1


async def test_request_counter_counts_by_operation(db: Db) -> None:
    db.counter.reset()
    assert db.counter.total == 0
    await db.client.describe_table(TableName=db.table)
    await db.client.describe_table(TableName=db.table)
    await db.client.get_item(TableName=db.table, Key=to_item({"pk": "none", "sk": "none"}))
    assert dict(db.counter.calls) == {"DescribeTable": 2, "GetItem": 1}
    assert db.counter.total == 3


async def test_client_without_endpoint_targets_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    settings = ServiceSettings(aws_region="eu-west-1", dynamodb_endpoint_url=None)
    assert settings.is_local_dynamodb is False
    async with dynamodb_client(settings) as client:
        assert client.meta.region_name == "eu-west-1"
        assert "amazonaws.com" in client.meta.endpoint_url
