"""What the access tests of the customers API share: documents, tokens and helpers."""

from __future__ import annotations

import json

from kit_testing import ISSUER
from ulid import ULID

FIELDS = "id email name createdAt version status"
PAYLOAD = f"{{ customer {{ {FIELDS} }} userErrors {{ field message code }} }}"
REGISTER = f"mutation($input: RegisterCustomerInput!) {{ registerCustomer(input: $input) {PAYLOAD} }}"
UPDATE = f"mutation($input: UpdateCustomerInput!) {{ updateCustomer(input: $input) {PAYLOAD} }}"
CLOSE = f"mutation($input: CloseCustomerInput!) {{ closeCustomer(input: $input) {PAYLOAD} }}"
LIST = """query($first: Int!, $after: String) { customers(first: $first, after: $after) {
  edges { cursor node { id name email createdAt } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
READ = "query($id: ID!) { customer(id: $id) { id email name } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id email name } } }"
OPERATOR, ADMIN = ISSUER.operator(), ISSUER.admin()


def email() -> str:
    return f"c-{str(ULID()).lower()}@example.com"


def unknown_id() -> str:
    return str(ULID())  # well formed, never registered


async def customer(api, name: str = "Ada Investor") -> dict:
    """A customer registered by an admin (the client's default token)."""
    return await api.register(email=email(), name=name)


def forbidden(body: dict) -> list[tuple[tuple, str, str]]:
    """(path, code, message) of every error."""
    return [(tuple(e["path"]), e["extensions"]["code"], e["message"]) for e in body.get("errors", [])]


def leaks(body: dict, other: dict) -> bool:
    text = json.dumps(body)
    return other["email"] in text or other["name"] in text


async def reads_and_writes(api, call) -> tuple[dict, dict]:
    """The body of `call()` and the DynamoDB calls it made."""
    api.runtime.counter.reset()
    body = await call()
    return body, dict(api.runtime.counter.calls)
