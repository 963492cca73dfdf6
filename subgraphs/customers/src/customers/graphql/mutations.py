"""registerCustomer, updateCustomer, closeCustomer: the input becomes a command, the service decides,
and its problems become the payload's userErrors (a refusal stays a FORBIDDEN GraphQL error)."""

from __future__ import annotations

from typing import Any

import strawberry
from kit.core.errors import InputProblems
from kit.graphql.cost import user_errors_field
from kit.graphql.types import UserError
from strawberry.types import Info

from customers.graphql.context import CustomersContext
from customers.graphql.inputs import CloseCustomerInput, RegisterCustomerInput, UpdateCustomerInput
from customers.graphql.types import Customer


@strawberry.type
class RegisterCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class UpdateCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class CloseCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError] = user_errors_field()


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
        context = info.context
        try:
            customer = await context.service.customers.register(context.caller, input.to_command())
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
        context = info.context
        try:
            customer = await context.service.customers.update(context.caller, input.to_command())
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
        context = info.context
        try:
            customer = await context.service.customers.close(context.caller, input.to_command())
        except InputProblems as error:
            return CloseCustomerPayload(customer=None, user_errors=UserError.from_problems(error))
        return CloseCustomerPayload(customer=Customer.from_domain(customer), user_errors=[])
