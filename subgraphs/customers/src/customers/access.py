"""Who may read or change which customer, in one place (issue 7).

- Read (`customer(id)`, `_entities`): staff read everyone, a customer only itself. Decided on the
  id alone, so a refused id is never read, and a customer asking for another gets the same
  FORBIDDEN whether that customer exists or not.
- List (`customers`): staff page through everyone; a customer's list holds only itself.
- Register: staff register anyone (a new ULID, or the person's sign-in `sub` they name); a
  customer registers itself, once, under its own `sub`.
- Change (`updateCustomer`, `closeCustomer`): the customer itself or an admin; operators only
  read. The target id is in the input, so the check comes first, before any read or validation:
  no existence oracle, and a refusal costs nothing.

The use cases in `services/` call these with the caller (`kit.core.principal.Principal`), so no
resolver can bypass them.
"""

from __future__ import annotations

from kit.core.principal import Forbidden, Principal

from customers.domain import problems
from customers.domain.model import Customer


def may_read(caller: Principal, customer_id: str) -> bool:
    return caller.can_read(customer_id)


def readable(caller: Principal, customer_id: str, found: Customer | None) -> Customer | Forbidden | None:
    """What a load of `customer_id` resolves to: the customer, or None (no one has that id) only to
    those allowed to see the id (staff; a customer asking for itself before it registered). To
    anyone else a missing customer looks like someone else's: Forbidden, which the load raises."""
    return found if may_read(caller, customer_id) else problems.forbidden_to_read(customer_id)


def lists_everyone(caller: Principal) -> bool:
    """Staff page through every customer; a customer's list is itself alone."""
    return caller.is_staff


def check_change(caller: Principal, customer_id: str) -> None:
    if not caller.can_change(customer_id):
        raise problems.forbidden_to_change(customer_id)


def check_register(caller: Principal, requested_id: str | None) -> None:
    """A customer naming an id other than its own `sub` is refused, as is a caller of no role we
    know (the authentication middleware refuses it first)."""
    if requested_id is not None:
        if not caller.can_register(requested_id):
            raise problems.forbidden_to_register_another()
    elif not caller.is_staff and caller.customer_id is None:
        raise problems.forbidden_to_register()
