"""The cost-basis engine: which lots a sale consumes, and the cost basis it takes with it.

Pure Python and Decimal; every function returns new lot states and never rounds a sum. The only
inexact step is a division (a pro rata share): its quotient is kept exactly when it has at most
`COST_PLACES` (costs) or `QUANTITY_PLACES` (quantities) decimal places, else truncated toward zero,
and whatever the truncation left over is allocated deterministically, so that totals are conserved
exactly:

    cost basis of the lots before = cost consumed by the sale + cost basis of the lots after
    quantity of the lots before   = quantity sold               + quantity of the lots after

FIFO: open lots in purchase order (oldest `purchased_at` first, ties in recording order, i.e. by
lot id); each lot is taken whole until the last one, which may be taken in part. A lot taken whole
gives up all its remaining cost; a lot taken in part gives up `remaining cost * taken / remaining
quantity` (truncated), so its unit cost is kept.

AVERAGE: every open lot gives up the same fraction `sold / held` of its remaining quantity
(truncated to 8 places; the remainder is taken from the newest lots first, never more than a lot
holds). The sale consumes `sold * average cost = total cost * sold / held` (truncated), and the
cost basis left is spread over the lots in proportion to what each still holds (truncated; the
remainder goes to the newest lot still holding some): after the sale every lot carries the
position's average cost, as the average-cost method pools them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Context, Decimal

from kit.money import EXACT

from portfolios.domain.model import (
    QUANTITY_PLACES,
    ZERO,
    CostBasisMethod,
    Lot,
    LotTake,
    lot_order,
    to_base_currency,
)

# A pro rata cost share keeps at most this many decimal places (truncated when it has more).
COST_PLACES = 10

# Divisions truncate toward zero, so that a share never exceeds what it is a share of.
_DOWN = Context(prec=EXACT.prec, rounding=ROUND_DOWN)


class InsufficientQuantity(ValueError):
    """The lots hold less than the sale asks for."""


@dataclass(frozen=True, slots=True)
class Consumption:
    """What a sale takes: the quantity, the cost basis (base currency), and the lots it changes.

    `lots` are the new states of every lot the sale writes (in purchase order, each one version
    up); `takes` says how much of each lot was sold (lots the sale takes nothing from are left out).
    """

    quantity: Decimal
    cost: Decimal
    lots: tuple[Lot, ...]
    takes: tuple[LotTake, ...]


def truncate(value: Decimal, places: int) -> Decimal:
    """`value` with at most `places` decimal places, cut toward zero; unchanged when it has fewer."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN, context=_DOWN)
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

    Each share is first `prorate`d (truncated); the remainder then goes to the last shares first
    (the newest lots, as callers pass them in purchase order), skipping zero weights. With `capped`,
    no share exceeds its weight (which needs total <= sum of weights).
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


def open_lots(lots: Sequence[Lot]) -> list[Lot]:
    """The lots still holding some quantity, in purchase order; all must be of one symbol."""
    if len({lot.symbol for lot in lots}) > 1:
        raise ValueError("a sale consumes lots of one symbol")
    return sorted((lot for lot in lots if lot.is_open), key=lot_order)


def held(lots: Sequence[Lot]) -> Decimal:
    total = ZERO
    for lot in lots:
        total = EXACT.add(total, lot.remaining_quantity)
    return total


def _check(quantity: Decimal, available: Decimal) -> None:
    if quantity <= 0:
        raise ValueError("a sale must sell a positive quantity")
    if quantity > available:
        raise InsufficientQuantity(f"selling {quantity} of {available} held")


def consume_fifo(lots: Sequence[Lot], quantity: Decimal) -> Consumption:
    candidates = open_lots(lots)
    _check(quantity, held(candidates))
    left, cost = quantity, ZERO
    after: list[Lot] = []
    takes: list[LotTake] = []
    for lot in candidates:
        if left == 0:
            break
        take = min(left, lot.remaining_quantity)
        taken_cost = prorate(lot.remaining_cost, take, lot.remaining_quantity, COST_PLACES)
        after.append(
            lot.consumed(
                EXACT.subtract(lot.remaining_quantity, take), EXACT.subtract(lot.remaining_cost, taken_cost)
            )
        )
        takes.append(LotTake(lot_id=lot.id, quantity=take))
        left = EXACT.subtract(left, take)
        cost = EXACT.add(cost, taken_cost)
    return Consumption(quantity=quantity, cost=cost, lots=tuple(after), takes=tuple(takes))


def consume_average(lots: Sequence[Lot], quantity: Decimal) -> Consumption:
    candidates = open_lots(lots)
    total_quantity = held(candidates)
    _check(quantity, total_quantity)
    total_cost = ZERO
    for lot in candidates:
        total_cost = EXACT.add(total_cost, lot.remaining_cost)

    quantities = [lot.remaining_quantity for lot in candidates]
    taken = allocate(quantity, quantities, QUANTITY_PLACES, capped=True)
    left = [EXACT.subtract(q, t) for q, t in zip(quantities, taken, strict=True)]
    cost = prorate(total_cost, quantity, total_quantity, COST_PLACES)
    cost_left = EXACT.subtract(total_cost, cost)
    costs = allocate(cost_left, left, COST_PLACES, capped=False)

    after = tuple(lot.consumed(q, c) for lot, q, c in zip(candidates, left, costs, strict=True))
    takes = tuple(
        LotTake(lot_id=lot.id, quantity=t) for lot, t in zip(candidates, taken, strict=True) if t > 0
    )
    return Consumption(quantity=quantity, cost=cost, lots=after, takes=takes)


def consume(method: CostBasisMethod, lots: Sequence[Lot], quantity: Decimal) -> Consumption:
    """The lots after selling `quantity` of them by `method`; InsufficientQuantity if they hold less."""
    if method is CostBasisMethod.FIFO:
        return consume_fifo(lots, quantity)
    return consume_average(lots, quantity)


def net_proceeds(quantity: Decimal, price: Decimal, fees: Decimal | None, fx_rate: Decimal | None) -> Decimal:
    """What a sale brings in, in base currency: (quantity * price - fees) * fxRate."""
    value = EXACT.multiply(quantity, price)
    if fees is not None:
        value = EXACT.subtract(value, fees)
    return to_base_currency(value, fx_rate)


def realized_gain(proceeds: Decimal, consumed_cost: Decimal) -> Decimal:
    """Net proceeds minus the cost basis the sale consumed (negative for a loss)."""
    return EXACT.subtract(proceeds, consumed_cost)
