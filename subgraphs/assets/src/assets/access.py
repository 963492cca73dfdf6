"""Who may read or change what in the assets service, in one place.

- Market data (instruments, quotes, FX rates through valuations, search) is public to every
  authenticated caller: there is nothing to check.
- Manual prices and manual FX rates are set by operators and admins only (`require_price_manager`),
  checked before the input is even validated, so that a refused caller learns nothing from the answer.
- A portfolio's valuation is seen by its owner and by staff (`check_valuation_reader`), checked when
  the representation is resolved, before anything is read: a refused portfolio resolves to null
  with FORBIDDEN at its index, and the others of the request are valued as one batch.
"""

from __future__ import annotations

from kit.core.principal import Principal

from assets.domain import problems


def require_price_manager(caller: Principal) -> None:
    if not caller.manages_prices:
        raise problems.price_managers_only()


def check_valuation_reader(caller: Principal, portfolio_id: str, owner_id: str | None) -> None:
    """Staff value any portfolio; a customer only its own. A representation that names no owner is
    refused to a customer, with the same words as someone else's (no existence oracle)."""
    if not caller.can_read(owner_id):
        raise problems.portfolio_hidden(portfolio_id)
