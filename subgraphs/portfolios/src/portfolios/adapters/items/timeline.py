"""The timeline (`domain.timeline`) as items: compact JSON of lists of scalars, zlib-compressed and
chunked like the rest of the projection (TIMELINE#<n>, not in gsi1: only pricing reads it).

    {"c": records cash, "s": [[symbol, [[day, quantity, cost], ...]], ...], "m": [[day, cash], ...],
     "f": [[day, flow], ...], "t": [[day, symbol, quantity, type, cost], ...],
     "x": [[day, symbol, from, to], ...]}

A META without `timelineChunks` belongs to a portfolio written before timelines were stored: it has
none until its next change, or the migration at startup (`timeline_backfill`), stores it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from portfolios.adapters.items.activities import ACTIVITY_TYPES
from portfolios.adapters.items.codec import Parser, pack, text, unpack
from portfolios.domain.timeline import (
    DatedAmount,
    HeldStep,
    SplitStep,
    SymbolTimeline,
    Timeline,
    TransferStep,
)


def _dated(amounts: Sequence[DatedAmount]) -> list[list[str]]:
    return [[a.on.isoformat(), text(a.amount)] for a in amounts]


def timeline_data(timeline: Timeline) -> dict[str, Any]:
    return {
        "c": timeline.records_cash,
        "s": [
            [s.symbol, [[step.on.isoformat(), text(step.quantity), text(step.cost)] for step in s.steps]]
            for s in timeline.symbols
        ],
        "m": _dated(timeline.cash),
        "f": _dated(timeline.flows),
        "t": [
            [t.on.isoformat(), t.symbol, text(t.quantity), t.type.value, text(t.cost)]
            for t in timeline.transfers
        ],
        "x": [[s.on.isoformat(), s.symbol, text(s.from_), text(s.to)] for s in timeline.splits],
    }


def timeline_from_data(data: Mapping[str, Any]) -> Timeline:
    parse = Parser()

    def dated(rows: Sequence[Sequence[str]]) -> tuple[DatedAmount, ...]:
        return tuple(DatedAmount(parse.day(on), parse.number(value)) for on, value in rows)

    return Timeline(
        records_cash=bool(data["c"]),
        symbols=tuple(
            SymbolTimeline(
                symbol,
                tuple(HeldStep(parse.day(on), parse.number(q), parse.number(c)) for on, q, c in steps),
            )
            for symbol, steps in data["s"]
        ),
        cash=dated(data["m"]),
        flows=dated(data["f"]),
        transfers=tuple(
            TransferStep(parse.day(on), symbol, parse.number(q), ACTIVITY_TYPES[kind], parse.number(c))
            for on, symbol, q, kind, c in data["t"]
        ),
        splits=tuple(
            SplitStep(parse.day(on), symbol, parse.number(f), parse.number(t))
            for on, symbol, f, t in data["x"]
        ),
    )


def timeline_chunks(timeline: Timeline) -> list[bytes]:
    """An empty timeline (no activity yet) needs no chunk: META's count 0 says it is stored, empty."""
    return [] if timeline == Timeline() else pack(timeline_data(timeline))


def timeline_from_chunks(blobs: Sequence[bytes]) -> Timeline:
    return timeline_from_data(unpack(blobs)) if blobs else Timeline()
