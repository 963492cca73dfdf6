"""A portfolio's timeline: the compact, dated list of its changes that a pricing service needs to
compute value over time and returns (DESIGN.md decision 13; definitions in the contract operation
`PortfolioPerformance`). The replay (`replay.Replay`) records it while it runs, so it is stored with
the projection at write time and a read never replays.

- `records_cash`: the ledger has a DEPOSIT or WITHDRAWAL (on any date). Then the portfolio's value
  includes its cash and its external flows are deposits, withdrawals and transfers; otherwise every
  activity's cash effect is an external flow (a buy's cost with fees in, a sale's net proceeds out...).
- `symbols`: per symbol, every date on which what was held changed, with the quantity and the exact
  cost basis held at the end of that day (after the replay's day order), the day it went to 0 too.
- `cash`: the cash balance at the end of each day it changed (only when `records_cash`).
- `flows`: the net external money flow of each day that has one, inflows positive.
- `transfers`: lots moved in or out, which are external flows at their value at that day's close:
  prices live elsewhere, so they are given as a quantity of a symbol to be valued there.
- `splits`: the replay applies a split first thing on its day, so the day's quantity is already in
  new shares; a consumer of split-adjusted closes scales earlier quantities by the ratio.

Amounts are base currency at full precision: inputs to further computation, not statement lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kit.core.money import EXACT

from portfolios.domain.model import ZERO, Activity, ActivityType, MovedLot

# What was held of a symbol at a moment: (quantity, exact cost basis in base currency).
Held = tuple[Decimal, Decimal]

_CASH_RECORDING = frozenset({ActivityType.DEPOSIT, ActivityType.WITHDRAWAL})
_HOLDING_CHANGES = frozenset(
    {
        ActivityType.BUY,
        ActivityType.SELL,
        ActivityType.SPLIT,
        ActivityType.TRANSFER_IN,
        ActivityType.TRANSFER_OUT,
    }
)


@dataclass(frozen=True, slots=True)
class HeldStep:
    """At the end of `on`: `quantity` shares held, at an exact cost basis of `cost` (base currency)."""

    on: date
    quantity: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class SymbolTimeline:
    symbol: str
    steps: tuple[HeldStep, ...]


@dataclass(frozen=True, slots=True)
class DatedAmount:
    """A cash balance at the end of `on`, or the net external flow of `on` (inflows positive)."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class TransferStep:
    """Lots of `symbol` that came in (TRANSFER_IN: an inflow) or left (TRANSFER_OUT: an outflow)
    on `on`, worth `quantity` times that day's close; `cost` is their cost basis (base currency)."""

    on: date
    symbol: str
    quantity: Decimal
    type: ActivityType
    cost: Decimal


@dataclass(frozen=True, slots=True)
class SplitStep:
    """`to` shares for every `from_` share of `symbol`, applied first thing on `on`."""

    on: date
    symbol: str
    from_: Decimal
    to: Decimal


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every part oldest first; `symbols` by symbol."""

    records_cash: bool = False
    symbols: tuple[SymbolTimeline, ...] = ()
    cash: tuple[DatedAmount, ...] = ()
    flows: tuple[DatedAmount, ...] = ()
    transfers: tuple[TransferStep, ...] = ()
    splits: tuple[SplitStep, ...] = ()

    def of(self, symbol: str) -> tuple[HeldStep, ...]:
        return next((s.steps for s in self.symbols if s.symbol == symbol), ())


def records_cash(activities: Iterable[Activity]) -> bool:
    """Whether a portfolio records cash: it has any DEPOSIT or WITHDRAWAL (PortfolioPerformance)."""
    return any(activity.type in _CASH_RECORDING for activity in activities)


def external_flow(activity: Activity, cash_recorded: bool) -> Decimal:
    """The external money flow an activity makes, base currency, exact, inflows positive.

    Recording cash: a DEPOSIT's amount flows in, a WITHDRAWAL's flows out (their fees, like every
    other fee, are the portfolio's cost: they lower its cash, hence its value); nothing else is a
    money flow. Otherwise the cash every activity moves comes from or goes to the owner: minus its
    cash effect (a buy's cost with fees flows in, a sale's net proceeds flow out, a dividend or
    interest net of fees flows out, a fee or tax flows in)."""
    if cash_recorded:
        if activity.type in _CASH_RECORDING:
            assert activity.amount is not None
            value = activity.in_base(activity.amount.value)
            return value if activity.type is ActivityType.DEPOSIT else EXACT.minus(value)
        return ZERO
    return EXACT.minus(activity.in_base(activity.cash_effect))


def _cost_of(moved: tuple[MovedLot, ...]) -> Decimal:
    total = ZERO
    for lot in moved:
        total = EXACT.add(total, lot.cost)
    return total


class TimelineRecorder:
    """Follows a replay day by day: `begin` before each activity applies (closing the day before when
    the date moves on), `note` after it, `finish` at the end. It reads the replay's state only through
    `held` (what is held of a symbol now) and the cash balance it is given."""

    def __init__(self, cash_recorded: bool, held: Callable[[str], Held]) -> None:
        self.cash_recorded = cash_recorded
        self._held = held
        self._day: date | None = None
        self._touched: set[str] = set()
        self._flow = ZERO
        self._steps: dict[str, list[HeldStep]] = {}
        self._last: dict[str, Held] = {}
        self._cash: list[DatedAmount] = []
        self._flows: list[DatedAmount] = []
        self._transfers: list[TransferStep] = []
        self._splits: list[SplitStep] = []

    def begin(self, activity: Activity, cash: Decimal) -> None:
        if activity.occurred_on != self._day:
            self._close_day(cash)
            self._day = activity.occurred_on

    def note(self, activity: Activity, moved_out: tuple[MovedLot, ...] = ()) -> None:
        """After `activity` applied; `moved_out`: the lots a TRANSFER_OUT took, as the replay matched them."""
        kind = activity.type
        self._flow = EXACT.add(self._flow, external_flow(activity, self.cash_recorded))
        if kind not in _HOLDING_CHANGES:
            return
        assert activity.symbol is not None
        self._touched.add(activity.symbol)
        if kind is ActivityType.SPLIT:
            assert activity.split is not None
            self._splits.append(
                SplitStep(activity.occurred_on, activity.symbol, activity.split.from_, activity.split.to)
            )
        elif kind in (ActivityType.TRANSFER_IN, ActivityType.TRANSFER_OUT):
            assert activity.quantity is not None
            moved = activity.moved if kind is ActivityType.TRANSFER_IN else moved_out
            self._transfers.append(
                TransferStep(activity.occurred_on, activity.symbol, activity.quantity, kind, _cost_of(moved))
            )

    def _close_day(self, cash: Decimal) -> None:
        day = self._day
        if day is None:
            return
        for symbol in sorted(self._touched):
            now = self._held(symbol)
            if now != self._last.get(symbol, (ZERO, ZERO)):
                self._steps.setdefault(symbol, []).append(HeldStep(day, now[0], now[1]))
                self._last[symbol] = now
        self._touched.clear()
        if self.cash_recorded and cash != (self._cash[-1].amount if self._cash else ZERO):
            self._cash.append(DatedAmount(day, cash))
        if self._flow != 0:
            self._flows.append(DatedAmount(day, self._flow))
        self._flow = ZERO

    def finish(self, cash: Decimal) -> Timeline:
        self._close_day(cash)
        self._day = None
        return Timeline(
            records_cash=self.cash_recorded,
            symbols=tuple(SymbolTimeline(s, tuple(self._steps[s])) for s in sorted(self._steps)),
            cash=tuple(self._cash),
            flows=tuple(self._flows),
            transfers=tuple(self._transfers),
            splits=tuple(self._splits),
        )
