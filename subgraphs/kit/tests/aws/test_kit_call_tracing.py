"""kit.aws.call_tracing: with tracing on, every aiobotocore call (DynamoDB, SQS) is a client span
in the current span, described the way X-Ray and the OpenTelemetry conventions expect, and carries
the trace to AWS in the X-Ray header. DynamoDB calls against DynamoDB Local, SQS against moto's server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kit.aws.call_tracing import transaction_tables
from kit.aws.clients import aws_client
from kit_testing import create_table, unique_table_name
from opentelemetry.trace import StatusCode, format_span_id, format_trace_id

from .conftest import AwsTraced, client_span, is_child

REGION = "eu-west-1"


def definition(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


@pytest.fixture
async def dynamodb(dynamodb_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("dynamodb", region=REGION, endpoint_url=dynamodb_endpoint) as client:
        yield client


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sqs", region=REGION, endpoint_url=moto_endpoint) as client:
        yield client


async def test_a_dynamodb_call_is_a_client_span_in_the_current_span(
    aws_traced: AwsTraced, dynamodb: Any
) -> None:
    table = unique_table_name("traced")
    await create_table(dynamodb, definition(table))
    sent: list[Any] = []  # the prepared request's headers (values are bytes by then)
    dynamodb.meta.events.register(
        "before-send.dynamodb.PutItem", lambda request, **_: sent.append(request.headers)
    )
    aws_traced.forget()

    with aws_traced.tracer.start_as_current_span("request"):
        response = await dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}})

    request, put = aws_traced.named("request"), client_span(aws_traced, "DynamoDB.PutItem")
    assert is_child(put, request)
    attributes = put.attributes or {}
    assert attributes["rpc.system"] == "aws-api"
    assert attributes["rpc.service"] == "DynamoDB"
    assert attributes["rpc.method"] == "PutItem"
    assert attributes["db.system"] == "dynamodb"
    assert attributes["aws.dynamodb.table_names"] == (table,)
    assert attributes["aws.request_id"] == response["ResponseMetadata"]["RequestId"]
    assert attributes["http.status_code"] == 200
    assert put.status.status_code == StatusCode.UNSET
    # The X-Ray header names the call's own span: AWS's segment for it joins the trace.
    trace_id, span_id = format_trace_id(put.context.trace_id), format_span_id(put.context.span_id)
    [headers] = sent
    assert (
        headers["X-Amzn-Trace-Id"].decode()
        == f"Root=1-{trace_id[:8]}-{trace_id[8:]};Parent={span_id};Sampled=1"
    )


async def test_a_transaction_names_every_table_it_writes(aws_traced: AwsTraced, dynamodb: Any) -> None:
    changes, events = unique_table_name("changes"), unique_table_name("events")
    await create_table(dynamodb, definition(changes))
    await create_table(dynamodb, definition(events))
    aws_traced.forget()

    with aws_traced.tracer.start_as_current_span("request"):
        await dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": changes, "Item": {"pk": {"S": "c"}}}},
                {"Put": {"TableName": events, "Item": {"pk": {"S": "EVENT#1"}}}},
                {"Put": {"TableName": changes, "Item": {"pk": {"S": "d"}}}},
            ]
        )

    write = client_span(aws_traced, "DynamoDB.TransactWriteItems")
    assert is_child(write, aws_traced.named("request"))
    assert (write.attributes or {})["aws.dynamodb.table_names"] == (changes, events)
    assert (write.attributes or {})["db.system"] == "dynamodb"


def test_transaction_tables_reads_every_kind_of_transact_item() -> None:
    params = {
        "TransactItems": [
            {"ConditionCheck": {"TableName": "a"}},
            {"Update": {"TableName": "b"}},
            {"Delete": {"TableName": "a"}},
            {"Get": {"TableName": "c"}},
        ]
    }
    assert transaction_tables(params) == ["a", "b", "c"]
    assert transaction_tables({}) == []


async def test_a_failed_call_is_an_error_span_and_the_error_reaches_the_caller(
    aws_traced: AwsTraced, dynamodb: Any
) -> None:
    table = unique_table_name("traced")
    await create_table(dynamodb, definition(table))
    await dynamodb.put_item(TableName=table, Item={"pk": {"S": "taken"}})
    aws_traced.forget()

    with aws_traced.tracer.start_as_current_span("request"), pytest.raises(ClientError) as raised:
        await dynamodb.put_item(
            TableName=table, Item={"pk": {"S": "taken"}}, ConditionExpression="attribute_not_exists(pk)"
        )

    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    put = client_span(aws_traced, "DynamoDB.PutItem")
    assert put.status.status_code == StatusCode.ERROR
    assert (put.attributes or {})["http.status_code"] == 400
    assert (put.attributes or {})["aws.request_id"] == raised.value.response["ResponseMetadata"]["RequestId"]


async def test_sqs_send_and_receive_are_client_spans_naming_queue_and_message(
    aws_traced: AwsTraced, sqs: Any
) -> None:
    queue_name = unique_table_name("traced-queue")
    queue_url = (await sqs.create_queue(QueueName=queue_name))["QueueUrl"]
    aws_traced.forget()

    with aws_traced.tracer.start_as_current_span("producer"):
        sent = await sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
    with aws_traced.tracer.start_as_current_span("consumer"):
        received = await sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)

    send, receive = client_span(aws_traced, "SQS.SendMessage"), client_span(aws_traced, "SQS.ReceiveMessage")
    assert is_child(send, aws_traced.named("producer"))
    assert is_child(receive, aws_traced.named("consumer"))
    [message] = received["Messages"]
    assert message["MessageId"] == sent["MessageId"]
    for span in (send, receive):
        attributes = span.attributes or {}
        assert attributes["rpc.system"] == "aws-api"
        assert attributes["rpc.service"] == "SQS"
        assert attributes["messaging.system"] == "aws.sqs"
        assert attributes["messaging.destination"] == queue_name
        assert attributes["messaging.message.id"] == sent["MessageId"]
        assert "db.system" not in attributes
    assert (receive.attributes or {})["rpc.method"] == "ReceiveMessage"
