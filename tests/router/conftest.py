"""Hive Gateway on its own (no subgraph stack, no DynamoDB): the router's authentication and hardening.

Each gateway (gateway.py) runs on a free port. Around it, in threads of this process:
- the test issuer (kit_testing.TestIssuer, an ES256 key under "es-key" and an RS256 one under
  "rs-key"), its JWKS served over HTTP by kit_testing.JwksServer, which counts the fetches;
- a stub subgraph standing in for all three subgraphs (stub.py).

One gateway per configuration for the whole session: `production` (all defaults), `production_open`
(production with ROUTER_TRUSTED_DOCUMENTS_ONLY=false, CORS origins and a low mutation rate limit),
`development` (with a GraphiQL token and a low cost limit) and `cognito_roles` (development with the
roles claim and default role of AWS).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kit_testing import JwksServer, TestIssuer

from .gateway import Gateway, start_gateway, subgraph_urls
from .stub import StubSubgraph

ISSUER = "https://issuer.router-tests.example"
AUDIENCE = "portfolio-router-tests"


@pytest.fixture(scope="session")
def issuer() -> TestIssuer:
    return TestIssuer(ISSUER, AUDIENCE, kid="es-key", rsa_kid="rs-key")


@pytest.fixture(scope="session")
def jwks(issuer: TestIssuer) -> Iterator[JwksServer]:
    with JwksServer(issuer) as server:
        yield server


@pytest.fixture(scope="session")
def stub() -> Iterator[StubSubgraph]:
    running = StubSubgraph()
    yield running
    running.stop()


@pytest.fixture
def token(issuer: TestIssuer) -> str:
    """A fresh subject each test: the accepted mutations never meet the rate limit."""
    return issuer.token()


@pytest.fixture
def quiet(stub: StubSubgraph) -> Iterator[None]:
    """The test's requests reach no subgraph at all."""
    before = len(stub.requests)
    yield
    assert stub.seen_since(before) == []


@pytest.fixture(scope="session")
def base_env(jwks: JwksServer, stub: StubSubgraph) -> dict[str, str]:
    """The issuer to trust, and the stub as every subgraph."""
    return {**jwks.env(), **subgraph_urls(stub.url)}


@pytest.fixture(scope="session")
def production(base_env: dict[str, str]) -> Iterator[Gateway]:
    """ROUTER_PROFILE unset: production, every default."""
    gateway = start_gateway(base_env)
    yield gateway
    gateway.stop()


CORS_ORIGINS = ("https://app.example.com", "http://localhost:5173")
MUTATION_RATE_LIMIT = 3


@pytest.fixture(scope="session")
def production_open(base_env: dict[str, str]) -> Iterator[Gateway]:
    """Production with arbitrary documents and GraphiQL allowed (the explicit overrides), CORS origins,
    and a rate limit a test can reach: what production refuses on top of trusted documents shows here."""
    gateway = start_gateway(
        {
            **base_env,
            "ROUTER_PROFILE": "production",
            "ROUTER_TRUSTED_DOCUMENTS_ONLY": "false",
            "ROUTER_GRAPHIQL": "true",
            "ROUTER_CORS_ORIGINS": ", ".join(CORS_ORIGINS),
            "ROUTER_MUTATION_RATE_LIMIT": str(MUTATION_RATE_LIMIT),
        }
    )
    yield gateway
    gateway.stop()


DEVELOPMENT_MAX_COST = 5


@pytest.fixture(scope="session")
def graphiql_token(issuer: TestIssuer) -> str:
    return issuer.token("operator-graphiql", roles=["operator"], ttl=3600)


@pytest.fixture(scope="session")
def development(base_env: dict[str, str], graphiql_token: str) -> Iterator[Gateway]:
    gateway = start_gateway(
        {
            **base_env,
            "ROUTER_PROFILE": "development",
            "ROUTER_GRAPHIQL_TOKEN": graphiql_token,
            "ROUTER_MAX_COST": str(DEVELOPMENT_MAX_COST),
        }
    )
    yield gateway
    gateway.stop()


@pytest.fixture(params=["production", "development"])
def gateway(request: pytest.FixtureRequest) -> Gateway:
    """Each profile with its defaults."""
    running: Gateway = request.getfixturevalue(request.param)
    return running


@pytest.fixture(params=["production_open", "development"])
def open_gateway(request: pytest.FixtureRequest) -> Gateway:
    """A gateway that takes arbitrary documents: production with the override, and development."""
    running: Gateway = request.getfixturevalue(request.param)
    return running


COGNITO_ROLES_CLAIM = "cognito:groups"


@pytest.fixture(scope="session")
def cognito_roles(base_env: dict[str, str]) -> Iterator[Gateway]:
    """Roles as in AWS: the `cognito:groups` claim, and a user in no group is a customer."""
    gateway = start_gateway(
        {
            **base_env,
            "ROUTER_PROFILE": "development",
            "AUTH_ROLES_CLAIM": COGNITO_ROLES_CLAIM,
            "AUTH_DEFAULT_ROLE": "customer",
        }
    )
    yield gateway
    gateway.stop()
