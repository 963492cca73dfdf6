"""`domain.ports.CustomerDirectory` in memory, honouring the DynamoDB adapter's contract: `apply`
writes the marker and the entry at once or nothing, answers False for an event applied before, and
raises `WriteConflict` when the entry is no longer the one read. Every method yields to the event
loop once, as real I/O does, so that concurrent use cases interleave between their read and write.

`register` and `close` set an entry directly: the tests' way to have a customer (not the port's)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from portfolios.domain.model import CustomerStatus, DirectoryEntry
from portfolios.domain.ports import DirectoryChange, WriteConflict


class FakeCustomerDirectory:
    def __init__(self) -> None:
        self.entries: dict[str, DirectoryEntry] = {}
        self.applied: list[str] = []  # event ids, in the order applied
        self.writes = 0  # `apply` calls that wrote

    async def entry(self, customer_id: str) -> DirectoryEntry | None:
        await asyncio.sleep(0)
        return self.entries.get(customer_id)

    async def apply(self, change: DirectoryChange) -> bool:
        await asyncio.sleep(0)
        if change.event_id in self.applied:
            return False
        if change.entry is not None:
            if self.entries.get(change.entry.customer_id) != change.previous:
                raise WriteConflict(["None", "ConditionalCheckFailed"])
            self.entries[change.entry.customer_id] = change.entry
        self.applied.append(change.event_id)
        self.writes += 1
        return True

    async def status(self, customer_id: str) -> CustomerStatus:
        await asyncio.sleep(0)
        return self.status_now(customer_id)

    def status_now(self, customer_id: str) -> CustomerStatus:
        entry = self.entries.get(customer_id)
        return CustomerStatus.UNKNOWN if entry is None else entry.status

    async def register(self, customer_id: str, _at: datetime | None = None) -> None:
        await asyncio.sleep(0)
        self.entries.setdefault(customer_id, DirectoryEntry(customer_id, 1))

    def close_now(self, customer_id: str, at: datetime) -> None:
        entry = self.entries.get(customer_id, DirectoryEntry(customer_id, 1))
        if entry.closed_at is None:
            self.entries[customer_id] = DirectoryEntry(customer_id, entry.sequence + 1, closed_at=at)
