"""The problems the portfolios service reports to clients (userErrors): codes and messages, in one place."""

from __future__ import annotations

from decimal import Decimal

from kit.core.errors import InputProblems, Problem

INVALID = "INVALID"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
CUSTOMER_CLOSED = "CUSTOMER_CLOSED"
PORTFOLIO_CLOSED = "PORTFOLIO_CLOSED"
INSUFFICIENT_QUANTITY = "INSUFFICIENT_QUANTITY"
FX_RATE_REQUIRED = "FX_RATE_REQUIRED"
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"

Field = tuple[str, ...]


def invalid_id(field: Field) -> Problem:
    return Problem(field, f"{field[-1]} is not a valid id", INVALID)


def key_reused() -> InputProblems:
    return InputProblems.single(
        ("input", "idempotencyKey"),
        "this idempotencyKey was already used with a different input",
        IDEMPOTENCY_KEY_REUSED,
    )


def key_target_removed() -> InputProblems:
    return InputProblems.single(
        ("input", "idempotencyKey"),
        "the activity this idempotencyKey recorded has been removed since",
        NOT_FOUND,
    )


def portfolio_gone(field: Field = ("input", "portfolioId")) -> InputProblems:
    return InputProblems.single(field, "no portfolio has this id", NOT_FOUND)


def investment_gone(field: Field = ("input", "id")) -> InputProblems:
    return InputProblems.single(field, "no investment has this id", NOT_FOUND)


def activity_gone(field: Field = ("input", "activityId")) -> InputProblems:
    return InputProblems.single(field, "no activity has this id", NOT_FOUND)


def customer_not_found() -> InputProblems:
    return InputProblems.single(("input", "customerId"), "no customer has this id", NOT_FOUND)


def customer_closed_problem(field: Field) -> InputProblems:
    return InputProblems.single(
        field, "the customer closed their account: no new portfolios or investments", CUSTOMER_CLOSED
    )


def portfolio_closed(field: Field) -> InputProblems:
    return InputProblems.single(
        field, "the portfolio is closed: it accepts no new investments, sales or changes", PORTFOLIO_CLOSED
    )


def impossible(field: Field, message: str, code: str) -> InputProblems:
    """The replayed history would become impossible: the ledger's own message names the date."""
    return InputProblems.single(field, message, code)


def insufficient_quantity(held: Decimal) -> InputProblems:
    return InputProblems.single(
        ("input", "quantity"), f"the portfolio holds only {held} of this instrument", INSUFFICIENT_QUANTITY
    )


def not_correctable(field: Field, kind: str) -> InputProblems:
    return InputProblems.single(
        field, f"a {kind} cannot be corrected: remove it and record the transfer again", INVALID
    )


def conflict() -> InputProblems:
    return InputProblems.single(
        ("input",),
        "other changes to the same records kept interfering; nothing was written, try again",
        CONFLICT,
    )
