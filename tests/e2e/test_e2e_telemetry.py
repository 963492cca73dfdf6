"""Tracing across the whole stack: with OTEL_EXPORTER_OTLP_ENDPOINT set (as in AWS and
docker-compose), one request through the router is one trace, from the router's spans to every
subgraph call, and the probes are not traced.

An event written with a change carries the change's trace context to its consumer: the consumer's
span continues that trace (router -> subgraph -> DynamoDB -> stream -> consumer).

The stack of this module exports to a small OTLP/HTTP receiver in the test process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from devstack import toolchain
from devstack.client import GraphQLClient, operation
from devstack.config import StackConfig
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES
from kit_testing import wait_until
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from ulid import ULID

from .event_delivery import EVENT_SECONDS, open_portfolio

pytestmark = pytest.mark.e2e

DASHBOARD = (toolchain.SCHEMA_DIR / "operations" / "Dashboard.graphql").read_text()
SERVER, CLIENT, CONSUMER = Span.SPAN_KIND_SERVER, Span.SPAN_KIND_CLIENT, Span.SPAN_KIND_CONSUMER


@dataclass(frozen=True)
class Exported:
    service: str
    environment: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str


@dataclass
class Collector:
    """An OTLP/HTTP receiver on a free local port (protobuf bodies, chunked or not)."""

    spans: list[Exported] = field(default_factory=list)
    content_types: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                collector.receive(self.path, self.headers["Content-Type"], self._body())
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _body(self) -> bytes:
                if self.headers["Content-Length"] is not None:
                    return self.rfile.read(int(self.headers["Content-Length"]))
                body = b""
                while size := int(self.rfile.readline().strip(), 16):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return body

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receive(self, path: str, content_type: str, body: bytes) -> None:
        assert path == "/v1/traces"
        self.content_types.add(content_type)
        for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                self.spans.extend(
                    Exported(
                        resource["service.name"],
                        resource.get("deployment.environment", ""),
                        span.name,
                        span.kind,
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                    )
                    for span in scope_spans.spans
                )

    def trace(self, trace_id: str, timeout: float = 20.0) -> list[Exported]:
        """The spans of one trace that entered through the router, once complete: the router's
        entry span is there (it ends last) and so is a server span for each of its subgraph calls."""
        deadline = time.monotonic() + timeout
        while True:
            spans = [span for span in list(self.spans) if span.trace_id == trace_id]
            entered = any(span.service == "router" and span.kind == SERVER for span in spans)
            fetches = {s.span_id for s in spans if s.service == "router" and s.name == "http.fetch"}
            answered = {span.parent_id for span in spans if span.service != "router" and span.kind == SERVER}
            if (entered and fetches <= answered) or time.monotonic() > deadline:
                return spans
            time.sleep(0.1)

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[Stack, Collector]]:
    collector = Collector()
    collector.start()
    environment = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_PROPAGATORS": "tracecontext,baggage,xray",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=e2e",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms, both SDKs: export promptly
    }
    try:
        with Stack(replace(StackConfig.ephemeral(), extra_env=environment), echo=False) as stack:
            yield stack, collector
    finally:
        collector.stop()


def dashboard(stack: Stack) -> tuple[str, str]:
    """The Dashboard through the router, in a new trace of the caller's: (trace id, caller's span id)."""
    assert stack.demo is not None
    trace_id, caller_span = f"{int(time.time()):08x}{secrets.token_hex(12)}", secrets.token_hex(8)
    token = stack.issuer.customer(stack.demo.customer_id)
    with GraphQLClient(stack.config.router_graphql_url, token=token) as router:
        response = router.query(
            DASHBOARD,
            {"customerId": stack.demo.customer_id},
            headers={"traceparent": f"00-{trace_id}-{caller_span}-01"},
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return trace_id, caller_span


def test_a_request_is_one_trace_from_the_router_to_every_subgraph(traced: tuple[Stack, Collector]) -> None:
    stack, collector = traced
    # The caller's own trace context: the router continues it.
    trace_id, caller_span = dashboard(stack)
    spans = collector.trace(trace_id)
    router = [span for span in spans if span.service == "router"]
    [entry] = [span for span in router if span.kind == SERVER]
    assert (entry.name, entry.parent_id) == ("POST /graphql", caller_span)
    assert "graphql.operation Dashboard" in {span.name for span in router}
    called = {span.name for span in router if span.name.startswith("subgraph.execute")}
    assert called == {f"subgraph.execute ({name})" for name in SUBGRAPH_NAMES}

    # Every subgraph request the router made arrived with the trace: its server span is the child
    # of the router's fetch span, one for one.
    fetches = {span.span_id for span in router if span.name == "http.fetch" and span.kind == CLIENT}
    received = [span for span in spans if span.service != "router" and span.kind == SERVER]
    assert len(fetches) >= len(SUBGRAPH_NAMES)
    assert sorted(span.parent_id for span in received) == sorted(fetches)
    assert {span.service for span in received} == set(SUBGRAPH_NAMES)
    assert {span.name for span in received} == {"POST /graphql"}
    assert {span.environment for span in spans} == {"e2e"}
    assert collector.content_types == {"application/x-protobuf"}


def traced_mutation(stack: Stack, name: str, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A kept contract mutation through the router as the dev admin, in a new trace of the caller's:
    (trace id, its payload, which must have no userErrors)."""
    trace_id = f"{int(time.time()):08x}{secrets.token_hex(12)}"
    with GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin()) as router:
        response = router.query(
            operation(name), variables, headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    [payload] = response.json()["data"].values()
    assert payload["userErrors"] == [], payload
    return trace_id, payload


def consumed(collector: Collector, trace_id: str, service: str, event_type: str) -> list[Exported]:
    """The spans of `trace_id` once the request's are in (collector.trace) and `service` has exported
    its consumer span for the event, and so the spans under it (they end, and are exported, first)."""
    name = f"{event_type} process"
    collector.trace(trace_id)

    def arrived() -> bool:
        spans = list(collector.spans)
        return any(s.trace_id == trace_id and s.service == service and s.name == name for s in spans)

    assert wait_until(arrived, timeout=EVENT_SECONDS), f"no {name} span of {service} in trace {trace_id}"
    return [span for span in list(collector.spans) if span.trace_id == trace_id]


def is_under(span: Exported, ancestor: Exported, spans: list[Exported]) -> bool:
    by_id = {s.span_id: s for s in spans}
    parent = by_id.get(span.parent_id)
    while parent is not None:
        if parent.span_id == ancestor.span_id:
            return True
        parent = by_id.get(parent.parent_id)
    return False


def check_event_trace(spans: list[Exported], producer: str, mutation: str, consumer: str, event: str) -> None:
    """router -> producer's mutation span -> its DynamoDB.TransactWriteItems (the change and its event
    item) ... stream, relay, queue ... -> the consumer's CONSUMER span, a child of the mutation span,
    with the consumer's DynamoDB calls under it: one trace."""
    [entry] = [s for s in spans if s.service == "router" and s.kind == SERVER]
    # The operation span is named after the document the gateway sends the subgraph ("mutation ...").
    operations = [s for s in spans if s.service == producer and s.name.startswith("mutation")]
    assert len(operations) == 1, [(s.service, s.name) for s in spans]
    [operation_span] = operations
    assert is_under(operation_span, entry, spans)
    writes = [s for s in spans if s.service == producer and s.name == "DynamoDB.TransactWriteItems"]
    assert writes and all(s.kind == CLIENT and is_under(s, operation_span, spans) for s in writes)
    [process] = [s for s in spans if s.service == consumer and s.name == f"{event} process"]
    assert process.kind == CONSUMER
    assert process.parent_id == operation_span.span_id  # the traceparent written with the event item
    calls = [s for s in spans if s.service == consumer and s.name.startswith("DynamoDB.")]
    assert {s.parent_id for s in calls} == {process.span_id}, calls
    assert all(s.kind == CLIENT for s in calls)


def test_an_event_joins_the_trace_of_the_change_that_wrote_it(traced: tuple[Stack, Collector]) -> None:
    """customers -> portfolios (CustomerRegistered), then portfolios -> assets (ActivityRecorded)."""
    stack, collector = traced
    email = f"traced-{str(ULID()).lower()}@example.com"
    registration = {"input": {"email": email, "name": "Trace"}}
    registered, payload = traced_mutation(stack, "RegisterCustomer", registration)
    spans = consumed(collector, registered, "portfolios", "CustomerRegistered")
    check_event_trace(spans, "customers", "RegisterCustomer", "portfolios", "CustomerRegistered")

    with GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin()) as router:
        portfolio_id = open_portfolio(
            router,
            {"customerId": payload["customer"]["id"], "name": "Traced", "kind": "IRA", "baseCurrency": "USD"},
        )
    buy = {
        "portfolioId": portfolio_id,
        "type": "BUY",
        "symbol": "ZZTRACE",  # a symbol no provider lists: the consumer only marks the event applied
        "quantity": "1",
        "price": {"amount": "10", "currencyCode": "USD"},
        "occurredAt": "2024-01-02",
    }
    recorded, _ = traced_mutation(stack, "RecordActivity", {"input": buy})
    spans = consumed(collector, recorded, "assets", "ActivityRecorded")
    check_event_trace(spans, "portfolios", "RecordActivity", "assets", "ActivityRecorded")


def test_probes_are_not_traced(traced: tuple[Stack, Collector]) -> None:
    stack, collector = traced
    probes = [("router", "/healthcheck"), ("router", "/readiness")]
    probes += [(name, path) for name in SUBGRAPH_NAMES for path in ("/health", "/ready")]
    for name, path in probes:
        assert httpx.get(stack.config.url(name, path)).status_code == 200
    # Spans are exported in the order they end: once a later request's are in, a probe's would be.
    assert collector.trace(dashboard(stack)[0])
    assert [span.name for span in collector.spans if span.name.endswith(tuple(p for _, p in probes))] == []
