"""kit.aws.telemetry: server, GraphQL-operation and httpx client spans, trace context across calls, X-Ray
trace ids, OTLP export, trace ids in log lines.

Tracing is process-wide (one tracer provider, httpx patched globally), so this module turns it on
once, through `create_app` with the same variables ECS sets, pointing the OTLP exporter at a small
in-process collector; an in-memory exporter is added beside it for the assertions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
import respx
import strawberry
from fastapi import FastAPI
from kit.aws.telemetry import (
    LOG_FORMAT,
    GraphQLOperationSpan,
    TraceContextFilter,
    configure_tracing,
    shutdown_tracing,
)
from kit.graphql.context import RequestContext
from kit.graphql.schema import federated_schema
from kit.web.app import Runtime, create_app
from kit.web.settings import ServiceSettings
from kit_testing import execute, running_app
from kit_testing.tracing import OtlpCollector, reset_global_tracer_provider
from opentelemetry import propagate
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

CALLEE = "http://callee.test/ping"
SERVICE_NAME = "kit-telemetry-test"


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    async def relay(self) -> str:
        async with httpx.AsyncClient() as client:
            response = await client.get(CALLEE)
        return response.text

    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("secret")


SCHEMA = federated_schema(query=Query)


class NoTableRuntime(Runtime):
    """No DynamoDB: these tests only need the HTTP side."""

    async def start(self, stack: AsyncExitStack) -> None:
        return None

    async def ready(self) -> bool:
        return True


@dataclass
class Traced:
    app: FastAPI
    provider: TracerProvider
    exporter: InMemorySpanExporter
    collector: OtlpCollector

    def spans(self) -> list[ReadableSpan]:
        self.provider.force_flush()
        return list(self.exporter.get_finished_spans())


@pytest.fixture(scope="module")
def traced() -> Iterator[Traced]:
    collector = OtlpCollector()
    collector.start()
    saved_textmap = propagate.get_global_textmap()
    exporter = InMemorySpanExporter()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
        env.setenv("OTEL_SERVICE_NAME", SERVICE_NAME)
        env.setenv("OTEL_PROPAGATORS", "tracecontext,baggage,xray")
        env.delenv("OTEL_SDK_DISABLED", raising=False)
        app = create_app(
            title="kit telemetry",
            runtime=NoTableRuntime(ServiceSettings()),
            schema=SCHEMA,
            context_for=lambda _: RequestContext(),
        )
        provider = configure_tracing("ignored: the provider exists", exporter=exporter)
    assert provider is not None
    try:
        yield Traced(app, provider, exporter, collector)
    finally:
        shutdown_tracing()
        assert not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry
        propagate.set_global_textmap(saved_textmap)
        reset_global_tracer_provider()
        collector.stop()


@pytest.fixture
async def http(traced: Traced) -> AsyncIterator[httpx.AsyncClient]:
    traced.spans()  # flush what earlier tests left, then forget it
    traced.exporter.clear()
    async with running_app(traced.app) as client:
        yield client


def one(spans: list[ReadableSpan], kind: SpanKind) -> ReadableSpan:
    matching = [span for span in spans if span.kind == kind]
    assert len(matching) == 1, [(span.name, span.kind) for span in spans]
    return matching[0]


def status_code(span: ReadableSpan) -> object:
    attributes = span.attributes or {}
    return attributes.get("http.response.status_code", attributes.get("http.status_code"))


async def test_a_graphql_request_is_a_server_span_with_route_status_and_operation(
    traced: Traced, http: httpx.AsyncClient
) -> None:
    response = await http.post("/graphql", json={"query": "query Greeting { hello }"})
    assert response.json() == {"data": {"hello": "world"}}

    spans = traced.spans()
    server = one(spans, SpanKind.SERVER)
    assert server.name == "POST /graphql"
    assert (server.attributes or {})["http.route"] == "/graphql"
    assert status_code(server) == 200
    assert server.resource.attributes["service.name"] == SERVICE_NAME
    assert server.parent is None

    operation = one(spans, SpanKind.INTERNAL)
    assert operation.name == "query Greeting"
    assert operation.attributes == {"graphql.operation.type": "query", "graphql.operation.name": "Greeting"}
    assert operation.parent is not None
    assert operation.parent.span_id == server.context.span_id
    assert operation.status.is_ok
    assert len(spans) == 2


async def test_health_and_ready_are_not_traced(traced: Traced, http: httpx.AsyncClient) -> None:
    assert (await http.get("/health")).status_code == 200
    assert (await http.get("/ready")).status_code == 200
    assert traced.spans() == []
    # The exclusion is by exact path: any other route is traced (this one is a 404).
    assert (await http.get("/healthz")).status_code == 404
    assert status_code(one(traced.spans(), SpanKind.SERVER)) == 404


async def test_an_httpx_call_in_a_resolver_is_a_child_span_and_carries_the_trace(
    traced: Traced, http: httpx.AsyncClient
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        callee = mock.get(CALLEE).respond(200, text="pong")
        body = await execute(http, "{ relay }")
    assert body == {"data": {"relay": "pong"}}

    spans = traced.spans()
    server, client = one(spans, SpanKind.SERVER), one(spans, SpanKind.CLIENT)
    operation = one(spans, SpanKind.INTERNAL)
    assert client.name == "GET"
    assert status_code(client) == 200
    assert client.context.trace_id == server.context.trace_id
    # In the operation's span, itself in the request's: the httpx call happened inside the resolver.
    assert client.parent is not None and operation.parent is not None
    assert client.parent.span_id == operation.context.span_id
    assert operation.parent.span_id == server.context.span_id

    sent = callee.calls.last.request.headers
    trace_id, span_id = format_trace_id(client.context.trace_id), format_span_id(client.context.span_id)
    assert sent["traceparent"] == f"00-{trace_id}-{span_id}-01"
    # OTEL_PROPAGATORS has xray too: the same trace in X-Ray's header.
    assert sent["x-amzn-trace-id"] == f"Root=1-{trace_id[:8]}-{trace_id[8:]};Parent={span_id};Sampled=1"


async def test_an_incoming_traceparent_is_continued(traced: Traced, http: httpx.AsyncClient) -> None:
    # A caller's (the router's) trace: its server span becomes our server span's parent.
    caller_trace, caller_span = f"{int(time.time()):08x}" + "0123456789abcdef01234567", "00f067aa0ba902b7"
    response = await http.post(
        "/graphql",
        json={"query": "{ hello }"},
        headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"},
    )
    assert response.status_code == 200
    server = one(traced.spans(), SpanKind.SERVER)
    assert format_trace_id(server.context.trace_id) == caller_trace
    assert server.parent is not None and server.parent.is_remote
    assert format_span_id(server.parent.span_id) == caller_span


async def test_trace_ids_come_from_the_xray_generator(traced: Traced, http: httpx.AsyncClient) -> None:
    before = int(time.time())
    await execute(http, "{ hello }")
    after = int(time.time())
    trace_id = format_trace_id(one(traced.spans(), SpanKind.SERVER).context.trace_id)
    # X-Ray accepts a trace only if its first 32 bits are the epoch second it started in.
    assert before <= int(trace_id[:8], 16) <= after


async def test_a_masked_error_is_logged_with_its_trace_id(traced: Traced, http: httpx.AsyncClient) -> None:
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Lines()
    handler.addFilter(TraceContextFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    errors_log = logging.getLogger("kit.core.errors")
    errors_log.addHandler(handler)
    try:
        body = await execute(http, "query Explode { boom }")
    finally:
        errors_log.removeHandler(handler)

    correlation_id = body["errors"][0]["extensions"]["correlationId"]
    spans = traced.spans()
    server, operation = one(spans, SpanKind.SERVER), one(spans, SpanKind.INTERNAL)
    trace_id = format_trace_id(server.context.trace_id)
    [line] = [line for line in lines if correlation_id in line]
    assert f"ERROR kit.core.errors trace_id={trace_id} span_id=" in line
    assert "secret" in line  # the stack trace is logged, not sent
    assert operation.name == "query Explode"
    assert not operation.status.is_ok
    assert (operation.attributes or {})["graphql.error.count"] == 1


async def test_configuring_again_installs_nothing_twice(traced: Traced, http: httpx.AsyncClient) -> None:
    again = configure_tracing("another name", traced.app, schema=SCHEMA, exporter=traced.exporter)
    assert again is traced.provider
    assert SCHEMA.extensions.count(GraphQLOperationSpan) == 1
    await execute(http, "{ hello }")
    spans = traced.spans()
    # One server span, one operation span, each exported once.
    assert sorted(span.kind.name for span in spans) == ["INTERNAL", "SERVER"]
    assert spans[0].resource.attributes["service.name"] == SERVICE_NAME


async def test_spans_reach_the_otlp_collector(traced: Traced, http: httpx.AsyncClient) -> None:
    await execute(http, "query Exported { hello }")
    server = one(traced.spans(), SpanKind.SERVER)  # flushes the OTLP processor as well
    exported: list[tuple[str, bytes]] = []
    for path, content_type, body in traced.collector.received:
        assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            assert service["service.name"] == SERVICE_NAME
            for scope_spans in resource_spans.scope_spans:
                exported += [(span.name, span.trace_id) for span in scope_spans.spans]
    assert ("query Exported", server.context.trace_id.to_bytes(16, "big")) in exported
    assert ("POST /graphql", server.context.trace_id.to_bytes(16, "big")) in exported
