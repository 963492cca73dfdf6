"""Tracing in tests: an OTLP/HTTP collector (what the ADOT sidecar or Jaeger receives), decoded into
plain spans so a test can follow one trace across processes; and the reset of OpenTelemetry's
process-wide tracer provider after a module that turned tracing on."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.util._once import Once


@dataclass(frozen=True, slots=True)
class ExportedSpan:
    """One span as a collector received it; ids in lowercase hex, `parent_span_id` "" for a root."""

    service: str
    name: str
    kind: str  # "SERVER", "CLIENT", "CONSUMER", "INTERNAL", "PRODUCER"
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]


_KINDS = {1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


@dataclass
class OtlpCollector:
    """An OTLP/HTTP receiver on a free loopback port: records every POST. Point a process at it with
    `OTEL_EXPORTER_OTLP_ENDPOINT=collector.url`."""

    received: list[tuple[str, str, bytes]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.received.append((self.path, self.headers["Content-Type"], body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    def spans(self) -> list[ExportedSpan]:
        """Every span received so far (OTLP/HTTP protobuf on /v1/traces), in arrival order."""
        spans: list[ExportedSpan] = []
        for path, _, body in list(self.received):
            if path != "/v1/traces":
                continue
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    spans += [
                        ExportedSpan(
                            service=resource.get("service.name", ""),
                            name=span.name,
                            kind=_KINDS.get(span.kind, "UNSPECIFIED"),
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            attributes={a.key: _value(a.value) for a in span.attributes},
                        )
                        for span in scope_spans.spans
                    ]
        return spans


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def reset_global_tracer_provider() -> None:
    """Back to the API's proxy provider, as opentelemetry-test-utils' `reset_trace_globals` does
    (private API). Later test modules then run as a service without an endpoint does; otherwise
    FastAPI's native telemetry would trace every app they create into the earlier provider."""
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
