"""Events from other services that the portfolios service keeps a local view of.

The portfolios service never reads the customers table nor calls the customers service: it learns
which customers exist, and which closed their account, from the customers service's
CustomerRegistered, CustomerUpdated and CustomerClosed events (written with each change to a
customer, carried by the table's stream to this service's queue). Delivery is at least once and in
no guaranteed order, so the rules below are chosen to make the end state that of in-order
application whatever the order and however many copies arrive:

- each event carries the customer's version after its change (`sequence`); the directory keeps the
  highest it has applied, and a registration or update numbered at or below it is stale: nothing;
- closing is final: a close is applied whatever arrives before or after it, and nothing reopens;
- the consumer records each event id it applied with the change, so a copy changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from kit.core.events import EventRecord, InvalidEvent
from kit.core.ids import is_customer_id
from kit.core.money import FEED_DECIMAL, DecimalError, is_iso_currency, parse_decimal

from portfolios.domain.fx import MAX_RATES_PER_CHUNK, FxChunk, FxChunkKey, FxPair, is_usable_rate
from portfolios.domain.model import DirectoryEntry

# Who tells this service about customers (an event item's `source`), and about FX closes.
CUSTOMERS_SOURCE = "customers"
ASSETS_SOURCE = "assets"
FX_RATES_STORED = "FxRatesStored"
_MAX_SOURCE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    event_id: str
    customer_id: str
    sequence: int
    occurred_at: datetime

    closes: ClassVar[bool] = False

    def applied_to(self, entry: DirectoryEntry | None) -> DirectoryEntry | None:
        """The directory entry after this event; None when it changes nothing."""
        if self.closes:
            if entry is not None and entry.closed_at is not None:
                return None  # closed already: the first close stays
            # Final whatever its place: a later-numbered event applied first keeps its sequence.
            sequence = max(self.sequence, entry.sequence) if entry is not None else self.sequence
            return DirectoryEntry(self.customer_id, sequence, closed_at=self.occurred_at)
        if entry is None:
            return DirectoryEntry(self.customer_id, self.sequence)
        if self.sequence <= entry.sequence:
            return None  # stale: a later event of this customer was applied
        # Still numbered, also once closed: the entry reflects the latest event, and stays closed.
        return DirectoryEntry(self.customer_id, self.sequence, closed_at=entry.closed_at)


@dataclass(frozen=True, slots=True)
class CustomerRegistered(CustomerEvent):
    pass


@dataclass(frozen=True, slots=True)
class CustomerUpdated(CustomerEvent):
    """A change of the customer's own data: to the directory it says the customer exists."""


@dataclass(frozen=True, slots=True)
class CustomerClosed(CustomerEvent):
    closes: ClassVar[bool] = True


_TYPES: dict[str, type[CustomerEvent]] = {
    "CustomerRegistered": CustomerRegistered,
    "CustomerUpdated": CustomerUpdated,
    "CustomerClosed": CustomerClosed,
}


def customer_event(record: EventRecord) -> CustomerEvent:
    """The customer event delivered as `record`; InvalidEvent when it is not one."""
    event_type = _TYPES.get(record.type)
    if event_type is None:
        raise InvalidEvent(f"Unsupported event type {record.type!r}.")
    if record.source != CUSTOMERS_SOURCE:
        raise InvalidEvent(f"A {record.type} event comes from the customers service.")
    customer_id = record.aggregate_id
    if not is_customer_id(customer_id):
        raise InvalidEvent("The customer id must be a ULID or a lower-case UUID.")
    named = record.data.get("customerId", customer_id)
    if named != customer_id:
        raise InvalidEvent("The event's customerId is not the customer it is about.")
    if record.sequence < 1:
        raise InvalidEvent("A customer event's sequence starts at 1.")
    return event_type(record.event_id, customer_id, record.sequence, record.occurred_at)


def fx_rates_event(record: EventRecord) -> FxChunk:
    """The chunk of FX closes an FxRatesStored event carries; InvalidEvent when it is not one
    (a currency that is not ISO 4217, a year other than its dates', a rate that is not a positive
    bounded decimal, more than `MAX_RATES_PER_CHUNK` dates...)."""
    if record.type != FX_RATES_STORED or record.source != ASSETS_SOURCE:
        raise InvalidEvent("An FxRatesStored event comes from the assets service.")
    data = record.data
    from_, to, year = data.get("from"), data.get("to"), data.get("year")
    if not all(isinstance(code, str) and is_iso_currency(code) for code in (from_, to)):
        raise InvalidEvent("An FxRatesStored event names two ISO 4217 currencies.")
    if from_ == to:
        raise InvalidEvent("An FxRatesStored event converts between two different currencies.")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        raise InvalidEvent("An FxRatesStored event's year is a whole year number.")
    if record.aggregate_id != f"{from_}{to}:{year}":
        raise InvalidEvent("The event's aggregateId is not the chunk its data is about.")
    if record.sequence < 1:
        raise InvalidEvent("An FxRatesStored event's sequence starts at 1.")
    source = data.get("source")
    if not isinstance(source, str) or not 0 < len(source) <= _MAX_SOURCE_LENGTH or not source.isprintable():
        raise InvalidEvent("An FxRatesStored event names its source.")
    rates = data.get("rates")
    if not isinstance(rates, dict) or len(rates) > MAX_RATES_PER_CHUNK:
        raise InvalidEvent(f"An FxRatesStored event carries at most {MAX_RATES_PER_CHUNK} closes.")
    closes: dict[date, Decimal] = {}
    for day_text, rate_text in rates.items():
        try:
            day = date.fromisoformat(day_text)
            rate = parse_decimal(rate_text, FEED_DECIMAL)
        except (TypeError, ValueError, DecimalError):
            raise InvalidEvent("An FxRatesStored event's closes are ISO dates with decimal rates.") from None
        if day.year != year or len(day_text) != 10:
            raise InvalidEvent("An FxRatesStored event's closes are of its year.")
        if not is_usable_rate(rate):
            raise InvalidEvent("An FxRatesStored event's rates are positive and bounded.")
        closes[day] = rate
    return FxChunk(FxChunkKey(FxPair(str(from_), str(to)), year), closes, source, record.sequence)
