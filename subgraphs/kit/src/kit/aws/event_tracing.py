"""The trace context an event carries from the request that made the change to its consumer.

A producer stores `current_traceparent()` in the event item; the consumer handles the event inside
`consuming(...)`, a span whose parent is that context, so one trace runs router -> subgraph ->
DynamoDB -> stream -> consumer. Without tracing configured both are no-ops.

The consumer span is a child of the producer's span (the one current when the change was written,
e.g. the GraphQL operation's), not of the SQS receive: one event is one causal chain, and the
receive that fetched it (a long poll, possibly of several events) stays a trace of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
TRACER_NAME = "kit.events"


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, or None when nothing is being traced."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def consuming(event_type: str, event_id: str, traceparent: str | None) -> Iterator[None]:
    """A consumer span for one event, continuing the producer's trace when the event carries it."""
    # Without a readable traceparent (an untraced producer) the span simply starts in the current
    # context, as any span would: a new trace when the consumer is not inside one.
    current = otel_context.get_current()
    parent = _propagator.extract({"traceparent": traceparent}, current) if traceparent else current
    # Looked up per event, not at import: a tracer taken before the provider was set would keep
    # whichever provider came first.
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        f"{event_type} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "aws_sqs",
            "messaging.operation.type": "process",
            "messaging.operation.name": "process",
            "messaging.message.id": event_id,
        },
    ):
        yield
