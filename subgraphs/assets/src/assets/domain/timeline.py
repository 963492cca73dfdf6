"""A portfolio's timeline as the portfolios subgraph sends it (`@requires`, DESIGN.md decision 13):
the dated changes of what it held, its cash and its external flows. Amounts are in its base currency
at full precision; quantities as the ledger holds them (after a SPLIT's date, in post-split shares).

`parse_timeline` reads the representation: the router sends what the portfolios subgraph computed,
but a caller of this subgraph may send anything, so what is not a well-formed timeline is refused
with BAD_USER_INPUT (messages in `domain.problems`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import TypeVar

from kit.core.money import EXACT, RATIO, STORED_DECIMAL, DecimalError, parse_decimal

from assets.domain import problems
from assets.domain.splits import Split

TRANSFER_IN = "TRANSFER_IN"
TRANSFER_OUT = "TRANSFER_OUT"


@dataclass(frozen=True, slots=True)
class HeldStep:
    """At the end of `on`, `quantity` shares were held at an exact cost of `cost` (base currency)."""

    on: date
    quantity: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class DatedAmount:
    """A cash balance at the end of `on`, or the net external flow of `on` (inflows positive)."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Transfer:
    """`quantity` shares of `symbol` (in the shares of that day) moved in (`inflow`) or out on `on`."""

    on: date
    symbol: str
    quantity: Decimal
    inflow: bool


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every series oldest first. `splits` by symbol: the ledger's SPLIT activities."""

    records_cash: bool = False
    positions: Mapping[str, tuple[HeldStep, ...]] = field(default_factory=dict)
    cash: tuple[DatedAmount, ...] = ()
    flows: tuple[DatedAmount, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    splits: Mapping[str, tuple[Split, ...]] = field(default_factory=dict)

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self.positions) | {transfer.symbol for transfer in self.transfers}

    @property
    def first_day(self) -> date | None:
        """The first day anything happened (the value is 0 and nothing flowed before it)."""
        days = [steps[0].on for steps in self.positions.values() if steps]
        days += [series[0].on for series in (self.cash, self.flows) if series]
        days += [transfer.on for transfer in self.transfers[:1]]
        return min(days, default=None)


_Dated = TypeVar("_Dated", HeldStep, DatedAmount, Transfer, Split)


# -- parsing the representation ---------------------------------------------------------------------
def parse_timeline(raw: object) -> Timeline | None:
    """The representation's `timeline`; None when the portfolios subgraph has none stored yet."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("recordsCash"), bool):
        raise problems.bad_timeline()
    positions: dict[str, tuple[HeldStep, ...]] = {}
    for item in _list(raw.get("positions")):
        if not isinstance(item, Mapping) or not isinstance(item.get("symbol"), str):
            raise problems.bad_timeline()
        days, quantities, costs = _columns(item, "dates", "quantities", "costBases")
        steps = tuple(
            HeldStep(_day(day), _decimal(q), _decimal(c))
            for day, q, c in zip(days, quantities, costs, strict=True)
        )
        positions[item["symbol"]] = _ordered(steps)
    splits: dict[str, list[Split]] = {}
    split_columns = _columns(_mapping(raw.get("splits")), "dates", "symbols", "ratioFrom", "ratioTo")
    for day, symbol, ratio_from, ratio_to in zip(*split_columns, strict=True):
        before, after = _decimal(ratio_from), _decimal(ratio_to)
        if before <= 0 or after <= 0:
            raise problems.bad_timeline()
        splits.setdefault(_text(symbol), []).append(Split(_day(day), RATIO.divide(after, before)))
    transfers = tuple(
        Transfer(_day(day), _text(symbol), _decimal(quantity), _transfer_inflow(kind))
        for day, symbol, quantity, kind in zip(
            *_columns(_mapping(raw.get("transfers")), "dates", "symbols", "quantities", "types"), strict=True
        )
    )
    return Timeline(
        records_cash=raw["recordsCash"],
        positions=positions,
        cash=_amounts(raw.get("cash")),
        flows=_amounts(raw.get("flows")),
        transfers=_ordered(transfers),
        splits={symbol: _ordered(tuple(found)) for symbol, found in splits.items()},
    )


def _amounts(raw: object) -> tuple[DatedAmount, ...]:
    days, amounts = _columns(_mapping(raw), "dates", "amounts")
    return _ordered(tuple(DatedAmount(_day(d), _decimal(a)) for d, a in zip(days, amounts, strict=True)))


def _columns(raw: Mapping[str, object], *names: str) -> list[Sequence[object]]:
    """Parallel lists of one series: all present, all of one length."""
    columns = [_list(raw.get(name)) for name in names]
    if len({len(column) for column in columns}) > 1:
        raise problems.bad_timeline()
    return columns


def _ordered(items: tuple[_Dated, ...]) -> tuple[_Dated, ...]:
    days = [item.day if isinstance(item, Split) else item.on for item in items]
    if any(later < earlier for earlier, later in pairwise(days)):
        raise problems.bad_timeline()
    return items


def _mapping(raw: object) -> Mapping[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise problems.bad_timeline()
    return raw


def _list(raw: object) -> Sequence[object]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise problems.bad_timeline()
    return raw


def _day(raw: object) -> date:
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or len(raw) != 10:
        raise problems.bad_timeline()
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise problems.bad_timeline() from error


def _decimal(raw: object) -> Decimal:
    try:
        return EXACT.plus(parse_decimal(raw, STORED_DECIMAL))
    except DecimalError as error:
        raise problems.bad_timeline() from error


def _text(raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        raise problems.bad_timeline()
    return raw


def _transfer_inflow(raw: object) -> bool:
    if raw not in (TRANSFER_IN, TRANSFER_OUT):
        raise problems.bad_timeline()
    return raw == TRANSFER_IN
