"""Setting a manual price: a price pinned by an operator or admin, overriding any feed."""

from __future__ import annotations

from kit.core.principal import Principal

from assets.access import require_price_manager
from assets.domain import problems
from assets.domain.commands import SetManualPrice
from assets.domain.instruments import Catalog
from assets.domain.manual import InstrumentView
from assets.domain.ports import AssetsRepository, ManualInstrumentCurrencyConflict
from assets.domain.validation import validate_manual_price
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
