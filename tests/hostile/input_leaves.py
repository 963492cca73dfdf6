"""Every leaf of every mutation's input, from the API schema: a valid input per mutation (a valid
value per leaf name), the extremes each leaf is tried with, and the request body that carries a
raw JSON value where no encoder would write it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack import toolchain
from devstack.schema_gate import api_schema_sdl
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLScalarType,
    build_ast_schema,
    get_named_type,
    is_required_input_field,
    parse,
)

from .extremes import Extremes
from .suite import Target

INTERNAL = {"INTERNAL_SERVER_ERROR", "INTERNAL_ERROR", "UNEXPECTED_ERROR"}
# Leaves whose every hostile string must be refused: references and codes, not free text.
CODE_LEAVES = {
    "id",
    "portfolioId",
    "customerId",
    "symbol",
    "currencyCode",
    "baseCurrency",
    "fromCurrency",
    "toCurrency",
    "country",
    "phone",
}

OPTIONAL_EMPTY_IS_NONE = {"phone"}

DATE_EXTREMES = [
    "",
    "2024-02-30",
    "2024-13-01",
    "9999-12-31",
    "-0001-01-01",
    "+275760-09-13",
    "\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0662",
    "2024-01-02\u0000",
    "\ud800",
    "x" * 15_000,
]
INT_EXTREMES: list[Any] = [2**31, -(2**31) - 1, 2**53 + 1, "1", 1.5, True]
ENUM_EXTREMES: list[Any] = ["NOT_A_VALUE", "", "brokerage", 0]
# JSON that is not a string where a Decimal is expected: raw numbers (JavaScript's JSON.parse reads
# 1E+1000100 as Infinity, 1E-1000100 as 0, and rounds 123456789012345678901234567890), booleans,
# containers. The router refuses each with BAD_USER_INPUT before any subgraph sees it.
RAW_JSON_DECIMALS = ["1E+1000100", "1E-1000100", "123456789012345678901234567890", "0.1", "true", "[]", "{}"]


def mutation_names() -> list[str]:
    sdl = api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text())
    mutation = build_ast_schema(parse(sdl)).mutation_type
    assert mutation is not None
    return sorted(mutation.fields)


# -- a valid input, from the schema and a value per leaf name --------------------------------------
def baseline_values(target: Target, mutation: str) -> dict[str, Any]:
    """A valid value for each leaf name; `id` is the entity the mutation's input names."""
    entity = {
        "Customer": target.customer_id,
        "Portfolio": target.portfolio_id,
        "Investment": target.investment_id,
    }
    target_id = next((value for name, value in entity.items() if name.lower() in mutation.lower()), None)
    return {
        "id": None if mutation == "registerCustomer" else target_id,
        "portfolioId": target.portfolio_id,
        "customerId": target.customer_id,
        "expectedVersion": target.customer_version,
        "symbol": "AAPL"
        if mutation in ("addInvestment", "sellInvestment")
        else f"HX{target.suffix[-8:].upper()}",
        "quantity": "11" if mutation == "updateInvestment" else "1",
        "amount": "12.5",
        "currencyCode": "USD",
        "baseCurrency": "USD",
        "fxRate": "1",
        "rate": "0.91",
        "fromCurrency": "USD",
        "toCurrency": "CHF",
        "purchasedAt": "2024-01-03",
        "occurredAt": "2024-01-03",
        "activityId": target.investment_id,  # a lot's id is its BUY's
        "investmentId": target.investment_id,
        "soldAt": "2024-06-03",
        # A manual price's expiry: in the future and at most 366 days ahead.
        "expiresAt": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "idempotencyKey": f"hostile-{target.suffix}",
        "name": "Hostile Baseline",
        "email": f"baseline-{mutation.lower()}-{target.suffix}@example.com",
        "phone": "+14155550123",
        "line1": "1 Market Street",
        "line2": "Suite 2",
        "city": "San Francisco",
        "region": "CA",
        "postalCode": "94105",
        "country": "US",
    }


# Optional parts of an input that the baseline's kind of record does not take (a BUY has a price, not
# an amount, a split ratio or specific lots): the ledger refuses an input that says two things.
UNUSED_BY_BASELINE = {
    "recordActivity": frozenset({"amount", "splitRatio", "lots"}),
    "correctActivity": frozenset({"amount", "splitRatio", "lots"}),
}


def baseline(
    type_: GraphQLInputObjectType, values: dict[str, Any], path: str, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    built: dict[str, Any] = {}
    for name, field in type_.fields.items():
        if name in skip and not is_required_input_field(field):
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLInputObjectType):
            built[name] = baseline(named, values, f"{path}.{name}")
        elif isinstance(named, GraphQLEnumType):
            built[name] = next(iter(named.values))
        elif name in values and values[name] is not None:
            built[name] = values[name]
        elif is_required_input_field(field):
            raise AssertionError(
                f"no valid value for the required leaf {path}.{name}: add one to baseline_values"
            )
    return built


def leaves(
    type_: GraphQLInputObjectType, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], GraphQLInputType]]:
    """Every field of the input, nested objects included (the object itself too)."""
    found: list[tuple[tuple[str, ...], GraphQLInputType]] = []
    for name, field in type_.fields.items():
        named = get_named_type(field.type)
        found.append(((*path, name), field.type))
        if isinstance(named, GraphQLInputObjectType):
            found.extend(leaves(named, (*path, name)))
    return found


def replaced(value: dict[str, Any], path: tuple[str, ...], new: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(value))
    holder = copy
    for key in path[:-1]:
        holder = holder.setdefault(key, {})
    holder[path[-1]] = new
    return copy


def extremes_for(path: tuple[str, ...], type_: GraphQLInputType, extremes: Extremes) -> list[Any]:
    named = get_named_type(type_)
    if isinstance(named, GraphQLInputObjectType):
        return [[], "x", 1]
    if isinstance(named, GraphQLEnumType):
        return ENUM_EXTREMES
    assert isinstance(named, GraphQLScalarType)
    if named.name == "Decimal":
        # 100,000 digits only meet the router's body limit (test_hostile_http covers it); 5,000 reach
        # the service.
        return [
            *(text for text in extremes.decimal if len(text) < 10_000),
            *(RawJson(text) for text in RAW_JSON_DECIMALS),
        ]
    if named.name in ("Date", "DateTime"):
        return DATE_EXTREMES
    if named.name in ("Int", "Float"):
        return INT_EXTREMES
    if named.name == "Boolean":
        return ["true", 1]
    # String and ID: every input refuses a control character, a lone surrogate and unbounded
    # length; an id, a code or a symbol refuses any other hostile text too.
    refused = [text for text in extremes.string_refused if len(text) < 20_000]
    if named.name == "ID" or path[-1] in CODE_LEAVES:
        # Letters and digits alone may well be a ticker or an id (a well-formed ULID is a valid id
        # for a new customer): left out.
        # An empty phone is no phone (the field is optional; on update it removes the number).
        allowed_empty = path[-1] in OPTIONAL_EMPTY_IS_NONE
        return refused + [
            text
            for text in extremes.string_oddities
            if not re.fullmatch(r"[A-Za-z0-9]+", text) and not (allowed_empty and text == "")
        ]
    return refused


class RawJson(str):
    """A value written into the JSON body as it is (a number JSON cannot carry as a float)."""

    def __repr__(self) -> str:
        return f"raw JSON {self!s}"


def body_with(document: str, input_value: dict[str, Any]) -> bytes:
    raws: dict[str, str] = {}

    def placeholder(value: Any) -> Any:
        if isinstance(value, RawJson):
            key = f"@@raw{len(raws)}@@"
            raws[key] = str(value)
            return key
        if isinstance(value, dict):
            return {k: placeholder(v) for k, v in value.items()}
        return value

    text = json.dumps({"query": document, "variables": {"input": placeholder(input_value)}})
    for key, raw in raws.items():
        text = text.replace(json.dumps(key), raw)
    return text.encode()
