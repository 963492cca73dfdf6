"""DynamoDB storage of customers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kit.dynamo import batch_get, to_item

from customers.domain.customer import Address, Customer, email_key

PROFILE = "PROFILE"


class EmailTaken(Exception):
    pass


def _customer_key(customer_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": PROFILE}


def _email_key(email: str) -> dict[str, str]:
    return {"pk": f"EMAIL#{email_key(email)}", "sk": "EMAIL"}


def _to_record(customer: Customer) -> dict[str, Any]:
    address = customer.address
    return {
        **_customer_key(customer.id),
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "phone": customer.phone,
        "address": None
        if address is None
        else {
            key: value
            for key, value in {
                "line1": address.line1,
                "line2": address.line2,
                "city": address.city,
                "region": address.region,
                "postalCode": address.postal_code,
                "country": address.country,
            }.items()
            if value is not None
        },
        "createdAt": customer.created_at.isoformat(),
        "version": customer.version,
        "status": customer.status,
    }


def _from_record(record: Mapping[str, Any]) -> Customer:
    address = record.get("address")
    return Customer(
        id=record["id"],
        email=record["email"],
        name=record["name"],
        phone=record.get("phone"),
        address=None
        if not address
        else Address(
            line1=address["line1"],
            line2=address.get("line2"),
            city=address["city"],
            region=address.get("region"),
            postal_code=address["postalCode"],
            country=address["country"],
        ),
        created_at=datetime.fromisoformat(record["createdAt"]),
        version=int(record["version"]),
        status=record.get("status", "ACTIVE"),
    )


class CustomerRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        records = await batch_get(self._client, self._table, [_customer_key(i) for i in customer_ids])
        return {record["id"]: _from_record(record) for record in records}

    async def insert(self, customer: Customer) -> None:
        """Profile and email guard in one transaction: either both exist afterwards or neither."""
        guard = {**_email_key(customer.email), "customerId": customer.id}
        try:
            await self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(_to_record(customer)),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(guard),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise EmailTaken(customer.email) from error
            raise
