"""Every error the portfolios service shows its clients, worded in one place: codes and messages.

Messages are sentences (a capital letter, a full stop). A field name that begins one keeps the
spelling the client sends (`fxRate must be greater than zero.`); a plain word is capitalized.
- userErrors: functions returning a `Problem` (one of several found in an input) or
  `InputProblems` (the one reason a mutation is refused; nothing written).
- refusals (`Forbidden`, extensions.code FORBIDDEN): worded here, decided in `portfolios.access`.
- an impossible history: `ImpossibleHistory`, raised by the replay (`ledger`), naming the date.
"""

from __future__ import annotations

from decimal import Decimal

from kit.core.errors import InputProblems, Problem
from kit.core.principal import Forbidden

from portfolios.domain.model import Activity, ActivityType, LotPick

INVALID = "INVALID"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
CUSTOMER_CLOSED = "CUSTOMER_CLOSED"
PORTFOLIO_CLOSED = "PORTFOLIO_CLOSED"
INSUFFICIENT_QUANTITY = "INSUFFICIENT_QUANTITY"
LOT_UNAVAILABLE = "LOT_UNAVAILABLE"
TRANSFER_CHANGED = "TRANSFER_CHANGED"
FX_RATE_REQUIRED = "FX_RATE_REQUIRED"
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"

Field = tuple[str, ...]


def sentence(text: str) -> str:
    """`text` as a sentence: its first word capitalized unless it is a field name the client spells
    with capitals or dots (fxRate, splitRatio.from), and a full stop at the end."""
    first = text.split(" ", 1)[0]
    if first.islower() and "." not in first:
        text = text[0].upper() + text[1:]
    return text if text.endswith(".") else f"{text}."


def _input(field: str | Field) -> Field:
    """A field of the mutation's input, named by its path below `input`."""
    return ("input", field) if isinstance(field, str) else ("input", *field)


# --- ids and what they name ----------------------------------------------------------------------


def invalid_id(field: Field) -> Problem:
    return Problem(field, sentence(f"{field[-1]} is not a valid id"), INVALID)


def portfolio_not_found(field: Field = ("input", "portfolioId")) -> Problem:
    return Problem(field, "No portfolio has this id.", NOT_FOUND)


def portfolio_gone(field: Field = ("input", "portfolioId")) -> InputProblems:
    return InputProblems([portfolio_not_found(field)])


def investment_gone(field: Field = ("input", "id")) -> InputProblems:
    return InputProblems.single(field, "No investment has this id.", NOT_FOUND)


def activity_gone(field: Field = ("input", "activityId")) -> InputProblems:
    return InputProblems.single(field, "No activity has this id.", NOT_FOUND)


def customer_not_found() -> InputProblems:
    return InputProblems.single(("input", "customerId"), "No customer has this id.", NOT_FOUND)


def no_such_counterpart(field: Field) -> InputProblems:
    return InputProblems.single(field, "The customer has no other portfolio with this id.", NOT_FOUND)


# --- what is closed -------------------------------------------------------------------------------


def customer_closed_problem(field: Field) -> InputProblems:
    return InputProblems.single(
        field, "The customer closed their account: no new portfolios or investments.", CUSTOMER_CLOSED
    )


def portfolio_closed(field: Field) -> InputProblems:
    return InputProblems.single(
        field, "The portfolio is closed: it accepts no new investments, sales or changes.", PORTFOLIO_CLOSED
    )


# --- idempotency keys -----------------------------------------------------------------------------


def key_reused() -> InputProblems:
    return InputProblems.single(
        ("input", "idempotencyKey"),
        "This idempotencyKey was already used with a different input.",
        IDEMPOTENCY_KEY_REUSED,
    )


def key_target_removed() -> InputProblems:
    return InputProblems.single(
        ("input", "idempotencyKey"),
        "The activity this idempotencyKey recorded has been removed since.",
        NOT_FOUND,
    )


def key_length(most: int) -> Problem:
    return Problem(("input", "idempotencyKey"), f"idempotencyKey must be 1 to {most} characters long.")


# --- portfolios -----------------------------------------------------------------------------------


def name_length(most: int) -> Problem:
    return Problem(("input", "name"), f"Name must be 1 to {most} characters long.", INVALID)


def not_a_currency(field: Field) -> Problem:
    return Problem(field, f"{field[-1]} must be an ISO 4217 code such as USD.", INVALID)


# --- an activity's input --------------------------------------------------------------------------


def invalid(field: str | Field, message: str, code: str = INVALID) -> Problem:
    """A problem of an activity's input at `field` (below `input`), worded as a sentence."""
    return Problem(_input(field), sentence(message), code)


def not_positive(field: Field, label: str) -> Problem:
    return invalid(field, f"{label} must be greater than zero")


def negative(field: Field, label: str) -> Problem:
    return invalid(field, f"{label} must not be negative")


def too_large(field: Field, label: str, most: Decimal) -> Problem:
    return invalid(field, f"{label} must not exceed {most}")


def too_precise(field: Field, label: str, places: int) -> Problem:
    return invalid(field, f"{label} has more than {places} decimal places")


def too_large_or_precise(field: Field, label: str, most: Decimal, places: int) -> Problem:
    return invalid(field, f"{label} must not exceed {most} nor have more than {places} decimal places")


def quantity_problem(path: Field, message: str) -> Problem:
    """A quantity's problem at `path` (the input's quantity, or one lot's)."""
    return Problem(path, sentence(f"quantity {message}"), INVALID)


def not_part_of(name: str, kind: ActivityType) -> Problem:
    return invalid(name, f"{name} is not part of a {kind.value} activity")


def lots_not_part_of(kind: ActivityType) -> Problem:
    return invalid("lots", f"lots are not part of a {kind.value} activity")


def needs(name: str, kind: ActivityType) -> Problem:
    return invalid(name, f"a {kind.value} activity needs {name}")


def transfer_in_recorded_by_its_out() -> Problem:
    return invalid("type", "a TRANSFER_IN is recorded by its TRANSFER_OUT, in the sending portfolio")


def in_the_future(field: str) -> Problem:
    return invalid(field, f"{field} must not be in the future")


def bad_symbol() -> Problem:
    return invalid(
        "symbol", "symbol must be 1 to 20 letters, digits, '.' or '-', starting with a letter or digit"
    )


def takes_no_fees(kind: ActivityType) -> Problem:
    return invalid("fees", f"a {kind.value} activity takes no fees: record a FEE activity")


def fees_currency(of: str) -> Problem:
    return invalid(("fees", "currencyCode"), f"fees must be in the {of}'s currency")


def split_of_one() -> Problem:
    return invalid("splitRatio", "a split of 1 for 1 changes nothing")


def transfer_to_itself() -> Problem:
    return invalid("counterpartPortfolioId", "a transfer goes to another portfolio")


def no_lots_named() -> Problem:
    return invalid("lots", "lots must name at least one investment, or be omitted")


def lots_in_average() -> Problem:
    return invalid(
        "lots", "an AVERAGE portfolio sells from every lot pro rata: specific lots cannot be chosen"
    )


def too_many_lots(most: int) -> Problem:
    return invalid("lots", f"lots may name at most {most} investments")


def lot_named_twice(index: int) -> Problem:
    return invalid(("lots", str(index), "investmentId"), "each investment may be named once")


def lots_do_not_add_up(total: Decimal, quantity: Decimal) -> Problem:
    return invalid("lots", f"the lots' quantities add up to {total}, not to the quantity {quantity}")


def fx_rate_without_money(kind: ActivityType) -> Problem:
    return invalid("fxRate", f"a {kind.value} activity moves no money: it takes no fxRate")


def fx_rate_in_base_currency() -> Problem:
    return invalid(
        "fxRate", "fxRate must be 1 or omitted when the activity is in the portfolio's base currency"
    )


def fx_rate_required(currency: str, base_currency: str, on: str, lookback_days: int) -> Problem:
    # Without fxRate the rate is looked up in the FX closes this service keeps; none was found.
    return Problem(
        ("input", "fxRate"),
        f"No {currency} to {base_currency} rate is known for {on} or the {lookback_days} days before; "
        "give fxRate.",
        FX_RATE_REQUIRED,
    )


def not_correctable(field: Field, kind: str) -> InputProblems:
    return InputProblems.single(
        field, f"A {kind} cannot be corrected: remove it and record the transfer again.", INVALID
    )


def other_base_currency(field: Field, base_currency: str, other: str) -> InputProblems:
    return InputProblems.single(
        field,
        f"Lots keep their cost in {base_currency}: a transfer goes to a portfolio "
        f"of the same base currency, not {other}.",
        INVALID,
    )


# --- an impossible history (the replay's; the services turn it into a userError) -----------------


class ImpossibleHistory(Exception):
    """The replay cannot go on at `activity` (dated `on`): `message` says why, naming the date."""

    def __init__(self, activity: Activity, code: str, message: str) -> None:
        super().__init__(message)
        self.activity = activity
        self.on = activity.occurred_on
        self.code = code
        self.message = message


def _label(activity: Activity) -> str:
    return "sale" if activity.type is ActivityType.SELL else "transfer"


def held_too_little(activity: Activity, held: Decimal) -> ImpossibleHistory:
    return ImpossibleHistory(
        activity,
        INSUFFICIENT_QUANTITY,
        f"On {activity.occurred_on.isoformat()} the portfolio would hold only {held} {activity.symbol}, "
        f"less than the {activity.quantity} the {_label(activity)} of that day takes.",
    )


def lot_held_too_little(activity: Activity, pick: LotPick, held: Decimal) -> ImpossibleHistory:
    return ImpossibleHistory(
        activity,
        LOT_UNAVAILABLE,
        f"On {activity.occurred_on.isoformat()} lot {pick.lot_id} would hold {held} {activity.symbol}, "
        f"less than the {pick.quantity} the {_label(activity)} of that day takes from it.",
    )


def transfer_changed(activity: Activity) -> ImpossibleHistory:
    return ImpossibleHistory(
        activity,
        TRANSFER_CHANGED,
        f"This change would alter the cost of the lots transferred out on "
        f"{activity.occurred_on.isoformat()}; remove that transfer first, then record it again.",
    )


def impossible(field: Field, error: ImpossibleHistory) -> InputProblems:
    """The replayed history would become impossible: the ledger's own message names the date."""
    return InputProblems.single(field, error.message, error.code)


def conflict() -> InputProblems:
    return InputProblems.single(
        ("input",),
        "Other changes to the same records kept interfering; nothing was written, try again.",
        CONFLICT,
    )


# --- refusals ---------------------------------------------------------------------------------------


def forbidden_to_change(kind: str, identifier: str) -> Forbidden:
    """The same words whether the object exists or not, so that a refusal reveals nothing."""
    return Forbidden(f"You may not change {kind} {identifier}.")


def changers_only() -> Forbidden:
    return Forbidden("Only a portfolio's owner or an admin may change it.")


def forbidden_to_open_for(customer_id: str) -> Forbidden:
    return Forbidden(f"You may not open a portfolio for customer {customer_id}.")
