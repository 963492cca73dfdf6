"""Setting and clearing a manual price: a price pinned by an operator or admin, overriding the feeds
until it expires or ages out (domain.manual)."""

from __future__ import annotations

from kit.core.principal import Principal

from assets.access import require_price_manager
from assets.domain import problems
from assets.domain.commands import ClearManualPrice, SetManualPrice
from assets.domain.instruments import Catalog, Instrument
from assets.domain.manual import InstrumentView
from assets.domain.ports import AssetsRepository, ManualInstrumentCurrencyConflict
from assets.domain.validation import validate_manual_price, validate_symbol_to_clear
from assets.services.common import Clock
from assets.services.quotes import QuoteService


class ManualPriceUseCases:
    def __init__(
        self, *, catalog: Catalog, repository: AssetsRepository, quotes: QuoteService, clock: Clock
    ) -> None:
        self._catalog = catalog
        self._repository = repository
        self._quotes = quotes
        self._clock = clock

    async def set_manual_price(self, caller: Principal, command: SetManualPrice) -> InstrumentView:
        """Validate and store a manual price; raises `Forbidden` unless the caller manages prices, and
        `InputProblems` on bad input (nothing written either way)."""
        require_price_manager(caller)
        change = validate_manual_price(
            raw_symbol=command.symbol,
            price=command.price,
            previous_close=command.previous_close,
            catalog=self._catalog,
            set_at=self._clock(),
            expires_at=command.expires_at,
        )
        try:
            await self._repository.save_manual_price(change)
        except ManualInstrumentCurrencyConflict as conflict:
            raise problems.manual_instrument_in_another_currency(
                conflict.symbol, conflict.currency, command.price.currency_code
            ) from conflict
        stored = change.price
        await self._quotes.invalidate([stored.symbol])  # the feed's quote no longer applies
        entry = self._catalog.get(stored.symbol)
        instrument = entry.instrument if entry is not None else change.new_instrument
        assert instrument is not None  # validate_manual_price creates one for unlisted symbols
        return InstrumentView(instrument, stored, known=True)

    async def clear_manual_price(self, caller: Principal, command: ClearManualPrice) -> InstrumentView:
        """Delete a manual price: one read, one conditional write; the feeds price the instrument again
        from the next read. Raises `Forbidden` unless the caller manages prices (the same people who
        may set one), and `InputProblems` for a malformed symbol or one without a manual price
        (nothing written). A manual instrument stays: portfolios may hold it."""
        require_price_manager(caller)
        symbol = validate_symbol_to_clear(command.symbol)
        entry = self._catalog.get(symbol)
        records = await self._repository.manual_records([] if entry is not None else [symbol], [symbol])
        record = records.get(symbol)
        # Checked again by the write's condition: a concurrent clear leaves nothing to delete.
        if record is None or record.price is None or not await self._repository.clear_manual_price(symbol):
            raise problems.no_manual_price(symbol)
        # No fresh feed quote may be left from before the pin (a shared Redis, another replica): the
        # next read asks the feed.
        await self._quotes.invalidate([symbol])
        if entry is not None:
            instrument = entry.instrument
        else:
            instrument = record.instrument or Instrument.manual(symbol, record.price.price.currency_code)
        return InstrumentView(instrument, None, known=True)
