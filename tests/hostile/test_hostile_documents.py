"""Property-based GraphQL documents and variables, generated from the schemas by hypothesis-graphql
(generators.py), sent through the router (admin and customer tokens) and straight at each subgraph
(its own SDL, `_entities` with generated representations included).

Scalar values are skewed to the extremes (extremes.py), mixed with ids that exist so that the
documents reach past "not found". Strings also carry the GraphQL escapes `\\u{61}` and
`\\uD83D\\uDCB0`, which the printer never writes by itself.

Every answer must be clean (answers.answer_problems); after each test every process still serves.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis_graphql
import pytest
from devstack.topology import SUBGRAPH_NAMES
from graphql import (
    GraphQLSchema,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .extremes import Extremes
from .generators import custom_scalars, operations_with_variables, printed, representations, scalar_values
from .suite import Hostile, Target

HOSTILE = settings.get_profile("hostile")
# The 100,000-character extremes make Hypothesis warn about the size of its example reprs.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def values(hostile: Hostile, extremes: Extremes, pool_target: Target) -> dict[str, st.SearchStrategy[Any]]:
    return scalar_values(extremes, pool_target, hostile.demo_customer_id)


@pytest.fixture(scope="module")
def customer_token(hostile: Hostile, pool_target: Target) -> str:
    return hostile.customer_token(pool_target.customer_id)


def check(answer: Any, document: str, variables: dict[str, Any] | None = None) -> None:
    if answer.problems:
        shown = json.dumps({"query": document, "variables": variables})[:1500]
        pytest.fail(f"{'; '.join(answer.problems)}\nsent {shown}\nanswer {answer}", pytrace=False)


def send_both(
    hostile: Hostile, customer_token: str, document: str, variables: dict[str, Any] | None = None
) -> None:
    """Through the router with an admin's token and with a customer's."""
    for token in (hostile.admin, customer_token):
        body = json.dumps({"query": document, "variables": variables or {}}).encode()
        check(hostile.post("development", body, token=token), document, variables)


# -- through the router ----------------------------------------------------------------------------
@settings(HOSTILE)
@given(data=st.data())
def test_generated_queries_through_the_router(
    hostile: Hostile, api_schema: GraphQLSchema, values: Any, customer_token: str, data: st.DataObject
) -> None:
    strategy = hypothesis_graphql.queries(
        api_schema, custom_scalars=custom_scalars(api_schema, values), print_ast=printed
    )
    send_both(hostile, customer_token, data.draw(strategy, label="document"))


@settings(HOSTILE)
@given(data=st.data())
def test_generated_mutations_through_the_router(
    hostile: Hostile, api_schema: GraphQLSchema, values: Any, customer_token: str, data: st.DataObject
) -> None:
    strategy = hypothesis_graphql.mutations(
        api_schema, custom_scalars=custom_scalars(api_schema, values), print_ast=printed
    )
    send_both(hostile, customer_token, data.draw(strategy, label="document"))


@settings(HOSTILE, max_examples=HOSTILE.max_examples * 2)
@given(data=st.data())
def test_generated_variables_through_the_router(
    hostile: Hostile, api_schema: GraphQLSchema, values: Any, customer_token: str, data: st.DataObject
) -> None:
    document, variables = data.draw(operations_with_variables(api_schema, values), label="operation")
    send_both(hostile, customer_token, document, variables)


# -- straight at each subgraph ---------------------------------------------------------------------
@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
@settings(HOSTILE)
@given(data=st.data())
def test_generated_queries_at_each_subgraph(
    hostile: Hostile,
    subgraph: str,
    subgraph_schemas: dict[str, GraphQLSchema],
    values: Any,
    data: st.DataObject,
) -> None:
    schema = subgraph_schemas[subgraph]
    fields = [name for name in schema.query_type.fields if name != "_entities"]  # type: ignore[union-attr]
    strategy = hypothesis_graphql.queries(
        schema, fields=fields, custom_scalars=custom_scalars(schema, values), print_ast=printed
    )
    document = data.draw(strategy, label="document")
    check(hostile.graphql(subgraph, document), document)


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
@settings(HOSTILE)
@given(data=st.data())
def test_generated_entities_at_each_subgraph(
    hostile: Hostile,
    subgraph: str,
    subgraph_schemas: dict[str, GraphQLSchema],
    values: Any,
    data: st.DataObject,
) -> None:
    schema = subgraph_schemas[subgraph]
    strategy = hypothesis_graphql.queries(
        schema, fields=["_entities"], custom_scalars=custom_scalars(schema, values), print_ast=printed
    )
    document = data.draw(strategy, label="document")
    check(hostile.graphql(subgraph, document), document)


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
@settings(HOSTILE)
@given(data=st.data())
def test_generated_entity_variables_at_each_subgraph(
    hostile: Hostile,
    subgraph: str,
    subgraph_schemas: dict[str, GraphQLSchema],
    values: Any,
    data: st.DataObject,
) -> None:
    """As the router calls `_entities`: the representations as a variable."""
    schema = subgraph_schemas[subgraph]
    representation = representations(schema, values)
    variables = {"representations": data.draw(st.lists(representation, max_size=5), label="representations")}
    document = (
        "query($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }"
    )
    check(hostile.graphql(subgraph, document, variables), document, variables)


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
@settings(HOSTILE)
@given(data=st.data())
def test_generated_mutations_at_each_subgraph(
    hostile: Hostile,
    subgraph: str,
    subgraph_schemas: dict[str, GraphQLSchema],
    values: Any,
    data: st.DataObject,
) -> None:
    schema = subgraph_schemas[subgraph]
    assert schema.mutation_type is not None, f"{subgraph} has no mutations any more: drop it here"
    strategy = hypothesis_graphql.mutations(
        schema, custom_scalars=custom_scalars(schema, values), print_ast=printed
    )
    document = data.draw(strategy, label="document")
    check(hostile.graphql(subgraph, document), document)


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
@settings(HOSTILE)
@given(data=st.data())
def test_generated_variables_at_each_subgraph(
    hostile: Hostile,
    subgraph: str,
    subgraph_schemas: dict[str, GraphQLSchema],
    values: Any,
    data: st.DataObject,
) -> None:
    document, variables = data.draw(
        operations_with_variables(subgraph_schemas[subgraph], values), label="operation"
    )
    check(hostile.graphql(subgraph, document, variables), document, variables)
