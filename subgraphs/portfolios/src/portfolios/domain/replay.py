"""The replay: a portfolio's activities, in trade-date order, give its books (DESIGN.md decision 11).

When a day cannot be (a sale of more than is held, a lot that is not there, a transfer that would
carry other lots than it did), the replay raises `problems.ImpossibleHistory` naming the date.

Statement lines are rounded to the base currency's minor unit where they are made (decision 6):
a sale's proceeds and cost, each cash movement, each income line; a sale's rounded proceeds are
split over its rows in proportion to quantity and its rounded cost in proportion to each row's
exact cost, rounded cumulatively (the last row taking the remainder), so that rows add up exactly to
their sale and none is more than a minor unit from its exact share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from kit.core.money import EXACT, RATIO, Amount, decimal_places, minor_unit

from portfolios.domain.books import Books, History, IncomeLine, SaleResult, TransferResult, sale_rows
from portfolios.domain.costbasis import (
    COST_PLACES,
    NotEnoughHeld,
    OpenLot,
    Take,
    UnknownPick,
    allocate,
    held,
    take,
    take_pooled,
)
from portfolios.domain.lots import Holdings, Lot, lot_order
from portfolios.domain.model import (
    QUANTITY_PLACES,
    ZERO,
    Activity,
    ActivityType,
    CostBasisMethod,
    LotPick,
    MovedLot,
    Portfolio,
)
from portfolios.domain.problems import (
    ImpossibleHistory,
    held_too_little,
    lot_held_too_little,
    transfer_changed,
)
from portfolios.domain.timeline import Held, Timeline, TimelineRecorder, records_cash

_QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)


@dataclass(frozen=True, slots=True)
class _Acquired:
    """How a lot came in, kept beside its mutable replay state."""

    activity: Activity
    quantity: Decimal
    unit_price: Amount
    fees: Amount | None
    fx_rate: Decimal | None
    cost: Decimal


class Replay:
    """One run of the replay: the activities in order, applied to lots, cash, sales and income."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        self.currency = portfolio.base_currency
        self.minor = Decimal(1).scaleb(-minor_unit(portfolio.base_currency))
        self.open: dict[str, list[OpenLot]] = {}
        self.acquired: dict[str, _Acquired] = {}
        self.lots: dict[str, OpenLot] = {}
        self.cash = ZERO
        self.realized: dict[str, Decimal] = {}
        self.sales: list[SaleResult] = []
        self.transfers: list[TransferResult] = []
        self.income: list[IncomeLine] = []
        # Each symbol's [quantity held, cost held], kept for every method (the timeline reads it at
        # each day's end). AVERAGE takes from it as a pool: the lots carry quantities, and their
        # share of the pool's cost is worked out once, when the books are made.
        self.pooled = portfolio.cost_basis_method is CostBasisMethod.AVERAGE
        self.pools: dict[str, list[Decimal]] = {}

    def round(self, value: Decimal) -> Decimal:
        """`kit.core.money.round_to_minor_unit`, with the currency's quantum looked up once per replay."""
        return value.quantize(self.minor, rounding=ROUND_HALF_EVEN, context=EXACT)

    def open_of(self, symbol: str) -> list[OpenLot]:
        lots = [lot for lot in self.open.get(symbol, []) if lot.remaining_quantity > 0]
        self.open[symbol] = lots  # used-up lots leave the working set
        return lots

    def run(self, activities: Sequence[Activity], version: int, *, strict: bool = True) -> Books:
        timeline = TimelineRecorder(records_cash(activities), self.held_now)
        for activity in activities:
            timeline.begin(activity, self.cash)
            try:
                self.apply(activity)
            except ImpossibleHistory:
                if strict:
                    raise
                break
            out = activity.type is ActivityType.TRANSFER_OUT
            timeline.note(activity, self.transfers[-1].moved if out else ())
        return self.books(len(activities), version, timeline.finish(self.cash))

    def held_now(self, symbol: str) -> Held:
        """What is held of `symbol` now: quantity and exact cost (a pooled symbol: its pool's)."""
        pool = self.pools.get(symbol)
        return (pool[0], pool[1]) if pool else (ZERO, ZERO)

    def apply(self, activity: Activity) -> None:
        self.cash = EXACT.add(self.cash, self.round(activity.in_base(activity.cash_effect)))
        kind = activity.type
        if kind is ActivityType.BUY:
            self.buy(activity)
        elif kind is ActivityType.SELL:
            self.sell(activity)
        elif kind is ActivityType.SPLIT:
            self.split(activity)
        elif kind is ActivityType.TRANSFER_OUT:
            self.transfer_out(activity)
        elif kind is ActivityType.TRANSFER_IN:
            self.transfer_in(activity)
        elif kind in (ActivityType.DIVIDEND, ActivityType.INTEREST):
            assert activity.amount is not None
            amount = self.round(activity.in_base(activity.amount.value))
            self.income.append(IncomeLine(activity.id, kind, activity.occurred_on, amount))

    def add_lot(self, lot: OpenLot, acquired: _Acquired) -> None:
        self.open.setdefault(lot.symbol, []).append(lot)
        self.lots[lot.id] = lot
        self.acquired[lot.id] = acquired
        pool = self.pools.setdefault(lot.symbol, [ZERO, ZERO])
        pool[0] = EXACT.add(pool[0], lot.remaining_quantity)
        pool[1] = EXACT.add(pool[1], lot.remaining_cost)

    def buy(self, activity: Activity) -> None:
        assert activity.symbol is not None and activity.quantity is not None and activity.price is not None
        paid = EXACT.multiply(activity.quantity, activity.price.value)
        if activity.fees is not None:
            paid = EXACT.add(paid, activity.fees.value)
        cost = activity.in_base(paid)
        same_currency = activity.price.currency_code == self.currency
        self.add_lot(
            OpenLot(activity.id, activity.symbol, activity.occurred_on, activity.quantity, cost),
            _Acquired(
                activity=activity,
                quantity=activity.quantity,
                unit_price=activity.price,
                fees=activity.fees,
                fx_rate=None if same_currency and activity.fx_rate == 1 else activity.fx_rate,
                cost=cost,
            ),
        )

    def transfer_in(self, activity: Activity) -> None:
        assert activity.symbol is not None
        for moved in activity.moved:
            unit = RATIO.divide(moved.cost, moved.quantity) if moved.quantity else ZERO
            self.add_lot(
                OpenLot(moved.lot_id, activity.symbol, moved.acquired_on, moved.quantity, moved.cost),
                _Acquired(
                    activity=activity,
                    quantity=moved.quantity,
                    unit_price=Amount(unit, self.currency),
                    fees=None,
                    fx_rate=None,
                    cost=moved.cost,
                ),
            )

    def dispose(self, activity: Activity, picks: Sequence[LotPick]) -> list[Take]:
        assert activity.symbol is not None and activity.quantity is not None
        lots = self.open_of(activity.symbol)
        try:
            pool = self.pools.setdefault(activity.symbol, [ZERO, ZERO])
            if self.pooled:
                return take_pooled(pool, lots, activity.quantity)
            takes = take(self.portfolio.cost_basis_method, lots, activity.quantity, picks)
        except NotEnoughHeld as error:
            raise held_too_little(activity, error.held) from None
        except UnknownPick as error:
            raise lot_held_too_little(activity, error.pick, error.held) from None
        for part in takes:  # the lots lost exactly this: the symbol's sums stay theirs
            pool[0] = EXACT.subtract(pool[0], part.quantity)
            pool[1] = EXACT.subtract(pool[1], part.cost)
        return takes

    def sell(self, activity: Activity) -> None:
        assert activity.symbol is not None and activity.quantity is not None and activity.price is not None
        takes = self.dispose(activity, activity.picks)
        net = EXACT.multiply(activity.quantity, activity.price.value)
        if activity.fees is not None:
            net = EXACT.subtract(net, activity.fees.value)
        proceeds = self.round(activity.in_base(net))
        exact_cost = ZERO
        for part in takes:
            exact_cost = EXACT.add(exact_cost, part.cost)
        cost = self.round(exact_cost)
        rows = sale_rows(activity, takes, proceeds, cost, self.round)
        result = SaleResult(
            sale_id=activity.id,
            symbol=activity.symbol,
            sold_on=activity.occurred_on,
            quantity=activity.quantity,
            proceeds=proceeds,
            cost=cost,
            exact_cost=exact_cost,
            rows=rows,
        )
        self.sales.append(result)
        self.realized[activity.symbol] = EXACT.add(
            self.realized.get(activity.symbol, ZERO), result.realized_gain
        )

    def transfer_out(self, activity: Activity) -> None:
        assert activity.symbol is not None
        if activity.moved:  # recorded before: it must carry exactly what it carried then
            if self.portfolio.cost_basis_method is CostBasisMethod.AVERAGE and not activity.picks:
                # Pooled: it took a share of every open lot at the average cost and left the pool
                # averaged; taking the recorded lots at their own costs would do neither.
                takes = self.dispose(activity, ())
            else:
                takes = self.dispose(activity, [LotPick(m.source_lot_id, m.quantity) for m in activity.moved])
            if len(takes) != len(activity.moved) or any(
                part.lot.id != recorded.source_lot_id
                or part.quantity != recorded.quantity
                or part.cost != recorded.cost
                or part.lot.acquired_on != recorded.acquired_on
                for part, recorded in zip(takes, activity.moved, strict=False)
            ):
                raise transfer_changed(activity)
            moved = activity.moved
        else:
            takes = self.dispose(activity, activity.picks)
            moved = tuple(
                MovedLot(
                    lot_id="",
                    source_lot_id=part.lot.id,
                    acquired_on=part.lot.acquired_on,  # type: ignore[arg-type]
                    quantity=part.quantity,
                    cost=part.cost,
                )
                for part in takes
            )
        self.transfers.append(TransferResult(activity.id, activity.symbol, activity.occurred_on, moved))

    def split(self, activity: Activity) -> None:
        assert activity.symbol is not None and activity.split is not None
        ratio = activity.split
        for lot in self.open_of(activity.symbol):
            scaled = EXACT.divide(EXACT.multiply(lot.remaining_quantity, ratio.to), ratio.from_)
            # As few places as the exact result needs, at most 8: 10 shares split 2 for 1 are "20",
            # not "20.00000000" (the same quantity as if they had been bought as 20).
            places = min(max(decimal_places(scaled), 0), QUANTITY_PLACES)
            quantity = scaled.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN, context=EXACT)
            lot.remaining_quantity = max(quantity, _QUANTUM)  # a held lot never vanishes with its cost
        if activity.symbol in self.pools:
            self.pools[activity.symbol][0] = held(self.open_of(activity.symbol))

    def settle_pools(self) -> None:
        """Every open lot of a pooled symbol carries the pool's average cost (shares by quantity,
        summing to the pool's cost exactly); a used-up lot carries none."""
        for symbol, (_, cost) in self.pools.items():
            lots = sorted(self.open_of(symbol), key=lambda lot: (lot.acquired_on, lot.id))
            shares = (
                allocate(cost, [lot.remaining_quantity for lot in lots], COST_PLACES, capped=False)
                if lots
                else []
            )
            for lot, share in zip(lots, shares, strict=True):
                lot.remaining_cost = share
        for lot in self.lots.values():
            if lot.remaining_quantity == 0:
                lot.remaining_cost = ZERO

    def books(self, count: int, version: int, timeline: Timeline) -> Books:
        if self.pooled:
            self.settle_pools()
        open_lots: list[Lot] = []
        closed: list[Lot] = []
        for lot_id, state in self.lots.items():
            acquired = self.acquired[lot_id]
            lot = Lot(
                id=lot_id,
                portfolio_id=self.portfolio.id,
                activity_id=acquired.activity.id,
                symbol=state.symbol,
                acquired_on=state.acquired_on,  # type: ignore[arg-type]
                quantity=acquired.quantity,
                unit_price=acquired.unit_price,
                fees=acquired.fees,
                fx_rate=acquired.fx_rate,
                cost=acquired.cost,
                remaining_quantity=state.remaining_quantity,
                remaining_cost=state.remaining_cost,
                base_currency=self.currency,
                created_at=acquired.activity.recorded_at,
                fx_rate_source=acquired.activity.fx_rate_source if acquired.fx_rate is not None else None,
                fx_rate_date=acquired.activity.fx_rate_date if acquired.fx_rate is not None else None,
            )
            (open_lots if lot.is_open else closed).append(lot)
        holdings = Holdings(
            portfolio_id=self.portfolio.id,
            base_currency=self.currency,
            open_lots=tuple(sorted(open_lots, key=lot_order)),
            cash=self.cash,
            realized=dict(self.realized),
            activity_count=count,
            version=version,
        )
        history = History(
            closed_lots=tuple(sorted(closed, key=lot_order)),
            sales=tuple(self.sales),
            transfers=tuple(self.transfers),
            income=tuple(self.income),
        )
        return Books(holdings=holdings, history=history, timeline=timeline)
