"""kit.aws.telemetry before any app: when tracing is requested, which propagators, the log format's
trace fields, and nothing at all installed without an endpoint (checked in a fresh interpreter, where
nothing has been installed yet)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from kit.aws.telemetry import TraceContextFilter, propagator, tracing_requested


def test_log_records_outside_a_span_get_empty_trace_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "no request here", None, None)
    assert TraceContextFilter().filter(record)
    assert logging.Formatter("%(name)s%(trace_context)s: %(message)s").format(record) == "x: no request here"
    assert (record.__dict__["trace_id"], record.__dict__["span_id"]) == ("", "")


def test_tracing_is_requested_by_an_endpoint_unless_the_sdk_is_disabled() -> None:
    assert not tracing_requested({})
    assert not tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": " "})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    assert not tracing_requested(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "TRUE"}
    )


def test_propagators_follow_the_otel_propagators_names(caplog: pytest.LogCaptureFixture) -> None:
    assert propagator(None).fields == {"traceparent", "tracestate", "baggage"}
    assert propagator("xray, tracecontext").fields == {"X-Amzn-Trace-Id", "traceparent", "tracestate"}
    assert propagator("tracecontext,none").fields == set()
    with caplog.at_level(logging.WARNING, logger="kit.aws.telemetry"):
        assert propagator("baggage,b4").fields == {"baggage"}
    assert "unknown propagator 'b4'" in caplog.text


OFF_SCRIPT = textwrap.dedent(
    """
    import json, logging, os, sys, threading
    from kit.web.app import Runtime, create_app
    from kit.graphql.context import RequestContext
    from kit.graphql.schema import federated_schema
    from kit.web.settings import ServiceSettings
    from kit.aws.telemetry import GraphQLOperationSpan, configure_logging, configure_tracing
    from kit.aws.call_tracing import aws_calls_instrumented
    from opentelemetry import trace
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    import strawberry

    @strawberry.type
    class Query:
        hello: str = "world"

    def app_and_schema():
        schema = federated_schema(query=Query)
        app = create_app(
            title="off", runtime=Runtime(ServiceSettings()), schema=schema,
            context_for=lambda _: RequestContext(),
        )
        return app, schema

    def installed(app, schema):
        return {
            "provider": type(trace.get_tracer_provider()).__name__,
            "sdk_loaded": "opentelemetry.sdk.trace" in sys.modules,
            "httpx": HTTPXClientInstrumentor().is_instrumented_by_opentelemetry,
            "aws calls": aws_calls_instrumented(),
            "aws instrumentation loaded": "opentelemetry.instrumentation.botocore" in sys.modules,
            "app": getattr(app, "_is_instrumented_by_opentelemetry", False),
            "extension": GraphQLOperationSpan in schema.extensions,
            "threads": threading.active_count(),
        }

    report = {"no endpoint": installed(*app_and_schema()), "configured": configure_tracing("x")}
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318"
    os.environ["OTEL_SDK_DISABLED"] = "true"
    report["sdk disabled"] = installed(*app_and_schema())
    configure_logging("INFO")
    logging.getLogger("probe").info("outside any span")
    span = trace.NonRecordingSpan(trace.SpanContext(0x5f0a1b2c << 96 | 7, 9, is_remote=True))
    with trace.use_span(span):
        logging.getLogger("probe").info("inside a span")
    print(json.dumps(report))
    """
)


def test_without_an_endpoint_nothing_is_installed() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", OFF_SCRIPT], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(done.stdout)
    untouched = {
        "provider": "ProxyTracerProvider",
        "sdk_loaded": False,
        "httpx": False,
        "aws calls": False,  # aiobotocore's _make_api_call is not wrapped: no cost per call
        "aws instrumentation loaded": False,
        "app": False,
        "extension": False,
        "threads": 1,
    }
    assert report == {"no endpoint": untouched, "configured": None, "sdk disabled": untouched}
    # The service log format, with the trace only when there is one.
    lines = done.stderr.splitlines()
    assert any(line.endswith(" INFO probe: outside any span") for line in lines), lines
    inside = f"INFO probe trace_id=5f0a1b2c{7:024x} span_id={9:016x}: inside a span"
    assert any(line.endswith(inside) for line in lines), lines
