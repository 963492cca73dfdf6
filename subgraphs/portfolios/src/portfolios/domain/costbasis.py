"""Which open lots a disposal (a sale, a transfer out) takes, and the cost basis it takes with them.

Pure Python and Decimal, never rounding a sum. The only inexact step is a division (a pro rata
share): kept exactly when it has at most `COST_PLACES` (costs) or `QUANTITY_PLACES` (quantities)
decimal places, else truncated toward zero, with the remainder allocated deterministically, so that

    cost of the lots before = cost taken + cost of the lots after   (and the same for quantities)

holds exactly. FIFO, LIFO and HIFO take whole lots in their order until the last, which may be
taken in part at its unit cost. Specific lots take exactly what the client named. AVERAGE is the
replay's (`replay`): it pools a symbol's cost and `take_pooled` takes the oldest shares at the
pool's average.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Context, Decimal
from functools import cache

from kit.core.money import EXACT

from portfolios.domain.model import ZERO, CostBasisMethod, LotPick

# A pro rata cost share keeps at most this many decimal places (truncated when it has more).
COST_PLACES = 10

# Divisions truncate toward zero, so that a share never exceeds what it is a share of.
_DOWN = Context(prec=EXACT.prec, rounding=ROUND_DOWN)


@dataclass(slots=True)
class OpenLot:
    """A lot during the replay (mutable: the replay changes it in place as activities apply)."""

    id: str
    symbol: str
    acquired_on: object  # datetime.date; kept loose so the replay's hot loop stays cheap
    remaining_quantity: Decimal
    remaining_cost: Decimal

    def unit_cost(self) -> Decimal:
        if self.remaining_quantity == 0:
            return ZERO
        return EXACT.divide(self.remaining_cost, self.remaining_quantity)


@dataclass(frozen=True, slots=True)
class Take:
    """What a disposal took from one lot: a quantity and its exact cost basis."""

    lot: OpenLot
    quantity: Decimal
    cost: Decimal


class NotEnoughHeld(ValueError):
    """The open lots hold less than the disposal asks for; `held` is what they hold."""

    def __init__(self, held: Decimal) -> None:
        super().__init__(f"held only {held}")
        self.held = held


class UnknownPick(ValueError):
    """A specific lot that is not open (or not of this instrument) at the disposal's date."""

    def __init__(self, pick: LotPick, held: Decimal) -> None:
        super().__init__(f"lot {pick.lot_id} holds {held}")
        self.pick = pick
        self.held = held


@cache
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def truncate(value: Decimal, places: int) -> Decimal:
    """`value` with at most `places` decimal places, cut toward zero; unchanged when it has fewer."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return value.quantize(_quantum(places), rounding=ROUND_DOWN, context=_DOWN)
    return value


def prorate(amount: Decimal, part: Decimal, whole: Decimal, places: int) -> Decimal:
    """amount * part / whole for 0 <= part <= whole: `amount` itself when part == whole, else the
    quotient, exact when it has at most `places` decimals, else truncated toward zero."""
    if whole <= 0 or part < 0 or part > whole:
        raise ValueError(f"cannot take {part} of {whole}")
    if part == whole:
        return amount
    if part == 0 or amount == 0:
        return ZERO
    return truncate(_DOWN.divide(_DOWN.multiply(amount, part), whole), places)


def allocate(total: Decimal, weights: Sequence[Decimal], places: int, *, capped: bool) -> list[Decimal]:
    """Splits `total` (>= 0) in proportion to `weights` (>= 0), the shares summing to `total` exactly.

    Each share is first `prorate`d (truncated); the remainder then goes to the last shares first,
    skipping zero weights. With `capped`, no share exceeds its weight (needs total <= sum of weights).
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("cannot allocate negative amounts")
    if total == 0:
        return [ZERO for _ in weights]
    whole = ZERO
    for weight in weights:
        whole = EXACT.add(whole, weight)
    if whole == 0 or (capped and total > whole):
        raise ValueError(f"cannot allocate {total} over weights summing to {whole}")
    shares = [prorate(total, w, whole, places) if w > 0 else ZERO for w in weights]
    remainder = total
    for share in shares:
        remainder = EXACT.subtract(remainder, share)
    for index in reversed(range(len(shares))):
        if remainder == 0:
            break
        if weights[index] == 0:
            continue
        room = EXACT.subtract(weights[index], shares[index]) if capped else remainder
        give = min(remainder, room)
        if give > 0:
            shares[index] = EXACT.add(shares[index], give)
            remainder = EXACT.subtract(remainder, give)
    if remainder != 0:  # pragma: no cover - impossible: truncated shares never exceed their weight
        raise AssertionError(f"{remainder} left unallocated")
    return shares


def held(lots: Sequence[OpenLot]) -> Decimal:
    total = ZERO
    for lot in lots:
        total = EXACT.add(total, lot.remaining_quantity)
    return total


def _by_method(method: CostBasisMethod, lots: Sequence[OpenLot]) -> list[OpenLot]:
    if method is CostBasisMethod.LIFO:
        return sorted(lots, key=lambda lot: (lot.acquired_on, lot.id), reverse=True)
    if method is CostBasisMethod.HIFO:
        ordered = sorted(lots, key=lambda lot: (lot.acquired_on, lot.id))
        return sorted(ordered, key=OpenLot.unit_cost, reverse=True)  # stable: ties oldest first
    return sorted(lots, key=lambda lot: (lot.acquired_on, lot.id))


def _take(lot: OpenLot, quantity: Decimal) -> Take:
    cost = prorate(lot.remaining_cost, quantity, lot.remaining_quantity, COST_PLACES)
    lot.remaining_quantity = EXACT.subtract(lot.remaining_quantity, quantity)
    lot.remaining_cost = EXACT.subtract(lot.remaining_cost, cost)
    return Take(lot=lot, quantity=quantity, cost=cost)


def take_in_order(method: CostBasisMethod, lots: Sequence[OpenLot], quantity: Decimal) -> list[Take]:
    """FIFO, LIFO or HIFO: whole lots in the method's order, the last one maybe in part."""
    available = held(lots)
    if quantity > available:
        raise NotEnoughHeld(available)
    takes = []
    left = quantity
    for lot in _by_method(method, lots):
        if left == 0:
            break
        part = min(left, lot.remaining_quantity)
        takes.append(_take(lot, part))
        left = EXACT.subtract(left, part)
    return takes


def take_picked(lots: Sequence[OpenLot], picks: Sequence[LotPick]) -> list[Take]:
    """Exactly the named lots and quantities (each lot named at most once)."""
    by_id = {lot.id: lot for lot in lots}
    for pick in picks:
        lot = by_id.get(pick.lot_id)
        available = lot.remaining_quantity if lot is not None else ZERO
        if lot is None or pick.quantity > available:
            raise UnknownPick(pick, available)
    return [_take(by_id[pick.lot_id], pick.quantity) for pick in picks]


def take(
    method: CostBasisMethod, lots: Sequence[OpenLot], quantity: Decimal, picks: Sequence[LotPick] = ()
) -> list[Take]:
    """Takes `quantity` from the open `lots` (one instrument), changing them in place."""
    if picks:
        return take_picked(lots, picks)
    if method is CostBasisMethod.AVERAGE:  # pooled by the replay, which knows the pool (ledger.py)
        raise ValueError("AVERAGE takes from a pool, not from lots")
    return take_in_order(method, lots, quantity)


def take_pooled(pool: list[Decimal], lots: Sequence[OpenLot], quantity: Decimal) -> list[Take]:
    """AVERAGE: `quantity` at the average cost of a symbol's `pool` ([quantity held, cost held],
    changed in place), its shares taken from the oldest lots first (whose acquisition dates then
    decide each row's term, as the average-basis rules say)."""
    if quantity > pool[0]:
        raise NotEnoughHeld(pool[0])
    cost = prorate(pool[1], quantity, pool[0], COST_PLACES)
    parts: list[tuple[OpenLot, Decimal]] = []
    left = quantity
    for lot in sorted(lots, key=lambda lot: (lot.acquired_on, lot.id)):
        if left == 0:
            break
        part = min(left, lot.remaining_quantity)
        lot.remaining_quantity = EXACT.subtract(lot.remaining_quantity, part)
        parts.append((lot, part))
        left = EXACT.subtract(left, part)
    shares = allocate(cost, [part for _, part in parts], COST_PLACES, capped=False)
    pool[0] = EXACT.subtract(pool[0], quantity)
    pool[1] = EXACT.subtract(pool[1], cost)
    return [
        Take(lot=lot, quantity=part, cost=share) for (lot, part), share in zip(parts, shares, strict=True)
    ]
