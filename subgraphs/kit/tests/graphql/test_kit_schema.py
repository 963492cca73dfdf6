"""kit.graphql.schema: the federated schema every subgraph builds (Federation 2.9, shared value
types) and its document limits (depth, aliases)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from kit.graphql.schema import MAX_ALIASES, MAX_DEPTH, federated_schema
from kit.graphql.types import Money, MoneyInput, UserError
from strawberry.printer import print_schema


@strawberry.type
class Node:
    @strawberry.field
    def child(self) -> Node:
        return Node()

    @strawberry.field
    def leaf(self) -> int:
        return 1


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, value: Decimal) -> Decimal:
        return value

    @strawberry.field
    def money(self, input: MoneyInput) -> Money:
        return Money(amount=input.amount, currency_code=input.currency_code)

    @strawberry.field
    def problems(self) -> list[UserError]:
        return []

    @strawberry.field
    def node(self) -> Node:
        return Node()


SCHEMA = federated_schema(query=Query)


async def run(document: str, variables: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    result = await SCHEMA.execute(document, variable_values=variables)
    return result.data, list(result.errors or [])


def test_printed_sdl_links_federation_2_9_and_shares_value_types() -> None:
    for sdl in (SCHEMA.as_str(), print_schema(SCHEMA)):
        assert "https://specs.apollo.dev/federation/v2.9" in sdl
        assert "v2.11" not in sdl
        assert "scalar Decimal" in sdl
        assert "type Money @shareable" in sdl
        assert "type UserError @shareable" in sdl
        assert "input MoneyInput {" in sdl


async def test_service_sdl_served_to_the_router_is_federation_2_9() -> None:
    data, errors = await run("{ _service { sdl } }")
    assert errors == []
    sdl = data["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2.9"' in sdl
    assert "amount: Decimal!" in sdl


def _nested(depth: int) -> str:
    return "{ node { " + "child { " * (depth - 1) + "leaf" + " }" * (depth - 1) + " } }"


async def test_query_depth_is_limited() -> None:
    _, errors = await run(_nested(MAX_DEPTH))
    assert errors == []
    data, errors = await run(_nested(MAX_DEPTH + 5))
    assert data is None
    assert errors
    assert "depth" in errors[0].message
    assert errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}


async def test_aliases_are_limited() -> None:
    allowed = "{ " + " ".join(f"a{i}: echo(value: 1)" for i in range(MAX_ALIASES)) + " }"
    _, errors = await run(allowed)
    assert errors == []
    too_many = "{ " + " ".join(f"a{i}: echo(value: 1)" for i in range(MAX_ALIASES + 1)) + " }"
    data, errors = await run(too_many)
    assert data is None
    assert errors
    assert "alias" in errors[0].message.lower()
