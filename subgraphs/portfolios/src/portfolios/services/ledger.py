"""Use cases of the activity ledger: record, correct and remove activities (DESIGN.md decision 11).

Each reads the portfolio's whole ledger, asks the domain (`Ledger`) for the books after the change,
and writes once: the activity, the new projection, an audit entry and maybe an idempotency record,
conditioned on the projection's version, so that concurrent writers are serialized (the loser
reads again and decides again). A change the replay finds impossible is refused with the replay's
message (naming the date) and writes nothing. Recording is in `recording`, correcting and removing
in `corrections`, what they share in `ledger_cases`.
"""

from __future__ import annotations

from portfolios.services.corrections import Corrections
from portfolios.services.ledger_cases import Changed, Recorded
from portfolios.services.recording import Recording

__all__ = ["Changed", "LedgerUseCases", "Recorded"]


class LedgerUseCases(Recording, Corrections):
    """Every use case of the ledger, on one set of ports (and one queue per portfolio)."""
