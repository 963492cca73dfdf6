"""Use cases: what the GraphQL layer and the event consumers ask of the portfolios service.

They validate through `domain/`, read and write through the ports in `domain.ports`, and raise
`kit.errors.InputProblems` for bad input (the mutations turn it into userErrors; nothing is written).

Access (issue 7): every use case that changes investor data takes the caller (`kit.principal`).
The owner of a portfolio, or an admin, may change it; operators only read. A refusal is a
`Forbidden` error (a GraphQL error with extensions.code FORBIDDEN, never a userError) raised before
anything is written and before anything of the target is validated, with the same words whether
the target exists or not. Only checks that need nothing but the input (an id that is not an id, an
empty name) may answer before it. Reads are checked by `readable` after the batched load.

Every rule is checked twice: here, against what was just read (to answer a precise userError), and
again by the conditions of the one transaction that writes (so that it holds under concurrent
requests). When a condition fails the use case starts over from its reads, a bounded number of
times, and then answers CONFLICT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from kit.errors import InputProblems, Problem
from kit.ids import is_customer_id, is_ulid
from kit.principal import Forbidden, Principal, forbidden_to_see
from kit.text import TextKind, trimmed
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential
from ulid import ULID

from portfolios.domain.costbasis import consume, held, realized_gain
from portfolios.domain.events import CustomerClosed, CustomerRegistered, Event, parse_event
from portfolios.domain.model import (
    Activity,
    ActivityPage,
    ActivityType,
    CustomerBook,
    Ledger,
    Lot,
    LotTake,
    Portfolio,
    lot_activity,
)
from portfolios.domain.ports import (
    CustomerDirectory,
    IdempotencyRecord,
    PortfolioRepository,
    Sale,
    WriteConflict,
)
from portfolios.domain.validation import (
    INVALID,
    NOT_FOUND,
    CorrectionRequest,
    CustomerStatus,
    LotRequest,
    NewLot,
    NewSale,
    PortfolioRequest,
    SaleRequest,
    conflict,
    corrected_request,
    customer_closed_problem,
    insufficient_quantity,
    investment_gone,
    key_reused,
    latest_purchase_date,
    lot_consumed,
    portfolio_closed,
    portfolio_gone,
    usable_idempotency_key,
    validate_lot,
    validate_name,
    validate_portfolio,
    validate_sale,
)

Clock = Callable[[], datetime]
IdFactory = Callable[[datetime], str]
T = TypeVar("T")

# Attempts of a use case whose transaction keeps failing its conditions (concurrent writers).
WRITE_ATTEMPTS = 6

# One sale is one TransactWriteItems (at most 100 items): the portfolio check, the position
# summary, the activity and an idempotency record leave room for 48 lots at two items each.
MAX_LOTS_PER_SALE = 48

_BY_ID = ("input", "id")


def forbidden_to_change(kind: str, identifier: str) -> Forbidden:
    """The same words whether the object exists or not, so that a refusal reveals nothing."""
    return Forbidden(f"You may not change {kind} {identifier}.")


def readable(caller: Principal, found: T | None, owner: str | None, kind: str, identifier: str) -> T | None:
    """What a read resolves to once loaded: `found` when `caller` may read it (staff read everything;
    a customer what it owns), None when staff ask for something that does not exist. A customer
    asking for anything not its own, existing or not, is refused with the same `Forbidden`."""
    if caller.can_read(owner if found is not None else None):
        return found
    raise forbidden_to_see(kind, identifier)


def require_changer(caller: Principal) -> None:
    """Operators read investor data and never change it: refused before anything is read."""
    if not caller.is_admin and caller.customer_id is None:
        raise Forbidden("Only a portfolio's owner or an admin may change it.")


def check_change(caller: Principal, portfolio: Portfolio | None, kind: str, identifier: str) -> None:
    """Right after the target's portfolio is read, before anything of it is validated: its owner or
    an admin may go on. An admin learns that it does not exist (NOT_FOUND follows); so does anyone
    when `identifier` cannot be an id at all (INVALID follows: that tells nothing of anyone's data).
    Anyone else is refused with the same words whether it exists or not."""
    if portfolio is not None:
        if caller.can_change(portfolio.customer_id):
            return
    elif caller.is_admin or not is_ulid(identifier):
        return
    raise forbidden_to_change(kind, identifier)


def utc_now() -> datetime:
    return datetime.now(UTC)


def ulid_at(at: datetime) -> str:
    """A ULID whose time part is `at`, so that ids sort like creation times."""
    return str(ULID.from_datetime(at))


@dataclass(frozen=True, slots=True)
class AddedInvestment:
    lot: Lot
    portfolio: Portfolio
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class ChangedInvestment:
    """A lot corrected or removed, with its portfolio; `lot` is its new (or last) state."""

    lot: Lot
    portfolio: Portfolio
    changed: bool = True


@dataclass(frozen=True, slots=True)
class Sold:
    """A sale recorded (or replayed): its SELL activity, the portfolio and, unless replayed, the
    portfolio's ledger right after the sale."""

    activity: Activity
    portfolio: Portfolio
    ledger: Ledger | None
    replayed: bool = False


ActivityKey = tuple[str, int, str | None]  # (portfolio id, first, after: an activity id)


class PortfolioService:
    def __init__(
        self,
        repository: PortfolioRepository,
        directory: CustomerDirectory,
        *,
        clock: Clock = utc_now,
        new_id: IdFactory = ulid_at,
        attempts: int = WRITE_ATTEMPTS,
    ) -> None:
        self._repository = repository
        self._directory = directory
        self._clock = clock
        self._new_id = new_id
        self._attempts = attempts

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Runs `attempt` again (after a short random pause) while its transaction conflicts."""
        try:
            async for retry in AsyncRetrying(
                stop=stop_after_attempt(self._attempts),
                wait=wait_random_exponential(multiplier=0.01, max=0.25),
                retry=retry_if_exception_type(WriteConflict),
                reraise=True,
            ):
                with retry:
                    return await attempt()
        except WriteConflict:
            raise conflict() from None
        raise AssertionError("unreachable")  # pragma: no cover

    # --- portfolios ---------------------------------------------------------------------------

    async def create_portfolio(self, caller: Principal, request: PortfolioRequest) -> Portfolio:
        """Opens a portfolio for `request.customer_id`: the customer itself, or an admin, may."""
        customer_id = trimmed(request.customer_id, TextKind.ID)
        if not caller.can_change(customer_id):  # before anything else: nothing is read or checked
            raise Forbidden(f"You may not open a portfolio for customer {customer_id}.")
        return await self._retrying(lambda: self._create_portfolio(request))

    async def _create_portfolio(self, request: PortfolioRequest) -> Portfolio:
        customer_id = trimmed(request.customer_id, TextKind.ID)
        status = await self._directory.status(customer_id) if is_customer_id(customer_id) else None
        new = validate_portfolio(
            request,
            customer_registered=status is not None and status is not CustomerStatus.UNKNOWN,
            customer_closed=status is CustomerStatus.CLOSED,
        )
        now = self._clock()
        portfolio = new.create(self._new_id(now), now)
        await self._repository.create_portfolio(portfolio)
        return portfolio

    async def rename_portfolio(self, caller: Principal, portfolio_id: str, name: str) -> Portfolio:
        """Renames a portfolio, closed or not (a name is a label; a closed portfolio keeps its data).

        The owner condition is part of the one conditional write, so a refusal costs no extra read."""
        require_changer(caller)
        portfolio_id = trimmed(portfolio_id, TextKind.ID)
        problems: list[Problem] = []
        if not is_ulid(portfolio_id):
            problems.append(_invalid_id())
        try:
            clean = validate_name(name)
        except InputProblems as error:
            problems.extend(error.problems)
        if problems:
            raise InputProblems(problems)
        owner = None if caller.is_admin else caller.customer_id
        renamed = await self._repository.rename_portfolio(portfolio_id, clean, owner)
        if renamed is None:
            if owner is not None:  # missing, or not the caller's: the same answer
                raise forbidden_to_change("portfolio", portfolio_id)
            raise portfolio_gone(_BY_ID)
        return renamed

    async def close_portfolio(self, caller: Principal, portfolio_id: str) -> Portfolio:
        """Closes a portfolio: it then takes no new lots, sales, corrections or removals; its lots,
        positions and activities stay readable. Closing a closed portfolio changes nothing."""
        require_changer(caller)
        portfolio_id = trimmed(portfolio_id, TextKind.ID)
        if not is_ulid(portfolio_id):
            raise InputProblems([_invalid_id()])
        owner = None if caller.is_admin else caller.customer_id
        closed = await self._repository.close_portfolio(portfolio_id, self._clock(), owner)
        check_change(caller, closed, "portfolio", portfolio_id)
        if closed is None:
            raise portfolio_gone(_BY_ID)
        return closed

    # --- lots ---------------------------------------------------------------------------------

    async def add_investment(self, caller: Principal, request: LotRequest) -> AddedInvestment:
        """Records a lot. An idempotency key lives under its portfolio and is replayed only after the
        caller passed the owner check, so a key never returns another customer's lot."""
        require_changer(caller)
        return await self._retrying(lambda: self._add_investment(caller, request))

    async def _add_investment(self, caller: Principal, request: LotRequest) -> AddedInvestment:
        portfolio, record = await self._portfolio_and_record(request.portfolio_id, request.idempotency_key)
        check_change(caller, portfolio, "portfolio", trimmed(request.portfolio_id, TextKind.ID))
        now = self._clock()
        new = validate_lot(request, portfolio=portfolio, latest_date=latest_purchase_date(now))
        if portfolio is None:  # validate_lot reports a missing portfolio; this narrows the type
            raise portfolio_gone()
        if record is not None:
            return await self._replay_lot(portfolio, new, record)
        if portfolio.is_closed:
            raise portfolio_closed(("input", "portfolioId"))
        if await self._directory.status(portfolio.customer_id) is CustomerStatus.CLOSED:
            raise customer_closed_problem(("input", "portfolioId"))

        lot = new.create(self._new_id(now), now)
        activity = lot_activity(self._new_id(now), ActivityType.BUY, lot, now)
        key = new.idempotency_key
        idempotency = IdempotencyRecord(key, lot.id, new.fingerprint(), activity.id) if key else None
        await self._repository.add_lot(portfolio, lot, activity, idempotency)
        return AddedInvestment(lot=lot, portfolio=portfolio)

    async def _portfolio_and_record(
        self, portfolio_id: str, key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        portfolio_id = trimmed(portfolio_id, TextKind.ID)
        if not is_ulid(portfolio_id):
            return None, None
        return await self._repository.portfolio_and_idempotency(portfolio_id, usable_idempotency_key(key))

    async def _replay_lot(
        self, portfolio: Portfolio, new: NewLot, record: IdempotencyRecord
    ) -> AddedInvestment:
        if record.fingerprint != new.fingerprint() or record.lot_id is None:
            raise key_reused()
        lot = (await self._repository.lots_by_id([record.lot_id])).get(record.lot_id)
        if lot is None:
            raise InputProblems.single(
                ("input", "idempotencyKey"),
                "the investment this idempotencyKey recorded has been removed since",
                NOT_FOUND,
            )
        return AddedInvestment(lot=lot, portfolio=portfolio, replayed=True)

    async def _lot_and_portfolio(self, caller: Principal, lot_id: str) -> tuple[Lot, Portfolio]:
        lot_id = trimmed(lot_id, TextKind.ID)
        if not is_ulid(lot_id):
            raise InputProblems([_invalid_id()])
        lot = (await self._repository.lots_by_id([lot_id])).get(lot_id)
        if lot is None:
            check_change(caller, None, "investment", lot_id)
            raise investment_gone()
        portfolio = (await self._repository.portfolios([lot.portfolio_id])).get(lot.portfolio_id)
        check_change(caller, portfolio, "investment", lot_id)
        if portfolio is None:
            raise investment_gone()
        if portfolio.is_closed:
            raise portfolio_closed(_BY_ID)
        if lot.is_consumed:
            raise lot_consumed()
        return lot, portfolio

    async def update_investment(self, caller: Principal, correction: CorrectionRequest) -> ChangedInvestment:
        """Corrects a lot no sale has taken from (validated as addInvestment validates a new lot).

        Allowed for a closed customer (records may be fixed), refused in a closed portfolio.
        """
        require_changer(caller)
        return await self._retrying(lambda: self._update_investment(caller, correction))

    async def _update_investment(self, caller: Principal, correction: CorrectionRequest) -> ChangedInvestment:
        lot, portfolio = await self._lot_and_portfolio(caller, correction.id)
        now = self._clock()
        new = validate_lot(
            corrected_request(lot, correction), portfolio=portfolio, latest_date=latest_purchase_date(now)
        )
        corrected = new.applied_to(lot)
        if corrected == replace(lot, version=corrected.version):
            return ChangedInvestment(lot=lot, portfolio=portfolio, changed=False)  # nothing to record
        activity = lot_activity(self._new_id(now), ActivityType.CORRECTION, corrected, now)
        await self._repository.update_lot(portfolio, corrected, activity)
        return ChangedInvestment(lot=corrected, portfolio=portfolio)

    async def remove_investment(self, caller: Principal, lot_id: str) -> ChangedInvestment:
        """Removes a lot no sale has taken from; refused in a closed portfolio."""
        require_changer(caller)
        return await self._retrying(lambda: self._remove_investment(caller, lot_id))

    async def _remove_investment(self, caller: Principal, lot_id: str) -> ChangedInvestment:
        lot, portfolio = await self._lot_and_portfolio(caller, lot_id)
        now = self._clock()
        activity = lot_activity(self._new_id(now), ActivityType.REMOVAL, lot, now)
        await self._repository.remove_lot(portfolio, lot, activity)
        return ChangedInvestment(lot=lot, portfolio=portfolio)

    # --- sales --------------------------------------------------------------------------------

    async def sell_investment(self, caller: Principal, request: SaleRequest) -> Sold:
        """Sells from the portfolio's open lots of one instrument by its cost-basis method.

        Only lots bought on or before `soldAt` can be sold from; sales apply in the order they are
        recorded (a back-dated sale does not re-match earlier ones). Allowed for a closed customer
        (the holdings may be wound down), refused in a closed portfolio. Idempotency keys are
        replayed only after the owner check, as for purchases.
        """
        require_changer(caller)
        return await self._retrying(lambda: self._sell(caller, request))

    async def _sell(self, caller: Principal, request: SaleRequest) -> Sold:
        portfolio, record = await self._portfolio_and_record(request.portfolio_id, request.idempotency_key)
        check_change(caller, portfolio, "portfolio", trimmed(request.portfolio_id, TextKind.ID))
        now = self._clock()
        sale = validate_sale(request, portfolio=portfolio, latest_date=latest_purchase_date(now))
        portfolio = sale.portfolio
        if record is not None:
            return await self._replay_sale(sale, record)
        if portfolio.is_closed:
            raise portfolio_closed(("input", "portfolioId"))

        ledger = await self._repository.ledger(portfolio.id)
        lots = [lot for lot in ledger.lots_of(sale.symbol) if lot.is_open]
        holding = held(lots)
        if sale.quantity > holding:
            raise insufficient_quantity(holding)
        eligible = [lot for lot in lots if lot.purchased_at <= sale.sold_at]
        held_then = held(eligible)
        if sale.quantity > held_then:
            raise InputProblems.single(
                ("input", "soldAt"),
                f"on {sale.sold_at.isoformat()} the portfolio held only {held_then} of {sale.symbol}: "
                "a lot cannot be sold before it was bought",
                INVALID,
            )
        consumption = consume(portfolio.cost_basis_method, eligible, sale.quantity)
        if len(consumption.lots) > MAX_LOTS_PER_SALE:
            raise InputProblems.single(
                ("input", "quantity"),
                f"this sale would change {len(consumption.lots)} lots, more than the "
                f"{MAX_LOTS_PER_SALE} one sale may change: sell in smaller parts",
                INVALID,
            )
        gain = realized_gain(sale.net_proceeds, consumption.cost)
        activity = self._sell_activity(sale, now, gain, consumption.takes)
        summary = ledger.summary_of(portfolio.id, sale.symbol).after_sale(sale.quantity, gain)
        key = sale.idempotency_key
        idempotency = IdempotencyRecord(key, None, sale.fingerprint(), activity.id) if key else None
        await self._repository.record_sale(
            Sale(
                portfolio=portfolio,
                lots=consumption.lots,
                summary=summary,
                activity=activity,
                idempotency=idempotency,
            )
        )
        changed = {lot.id: lot for lot in consumption.lots}
        after = Ledger(
            lots=tuple(changed.get(lot.id, lot) for lot in ledger.lots),
            summaries=(*(s for s in ledger.summaries if s.symbol != sale.symbol), summary),
        )
        return Sold(activity=activity, portfolio=portfolio, ledger=after)

    def _sell_activity(
        self, sale: NewSale, now: datetime, gain: Decimal, takes: Sequence[LotTake]
    ) -> Activity:
        return Activity(
            id=self._new_id(now),
            portfolio_id=sale.portfolio.id,
            type=ActivityType.SELL,
            symbol=sale.symbol,
            quantity=sale.quantity,
            price=sale.price,
            fees=sale.fees,
            fx_rate=sale.fx_rate,
            occurred_at=sale.sold_at,
            recorded_at=now,
            base_currency=sale.portfolio.base_currency,
            realized_gain=gain,
            takes=tuple(takes),
        )

    async def _replay_sale(self, sale: NewSale, record: IdempotencyRecord) -> Sold:
        if record.fingerprint != sale.fingerprint() or record.activity_id is None:
            raise key_reused()
        activity = await self._repository.activity(sale.portfolio.id, record.activity_id)
        if activity is None:
            raise LookupError(f"idempotency record {record.key!r} names a missing activity")
        return Sold(activity=activity, portfolio=sale.portfolio, ledger=None, replayed=True)

    # --- events -------------------------------------------------------------------------------

    async def record_event(self, body: object) -> Event:
        """Applies one event from another service; raises InvalidEvent for a malformed body.

        Both transports call it: the HTTP endpoint (local) and the SQS consumer (AWS).
        Idempotent and order-independent: a redelivered event changes nothing, and a CustomerClosed
        that overtakes its CustomerRegistered still closes the customer.
        """
        event = parse_event(body)
        if isinstance(event, CustomerRegistered):
            await self._directory.register(event.customer_id, self._clock())
        elif isinstance(event, CustomerClosed):
            await self._directory.close(event.customer_id, self._clock())
        return event

    # --- reads (batched: the DataLoaders call these) ------------------------------------------

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        """One BatchGetItem (per 100 ids) for all of `ids`; ids that cannot exist are not looked up."""
        return await self._repository.portfolios([i for i in dict.fromkeys(ids) if is_ulid(i)])

    async def investments(self, ids: Sequence[str]) -> Mapping[str, Lot]:
        return await self._repository.lots_by_id([i for i in dict.fromkeys(ids) if is_ulid(i)])

    async def ledgers(self, portfolio_ids: Sequence[str]) -> Mapping[str, Ledger]:
        """One Query per portfolio, run concurrently."""
        wanted = [i for i in dict.fromkeys(portfolio_ids) if is_ulid(i)]
        found = await asyncio.gather(*(self._repository.ledger(i) for i in wanted))
        return dict(zip(wanted, found, strict=True))

    async def books(self, customer_ids: Sequence[str]) -> Mapping[str, CustomerBook]:
        """One Query per customer, run concurrently, however many portfolios and lots they hold."""
        wanted = [i for i in dict.fromkeys(customer_ids) if is_customer_id(i)]
        found = await asyncio.gather(*(self._repository.book(i) for i in wanted))
        books = dict(zip(wanted, found, strict=True))
        return {i: books.get(i) or CustomerBook(customer_id=i) for i in customer_ids}

    async def activities(self, keys: Sequence[ActivityKey]) -> Mapping[ActivityKey, ActivityPage]:
        """One Query per (portfolio, page) asked for, run concurrently."""
        wanted = list(dict.fromkeys(keys))
        found = await asyncio.gather(
            *(self._repository.activities(pid, first, after) for pid, first, after in wanted)
        )
        return dict(zip(wanted, found, strict=True))


def _invalid_id() -> Problem:
    return Problem(_BY_ID, "id is not a valid id", INVALID)
