"""The customer directory's use case: apply one customer event delivered by the event queue."""

from __future__ import annotations

import logging

from kit.core.events import EventRecord

from portfolios.domain.events import CustomerEvent, customer_event
from portfolios.domain.ports import CustomerDirectory, DirectoryChange
from portfolios.services.common import WRITE_ATTEMPTS, retrying

log = logging.getLogger(__name__)


class DirectoryUseCases:
    def __init__(self, directory: CustomerDirectory, attempts: int = WRITE_ATTEMPTS) -> None:
        self._directory = directory
        self._attempts = attempts

    async def apply_customer_event(self, record: EventRecord) -> None:
        """Applies one CustomerRegistered/Updated/Closed: once per event id, and so that any order of
        delivery ends as in-order application (domain/events.py). InvalidEvent when it is not one
        (its message then goes to the dead-letter queue); any other error leaves it for redelivery."""
        event = customer_event(record)
        applied = await retrying(lambda: self._apply(event), self._attempts)
        if not applied:
            log.info("customer event %s applied before; nothing changes", event.event_id)

    async def _apply(self, event: CustomerEvent) -> bool:
        # Read, decide, write once; the write is conditioned on the entry read (else WriteConflict,
        # and this runs again), and on the event not being applied yet.
        previous = await self._directory.entry(event.customer_id)
        return await self._directory.apply(
            DirectoryChange(event.event_id, event.applied_to(previous), previous)
        )
