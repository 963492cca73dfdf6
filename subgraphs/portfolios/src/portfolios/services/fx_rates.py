"""The copy of the FX closes: apply one FxRatesStored event delivered by the event queue, and look
up the reference rate an activity without fxRate takes (domain/fx.py)."""

from __future__ import annotations

import logging

from kit.core.events import EventRecord

from portfolios.domain.events import fx_rates_event
from portfolios.domain.fx import FxChunk, FxLookup, newer
from portfolios.domain.model import ReferenceRate
from portfolios.domain.ports import FxChunkChange, FxReferenceRates
from portfolios.services.common import WRITE_ATTEMPTS, retrying

log = logging.getLogger(__name__)


class FxRatesUseCases:
    def __init__(self, rates: FxReferenceRates, attempts: int = WRITE_ATTEMPTS) -> None:
        self._rates = rates
        self._attempts = attempts

    async def apply_fx_event(self, record: EventRecord) -> None:
        """Stores the chunk an FxRatesStored event carries, once per event id, unless the copy holds
        the same or a later revision of it (then only the event is marked applied). InvalidEvent
        when it is not one (its message then goes to the dead-letter queue)."""
        chunk = fx_rates_event(record)
        applied = await retrying(lambda: self._apply(record.event_id, chunk), self._attempts)
        if not applied:
            log.info("FX event %s applied before; nothing changes", record.event_id)

    async def _apply(self, event_id: str, chunk: FxChunk) -> bool:
        # Read, decide, write once, conditioned on the revision read (else WriteConflict: again).
        previous = await self._rates.chunk(chunk.key)
        kept = chunk if newer(chunk, previous) else None
        return await self._rates.apply(FxChunkChange(event_id, kept, previous))


async def reference_rate(rates: FxReferenceRates, lookup: FxLookup | None) -> ReferenceRate | None:
    """The rate `lookup` asks for, from one batched read of the chunks it needs (None: no lookup,
    or no close within the lookback)."""
    if lookup is None:
        return None
    return lookup.rate_in(await rates.chunks(lookup.chunk_keys))
