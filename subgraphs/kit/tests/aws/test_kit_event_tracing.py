"""kit.aws.event_tracing: the trace context an event carries. The producer's span, written into
the event as a W3C traceparent, becomes the parent of the consumer's span, whatever the consumer
is doing when the event reaches it; the consumer's own AWS calls nest in that span."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from kit.aws.clients import aws_client
from kit.aws.event_tracing import consuming, current_traceparent
from kit_testing import create_table, unique_table_name
from opentelemetry.trace import SpanKind, StatusCode, format_span_id, format_trace_id

from .conftest import AwsTraced, client_span, is_child

REGION = "eu-west-1"
EVENT_ID = "01JDQ7Z6Y9W8V7T6S5R4Q3P2N1"


@pytest.fixture
async def table(dynamodb_endpoint: str) -> AsyncIterator[tuple[Any, str]]:
    name = unique_table_name("consumer")
    async with aws_client("dynamodb", region=REGION, endpoint_url=dynamodb_endpoint) as client:
        await create_table(
            client,
            {
                "TableName": name,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )
        yield client, name


def test_there_is_no_traceparent_outside_a_span(aws_traced: AwsTraced) -> None:
    assert current_traceparent() is None


def test_the_traceparent_is_the_current_spans(aws_traced: AwsTraced) -> None:
    with aws_traced.tracer.start_as_current_span("mutation RecordActivity") as span:
        traceparent = current_traceparent()
    context = span.get_span_context()
    assert traceparent == f"00-{format_trace_id(context.trace_id)}-{format_span_id(context.span_id)}-01"


async def test_the_consumer_span_continues_the_producers_trace(
    aws_traced: AwsTraced, table: tuple[Any, str]
) -> None:
    client, name = table
    with aws_traced.tracer.start_as_current_span("mutation CloseCustomer"):
        traceparent = current_traceparent()
    aws_traced.forget()

    # The consumer handles the event while inside a span of its own (a poll): the event's context wins.
    with aws_traced.tracer.start_as_current_span("poll"), consuming("CustomerClosed", EVENT_ID, traceparent):
        await client.put_item(TableName=name, Item={"pk": {"S": f"APPLIED#{EVENT_ID}"}})

    process = aws_traced.named("CustomerClosed process")
    assert process.kind == SpanKind.CONSUMER
    assert process.parent is not None and process.parent.is_remote
    assert f"00-{format_trace_id(process.context.trace_id)}-{format_span_id(process.parent.span_id)}-01" == (
        traceparent
    )
    assert process.context.trace_id != aws_traced.named("poll").context.trace_id
    assert process.attributes == {
        "messaging.system": "aws_sqs",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.message.id": EVENT_ID,
    }
    # The consumer's write is in the event's span, so in the producer's trace.
    assert is_child(client_span(aws_traced, "DynamoDB.PutItem"), process)


@pytest.mark.parametrize(
    "traceparent", [None, "", "00-not-a-trace-01", "00-" + "0" * 32 + "-" + "0" * 16 + "-01"]
)
def test_an_event_without_a_usable_traceparent_starts_in_the_current_context(
    aws_traced: AwsTraced, traceparent: str | None
) -> None:
    aws_traced.forget()
    with consuming("ActivityRecorded", EVENT_ID, traceparent):
        pass
    assert aws_traced.named("ActivityRecorded process").parent is None  # a trace of its own
    with (
        aws_traced.tracer.start_as_current_span("poll"),
        consuming("ActivityCorrected", EVENT_ID, traceparent),
    ):
        pass
    assert is_child(aws_traced.named("ActivityCorrected process"), aws_traced.named("poll"))


def test_a_failing_handler_marks_its_span_and_the_error_propagates(aws_traced: AwsTraced) -> None:
    with aws_traced.tracer.start_as_current_span("mutation RecordActivity"):
        traceparent = current_traceparent()
    aws_traced.forget()

    with (
        pytest.raises(RuntimeError, match="provider down"),
        consuming("ActivityRecorded", EVENT_ID, traceparent),
    ):
        raise RuntimeError("provider down")

    process = aws_traced.named("ActivityRecorded process")
    assert process.status.status_code == StatusCode.ERROR
    assert [event.name for event in process.events] == ["exception"]
