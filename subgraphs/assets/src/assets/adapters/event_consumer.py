"""The assets service's event consumer task: kit.aws.consumer's EventQueueConsumer on the queue an
EventBridge rule (in AWS) or the devstack relay (locally) fills with the portfolios service's
activity events, run in the background while the app runs."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from kit.aws.consumer import EventHandler, EventQueueConsumer, MalformedEvent, sqs_client

from assets.domain.events import InvalidEvent


async def start_consumer(
    stack: AsyncExitStack,
    *,
    region: str,
    endpoint_url: str | None,
    queue_url: str,
    handler: EventHandler,
    wait_seconds: int,
    backoff_seconds: float,
) -> asyncio.Task[None]:
    """The polling task; cancelled at shutdown before the SQS client closes (the exit stack unwinds
    in reverse)."""
    client = await stack.enter_async_context(sqs_client(region, endpoint_url, wait_seconds=wait_seconds))
    consumer = EventQueueConsumer(
        client,
        queue_url,
        handler,
        wait_seconds=wait_seconds,
        backoff_seconds=backoff_seconds,
        # Redelivery cannot mend an event the domain refuses: leave it for the dead-letter queue.
        permanent_errors=(MalformedEvent, InvalidEvent),
    )
    task = asyncio.create_task(consumer.run(), name="assets-event-queue")

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # its CancelledError, not ours

    stack.push_async_callback(stop)
    return task
