"""kit.aws.events.EventBridgePublisher: the PutEvents entry, bounded retries, and a real round trip
bus -> rule -> SQS queue through moto's server (moto's in-process mock does not work with
aiobotocore, DESIGN.md decision 4)."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from devstack.net import free_port
from kit.aws.events import EventBridgePublisher, FailedEntry, eventbridge_client
from ulid import ULID

REGION = "us-east-1"
SOURCE = "portfolio.customers"


def aws(service: str, endpoint: str) -> Any:
    """A boto3 client on moto (the test's side)."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def routed_queue(endpoint: str, detail_types: list[str]) -> tuple[str, str]:
    """A new bus with a rule sending `SOURCE` events of `detail_types` to a new queue: (bus, queue URL)."""
    name = f"kit-{str(ULID()).lower()}"
    events = aws("events", endpoint)
    sqs = aws("sqs", endpoint)
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {"source": [SOURCE], "detail-type": detail_types}
    events.put_rule(Name=f"{name}-rule", EventBusName=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=f"{name}-rule", EventBusName=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return name, queue_url


def drain(endpoint: str, queue_url: str) -> list[dict[str, Any]]:
    sqs = aws("sqs", endpoint)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


async def test_an_event_reaches_the_routed_queue_as_an_eventbridge_envelope(moto_endpoint: str) -> None:
    bus, queue_url = routed_queue(moto_endpoint, ["CustomerRegistered", "CustomerClosed"])
    customer_id = str(ULID())
    async with eventbridge_client(REGION, moto_endpoint) as client:
        publisher = EventBridgePublisher(client, bus, SOURCE)
        await publisher.publish("CustomerRegistered", {"customerId": customer_id, "credit": Decimal("10.50")})
        await publisher.publish("SomethingElse", {"customerId": customer_id})  # the rule does not match it

    [envelope] = drain(moto_endpoint, queue_url)
    assert envelope["source"] == SOURCE
    assert envelope["detail-type"] == "CustomerRegistered"
    # Decimal travels as its exact text, never as a float.
    assert envelope["detail"] == {"customerId": customer_id, "credit": "10.50"}


async def test_a_bus_that_does_not_exist_is_logged_not_raised(
    moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    async with eventbridge_client(REGION, moto_endpoint) as client:
        calls = CountingClient(client)
        await EventBridgePublisher(calls, "no-such-bus", SOURCE).publish(
            "CustomerClosed", {"customerId": "c"}
        )
    assert calls.calls == 1  # ResourceNotFoundException is permanent: not retried
    [record] = [r for r in caplog.records if r.name == "kit.aws.events"]
    assert "CustomerClosed" in record.getMessage() and "no-such-bus" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], ClientError)


async def test_an_unreachable_endpoint_is_retried_then_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with eventbridge_client(REGION, nobody) as client:
        calls = CountingClient(client)
        publisher = EventBridgePublisher(calls, "bus", SOURCE, attempts=2, wait_seconds=0.01)
        await publisher.publish("CustomerRegistered", {"customerId": "c"})
    assert calls.calls == 2
    [record] = [r for r in caplog.records if r.name == "kit.aws.events"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], EndpointConnectionError)


class CountingClient:
    """Wraps a real client and counts PutEvents calls."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    async def put_events(self, **kwargs: Any) -> Any:
        self.calls += 1
        return await self.client.put_events(**kwargs)


class ScriptedClient:
    """Stands in for the EventBridge client: answers PutEvents from a script."""

    def __init__(self, *script: dict[str, Any] | Exception) -> None:
        self.script = list(script)
        self.entries: list[list[dict[str, str]]] = []

    async def put_events(self, *, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.entries.append(Entries)
        step = self.script[min(len(self.entries), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        return step


OK = {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}


def failed(code: str) -> dict[str, Any]:
    return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": code, "ErrorMessage": "refused"}]}


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": status}},  # type: ignore[typeddict-item]
        "PutEvents",
    )


def publisher(client: ScriptedClient, attempts: int = 3) -> EventBridgePublisher:
    return EventBridgePublisher(client, "the-bus", SOURCE, attempts=attempts, wait_seconds=0.001)


async def test_the_entry_names_bus_source_type_and_json_detail() -> None:
    client = ScriptedClient(OK)
    await publisher(client).publish(
        "CustomerRegistered", {"customerId": "c1", "on": date(2025, 1, 31), "amount": Decimal("0.10")}
    )
    [[entry]] = client.entries
    assert entry == {
        "Source": SOURCE,
        "DetailType": "CustomerRegistered",
        "Detail": '{"customerId":"c1","on":"2025-01-31","amount":"0.10"}',
        "EventBusName": "the-bus",
    }


@pytest.mark.parametrize(
    "transient",
    [
        failed("InternalFailure"),
        failed("ThrottlingException"),
        client_error("ThrottlingException", 400),
        client_error("InternalException", 500),
        client_error("Whatever", 503),
        EndpointConnectionError(endpoint_url="http://events"),
    ],
)
async def test_a_transient_failure_is_retried(transient: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    client = ScriptedClient(transient, OK)
    await publisher(client).publish("CustomerClosed", {"customerId": "c"})
    assert len(client.entries) == 2
    assert client.entries[0] == client.entries[1]  # the same entry again
    assert [r for r in caplog.records if r.name == "kit.aws.events"] == []


async def test_a_failed_entry_that_keeps_failing_is_logged_after_the_attempts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    client = ScriptedClient(failed("InternalFailure"))
    await publisher(client, attempts=4).publish("CustomerClosed", {"customerId": "c"})
    assert len(client.entries) == 4
    [record] = [r for r in caplog.records if r.name == "kit.aws.events"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], FailedEntry)
    assert record.exc_info[1].code == "InternalFailure"


@pytest.mark.parametrize(
    "permanent",
    [
        failed("InvalidArgument"),
        client_error("AccessDeniedException", 400),
        client_error("ValidationException", 400),
    ],
)
async def test_a_permanent_failure_is_not_retried(permanent: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    client = ScriptedClient(permanent, OK)
    await publisher(client).publish("CustomerClosed", {"customerId": "c"})
    assert len(client.entries) == 1
    assert len([r for r in caplog.records if r.name == "kit.aws.events"]) == 1


async def test_a_detail_that_is_not_json_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    client = ScriptedClient(OK)
    await publisher(client).publish("CustomerClosed", {"customerId": object()})
    assert client.entries == []
    [record] = [r for r in caplog.records if r.name == "kit.aws.events"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], TypeError)
