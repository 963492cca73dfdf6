"""Issue 7 end to end: no valid token, no GraphQL, at the router and at every subgraph.

Each bad token of the matrix is refused with HTTP 401 and extensions.code UNAUTHENTICATED, by each
of the three subgraphs when called directly (a query and `_entities`) and by the router, with no
data in the answer and nothing written. A valid token of the stack's dev issuer gets through the
same requests; health and readiness stay open without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from devstack.client import GraphQLClient, operation
from devstack.dev_issuer import DevIssuer
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES
from kit_testing import REFUSALS, HostileTokens
from ulid import ULID

pytestmark = pytest.mark.e2e

ENTITIES = "query($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }"
# Per subgraph: a query of its own and a representation of an entity it resolves.
REQUESTS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "customers": (
        "query { customers(first: 1) { edges { node { id } } } }",
        {},
        {"__typename": "Customer", "id": "01J00000000000000000000000"},
    ),
    "portfolios": (
        "query($id: ID!) { portfolio(id: $id) { id name } }",
        {"id": "01J00000000000000000000000"},
        {"__typename": "Portfolio", "id": "01J00000000000000000000000"},
    ),
    "assets": (
        'query { instrument(symbol: "AAPL") { symbol } }',
        {},
        {"__typename": "Instrument", "symbol": "AAPL"},
    ),
}


def hostile_tokens(
    issuer: DevIssuer, subject: str = "e2e-access-intruder", roles: Iterable[str] = ("admin",)
) -> HostileTokens:
    """Tokens of the stack's dev issuer (its signing key and kid), each wrong in one way."""
    kid, key = issuer.keys.signing_key()
    return HostileTokens(key, kid, issuer.issuer, issuer.audience, subject=subject, roles=roles)


def test_every_subgraph_has_its_requests() -> None:
    """A new subgraph in topology.toml is asked here too, once it has its query and entity."""
    assert set(REQUESTS) == set(SUBGRAPH_NAMES)


@pytest.fixture(scope="module")
def clients(stack: Stack) -> Iterator[dict[str, GraphQLClient]]:
    """The router's and every subgraph's GraphQL client, with no token of their own."""
    urls = {"router": stack.config.router_graphql_url}
    urls |= {name: stack.config.url(name, "/graphql") for name in SUBGRAPH_NAMES}
    with ExitStack() as stack_of_clients:
        yield {name: stack_of_clients.enter_context(GraphQLClient(url)) for name, url in urls.items()}


@pytest.fixture
def bad(stack: Stack) -> dict[str, str | None]:
    """The Authorization header of each case of REFUSALS (built per test: expiry is relative to now)."""
    # Over HTTP a header value has no trailing white space (h11 refuses to send "Bearer "):
    # an empty bearer token arrives as the bare scheme.
    return {**hostile_tokens(stack.issuer).cases(), "empty bearer": "Bearer"}


@pytest.fixture(scope="module")
def roleless(stack: Stack) -> str:
    """Valid in every way, but with no role this API knows."""
    return f"Bearer {stack.issuer.token('e2e-access-nobody', ['auditor'])}"


def post(
    client: GraphQLClient, document: str, variables: dict[str, Any], authorization: str | None
) -> httpx.Response:
    """The request with this Authorization header as it is, or with none."""
    headers = {"Authorization": authorization} if authorization is not None else None
    return client.query(document, variables, headers=headers)


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert isinstance(error["message"], str) and error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def subgraph_requests(subgraph: str) -> dict[str, tuple[str, dict[str, Any]]]:
    query, variables, representation = REQUESTS[subgraph]
    return {"query": (query, variables), "_entities": (ENTITIES, {"representations": [representation]})}


# -- straight to each subgraph -----------------------------------------------------------------------


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
def test_every_subgraph_answers_a_valid_token(
    stack: Stack, clients: dict[str, GraphQLClient], subgraph: str
) -> None:
    operator = f"Bearer {stack.issuer.operator()}"
    for document, variables in subgraph_requests(subgraph).values():
        response = post(clients[subgraph], document, variables, operator)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()


@pytest.mark.parametrize("case", REFUSALS)
@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
def test_every_subgraph_refuses_a_bad_token_for_queries_and_entities(
    stack: Stack, clients: dict[str, GraphQLClient], bad: dict[str, str | None], subgraph: str, case: str
) -> None:
    for document, variables in subgraph_requests(subgraph).values():
        response = post(clients[subgraph], document, variables, bad[case])
        assert_unauthenticated(response)
        assert response.json()["errors"][0]["message"] == REFUSALS[case]


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
def test_a_valid_token_without_a_known_role_is_forbidden_at_every_subgraph(
    stack: Stack, clients: dict[str, GraphQLClient], roleless: str, subgraph: str
) -> None:
    for document, variables in subgraph_requests(subgraph).values():
        response = post(clients[subgraph], document, variables, roleless)
        assert response.status_code == 403, response.text
        assert response.json() == {
            "errors": [
                {"message": "The token carries no role this API knows.", "extensions": {"code": "FORBIDDEN"}}
            ]
        }


def test_the_clock_skew_leeway_is_the_same_at_the_router_and_every_subgraph(
    stack: Stack, clients: dict[str, GraphQLClient]
) -> None:
    """A token that expired 10 s ago is still inside the 30 s leeway everywhere."""
    late = f"Bearer {hostile_tokens(stack.issuer, 'e2e-access-late', ['operator']).expired(seconds_ago=10)}"
    for subgraph in SUBGRAPH_NAMES:
        query, variables, _ = REQUESTS[subgraph]
        response = post(clients[subgraph], query, variables, late)
        assert response.status_code == 200, (subgraph, response.text)
    response = post(clients["router"], 'query { instrument(symbol: "AAPL") { symbol } }', {}, late)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}


@pytest.mark.parametrize(
    ("service", "path"),
    [("router", "/healthcheck"), ("router", "/readiness")]
    + [(subgraph, path) for subgraph in SUBGRAPH_NAMES for path in ("/health", "/ready")],
)
def test_health_and_readiness_stay_open_without_a_token(
    stack: Stack, clients: dict[str, GraphQLClient], service: str, path: str
) -> None:
    assert httpx.get(stack.config.url(service, path)).status_code == 200
    # A bad token does not close them either: they never look at it.
    garbage = httpx.get(stack.config.url(service, path), headers={"Authorization": "Bearer garbage"})
    assert garbage.status_code == 200


# -- through the router ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def customer(stack: Stack, clients: dict[str, GraphQLClient]) -> dict[str, str]:
    """A customer registered by an admin of this module, to ask the router about."""
    admin = stack.issuer.token(f"e2e-access-tokens-admin-{ULID()}", ["admin"])
    variables = {"input": {"email": f"tokens-{str(ULID()).lower()}@example.com", "name": f"Tess {ULID()}"}}
    response = post(clients["router"], operation("RegisterCustomer"), variables, f"Bearer {admin}")
    payload = response.json()["data"]["registerCustomer"]
    assert payload["userErrors"] == []
    return {"id": payload["customer"]["id"], "name": payload["customer"]["name"], "admin": admin}


def dashboard(
    stack: Stack, clients: dict[str, GraphQLClient], customer: dict[str, str], authorization: str | None
) -> httpx.Response:
    """The customer's Dashboard through the router."""
    variables = {"customerId": customer["id"]}
    return post(clients["router"], operation("Dashboard"), variables, authorization)


@pytest.mark.parametrize("case", REFUSALS)
def test_the_router_refuses_a_bad_token_with_401(
    stack: Stack,
    clients: dict[str, GraphQLClient],
    bad: dict[str, str | None],
    customer: dict[str, str],
    case: str,
) -> None:
    router = clients["router"]
    response = dashboard(stack, clients, customer, bad[case])
    assert_unauthenticated(response)
    assert customer["name"] not in response.text
    # A mutation is refused the same way, and writes nothing: the email is still free afterwards.
    email = f"intruder-{str(ULID()).lower()}@example.com"
    register = {"input": {"email": email, "name": "Intruder"}}
    assert_unauthenticated(post(router, operation("RegisterCustomer"), register, bad[case]))
    registered = post(router, operation("RegisterCustomer"), register, f"Bearer {customer['admin']}")
    assert registered.json()["data"]["registerCustomer"]["userErrors"] == []


def test_the_router_answers_the_same_requests_with_a_valid_token(
    stack: Stack, clients: dict[str, GraphQLClient], customer: dict[str, str]
) -> None:
    response = dashboard(stack, clients, customer, f"Bearer {stack.issuer.customer(customer['id'])}")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["customer"]["name"] == customer["name"]


def test_the_router_refuses_a_token_without_a_known_role_with_403(
    stack: Stack, clients: dict[str, GraphQLClient], roleless: str, customer: dict[str, str]
) -> None:
    response = dashboard(stack, clients, customer, roleless)
    assert response.status_code == 403, response.text  # as every subgraph, before any is called
    body = response.json()
    assert body.get("data") is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert customer["name"] not in response.text
