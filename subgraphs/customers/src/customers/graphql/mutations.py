from __future__ import annotations

from typing import Any

import strawberry
from kit.core.errors import InputProblems
from kit.graphql.cost import user_errors_field
from kit.graphql.types import UserError
from strawberry.types import Info

from customers.domain.customer import KEEP, Address, Keep
from customers.graphql.context import CustomersContext
from customers.graphql.types import Customer


@strawberry.input
class AddressInput:
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. US.")

    def to_domain(self) -> Address:
        return Address(
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country=self.country,
        )


@strawberry.input
class RegisterCustomerInput:
    email: str
    name: str
    phone: str | None = None
    address: AddressInput | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The customer's id. Staff set it to the `sub` of the person's sign-in (their "
        "Cognito user) so that the person's own token reaches the record; a customer may only "
        "give its own `sub`. Left out: a new ULID (staff) or the caller's `sub` (a customer).",
    )


@strawberry.type
class RegisterCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input(
    description="Only the fields given change. Leave a field out to keep it; phone: null or address: null "
    "removes it (email and name cannot be removed)."
)
class UpdateCustomerInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(
        description="The version the change is based on; a stale one changes nothing (code CONFLICT)."
    )
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET


@strawberry.type
class UpdateCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input
class CloseCustomerInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="When given, a stale version closes nothing (code CONFLICT)."
    )


@strawberry.type
class CloseCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError] = user_errors_field()


def _given(value: str | None) -> str | Keep | None:
    """strawberry.UNSET (left out of the input) becomes the domain's KEEP; null stays None."""
    return KEEP if value is strawberry.UNSET else value


def _address(value: AddressInput | None) -> Address | Keep | None:
    if value is strawberry.UNSET:
        return KEEP
    return None if value is None else value.to_domain()


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register a customer. Operators and admins register anyone (a new id); a customer "
        "registers itself, once: its id is its token's subject. The email is unique, case-insensitively. "
        "Codes: INVALID, EMAIL_TAKEN, ALREADY_REGISTERED (that customer exists), INVALID_SUBJECT (the "
        "token's subject is no ULID or lower-case UUID)."
    )
    async def register_customer(
        self,
        info: Info[CustomersContext, Any],
        input: RegisterCustomerInput,
    ) -> RegisterCustomerPayload:
        try:
            customer = await info.context.service.register(
                info.context.caller,
                email=input.email,
                name=input.name,
                phone=input.phone,
                address=input.address.to_domain() if input.address else None,
                customer_id=str(input.id) if input.id is not None else None,
            )
        except InputProblems as error:
            return RegisterCustomerPayload(customer=None, user_errors=UserError.from_problems(error))
        return RegisterCustomerPayload(customer=Customer.from_domain(customer), user_errors=[])

    @strawberry.mutation(
        description="Change a customer's name, email, phone or address, from the version the client last "
        "read. Only the customer itself or an admin (otherwise an error with extensions.code FORBIDDEN). "
        "Codes: INVALID, NOT_FOUND, CUSTOMER_CLOSED, CONFLICT (stale expectedVersion), EMAIL_TAKEN."
    )
    async def update_customer(
        self,
        info: Info[CustomersContext, Any],
        input: UpdateCustomerInput,
    ) -> UpdateCustomerPayload:
        try:
            customer = await info.context.service.update(
                info.context.caller,
                customer_id=str(input.id),
                expected_version=input.expected_version,
                name=_given(input.name),
                email=_given(input.email),
                phone=_given(input.phone),
                address=_address(input.address),
            )
        except InputProblems as error:
            return UpdateCustomerPayload(customer=None, user_errors=UserError.from_problems(error))
        return UpdateCustomerPayload(customer=Customer.from_domain(customer), user_errors=[])

    @strawberry.mutation(
        description="Close a customer: status CLOSED, every field kept, no further change. Only the "
        "customer itself or an admin (otherwise an error with extensions.code FORBIDDEN). "
        "Codes: INVALID, NOT_FOUND, CUSTOMER_CLOSED (closed already), CONFLICT (stale expectedVersion)."
    )
    async def close_customer(
        self,
        info: Info[CustomersContext, Any],
        input: CloseCustomerInput,
    ) -> CloseCustomerPayload:
        try:
            customer = await info.context.service.close(
                info.context.caller, customer_id=str(input.id), expected_version=input.expected_version
            )
        except InputProblems as error:
            return CloseCustomerPayload(customer=None, user_errors=UserError.from_problems(error))
        return CloseCustomerPayload(customer=Customer.from_domain(customer), user_errors=[])
