"""`aws_traced`: tracing turned on for one test module through `configure_tracing` (as a service
does), its spans kept in memory; turned off again afterwards, aiobotocore unwrapped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from kit.aws.call_tracing import aws_calls_instrumented
from kit.aws.telemetry import configure_tracing, shutdown_tracing
from kit_testing.tracing import reset_global_tracer_provider
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind


@dataclass
class AwsTraced:
    provider: TracerProvider
    exporter: InMemorySpanExporter

    def spans(self) -> list[ReadableSpan]:
        self.provider.force_flush()
        return list(self.exporter.get_finished_spans())

    def forget(self) -> None:
        self.spans()
        self.exporter.clear()

    def named(self, name: str) -> ReadableSpan:
        matching = [span for span in self.spans() if span.name == name]
        assert len(matching) == 1, [span.name for span in self.spans()]
        return matching[0]

    @property
    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer("test")


def is_child(span: ReadableSpan, parent: ReadableSpan) -> bool:
    return (
        span.parent is not None
        and span.parent.span_id == parent.context.span_id
        and span.context.trace_id == parent.context.trace_id
    )


def client_span(traced: AwsTraced, name: str) -> ReadableSpan:
    span = traced.named(name)
    assert span.kind == SpanKind.CLIENT
    return span


@pytest.fixture(scope="module")
def aws_traced() -> Iterator[AwsTraced]:
    saved_textmap = propagate.get_global_textmap()
    exporter = InMemorySpanExporter()
    with pytest.MonkeyPatch.context() as env:
        env.delenv("OTEL_SDK_DISABLED", raising=False)
        env.delenv("OTEL_SERVICE_NAME", raising=False)
        env.setenv("OTEL_PROPAGATORS", "tracecontext,baggage,xray")
        provider = configure_tracing("kit-aws-tracing-test", exporter=exporter)
    assert provider is not None
    assert aws_calls_instrumented()
    try:
        yield AwsTraced(provider, exporter)
    finally:
        shutdown_tracing()
        assert not aws_calls_instrumented()  # off again: aiobotocore's own method, no wrapper
        propagate.set_global_textmap(saved_textmap)
        reset_global_tracer_provider()
