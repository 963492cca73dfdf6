"""kit.graphql.cost: list sizes from @listSize, one estimate per request, and a refusal before
anything resolves."""

from __future__ import annotations

import time
from typing import Any

import pytest
import strawberry
from graphql import parse
from kit.graphql.cost import (
    COST_CODE,
    USER_ERRORS_PER_PAYLOAD,
    CostModel,
    assumed,
    cost_model_of,
    estimate_cost,
    paged,
)
from kit.graphql.schema import MAX_COST, federated_schema
from kit.graphql.types import Money, PageInfo, UserError

RESOLVED: list[str] = []  # fields a test's request actually resolved


@strawberry.federation.type(keys=["id"])
class Lot:
    id: strawberry.ID

    @strawberry.field
    def book(self) -> Book:
        RESOLVED.append("Lot.book")
        return Book(id=strawberry.ID("b1"))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Lot:
        return cls(id=id)


@strawberry.type
class LotEdge:
    node: Lot


@strawberry.type
class LotConnection:
    edges: list[LotEdge]
    page_info: PageInfo


@strawberry.federation.type(keys=["id"])
class Book:
    id: strawberry.ID
    price: Money | None = None

    @strawberry.field(directives=[assumed(100)])
    def lots(self) -> list[Lot]:
        RESOLVED.append("Book.lots")
        return [Lot(id=strawberry.ID(f"l{n}")) for n in range(2)]

    @strawberry.field(directives=[paged(50)])
    def page(self, first: int, after: str | None = None) -> LotConnection:
        return LotConnection(edges=[], page_info=PageInfo(False, False, None, None))

    @strawberry.field
    def unsized(self) -> list[Money]:
        return []

    @strawberry.field
    def tags(self) -> list[str]:
        return ["a"]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book:
        return cls(id=id)


@strawberry.type
class Payload:
    user_errors: list[UserError] = strawberry.field(directives=[assumed(USER_ERRORS_PER_PAYLOAD)])


@strawberry.type
class Query:
    @strawberry.field
    def book(self) -> Book | None:
        RESOLVED.append("Query.book")
        return Book(id=strawberry.ID("b1"))


@strawberry.type
class Mutation:
    @strawberry.mutation
    def touch(self) -> Payload:
        return Payload(user_errors=[])


SCHEMA = federated_schema(query=Query, mutation=Mutation, types=[Lot, Book])
MODEL = cost_model_of(SCHEMA)


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    return estimate_cost(SCHEMA._schema, MODEL, parse(document), variables)


# -- the estimate -------------------------------------------------------------------------------------
def test_the_sdl_carries_the_sizes_composition_passes_to_the_router() -> None:
    sdl = SCHEMA.as_str()
    assert "lots: [Lot!]! @listSize(assumedSize: 100)" in sdl
    assert '@listSize(assumedSize: 50, slicingArguments: ["first"], sizedFields: ["edges"])' in sdl
    assert "null" not in sdl.split("@listSize", 1)[1].split("\n", 1)[0]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{ book { id tags } }", 1),  # objects count, scalars and scalar lists do not
        ("{ book { __typename price { amount } } }", 2),
        ("{ book { lots { id } } }", 1 + 100),
        ("{ book { lots { book { id } } } }", 1 + 100 * (1 + 1)),
        # the fan-out: every level of lists multiplies
        ("{ book { lots { book { lots { book { lots { id } } } } } } }", 1 + 100 * (2 + 100 * (2 + 100))),
        ("{ book { unsized { amount } } }", 1 + 10),  # no @listSize: DEFAULT_LIST_SIZE
        ("{ book { page(first: 3) { edges { node { id } } pageInfo { hasNextPage } } } }", 1 + 1 + 3 * 2 + 1),
        ("{ book { page(first: 3000) { edges { node { id } } } } }", 1 + 1 + 3000 * 2),
        ("mutation { touch { userErrors { code } } }", 1 + USER_ERRORS_PER_PAYLOAD),
    ],
)
def test_an_object_counts_once_times_the_lists_it_sits_in(document: str, expected: int) -> None:
    assert cost(document) == expected


def test_a_page_size_comes_from_its_variable_or_else_the_largest_page() -> None:
    document = "query($n: Int!) { book { page(first: $n) { edges { node { id } } } } }"
    assert cost(document, {"n": 7}) == 1 + 1 + 7 * 2
    assert cost(document, {}) == 1 + 1 + 50 * 2  # unknown: counted at the largest page
    assert cost(document, {"n": "many"}) == 1 + 1 + 50 * 2  # execution refuses it on its own


def test_fragments_count_where_they_are_spread() -> None:
    spread = """
    { book { lots { ...L } } }
    fragment L on Lot { book { lots { ...M } } }
    fragment M on Lot { book { id } }"""
    inline = "{ book { lots { ... on Lot { book { lots { ... on Lot { book { id } } } } } } } }"
    assert cost(spread) == cost(inline) == 1 + 100 * (2 + 100 * 2)


def test_nested_fragment_spreads_are_costed_in_linear_time() -> None:
    # Each fragment spreads the next one 10 times: 10^12 paths, costed once per fragment.
    levels = 12
    fragments = "".join(
        f"fragment F{n} on Book {{ {' '.join([f'...F{n + 1}'] * 10)} }}\n" for n in range(levels)
    )
    document = "{ book { ...F0 } }\n" + fragments + f"fragment F{levels} on Book {{ price {{ amount }} }}"
    started = time.perf_counter()
    assert cost(document) == 1 + 10**levels
    assert time.perf_counter() - started < 1.0


def test_entities_count_their_representations() -> None:
    document = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Book { lots { id } } } }"
    representations = [{"__typename": "Book", "id": f"b{n}"} for n in range(40)]
    assert cost(document, {"r": representations}) == 40 * (1 + 100)


def test_the_model_reads_cost_weights_from_sdl() -> None:
    model = CostModel.from_sdl(
        """
        type Query { heavy: Int @cost(weight: 7) book: Book }
        type Book @cost(weight: 3) { lots: [Book] @listSize(assumedSize: 4) }
        """
    )
    assert model.field_weights == {"Query.heavy": 7}
    assert model.type_weights == {"Book": 3}
    assert model.list_sizes["Book.lots"].assumed_size == 4


# -- the refusal --------------------------------------------------------------------------------------
FAN_OUT = "{ book { lots { book { lots { book { lots { book { id } } } } } } } }"


async def test_a_fan_out_is_refused_with_a_code_before_any_field_resolves() -> None:
    RESOLVED.clear()
    result = await SCHEMA.execute(FAN_OUT)
    assert result.data is None
    assert result.errors is not None
    [error] = result.errors
    estimated = 1 + 100 * (2 + 100 * (2 + 100 * 2))
    assert estimated > MAX_COST
    assert error.extensions == {"code": COST_CODE, "cost": {"estimated": estimated, "max": MAX_COST}}
    assert error.message.startswith("The operation is too large")
    assert RESOLVED == []


async def test_a_request_within_the_bound_runs() -> None:
    RESOLVED.clear()
    result = await SCHEMA.execute("{ book { lots { book { id } } } }")
    assert result.errors is None
    assert result.data == {"book": {"lots": [{"book": {"id": "b1"}}, {"book": {"id": "b1"}}]}}
    assert RESOLVED[:2] == ["Query.book", "Book.lots"]


async def test_many_representations_within_the_bound_run() -> None:
    document = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Lot { id book { id } } } }"
    representations = [{"__typename": "Lot", "id": f"l{n}"} for n in range(200)]
    result = await SCHEMA.execute(document, variable_values={"r": representations})
    assert result.errors is None
    assert len(result.data["_entities"]) == 200  # type: ignore[index]
