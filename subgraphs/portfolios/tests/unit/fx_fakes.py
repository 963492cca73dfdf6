"""A fake of `domain.ports.FxReferenceRates` (the copy of assets' FX closes), in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from portfolios.domain.fx import FxChunk, FxChunkKey, FxPair
from portfolios.domain.ports import FxChunkChange, WriteConflict


def chunk(pair: tuple[str, str], year: int, rates: Mapping[str, str], sequence: int = 1) -> FxChunk:
    return FxChunk(
        FxChunkKey(FxPair(*pair), year),
        {date.fromisoformat(day): Decimal(rate) for day, rate in rates.items()},
        "simulated",
        sequence,
    )


class FakeFxReferenceRates:
    def __init__(self, *chunks: FxChunk) -> None:
        self.stored: dict[FxChunkKey, FxChunk] = {c.key: c for c in chunks}
        self.applied: set[str] = set()
        self.batched_reads: list[tuple[FxChunkKey, ...]] = []

    async def chunks(self, keys: Sequence[FxChunkKey]) -> Sequence[FxChunk]:
        self.batched_reads.append(tuple(keys))
        return [self.stored[key] for key in keys if key in self.stored]

    async def chunk(self, key: FxChunkKey) -> FxChunk | None:
        return self.stored.get(key)

    async def apply(self, change: FxChunkChange) -> bool:
        if change.event_id in self.applied:
            return False
        if change.chunk is not None:
            if self.stored.get(change.chunk.key) != change.previous:
                raise WriteConflict()
            self.stored[change.chunk.key] = change.chunk
        self.applied.add(change.event_id)
        return True
