"""kit.graphql.entities through kit.graphql.schema: a malformed representation is null with
BAD_USER_INPUT at its index of `_entities`; the valid ones of the same request resolve."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.graphql.schema import federated_schema
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

resolved_log: list[dict[str, Any]] = []


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Owner:
    id: strawberry.ID


@strawberry.federation.type
class Line:
    symbol: str = strawberry.federation.field(external=True)
    quantity: Decimal = strawberry.federation.field(external=True)
    note: str | None = strawberry.federation.field(external=True, default=None)


@strawberry.federation.type(keys=["id"])
class Account:
    id: strawberry.ID
    lines: list[Line] = strawberry.federation.field(external=True)
    owner: Owner = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["lines { symbol quantity note } owner { id }"])
    def total(self) -> Decimal:
        return sum((line.quantity for line in self.lines), Decimal(0))

    @classmethod
    async def resolve_reference(
        cls, id: strawberry.ID, lines: list[dict[str, Any]] | None = None, owner: Any = None
    ) -> Account:
        resolved_log.append({"id": id, "lines": lines, "owner": owner})
        parsed = [Line(symbol=line["symbol"], quantity=Decimal(line["quantity"])) for line in lines or []]
        return cls(id=id, lines=parsed, owner=Owner(id=strawberry.ID("o")))


@strawberry.federation.type(keys=["symbol"])
class Thing:
    symbol: str

    @classmethod
    def resolve_reference(cls, symbol: str) -> Thing:
        return cls(symbol=symbol)


@strawberry.type
class Query:
    @strawberry.field
    def account(self) -> Account | None:
        return None


SCHEMA = federated_schema(query=Query, types=[Account, Thing, Owner])
DOCUMENT = """query($r: [_Any!]!) { _entities(representations: $r) {
  __typename ... on Account { id total } ... on Thing { symbol } } }"""
GOOD_ACCOUNT = {
    "__typename": "Account",
    "id": "A1",
    "lines": [{"symbol": "AAPL", "quantity": "2.5"}, {"__typename": "Line", "symbol": "X", "quantity": "1"}],
    "owner": {"__typename": "Owner", "id": "o"},
}
GOOD_THING = {"__typename": "Thing", "symbol": "AAPL"}

MALFORMED: list[Any] = [
    {"__typename": "Account"},  # no key
    {},
    {"__typename": "Query", "id": "A1"},
    {"__typename": "Owner", "id": "o"},  # resolvable: false here
    {"__typename": "_Service"},
    {"__typename": 7, "id": "A1"},
    {"__typename": "Account", "id": 5},
    {"__typename": "Account", "id": {"nested": "A1"}},
    {"__typename": "Account", "id": ["A1"]},
    {"__typename": "Account", "id": True},
    {"__typename": "Account", "id": None},
    {"__typename": "Account", "id": "A1\u0000"},
    {"__typename": "Account", "id": "\ud800"},
    {"__typename": "Account", "id": "x" * 15_000},
    {"__typename": "Account", "id": "A1", "x": 1},  # a field the entity does not take
    {"__typename": "Account", "id": "A1", "lines": "AAPL"},
    {"__typename": "Account", "id": "A1", "lines": [{"symbol": "AAPL"}]},
    {"__typename": "Account", "id": "A1", "lines": [{"symbol": "AAPL", "quantity": "NaN"}]},
    {"__typename": "Account", "id": "A1", "lines": [{"symbol": "AAPL", "quantity": 1.5}]},
    {"__typename": "Account", "id": "A1", "lines": [{"symbol": 1, "quantity": "1"}]},
    {"__typename": "Account", "id": "A1", "lines": [{"symbol": "A", "quantity": "1", "extra": 1}]},
    {"__typename": "Account", "id": "A1", "lines": [{"symbol": "A", "quantity": "1", "note": 5}]},
    {"__typename": "Account", "id": "A1", "lines": [None]},
    {"__typename": "Account", "id": "A1", "owner": {"id": 3}},
    {"__typename": "Account", "id": "A1", "owner": {"__typename": "Account", "id": "o"}},
    {"__typename": "Thing", "id": "AAPL"},
    -1,
    "Account",
    [GOOD_THING],
]


def entities(representations: Any) -> dict[str, Any]:
    import asyncio

    result = asyncio.run(SCHEMA.execute(DOCUMENT, variable_values={"r": representations}))
    return {"data": result.data, "errors": [e.formatted for e in result.errors or []]}


@pytest.mark.parametrize("bad", MALFORMED, ids=[repr(m)[:40] for m in MALFORMED])
def test_a_malformed_representation_is_null_with_bad_user_input_beside_valid_ones(bad: Any) -> None:
    body = entities([GOOD_ACCOUNT, bad, GOOD_THING])
    assert body["data"]["_entities"] == [
        {"__typename": "Account", "id": "A1", "total": "3.5"},
        None,
        {"__typename": "Thing", "symbol": "AAPL"},
    ]
    [error] = body["errors"]
    assert error["path"] == ["_entities", 1]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "representation" in error["message"] or "__typename" in error["message"]
    assert "\ud800" not in error["message"] and "x" * 100 not in error["message"]  # echoes nothing


@pytest.mark.parametrize("representations", [{}, -1, {"__typename": "Customer"}, "x"])
def test_representations_that_are_not_a_list_are_one_refused_item(representations: Any) -> None:
    """GraphQL reads a single value where a list is expected as a list of that one value."""
    body = entities(representations)
    assert body["data"] == {"_entities": [None]}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", 0], "BAD_USER_INPUT")
    ]


def test_only_the_key_and_required_fields_reach_resolve_reference() -> None:
    resolved_log.clear()
    body = entities([{"__typename": "Account", "id": "A2"}, GOOD_ACCOUNT])
    assert body["errors"] == []
    assert resolved_log == [
        {"id": "A2", "lines": None, "owner": None},
        {"id": "A1", "lines": GOOD_ACCOUNT["lines"], "owner": GOOD_ACCOUNT["owner"]},
    ]


def test_a_nullable_required_field_left_out_counts_as_null() -> None:
    """`note` is nullable: a representation without it (or with null, or a string) resolves, so a
    subgraph can add a nullable field to its @requires; a non-null one left out is refused above."""
    lines = [
        {"symbol": "A", "quantity": "1"},
        {"symbol": "B", "quantity": "2", "note": None},
        {"symbol": "C", "quantity": "0.5", "note": "n"},
    ]
    body = entities([{"__typename": "Account", "id": "A3", "lines": lines}])
    assert body["errors"] == []
    assert body["data"]["_entities"] == [{"__typename": "Account", "id": "A3", "total": "3.5"}]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["__typename", "id", "symbol", "lines", "owner", "x"]), inner, max_size=4
        )
    ),
    max_leaves=8,
)
_NAMES = st.sampled_from(["Account", "Thing", "Owner", "Query", "Line", ""])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        _JSON.filter(lambda value: value is not None)  # null is refused as a variable, by GraphQL
        | st.builds(
            lambda name, rest: {**rest, "__typename": name},
            _NAMES,
            st.dictionaries(st.sampled_from(["id", "symbol", "lines", "owner"]), _JSON, max_size=3),
        ),
        max_size=4,
    )
)
def test_any_representation_resolves_or_is_refused_with_bad_user_input(representations: list[Any]) -> None:
    body = entities(representations)
    assert len(body["data"]["_entities"]) == len(representations)
    for error in body["errors"]:
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}, error
        assert error["path"][0] == "_entities"
