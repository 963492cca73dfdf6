"""kit.graphql.execution: basic fields take a shorter way, and every response (data, errors, their
paths and messages) is the one graphql-core's own executor gives, value for value."""

from __future__ import annotations

import asyncio
import enum
import re
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import GraphQLResolveInfo
from kit.graphql.execution import PlainFieldExecutor
from kit.graphql.schema import federated_schema
from kit.graphql.types import Money
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


@strawberry.enum
class Side(enum.Enum):
    BUY = "BUY"
    SELL = "SELL"


class Shout(FieldExtension):
    """A field extension on a field without a resolver: such a field is not basic, it is resolved with
    its info and the extension runs."""

    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Line:
    code: str = strawberry.field(extensions=[Shout()])
    amount: Decimal
    side: Side
    note: str | None
    price: Money
    maybe_price: Money | None

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.note}"


@strawberry.type
class Holder:
    line: Line
    optional_line: Line | None


def _line(n: int, **changes: Any) -> Line:
    values: dict[str, Any] = {
        "code": f"c{n}",
        "amount": Decimal(n) / 4,
        "side": Side.BUY if n % 2 else Side.SELL,
        "note": None if n % 3 else f"n{n}",
        "price": Money(amount=Decimal("1.50") * n, currency_code="EUR"),
        "maybe_price": None if n % 2 else Money(amount=Decimal(n), currency_code="USD"),
    }
    return Line(**{**values, **changes})


# Broken values: a float where a Decimal is due (serialization refuses it), null where non-null,
# an unknown enum value, a non-null object whose non-null leaf fails (the error propagates up).
BROKEN: dict[str, list[Holder]] = {
    "ok": [Holder(line=_line(n), optional_line=_line(n + 1) if n % 2 else None) for n in range(1, 8)],
    "float": [Holder(line=_line(1, amount=0.5), optional_line=_line(2, amount=1.5))],
    "null": [Holder(line=_line(1, amount=None), optional_line=_line(2, side=None))],
    "enum": [Holder(line=_line(1, side="HOLD"), optional_line=None)],
    "nested": [
        Holder(
            line=_line(1),
            optional_line=_line(2, price=Money(amount=0.25, currency_code="EUR")),  # type: ignore[arg-type]
        ),
        Holder(line=_line(3, price=Money(amount=Decimal(1), currency_code=None)), optional_line=None),  # type: ignore[arg-type]
    ],
}


@strawberry.type
class Query:
    @strawberry.field
    def holders(self, case: str) -> list[Holder]:
        return BROKEN[case]

    @strawberry.field
    def optional_holders(self, case: str) -> list[Holder | None]:
        return list(BROKEN[case])


FIELDS = (
    "__typename code amount side note price { amount currencyCode __typename } "
    "maybePrice { amount currencyCode } later"
)
DOCUMENT = (
    f"query($case: String!) {{ holders(case: $case) {{ line {{ {FIELDS} }} optionalLine {{ {FIELDS} }} }} "
    f"optionalHolders(case: $case) {{ line {{ amount price {{ amount }} }} }} }}"
)


class Doubling(SchemaExtension):
    """A field middleware: with one installed, every field goes graphql-core's way."""

    def resolve(self, _next: Any, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result * 2 if isinstance(result, Decimal) else result


def _unreferenced(message: str) -> str:
    """A masked error's message without its reference (new for every error)."""
    return re.sub(r"Reference: \w+", "Reference: ...", message)


def _executed(
    case: str, executor: type, extensions: tuple[type[SchemaExtension], ...] = ()
) -> dict[str, Any]:
    schema = federated_schema(query=Query)
    schema.execution_context_class = executor
    schema.extensions = (*schema.extensions, *extensions)
    answer = asyncio.run(schema.execute(DOCUMENT, variable_values={"case": case}))
    return {
        "data": answer.data,
        "errors": sorted(
            (
                _unreferenced(error.message),
                tuple(error.path or ()),
                tuple((at.line, at.column) for at in error.locations or ()),
            )
            for error in answer.errors or ()
        ),
    }


def test_federated_schemas_use_the_plain_field_executor() -> None:
    assert federated_schema(query=Query).execution_context_class is PlainFieldExecutor


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_responses_are_graphql_cores_own(case: str) -> None:
    plain = _executed(case, PlainFieldExecutor)
    assert plain == _executed(case, StrawberryGraphQLCoreExecutionContext)
    assert bool(plain["errors"]) is (case != "ok")


def test_ok_values_are_serialized_as_before() -> None:
    line = _executed("ok", PlainFieldExecutor)["data"]["holders"][0]["line"]
    assert line == {
        "__typename": "Line",
        "code": "C1",
        "amount": "0.25",
        "side": "BUY",
        "note": None,
        "price": {"amount": "1.50", "currencyCode": "EUR", "__typename": "Money"},
        "maybePrice": None,
        "later": "later None",
    }


@pytest.mark.parametrize("case", ["ok", "float"])
def test_a_field_middleware_still_sees_every_field(case: str) -> None:
    plain = _executed(case, PlainFieldExecutor, (Doubling,))
    assert plain == _executed(case, StrawberryGraphQLCoreExecutionContext, (Doubling,))
    if case == "ok":
        assert plain["data"]["holders"][0]["line"]["amount"] == "0.50"


def test_the_shorter_way_builds_no_resolve_info(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original = PlainFieldExecutor.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, *args: Any) -> Any:
        built.append(field_nodes[0].name.value)
        return original(self, field_def, field_nodes, *args)

    monkeypatch.setattr(PlainFieldExecutor, "build_resolve_info", counting)
    _executed("ok", PlainFieldExecutor)
    # Fields with a resolver of their own, __typename and null values (graphql-core's way reports what
    # null means) build one; an attribute-read field with a value never does.
    assert set(built) == {
        "holders",
        "optionalHolders",
        "later",
        "code",
        "__typename",
        "note",
        "maybePrice",
        "optionalLine",
    }
    assert built.count("later") == built.count("code") == 7 + 4  # 7 lines and 4 optional lines
    assert not {"amount", "side", "price", "line", "currencyCode"} & set(built)
