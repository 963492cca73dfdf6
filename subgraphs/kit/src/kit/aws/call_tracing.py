"""A client span for every AWS call made through aiobotocore (DynamoDB, SQS, EventBridge, ...).

OpenTelemetry's own `opentelemetry-instrumentation-botocore` (0.66b2+) instruments aiobotocore too
(`AiobotocoreInstrumentor`, for aiobotocore >= 2, < 4): it wraps `AioBaseClient._make_api_call`, so
every client, however and whenever it was built, makes a span named `<Service>.<Operation>`
("DynamoDB.TransactWriteItems", "SQS.SendMessage") in the current span, with rpc.system=aws-api,
rpc.service, rpc.method, aws.request_id, the HTTP status and a failed call's error; DynamoDB calls
add db.system=dynamodb and the table names, SQS calls the queue (messaging.destination) and the
message id. It also puts the X-Ray trace header on each request, so AWS's own segments join the trace.
(The `aiobotocore-otel` fork caps aiobotocore below 3.10, the version this project locks.)

Installed by `kit.aws.telemetry.configure_tracing` only when tracing is on: without it
aiobotocore runs unwrapped, at no cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span

TABLE_NAMES = "aws.dynamodb.table_names"

# The library names the tables of single-table operations; a transaction's are in its items.
_TRANSACTIONS = {"TransactWriteItems", "TransactGetItems"}
_TRANSACT_ACTIONS = ("Put", "Update", "Delete", "ConditionCheck", "Get")


def instrument_aws_calls(provider: TracerProvider) -> None:
    """Wrap aiobotocore's API call once per process; spans go to `provider`."""
    from opentelemetry.instrumentation.botocore import AiobotocoreInstrumentor

    instrumentor = AiobotocoreInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider, request_hook=describe_call)


def uninstrument_aws_calls() -> None:
    from opentelemetry.instrumentation.botocore import AiobotocoreInstrumentor

    instrumentor = AiobotocoreInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


def aws_calls_instrumented() -> bool:
    """aiobotocore's API call is wrapped (by wrapt: aiobotocore's own decorator uses functools.wraps)."""
    from aiobotocore.client import AioBaseClient
    from wrapt import FunctionWrapper  # what the instrumentation wraps with

    return isinstance(AioBaseClient.__dict__["_make_api_call"], FunctionWrapper)


def describe_call(span: Span, service: str, operation: str, params: Mapping[str, Any] | None) -> None:
    """The request hook: the table names of a DynamoDB transaction, which the library leaves out."""
    if service != "dynamodb" or operation not in _TRANSACTIONS or not span.is_recording():
        return
    tables = transaction_tables(params or {})
    if tables:
        span.set_attribute(TABLE_NAMES, tables)


def transaction_tables(params: Mapping[str, Any]) -> list[str]:
    """Each table a TransactWriteItems/TransactGetItems request touches, once, in request order."""
    tables: list[str] = []
    for item in params.get("TransactItems") or ():
        for action in _TRANSACT_ACTIONS:
            name = (item.get(action) or {}).get("TableName")
            if name and name not in tables:
                tables.append(name)
    return tables
