"""Use cases: what the GraphQL layer and the event consumers ask of the portfolios service.

They validate through `domain/`, read and write through the ports in `domain.ports`, and raise
`kit.errors.InputProblems` for bad input (the mutations turn it into userErrors; nothing is written).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ulid import ULID

from portfolios.domain.events import CustomerRegistered, Event, parse_event
from portfolios.domain.model import CustomerBook, Lot, Portfolio
from portfolios.domain.ports import (
    CustomerDirectory,
    CustomerNotRegistered,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    PortfolioMissing,
    PortfolioRepository,
    WriteConflict,
)
from portfolios.domain.validation import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    LotRequest,
    NewLot,
    PortfolioRequest,
    customer_not_found,
    is_ulid,
    key_reused,
    latest_purchase_date,
    portfolio_gone,
    validate_lot,
    validate_portfolio,
)

Clock = Callable[[], datetime]
IdFactory = Callable[[datetime], str]

# Concurrent transactions on the same items (two requests with one idempotency key) may cancel
# each other; the loser starts over, and then finds the winner's record.
_WRITE_ATTEMPTS = 3


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


class PortfolioService:
    def __init__(
        self,
        repository: PortfolioRepository,
        directory: CustomerDirectory,
        *,
        clock: Clock = utc_now,
        new_id: IdFactory = ulid_at,
    ) -> None:
        self._repository = repository
        self._directory = directory
        self._clock = clock
        self._new_id = new_id

    # --- mutations ----------------------------------------------------------------------------

    async def create_portfolio(self, request: PortfolioRequest) -> Portfolio:
        customer_id = request.customer_id.strip()
        registered = is_ulid(customer_id) and await self._directory.is_registered(customer_id)
        new = validate_portfolio(request, customer_registered=registered)
        now = self._clock()
        portfolio = new.create(self._new_id(now), now)
        try:
            await self._repository.create_portfolio(portfolio)
        except CustomerNotRegistered:
            # Known to the directory a moment ago, gone at write time: report it the same way.
            raise customer_not_found() from None
        return portfolio

    async def add_investment(self, request: LotRequest) -> AddedInvestment:
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                return await self._add_investment(request)
            except WriteConflict:
                if attempt == _WRITE_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.02 * 2**attempt)
        raise AssertionError("unreachable")

    async def _add_investment(self, request: LotRequest) -> AddedInvestment:
        portfolio_id = request.portfolio_id.strip()
        key = request.idempotency_key
        portfolio: Portfolio | None = None
        record: IdempotencyRecord | None = None
        if is_ulid(portfolio_id):
            usable_key = key if key and len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH else None
            portfolio, record = await self._repository.portfolio_and_idempotency(portfolio_id, usable_key)
        now = self._clock()
        new = validate_lot(request, portfolio=portfolio, latest_date=latest_purchase_date(now))
        if portfolio is None:  # validate_lot reports a missing portfolio; this narrows the type
            raise portfolio_gone()
        if record is not None:
            return await self._replay(portfolio, new, record)

        lot = new.create(self._new_id(now), now)
        idempotency = IdempotencyRecord(key, lot.id, new.fingerprint()) if key is not None else None
        try:
            await self._repository.add_lot(portfolio, lot, idempotency)
        except PortfolioMissing:
            raise portfolio_gone() from None
        except IdempotencyKeyTaken:
            # A concurrent request with the same key won the race: answer as a replay of it.
            assert key is not None
            record = await self._repository.idempotency(portfolio.id, key)
            if record is None:
                raise
            return await self._replay(portfolio, new, record)
        return AddedInvestment(lot=lot, portfolio=portfolio)

    async def _replay(self, portfolio: Portfolio, new: NewLot, record: IdempotencyRecord) -> AddedInvestment:
        if record.fingerprint != new.fingerprint():
            raise key_reused()
        lot = (await self._repository.lots_by_id([record.lot_id])).get(record.lot_id)
        if lot is None:
            raise LookupError(
                f"idempotency record {record.key!r} names lot {record.lot_id}, which is missing"
            )
        return AddedInvestment(lot=lot, portfolio=portfolio, replayed=True)

    # --- events -------------------------------------------------------------------------------

    async def record_event(self, body: object) -> Event:
        """Applies one event from another service; raises InvalidEvent for a malformed body.

        The HTTP endpoint calls it today; an EventBridge/SQS consumer will call it the same way.
        Idempotent: an event delivered twice changes nothing the second time.
        """
        event = parse_event(body)
        if isinstance(event, CustomerRegistered):
            await self._directory.register(event.customer_id, self._clock())
        return event

    # --- reads (batched: the DataLoaders call these) ------------------------------------------

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        """One BatchGetItem (per 100 ids) for all of `ids`; ids that cannot exist are not looked up."""
        return await self._repository.portfolios([i for i in dict.fromkeys(ids) if is_ulid(i)])

    async def investments(self, ids: Sequence[str]) -> Mapping[str, Lot]:
        return await self._repository.lots_by_id([i for i in dict.fromkeys(ids) if is_ulid(i)])

    async def lots(self, portfolio_ids: Sequence[str]) -> Mapping[str, list[Lot]]:
        """One Query per portfolio, run concurrently."""
        wanted = [i for i in dict.fromkeys(portfolio_ids) if is_ulid(i)]
        found = await asyncio.gather(*(self._repository.lots(i) for i in wanted))
        return dict(zip(wanted, found, strict=True))

    async def books(self, customer_ids: Sequence[str]) -> Mapping[str, CustomerBook]:
        """One Query per customer, run concurrently, however many portfolios and lots they hold."""
        wanted = [i for i in dict.fromkeys(customer_ids) if is_ulid(i)]
        found = await asyncio.gather(*(self._repository.book(i) for i in wanted))
        books = dict(zip(wanted, found, strict=True))
        return {i: books.get(i) or CustomerBook(customer_id=i) for i in customer_ids}
