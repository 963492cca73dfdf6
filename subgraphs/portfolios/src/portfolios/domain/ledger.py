"""The ledger of a portfolio and the rules a change of it must keep (DESIGN.md decision 11).

`Ledger` holds a portfolio and its activities; its methods are the changes, and `replay` (the
arithmetic is `replay.Replay`'s) must stay possible after each: no day sells more than it holds, no
sale names a lot it cannot have, no transfer carries other lots than it carried when recorded. When
it does not, `ImpossibleHistory` (worded in `problems`) names the activity, the date and why;
nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from portfolios.domain.books import Books
from portfolios.domain.model import Activity, MovedLot, Portfolio
from portfolios.domain.problems import (
    INSUFFICIENT_QUANTITY,
    LOT_UNAVAILABLE,
    TRANSFER_CHANGED,
    ImpossibleHistory,
)
from portfolios.domain.replay import Replay

# Re-exported: callers of the ledger look here for what a refused change raises.
__all__ = [
    "INSUFFICIENT_QUANTITY",
    "LOT_UNAVAILABLE",
    "TRANSFER_CHANGED",
    "ImpossibleHistory",
    "Ledger",
    "with_moved_lots",
]


class Ledger:
    """A portfolio's activities, and the rules a change of them must keep."""

    def __init__(self, portfolio: Portfolio, activities: Iterable[Activity]) -> None:
        self.portfolio = portfolio
        self.activities = {a.id: a for a in activities}

    # --- changes (each returns the ledger after it; the caller replays it before writing) --------

    def with_activity(self, activity: Activity) -> Ledger:
        return Ledger(self.portfolio, [*self.activities.values(), activity])

    def without(self, activity_id: str) -> Ledger:
        return Ledger(self.portfolio, [a for a in self.activities.values() if a.id != activity_id])

    def replacing(self, activity: Activity) -> Ledger:
        return Ledger(
            self.portfolio, [activity if a.id == activity.id else a for a in self.activities.values()]
        )

    def get(self, activity_id: str) -> Activity | None:
        return self.activities.get(activity_id)

    def ordered(self) -> list[Activity]:
        return sorted(self.activities.values(), key=lambda a: a.replay_order)

    # --- the replay -----------------------------------------------------------------------------

    def replay(self, *, version: int = 0) -> Books:
        """The books after every activity, in trade-date order; ImpossibleHistory if some day fails."""
        return Replay(self.portfolio).run(self.ordered(), version)


def with_moved_lots(transfer_out: Activity, moved: Sequence[MovedLot]) -> Activity:
    """The TRANSFER_OUT recording what it carried (each moved lot with its id in the receiver)."""
    return replace(transfer_out, moved=tuple(moved))
