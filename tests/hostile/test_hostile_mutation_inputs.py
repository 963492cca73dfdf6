"""Decimal and string extremes in every leaf of every mutation's input, through the router.

The mutations and their input leaves are enumerated from the API schema, not listed by hand: a new
mutation or input field is attacked as soon as it exists. For each mutation a valid input is built
from the schema (BASELINE gives a valid value per leaf name; a required leaf without one fails the
test, asking for it); then each leaf in turn gets each extreme of its type while the rest stays
valid. Every such request must be refused (an error with a code that is not internal, or userErrors
that all carry a code), and nothing may be written: a snapshot of everything the mutations can
touch is the same before and after. Last, the valid input itself must succeed, which proves that the
refusals came from the extremes.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from devstack import toolchain
from devstack.schema_gate import api_schema_sdl
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    build_ast_schema,
    get_named_type,
    is_required_input_field,
    parse,
)

if TYPE_CHECKING:
    from conftest import Extremes, Hostile, Target

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


# -- what the mutations can touch --------------------------------------------------------------------
SNAPSHOT = """
query Snapshot($customerId: ID!, $symbol: String!) {
  customer(id: $customerId) {
    id name email phone version status
    address { line1 line2 city region postalCode country }
    portfolios {
      id name status baseCurrency kind costBasisMethod
      investments {
        id quantity remainingQuantity purchasedAt fxRate
        purchasePrice { amount currencyCode } fees { amount currencyCode }
      }
      activities(first: 100) { edges { node { id type quantity } } }
    }
  }
  instrument(symbol: $symbol) {
    symbol name currency quote { price { amount currencyCode } previousClose { amount } source }
  }
}
"""
CUSTOMERS_PAGE = (
    "query($after: String) { customers(first: 100, after: $after) { "
    "edges { node { id version status } } pageInfo { hasNextPage endCursor } } }"
)
FX_PROBE = "query($id: ID!) { portfolio(id: $id) { valuation { marketValue { amount currencyCode } } } }"


def snapshot(hostile: Hostile, target: Target, symbol: str, fx_portfolio: str) -> dict[str, Any]:
    state = hostile.ok("development", SNAPSHOT, {"customerId": target.customer_id, "symbol": symbol})
    instrument = state.get("instrument") or {}
    if (instrument.get("quote") or {}).get("source") != "manual":
        # A simulated quote moves by itself; only a manual price is something a mutation wrote.
        instrument.pop("quote", None)
    customers: list[Any] = []
    after = None
    while True:
        page = hostile.ok("development", CUSTOMERS_PAGE, {"after": after})["customers"]
        customers.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    state["customers"] = customers
    state["fx"] = hostile.ok("development", FX_PROBE, {"id": fx_portfolio})
    return state


@pytest.fixture(scope="module")
def fx_portfolio(hostile: Hostile) -> str:
    """A CHF portfolio holding a manually priced USD instrument: its value moves only with the
    manual USD->CHF rate, so that a written rate shows in the snapshot."""
    hostile.ok(
        "development",
        "mutation($i: SetManualPriceInput!) { setManualPrice(input: $i) { userErrors { code } } }",
        {"i": {"symbol": "HOSTILE-FX", "price": {"amount": "10", "currencyCode": "USD"}}},
    )
    hostile.ok(
        "development",
        "mutation($i: SetManualFxRateInput!) { setManualFxRate(input: $i) { userErrors { code } } }",
        {"i": {"fromCurrency": "USD", "toCurrency": "CHF", "rate": "0.9"}},
    )
    owner = hostile.ok(
        "development",
        "mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { customer { id } "
        "userErrors { code } } }",
        {"i": {"email": "fx-probe@example.com", "name": "FX Probe"}},
    )["registerCustomer"]["customer"]["id"]
    portfolio = hostile.ok(
        "development",
        "mutation($i: CreatePortfolioInput!) { createPortfolio(input: $i) { portfolio { id } "
        "userErrors { code } } }",
        {"i": {"customerId": owner, "name": "FX probe", "kind": "BROKERAGE", "baseCurrency": "CHF"}},
    )["createPortfolio"]["portfolio"]["id"]
    hostile.ok(
        "development",
        "mutation($i: AddInvestmentInput!) { addInvestment(input: $i) { userErrors { code } } }",
        {
            "i": {
                "portfolioId": portfolio,
                "symbol": "HOSTILE-FX",
                "quantity": "3",
                "purchasePrice": {"amount": "10", "currencyCode": "USD"},
                "fxRate": "0.9",
                "purchasedAt": "2024-01-02",
            }
        },
    )
    return str(portfolio)


def refusal_problems(answer: Any, field: str) -> list[str]:
    """Why this answer is not a clean refusal (empty: it is one)."""
    problems = list(answer.problems)
    try:
        body = answer.json()
    except ValueError:
        return [*problems, f"not JSON: {answer}"]
    errors = body.get("errors") or []
    if errors:
        codes = [(error.get("extensions") or {}).get("code") for error in errors]
        if any(code in INTERNAL for code in codes) or not all(codes):
            return problems or [f"errors without a usable code: {codes}"]
        return problems
    payload = (body.get("data") or {}).get(field) or {}
    user_errors = payload.get("userErrors") or []
    if not user_errors:
        return [*problems, "accepted: no error and no userErrors"]
    if not all(error.get("code") for error in user_errors):
        problems.append(f"userErrors without a code: {user_errors}")
    return problems


@pytest.mark.parametrize("mutation", mutation_names())
def test_every_input_leaf_refuses_its_extremes_and_writes_nothing(
    hostile: Hostile,
    api_schema: GraphQLSchema,
    extremes: Extremes,
    fx_portfolio: str,
    fresh_target: Target,
    mutation: str,
) -> None:
    assert api_schema.mutation_type is not None
    field = api_schema.mutation_type.fields[mutation]
    assert list(field.args) == ["input"], f"{mutation}: mutations take one `input` (DESIGN.md decision 7)"
    input_type = field.args["input"].type
    assert isinstance(input_type, GraphQLNonNull) and isinstance(input_type.of_type, GraphQLInputObjectType)
    input_object = input_type.of_type

    target = fresh_target
    values = baseline_values(target, mutation)
    valid = baseline(input_object, values, "input", UNUSED_BY_BASELINE.get(mutation, frozenset()))
    selection = "userErrors { field message code }"
    document = f"mutation($input: {input_object.name}!) {{ {mutation}(input: $input) {{ {selection} }} }}"
    before = snapshot(hostile, target, values["symbol"], fx_portfolio)

    failures: list[str] = []
    tried = 0
    for path, type_ in leaves(input_object):
        for extreme in extremes_for(path, type_, extremes):
            tried += 1
            answer = hostile.post(
                "development", body_with(document, replaced(valid, path, extreme)), token=hostile.admin
            )
            problems = refusal_problems(answer, mutation)
            if isinstance(extreme, RawJson) and not problems:
                raw_codes = {
                    (e.get("extensions") or {}).get("code") for e in answer.json().get("errors") or []
                }
                if raw_codes != {"BAD_USER_INPUT"}:
                    problems.append(f"not refused by the router as BAD_USER_INPUT: {raw_codes}")
            if problems:
                shown = (
                    repr(extreme)
                    if len(repr(extreme)) < 60
                    else f"{repr(extreme)[:40]}... ({len(str(extreme))} chars)"
                )
                failures.append(
                    f"input.{'.'.join(path)} = {shown}: {'; '.join(problems)} <- {str(answer)[:300]}"
                )

    after = snapshot(hostile, target, values["symbol"], fx_portfolio)
    written = [key for key in before if before[key] != after[key]]

    # The valid input itself is accepted: the refusals above were the extremes'.
    accepted = hostile.post("development", body_with(document, valid), token=hostile.admin)
    accepted_body = accepted.json()
    baseline_ok = not accepted_body.get("errors") and not accepted_body["data"][mutation]["userErrors"]

    report = [f"{mutation}: {len(failures)} of {tried} hostile inputs not refused cleanly", *failures[:40]]
    if written:
        report.append(f"written although every input should have been refused: {written}")
    # After an accepted hostile input the valid one may clash with it (email taken, version moved).
    if not baseline_ok and not written and not any("accepted" in failure for failure in failures):
        report.append(f"the valid input {json.dumps(valid)} was refused: {accepted}")
    if failures or written or not baseline_ok:
        pytest.fail("\n".join(report), pytrace=False)
