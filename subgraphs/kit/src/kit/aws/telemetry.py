"""Tracing with OpenTelemetry: on when an OTLP endpoint is configured, entirely absent otherwise.

In AWS every task runs an ADOT collector sidecar and the task sets `OTEL_EXPORTER_OTLP_ENDPOINT`
(http://127.0.0.1:4318), `OTEL_SERVICE_NAME` and `OTEL_PROPAGATORS=tracecontext,baggage,xray`;
docker-compose points the same variable at its collector (Jaeger). `configure_tracing` then
installs, once per process:

- a `TracerProvider` whose resource names the service (`OTEL_SERVICE_NAME`, else the name given;
  `OTEL_RESOURCE_ATTRIBUTES` is merged in) and whose trace ids come from the X-Ray id generator
  (the first 8 hex digits are the epoch second, which X-Ray requires);
- a `BatchSpanProcessor` exporting over OTLP/HTTP (the exporter reads the standard `OTEL_EXPORTER_OTLP_*`
  variables); the sampler is the SDK's default, parent-based always-on, or `OTEL_TRACES_SAMPLER`;
- the propagators named by `OTEL_PROPAGATORS` (default `tracecontext,baggage`);
- spans for every outgoing httpx request, carrying the trace context to the callee;
- spans for every AWS call made through aiobotocore (DynamoDB, SQS, ...: `kit.aws.call_tracing`);
- a server span per request of the FastAPI app (except /health and /ready, polled by load balancers)
  and, when given the schema, one span per GraphQL operation named after it.

Without an endpoint (the local development default), or with `OTEL_SDK_DISABLED=true`, nothing is
imported beyond the API, nothing is installed and no thread is started.

FastAPI (0.165+) has native OpenTelemetry too: it traces every app on its own as soon as a global
SDK tracer provider exists, unless the app carries the contrib middleware installed here, in which
case it stands aside. So an instrumented app gets exactly one server span per request.

`TraceContextFilter` puts the current trace and span ids into every log record, so a log line (the
correlation id of a masked error, for one) can be looked up in the tracing backend.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import format_span_id, format_trace_id
from strawberry.extensions import SchemaExtension

from kit.aws.call_tracing import instrument_aws_calls, uninstrument_aws_calls

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.propagators.textmap import TextMapPropagator
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from strawberry.federation import Schema

log = logging.getLogger(__name__)

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
DEFAULT_PROPAGATORS = "tracecontext,baggage"

# Matched (re.search) against the full request URL, e.g. "http://10.0.1.7:4001/health".
UNTRACED_URLS = r"^[a-z]+://[^/]+/(health|ready)$"

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s%(trace_context)s: %(message)s"


def tracing_requested(environ: Mapping[str, str] | None = None) -> bool:
    """An OTLP endpoint is configured and the SDK is not disabled."""
    env = os.environ if environ is None else environ
    return not _sdk_disabled(env) and any(env.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def _sdk_disabled(env: Mapping[str, str]) -> bool:
    return env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


class _Tracing:
    """What `configure_tracing` installed in this process."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.exporters: list[SpanExporter] = []


_lock = threading.Lock()
_installed: _Tracing | None = None


def configure_tracing(
    service_name: str,
    app: FastAPI | None = None,
    *,
    schema: Schema | None = None,
    exporter: SpanExporter | None = None,
) -> TracerProvider | None:
    """Turn tracing on for this process and instrument `app` (and `schema`), if an endpoint is set.

    Returns the tracer provider, or None when tracing is off. Safe to call again, for the same or
    another app: the provider, its exporter and the httpx instrumentation are installed once (the
    first call's service name stays), and an app or schema is never instrumented twice.
    `exporter` replaces the OTLP exporter and turns tracing on without an endpoint (tests).
    """
    if exporter is None and not tracing_requested():
        return None
    if _sdk_disabled(os.environ):
        return None
    with _lock:
        tracing = _install(service_name)
        _add_exporter(tracing, exporter)
        _instrument_httpx(tracing.provider)
        instrument_aws_calls(tracing.provider)
    if app is not None:
        _instrument_app(app, tracing.provider)
    if schema is not None:
        _trace_operations(schema)
    return tracing.provider


def shutdown_tracing() -> None:
    """Export what is pending and stop: the exporters, their threads, the httpx and AWS instrumentation.

    Not needed by a service (the SDK flushes at interpreter exit); for tests and embedders. The
    provider stays the global one (OpenTelemetry sets it once per process), shut down; instrumented
    apps keep their middleware. A later `configure_tracing` installs a new provider.
    """
    global _installed
    with _lock:
        if _installed is None:
            return
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        _installed.provider.shutdown()
        instrumentor = HTTPXClientInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
        uninstrument_aws_calls()
        _installed = None


def _install(service_name: str) -> _Tracing:
    global _installed
    if _installed is not None:
        return _installed
    # Imported here: a process without tracing never loads the SDK.
    from opentelemetry import propagate
    from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or service_name
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: name}), id_generator=AwsXRayIdGenerator()
    )
    # Refused (with a warning) if something else set one first; ours is then passed explicitly.
    trace.set_tracer_provider(provider)
    propagators = os.environ.get("OTEL_PROPAGATORS") or DEFAULT_PROPAGATORS
    propagate.set_global_textmap(propagator(propagators))
    _installed = _Tracing(provider)
    log.info("tracing on: service %s, propagators %s", name, propagators)
    return _installed


def _add_exporter(tracing: _Tracing, exporter: SpanExporter | None) -> None:
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if exporter is None:
        if any(_is_otlp(added) for added in tracing.exporters):
            return
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    elif any(added is exporter for added in tracing.exporters):
        return
    tracing.provider.add_span_processor(BatchSpanProcessor(exporter))
    tracing.exporters.append(exporter)


def _is_otlp(exporter: SpanExporter) -> bool:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return isinstance(exporter, OTLPSpanExporter)


def propagator(names: str | None) -> TextMapPropagator:
    """The propagators named in an `OTEL_PROPAGATORS` value, in order; unknown names are skipped."""
    from opentelemetry.baggage.propagation import W3CBaggagePropagator
    from opentelemetry.propagators.aws import AwsXRayPropagator
    from opentelemetry.propagators.composite import CompositePropagator
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    known: dict[str, type[TextMapPropagator]] = {
        "tracecontext": TraceContextTextMapPropagator,
        "baggage": W3CBaggagePropagator,
        "xray": AwsXRayPropagator,
    }
    chosen: list[TextMapPropagator] = []
    for raw in (names or DEFAULT_PROPAGATORS).split(","):
        name = raw.strip().lower()
        if name == "none":
            return CompositePropagator([])
        if name in known:
            chosen.append(known[name]())
        elif name:
            log.warning("unknown propagator %r in OTEL_PROPAGATORS, ignored", name)
    return CompositePropagator(chosen)


def _instrument_httpx(provider: TracerProvider) -> None:
    """Every httpx client's requests (their HTTP transports) get a client span and the trace headers."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def _instrument_app(app: FastAPI, provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    if getattr(app, "_is_instrumented_by_opentelemetry", False):
        return
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED_URLS,
        # No span per ASGI message: one server span per request is what a trace needs.
        exclude_spans=["receive", "send"],
    )


class GraphQLOperationSpan(SchemaExtension):
    """One span per GraphQL operation, named after its type and name ("query Dashboard"), in the
    request's server span; the resolvers' own spans (httpx calls) nest in it. No span per resolver:
    strawberry's OpenTelemetryExtension makes every field awaitable and costs ~9x on a long list."""

    def on_operation(self) -> Iterator[None]:
        provider = _installed.provider if _installed is not None else None
        span = trace.get_tracer(__name__, tracer_provider=provider).start_span("graphql.operation")
        token = otel_context.attach(trace.set_span_in_context(span))  # resolvers' spans nest in it
        try:
            yield
        finally:
            otel_context.detach(token)
            self._describe(span)
            span.end()

    def _describe(self, span: trace.Span) -> None:
        execution = self.execution_context
        operation_type: str | None = None
        with contextlib.suppress(RuntimeError):  # no document (it did not parse)
            operation_type = execution.operation_type.value
        name = execution.operation_name
        if operation_type is not None:
            span.update_name(f"{operation_type} {name}" if name else operation_type)
            span.set_attribute("graphql.operation.type", operation_type)
        if name:
            span.set_attribute("graphql.operation.name", name)
        # A failed parse or validation leaves no result; strawberry also copies execution errors
        # into pre_execution_errors, so the result's list, when there is one, is the whole story.
        result = execution.result
        errors = (result.errors if result is not None else execution.pre_execution_errors) or []
        if errors:
            span.set_attribute("graphql.error.count", len(errors))
            span.set_status(trace.StatusCode.ERROR)


def _trace_operations(schema: Schema) -> None:
    extensions: tuple[Any, ...] = tuple(schema.extensions)
    if GraphQLOperationSpan not in extensions:
        schema.extensions = (*extensions, GraphQLOperationSpan)


class TraceContextFilter(logging.Filter):
    """Adds `trace_id`, `span_id` (hex, empty outside a span) and `trace_context` (" trace_id=...
    span_id=..." or "", for `LOG_FORMAT`) to each record it sees; it never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            trace_id, span_id = format_trace_id(context.trace_id), format_span_id(context.span_id)
            record.trace_id, record.span_id = trace_id, span_id
            record.trace_context = f" trace_id={trace_id} span_id={span_id}"
        else:
            record.trace_id = record.span_id = record.trace_context = ""
        return True


def configure_logging(level: str) -> None:
    """Root logging for a service process: `LOG_FORMAT`, trace ids on every handler's records."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, TraceContextFilter) for existing in handler.filters):
            handler.addFilter(TraceContextFilter())
