from __future__ import annotations

from typing import Any

import strawberry
from kit.errors import InputProblems
from kit.graphql_types import UserError
from strawberry.types import Info

from customers.domain.customer import Address
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


@strawberry.type
class RegisterCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Register a customer. The email is unique, case-insensitively.")
    async def register_customer(
        self,
        info: Info[CustomersContext, Any],
        input: RegisterCustomerInput,
    ) -> RegisterCustomerPayload:
        try:
            customer = await info.context.service.register(
                email=input.email,
                name=input.name,
                phone=input.phone,
                address=input.address.to_domain() if input.address else None,
            )
        except InputProblems as error:
            return RegisterCustomerPayload(customer=None, user_errors=UserError.from_problems(error))
        return RegisterCustomerPayload(customer=Customer.from_domain(customer), user_errors=[])
