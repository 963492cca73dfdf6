"""Who may read or change what in the portfolios service, in one place.

The owner of a portfolio, or an admin, may change it; operators only read. A refusal is a
`Forbidden` error (extensions.code FORBIDDEN, never a userError; worded in `domain.problems`)
raised before anything is written and before anything of the target is validated, with the same
words whether the target exists or not. Only checks that need nothing but the input (an id that
is not an id, an empty name) may answer before it. Reads are checked by `readable` right after
the batched load.
"""

from __future__ import annotations

from typing import TypeVar

from kit.core.ids import is_ulid
from kit.core.principal import Principal, forbidden_to_see

from portfolios.domain.model import Portfolio
from portfolios.domain.problems import changers_only, forbidden_to_change, forbidden_to_open_for

T = TypeVar("T")


def readable(caller: Principal, found: T | None, owner: str | None, kind: str, identifier: str) -> T | None:
    """What a read resolves to once loaded: `found` when `caller` may read it (staff read everything;
    a customer what it owns), None when staff ask for something that does not exist. A customer
    asking for anything not its own, existing or not, is refused with the same `Forbidden`."""
    if caller.can_read(owner if found is not None else None):
        return found
    raise forbidden_to_see(kind, identifier)


def readable_portfolio(caller: Principal, found: Portfolio | None, identifier: str) -> Portfolio | None:
    """`found` (loaded) if `caller` may read it; FORBIDDEN otherwise (`readable`)."""
    return readable(caller, found, found.customer_id if found else None, "portfolio", identifier)


def check_customer(caller: Principal, customer_id: str) -> None:
    """Staff read every customer's portfolios, a customer only its own; no I/O."""
    if not caller.can_read(customer_id):
        raise forbidden_to_see("customer", customer_id)


def require_changer(caller: Principal) -> None:
    """Operators read investor data and never change it: refused before anything is read."""
    if not caller.is_admin and caller.customer_id is None:
        raise changers_only()


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


def check_open_for(caller: Principal, customer_id: str) -> None:
    """Opening a portfolio for `customer_id`: the customer itself, or an admin (nothing read first)."""
    if not caller.can_change(customer_id):
        raise forbidden_to_open_for(customer_id)


def actor(caller: Principal) -> str:
    """How the audit trail names who made a change: role and subject."""
    role = "admin" if caller.is_admin else "customer"
    return f"{role}:{caller.subject}"
