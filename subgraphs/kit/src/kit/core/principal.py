"""Who is calling, and the access rules every subgraph shares. Framework-free.

Roles (from the token's roles claim, see `kit.web.tokens`):
- `customer`: the token's `sub` is its customer id; it reads and changes only its own data.
- `operator`: reads every customer's data, registers customers, manages manual prices and FX rates.
- `admin`: everything an operator does, and changes any customer's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kit.core.errors import PublicError


class Role(StrEnum):
    CUSTOMER = "customer"
    OPERATOR = "operator"
    ADMIN = "admin"


FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"


class Forbidden(PublicError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message, FORBIDDEN)


def forbidden_to_see(kind: str, identifier: str) -> Forbidden:
    """The same words whether the object exists or not, so that a refusal reveals nothing."""
    return Forbidden(f"You may not see {kind} {identifier}.")


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    roles: frozenset[Role]

    @classmethod
    def of(cls, subject: str, roles: Iterable[Role | str]) -> Principal:
        return cls(subject, frozenset(Role(role) for role in roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_staff(self) -> bool:
        """Operators and admins: they read every customer's data."""
        return self.is_admin or Role.OPERATOR in self.roles

    @property
    def customer_id(self) -> str | None:
        """The customer this principal is, when it holds the customer role."""
        return self.subject if Role.CUSTOMER in self.roles else None

    def can_read(self, owner_id: str | None) -> bool:
        """Staff read everything; a customer what it owns. No known owner (a missing object, a
        representation that names none): staff only."""
        return self.is_staff or (owner_id is not None and self.customer_id == owner_id)

    def can_change(self, owner_id: str) -> bool:
        """Changing investor data: the investor itself, or an admin (operators only read it)."""
        return self.is_admin or self.customer_id == owner_id

    def can_register(self, customer_id: str | None) -> bool:
        """Staff register anyone; a customer registers itself (`customer_id` None: its own `sub`)."""
        return self.is_staff or (self.customer_id is not None and customer_id in (None, self.customer_id))

    @property
    def manages_prices(self) -> bool:
        return self.is_staff
