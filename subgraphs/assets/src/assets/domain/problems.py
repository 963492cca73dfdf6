"""Every error the assets service shows its clients, in one place: codes and messages (sentences).

Mutations report bad input as userErrors (`Problem`, `InputProblems`); a representation or an
argument this API cannot take is a BAD_USER_INPUT GraphQL error; a refusal is FORBIDDEN. Messages
never echo what was sent: it may be kilobytes of anything.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kit.core.errors import InputProblems, Problem, PublicError, bad_user_input
from kit.core.principal import Forbidden, forbidden_to_see

INVALID = "INVALID"
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
NOT_FOUND = "NOT_FOUND"

Field = tuple[str, ...]


# -- manual prices --------------------------------------------------------------------------------
def malformed_symbol(field: Field) -> Problem:
    return Problem(
        field, "A symbol is 1 to 20 letters, digits, dots or dashes, starting with a letter or digit."
    )


def not_positive(field: Field, subject: str) -> Problem:
    return Problem(field, f"{subject} must be greater than zero.")


def too_large(field: Field, subject: str, bound: Decimal) -> Problem:
    return Problem(field, f"{subject} must be less than {bound:f}.")


def too_precise(field: Field, subject: str, places: int) -> Problem:
    return Problem(field, f"{subject} has more than {places} decimal places.")


def not_a_currency(field: Field, subject: str) -> Problem:
    return Problem(field, f"{subject} must be an ISO 4217 currency code, such as USD.")


def quoted_in_another_currency(symbol: str, listed: str | None, given: str) -> Problem:
    return Problem(
        ("input", "price", "currencyCode"), f"{symbol} is quoted in {listed}, not {given}.", CURRENCY_MISMATCH
    )


def previous_close_in_another_currency(price_currency: str) -> Problem:
    return Problem(
        ("input", "previousClose", "currencyCode"),
        f"The previous close must be in the currency of the price ({price_currency}).",
        CURRENCY_MISMATCH,
    )


def manual_instrument_in_another_currency(symbol: str, currency: str | None, given: str) -> InputProblems:
    """The symbol is already a manual instrument, in another currency (found when writing)."""
    return InputProblems.single(
        ("input", "price", "currencyCode"),
        f"{symbol} is a manual instrument in {currency or 'another currency'}, not {given}.",
        CURRENCY_MISMATCH,
    )


EXPIRES_AT: Field = ("input", "expiresAt")


def expiry_without_offset() -> Problem:
    return Problem(EXPIRES_AT, "The expiry must include a time zone offset, such as Z or +01:00.")


def expiry_not_in_future() -> Problem:
    return Problem(EXPIRES_AT, "The expiry must be in the future.")


def expiry_too_far(days: int) -> Problem:
    return Problem(EXPIRES_AT, f"The expiry must be at most {days} days from now.")


def no_manual_price(symbol: str) -> InputProblems:
    return InputProblems.single(("input", "symbol"), f"{symbol} has no manual price to clear.", NOT_FOUND)


# -- manual FX rates ------------------------------------------------------------------------------
def same_currencies() -> Problem:
    return Problem(
        ("input", "toCurrency"), "The currency to convert to must differ from the one to convert from."
    )


# -- entity representations (sent by the router, or by anyone calling this subgraph) ---------------
def bad_holdings(detail: str = "") -> PublicError:
    return bad_user_input(
        f"The representation's holdings must be a list of {{symbol, quantity, costBasis}}{detail}."
    )


def bad_base_currency() -> PublicError:
    return bad_user_input("The representation's baseCurrency must be an ISO 4217 code such as USD.")


# -- refusals (see assets.access) -------------------------------------------------------------------
def price_managers_only() -> Forbidden:
    return Forbidden("Only operators and admins may set or clear manual prices and FX rates.")


def portfolio_hidden(portfolio_id: str) -> Forbidden:
    """The same words whether the portfolio is someone else's or names no owner: no existence oracle."""
    return forbidden_to_see("portfolio", portfolio_id)


# -- history ranges (Instrument.history) ------------------------------------------------------------
def range_reversed() -> PublicError:
    return bad_user_input("The history's `from` date must be on or before its `to` date.")


def range_too_early(earliest: date) -> PublicError:
    return bad_user_input(f"The history starts on {earliest.isoformat()} at the earliest.")


def range_in_the_future(days_ahead: int) -> PublicError:
    return bad_user_input(f"The history's `to` date may be at most {days_ahead} days after today.")


def range_too_long(years: int) -> PublicError:
    return bad_user_input(f"A history covers at most {years} years; ask for a shorter range.")


# -- value over time and returns (Portfolio.history, Portfolio.performance) -------------------------
def bad_timeline() -> PublicError:
    return bad_user_input(
        "The representation's timeline must be the portfolio's dated changes as the portfolios "
        "subgraph sends them: parallel lists of equal length, oldest first."
    )


def bad_benchmark() -> PublicError:
    return bad_user_input("The benchmark must be a symbol: 1 to 20 letters, digits, dots or dashes.")
