"""Validation of what clients ask: bounds, dates, portfolios, names, idempotency keys and quantities.

An activity's input is validated in `activity_validation`, with the bounds below. The bounds are
generous for real portfolios and keep every sum and product exact in `EXACT` (and every stored
number short). Every problem of an input is reported at once, worded in `problems`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kit.core.errors import InputProblems, Problem
from kit.core.ids import is_customer_id
from kit.core.money import EXACT, decimal_places, is_iso_currency
from kit.core.text import TextError, TextKind, clean_text, text_problem, trimmed

from portfolios.domain.commands import PortfolioRequest
from portfolios.domain.model import (
    QUANTITY_PLACES,
    CostBasisMethod,
    CustomerStatus,
    Portfolio,
    PortfolioKind,
)
from portfolios.domain.problems import (
    customer_closed_problem,
    customer_not_found,
    invalid_id,
    name_length,
    not_a_currency,
    quantity_problem,
)

SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}")

NAME_MAX_LENGTH = 100
MAX_QUANTITY = Decimal(10) ** 12
AMOUNT_PLACES = 10
MAX_AMOUNT = Decimal(10) ** 12
FX_RATE_PLACES = 15
MAX_FX_RATE = Decimal(10) ** 9
MAX_SPLIT_TERM = Decimal(10) ** 6
MAX_PICKS = 10_000
IDEMPOTENCY_KEY_MAX_LENGTH = 128

# Re-exported: validation is where callers look for the input bounds (and the adapters for a
# customer's status).
__all__ = ["QUANTITY_PLACES", "CustomerStatus", "PortfolioRequest", "decimal_places"]

# The latest calendar date in effect anywhere is the one at UTC+14 (Line Islands): a purchase dated
# then is not in the future for someone; a purchase dated later is in the future for everyone.
_LATEST_OFFSET = timedelta(hours=14)


def latest_purchase_date(now: datetime) -> date:
    """The latest date a purchase (or sale) may carry at the (timezone-aware) instant `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return (now.astimezone(UTC) + _LATEST_OFFSET).date()


def canonical(value: Decimal) -> str:
    """One spelling per number (10, 10.0 and 1E+1 all give "10"), for fingerprints."""
    return format(value.normalize(EXACT), "f")


def fingerprint_of(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- portfolios -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPortfolio:
    customer_id: str
    name: str
    kind: PortfolioKind
    base_currency: str
    cost_basis_method: CostBasisMethod

    def create(self, portfolio_id: str, created_at: datetime) -> Portfolio:
        return Portfolio(
            id=portfolio_id,
            customer_id=self.customer_id,
            name=self.name,
            kind=self.kind,
            base_currency=self.base_currency,
            cost_basis_method=self.cost_basis_method,
            created_at=created_at,
        )


def _name_problems(name: str) -> list[Problem]:
    problem = text_problem(name, TextKind.NAME, ("input", "name"))
    if problem is not None:
        return [problem]
    if 1 <= len(_clean_name(name)) <= NAME_MAX_LENGTH:
        return []
    return [name_length(NAME_MAX_LENGTH)]


def _clean_name(name: str) -> str:
    """A name the text policy accepted, in NFC and trimmed."""
    return clean_text(name, TextKind.NAME).strip()


def validate_name(name: str) -> str:
    """The trimmed portfolio name, or InputProblems (INVALID on input.name)."""
    problems = _name_problems(name)
    if problems:
        raise InputProblems(problems)
    return _clean_name(name)


def validate_portfolio(
    request: PortfolioRequest, *, customer_registered: bool, customer_closed: bool = False
) -> NewPortfolio:
    """The normalized portfolio, or InputProblems listing everything wrong with the request.

    `customer_registered` says whether the customer directory knows `customer_id`,
    `customer_closed` whether it knows the customer closed their account.
    """
    problems: list[Problem] = []
    customer_id = trimmed(request.customer_id, TextKind.ID)
    if not is_customer_id(customer_id):
        problems.append(invalid_id(("input", "customerId")))
    elif customer_closed:
        problems.extend(customer_closed_problem(("input", "customerId")).problems)
    elif not customer_registered:
        problems.extend(customer_not_found().problems)
    problems.extend(_name_problems(request.name))
    base_currency = trimmed(request.base_currency, TextKind.CODE)
    if not is_iso_currency(base_currency):
        problems.append(not_a_currency(("input", "baseCurrency")))
    if problems:
        raise InputProblems(problems)
    return NewPortfolio(
        customer_id=customer_id,
        name=_clean_name(request.name),
        kind=request.kind,
        base_currency=base_currency,
        cost_basis_method=request.cost_basis_method,
    )


def usable_idempotency_key(key: str | None) -> str | None:
    """The key as stored and looked up, or None when it is none or one the rules refuse, so that a
    malformed key is never looked up. An opaque key is compared as sent: not normalized."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        return None
    try:
        clean_text(key, TextKind.KEY)
    except TextError:
        return None
    return key


def quantity_problems(quantity: Decimal, path: tuple[str, ...] = ("input", "quantity")) -> list[Problem]:
    if quantity <= 0:
        return [quantity_problem(path, "must be greater than zero")]
    if quantity > MAX_QUANTITY:
        return [quantity_problem(path, f"must not exceed {MAX_QUANTITY}")]
    if decimal_places(quantity) > QUANTITY_PLACES:
        return [quantity_problem(path, f"has more than {QUANTITY_PLACES} decimal places")]
    return []
