"""Hive Gateway on its own (no subgraph stack, no DynamoDB): the router's authentication and hardening.

Each gateway runs router/gateway.config.ts with the committed schema/supergraph.graphql, as the dev
launcher starts it, on a free port. Around it, in threads of this process:
- an issuer: ES256 and RS256 keys generated per session, their JWKS served over HTTP, and tokens
  signed with them (or with anything else a test wants to forge);
- a stub subgraph standing in for all three subgraphs: it answers a few root fields with canned data
  (shaped to the selection it receives), records every request, and reports anything else as a
  GraphQL error. Everything refused before planning never reaches it.

One gateway per configuration for the whole session: `production` (all defaults), `production_open`
(production with ROUTER_TRUSTED_DOCUMENTS_ONLY=false, CORS origins and a low mutation rate limit),
`development` (with a GraphiQL token and a low cost limit) and `cognito_roles` (development with the
roles claim and default role of AWS).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from devstack import toolchain
from devstack.net import free_port, wait_for_http_ok
from devstack.processes import ManagedProcess
from devstack.schema_gate import api_schema_sdl
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_ast_schema,
    is_required_input_field,
    parse,
    type_from_ast,
)

ISSUER = "https://issuer.router-tests.example"
AUDIENCE = "portfolio-router-tests"
STARTUP_TIMEOUT = 60.0

# Whatever the developer's shell exports must not leak into the gateway under test.
_SCRUBBED_PREFIXES = ("ROUTER_", "AUTH_", "OTEL_", "LOG_")
_SCRUBBED = {"HOST", "PORT", "FORK", "POLLING", "CONFIG_PATH", "NODE_ENV", "DEBUG"} | {
    f"{name}_URL" for name in ("CUSTOMERS", "PORTFOLIOS", "ASSETS")
}


# -- small HTTP servers in threads -------------------------------------------------------------------
class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _json_handler(answer: Any) -> type[BaseHTTPRequestHandler]:
    """A handler whose do_GET/do_POST call `answer(method, path, headers, body) -> (status, json)`."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            status, document = answer(method, self.path, dict(self.headers.items()), body)
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# -- the token issuer ----------------------------------------------------------------------------------
class Issuer:
    """ES256 and RS256 keys in a served JWKS; signs tokens the way the real issuers do, or any other way."""

    def __init__(self) -> None:
        self.es256 = ec.generate_private_key(ec.SECP256R1())
        self.rs256 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys: dict[str, tuple[str, Any]] = {
            "es-key": ("ES256", self.es256),
            "rs-key": ("RS256", self.rs256),
        }
        self.jwks = {
            "keys": [
                {**jwt.algorithms.ECAlgorithm.to_jwk(self.es256.public_key(), as_dict=True), "kid": "es-key"},
                {
                    **jwt.algorithms.RSAAlgorithm.to_jwk(self.rs256.public_key(), as_dict=True),
                    "kid": "rs-key",
                },
            ]
        }
        for jwk, alg in zip(self.jwks["keys"], ("ES256", "RS256"), strict=True):
            jwk.update({"alg": alg, "use": "sig"})
        self.jwks_requests = 0
        self._server = _Server(_json_handler(self._answer))
        self.jwks_url = f"http://127.0.0.1:{self._server.port}/.well-known/jwks.json"

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        self.jwks_requests += 1
        return (200, self.jwks) if path.endswith("/jwks.json") else (404, {})

    def env(self) -> dict[str, str]:
        return {"AUTH_ISSUER": ISSUER, "AUTH_AUDIENCE": AUDIENCE, "AUTH_JWKS_URL": self.jwks_url}

    def claims(self, subject: str | None = None, *, ttl: int = 300, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject or f"subject-{uuid.uuid4()}",
            "roles": ["admin"],
            "iat": now,
            "exp": now + ttl,
            **extra,
        }
        return {name: value for name, value in claims.items() if value is not None}

    def sign(
        self, claims: dict[str, Any], kid: str = "es-key", *, key: Any = None, alg: str | None = None
    ) -> str:
        """Signed with our key for `kid` unless another `key` (and `alg`) is given."""
        default_alg, default_key = self.keys.get(kid, ("ES256", self.es256))
        return jwt.encode(claims, key or default_key, algorithm=alg or default_alg, headers={"kid": kid})

    def token(self, subject: str | None = None, kid: str = "es-key", **extra: Any) -> str:
        return self.sign(self.claims(subject, **extra), kid)

    def stop(self) -> None:
        self._server.stop()


# -- the stub subgraph ---------------------------------------------------------------------------------
MONEY = {"amount": "187.2500", "currencyCode": "USD"}
CANNED: dict[str, Any] = {
    "instrument": {
        "__typename": "Instrument",
        "symbol": "AAPL",
        "name": "Apple Inc.",
        "assetClass": "STOCK",
        "currency": "USD",
        "exchange": "NASDAQ",
        "quote": {
            "__typename": "Quote",
            "price": MONEY,
            "previousClose": MONEY,
            "change": {"amount": "0.0000", "currencyCode": "USD"},
            "changePercent": "0.00",
            "asOf": "2026-01-02T15:04:05Z",
            "source": "stub",
            "stale": False,
        },
    },
    "setManualFxRate": {"__typename": "SetManualFxRatePayload", "fxRate": None, "userErrors": []},
}


def _project(value: Any, selection_set: SelectionSetNode | None, fragments: dict[str, Any]) -> Any:
    """`value` cut to the selection (aliases and fragments honoured), as a GraphQL server answers."""
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [_project(item, selection_set, fragments) for item in value]
    result = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            result[key] = _project(value.get(selection.name.value), selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            result.update(_project(value, fragments[selection.name.value].selection_set, fragments))
        elif isinstance(selection, InlineFragmentNode):
            result.update(_project(value, selection.selection_set, fragments))
    return result


@dataclass
class StubSubgraph:
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = _Server(_json_handler(self._answer))
        self.url = f"http://127.0.0.1:{self._server.port}/graphql"

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        request = json.loads(body or b"{}")
        self.requests.append({"headers": {k.lower(): v for k, v in headers.items()}, **request})
        document = parse(request["query"])
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        data: dict[str, Any] = {}
        for root in operation.selection_set.selections:
            assert isinstance(root, FieldNode)
            if root.name.value not in CANNED:
                return 200, {"errors": [{"message": f"the stub does not serve {root.name.value}"}]}
            key = root.alias.value if root.alias else root.name.value
            data[key] = _project(CANNED[root.name.value], root.selection_set, fragments)
        return 200, {"data": data}

    def seen_since(self, count: int) -> list[dict[str, Any]]:
        return self.requests[count:]

    def stop(self) -> None:
        self._server.stop()


# -- valid variables ------------------------------------------------------------------------------------
API_SCHEMA: GraphQLSchema = build_ast_schema(
    parse(api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text()))
)
# A value of each scalar that GraphQL's coercion accepts (the router does not judge the formats of
# custom scalars; the subgraphs do).
SCALAR_EXAMPLES: dict[str, Any] = {
    "ID": "id-1",
    "String": "text",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "Decimal": "1.5",
    "Date": "2024-01-02",
    "DateTime": "2024-01-02T03:04:05Z",
}


def example_value(type_: GraphQLInputType, depth: int = 0) -> Any:
    """A value of `type_` that the router's variable checks accept: every required field, and the
    optional ones of the outer input objects."""
    if isinstance(type_, GraphQLNonNull):
        return example_value(type_.of_type, depth)
    if isinstance(type_, GraphQLList):
        return [example_value(type_.of_type, depth + 1)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: example_value(field.type, depth + 1)
            for name, field in type_.fields.items()
            if is_required_input_field(field) or depth < 2
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    return SCALAR_EXAMPLES.get(type_.name, "x")


def valid_variables(document: str, **given: Any) -> dict[str, Any]:
    """A value for each variable the document's operation declares; `given` ones as given."""
    (operation,) = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    variables = {}
    for definition in operation.variable_definitions:
        name = definition.variable.name.value
        type_ = type_from_ast(API_SCHEMA, definition.type)
        assert type_ is not None, name
        variables[name] = given[name] if name in given else example_value(type_)  # type: ignore[arg-type]
    return variables


# -- the gateway ---------------------------------------------------------------------------------------
def gateway_env(overrides: dict[str, str]) -> dict[str, str]:
    env = {
        name: value
        for name, value in toolchain.env_with_node().items()
        if not name.startswith(_SCRUBBED_PREFIXES) and name not in _SCRUBBED
    }
    env.update(overrides)
    return env


def gateway_command() -> list[str]:
    return [str(toolchain.node_executable()), str(toolchain.router_bin("hive-gateway")), "supergraph"]


@dataclass
class Gateway:
    process: ManagedProcess
    base_url: str

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql"

    def post(
        self,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        all_headers.update(headers or {})
        if body is not None:
            kwargs["json"] = body
        return httpx.post(self.url, headers=all_headers, timeout=15.0, **kwargs)

    def query(self, document: str, token: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return self.post({"query": document, "variables": variables or {}}, token=token)


def start_gateway(env: dict[str, str]) -> Gateway:
    port = free_port()
    process = ManagedProcess(
        "router",
        gateway_command(),
        env=gateway_env({"ROUTER_HOST": "127.0.0.1", "ROUTER_PORT": str(port), **env}),
        cwd=toolchain.ROUTER_DIR,
        echo=False,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http_ok(f"{base_url}/readiness", STARTUP_TIMEOUT)
    except TimeoutError as error:
        process.stop()
        raise AssertionError(f"the gateway did not start: {error}\n{process.tail(60)}") from error
    return Gateway(process, base_url)


def refused_starts(envs: Iterable[dict[str, str]], timeout: float = 60.0) -> list[tuple[int | None, str]]:
    """Start one gateway per env at once; each must exit by itself. (exit code, output) of each."""
    processes = [
        subprocess.Popen(
            gateway_command(),
            env=gateway_env({"ROUTER_PORT": str(free_port()), **env}),
            cwd=toolchain.ROUTER_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for env in envs
    ]
    results = []
    for process in processes:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        results.append((process.returncode, output.decode(errors="replace")))
    return results


# -- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stub() -> Iterator[StubSubgraph]:
    running = StubSubgraph()
    yield running
    running.stop()


def _base_env(issuer: Issuer, stub: StubSubgraph) -> dict[str, str]:
    return {
        **issuer.env(),
        **{f"{name}_URL": stub.url for name in ("CUSTOMERS", "PORTFOLIOS", "ASSETS")},
    }


@pytest.fixture(scope="session")
def production(issuer: Issuer, stub: StubSubgraph) -> Iterator[Gateway]:
    """ROUTER_PROFILE unset: production, every default."""
    gateway = start_gateway(_base_env(issuer, stub))
    yield gateway
    gateway.process.stop()


CORS_ORIGINS = ("https://app.example.com", "http://localhost:5173")
MUTATION_RATE_LIMIT = 3


@pytest.fixture(scope="session")
def production_open(issuer: Issuer, stub: StubSubgraph) -> Iterator[Gateway]:
    """Production with arbitrary documents and GraphiQL allowed (the explicit overrides), CORS origins,
    and a rate limit a test can reach: what production refuses on top of trusted documents shows here."""
    gateway = start_gateway(
        {
            **_base_env(issuer, stub),
            "ROUTER_PROFILE": "production",
            "ROUTER_TRUSTED_DOCUMENTS_ONLY": "false",
            "ROUTER_GRAPHIQL": "true",
            "ROUTER_CORS_ORIGINS": ", ".join(CORS_ORIGINS),
            "ROUTER_MUTATION_RATE_LIMIT": str(MUTATION_RATE_LIMIT),
        }
    )
    yield gateway
    gateway.process.stop()


DEVELOPMENT_MAX_COST = 5


@pytest.fixture(scope="session")
def graphiql_token(issuer: Issuer) -> str:
    return issuer.token("operator-graphiql", roles=["operator"], ttl=3600)


@pytest.fixture(scope="session")
def development(issuer: Issuer, stub: StubSubgraph, graphiql_token: str) -> Iterator[Gateway]:
    gateway = start_gateway(
        {
            **_base_env(issuer, stub),
            "ROUTER_PROFILE": "development",
            "ROUTER_GRAPHIQL_TOKEN": graphiql_token,
            "ROUTER_MAX_COST": str(DEVELOPMENT_MAX_COST),
        }
    )
    yield gateway
    gateway.process.stop()


COGNITO_ROLES_CLAIM = "cognito:groups"


@pytest.fixture(scope="session")
def cognito_roles(issuer: Issuer, stub: StubSubgraph) -> Iterator[Gateway]:
    """Roles as in AWS: the `cognito:groups` claim, and a user in no group is a customer."""
    gateway = start_gateway(
        {
            **_base_env(issuer, stub),
            "ROUTER_PROFILE": "development",
            "AUTH_ROLES_CLAIM": COGNITO_ROLES_CLAIM,
            "AUTH_DEFAULT_ROLE": "customer",
        }
    )
    yield gateway
    gateway.process.stop()


@pytest.fixture(scope="session")
def examples() -> Any:
    """`example_value` and `valid_variables`, for the tests that send valid variables."""

    class Examples:
        value = staticmethod(example_value)
        variables = staticmethod(valid_variables)

    return Examples


@pytest.fixture(scope="session")
def refused() -> Any:
    """`refused_starts`, for the tests of configuration the router must refuse to start with."""
    return refused_starts
