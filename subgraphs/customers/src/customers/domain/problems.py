"""Every error the customers service shows a client, in one place: codes and sentences.

`InputProblems` become userErrors (nothing written); `Forbidden` is a GraphQL error with
extensions.code FORBIDDEN. Paging errors (BAD_USER_INPUT) are kit.core.paging's, shared by every list.
"""

from __future__ import annotations

from kit.core.errors import InputProblems, Problem
from kit.core.principal import Forbidden, forbidden_to_see

INVALID = "INVALID"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
EMAIL_TAKEN = "EMAIL_TAKEN"
CUSTOMER_CLOSED = "CUSTOMER_CLOSED"
ALREADY_REGISTERED = "ALREADY_REGISTERED"
INVALID_SUBJECT = "INVALID_SUBJECT"

Field = tuple[str, ...]
ID_FIELD: Field = ("input", "id")
VERSION_FIELD: Field = ("input", "expectedVersion")
EMAIL_FIELD: Field = ("input", "email")


# -- the input, field by field (INVALID) -------------------------------------------------------------


def not_a_customer_id(field: Field) -> InputProblems:
    return InputProblems.single(field, "Not a customer id: a customer id is a ULID or a lower-case UUID.")


def invalid_email(field: Field, reason: str) -> InputProblems:
    """`reason` is email-validator's own sentence (e.g. "An email address must have an @-sign.")."""
    return InputProblems.single(field, f"Invalid email address: {reason}")


def name_length(field: Field, maximum: int) -> InputProblems:
    return InputProblems.single(field, f"Name must be 1 to {maximum} characters.")


def phone_not_e164(field: Field) -> InputProblems:
    return InputProblems.single(field, "Phone must be in E.164 form, e.g. +14155550123.")


def phone_not_a_number(field: Field) -> InputProblems:
    return InputProblems.single(field, "Phone number is not a valid number.")


def address_part_length(field: Field, maximum: int) -> Problem:
    return Problem(field, f"Address {field[-1]} must be 1 to {maximum} characters.")


def not_a_country(field: Field) -> Problem:
    return Problem(field, "Country must be an ISO 3166-1 alpha-2 code, e.g. US.")


def cannot_remove(field: Field) -> Problem:
    """email and name are required: null in an update is a mistake, not a removal."""
    return Problem(field, f"The {field[-1]} cannot be removed; leave it out to keep the current one.")


# -- the customer as stored -------------------------------------------------------------------------


def not_found() -> InputProblems:
    return InputProblems.single(ID_FIELD, "No customer has this id.", NOT_FOUND)


def customer_closed() -> InputProblems:
    return InputProblems.single(ID_FIELD, "The customer is closed.", CUSTOMER_CLOSED)


def stale_version(current: int, expected: int) -> InputProblems:
    return InputProblems.single(
        VERSION_FIELD,
        f"The customer changed: it is at version {current}, not {expected}. Read it again and retry.",
        CONFLICT,
    )


def conflict() -> InputProblems:
    """Every write lost a race with another change of the same customer."""
    return InputProblems.single(
        VERSION_FIELD, "The customer is being changed by someone else; read it again.", CONFLICT
    )


def email_taken() -> InputProblems:
    return InputProblems.single(EMAIL_FIELD, "A customer with this email already exists.", EMAIL_TAKEN)


def already_registered(customer_id: str) -> InputProblems:
    return InputProblems.single(
        (), f"You are registered already, as customer {customer_id}.", ALREADY_REGISTERED
    )


def invalid_subject() -> InputProblems:
    return InputProblems.single(
        (),
        "Your sign-in identity cannot be a customer id: the token's subject must be a ULID or a "
        "lower-case UUID. Ask an operator to register you.",
        INVALID_SUBJECT,
    )


# -- refusals (FORBIDDEN) ---------------------------------------------------------------------------


def forbidden_to_read(customer_id: str) -> Forbidden:
    """The same words whether the customer exists or not (kit's wording, shared by every service)."""
    return forbidden_to_see("customer", customer_id)


def forbidden_to_change(customer_id: str) -> Forbidden:
    """Decided before any read: the same words whether the customer exists or not."""
    return Forbidden(f"Only the customer itself or an admin may change customer {customer_id}.")


def forbidden_to_register_another() -> Forbidden:
    return Forbidden("A customer may register only itself.")


def forbidden_to_register() -> Forbidden:
    return Forbidden("Only operators, admins and customers themselves may register customers.")
