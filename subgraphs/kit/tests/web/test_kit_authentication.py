"""kit.web.authentication in front of a real subgraph app: no valid token, no GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from kit.graphql.context import RequestContext
from kit.graphql.schema import federated_schema
from kit.web.app import Runtime, create_app
from kit.web.body_limit import MAX_BODY_BYTES, BodyLimit
from kit.web.settings import ServiceSettings
from kit_testing import ISSUER, bearer, running_app


@strawberry.type
class Query:
    @strawberry.field
    def whoami(self, info: strawberry.Info) -> str:
        caller = info.context.caller
        return f"{caller.subject}:{','.join(sorted(caller.roles))}"


class NoTableRuntime(Runtime):
    async def ready(self) -> bool:
        return True


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        title="auth-test",
        runtime=NoTableRuntime(ServiceSettings(dynamodb_endpoint_url="http://127.0.0.1:1")),
        schema=federated_schema(query=Query),
        context_for=lambda _: RequestContext(),
    )
    async with running_app(app) as client:
        yield client


async def ask(http: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await http.post("/graphql", json={"query": "{ whoami }"}, headers=headers)


async def test_a_valid_token_reaches_the_resolver_as_the_principal(http: httpx.AsyncClient) -> None:
    response = await ask(http, bearer(ISSUER.operator()))
    assert response.json() == {"data": {"whoami": "operator-1:operator"}}


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("", "A bearer token is required."),
        ("Basic dXNlcjpwYXNz", "A bearer token is required."),
        ("Bearer ", "A bearer token is required."),
        ("Bearer garbage", "The token is malformed."),
        (f"Bearer {ISSUER.token('x', ['admin'], ttl=-120)}", "The token has expired."),
    ],
)
async def test_refused_requests_get_401_with_a_graphql_body_and_a_challenge(
    http: httpx.AsyncClient, authorization: str, message: str
) -> None:
    response = await ask(http, {"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_entities_and_service_sdl_are_behind_authentication_too(http: httpx.AsyncClient) -> None:
    for query in (
        "{ _service { sdl } }",
        '{ _entities(representations: [{__typename: "X"}]) { __typename } }',
    ):
        response = await http.post("/graphql", json={"query": query}, headers={"Authorization": ""})
        assert response.status_code == 401


async def test_a_token_with_no_known_role_is_forbidden(http: httpx.AsyncClient) -> None:
    response = await ask(http, bearer(ISSUER.token("someone", ["guest"])))
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_health_stays_open(http: httpx.AsyncClient) -> None:
    response = await http.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200


async def test_the_token_never_reaches_the_log(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    expired = ISSUER.token("x", ["admin"], ttl=-120)
    caplog.set_level("DEBUG")
    await ask(http, bearer(expired))
    assert caplog.records, "the refusal is logged"
    assert all(expired not in record.getMessage() for record in caplog.records)
    assert all(expired.split(".")[2] not in record.getMessage() for record in caplog.records)


async def test_the_service_refuses_to_start_without_auth_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(
        title="unconfigured",
        runtime=NoTableRuntime(ServiceSettings()),
        schema=federated_schema(query=Query),
        context_for=lambda _: RequestContext(),
    )
    with pytest.raises(RuntimeError, match="AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL"):
        async with app.router.lifespan_context(app):
            pass


JSON = {"content-type": "application/json"}


async def test_a_body_over_the_subgraph_ceiling_is_refused_with_413(http: httpx.AsyncClient) -> None:
    padding = " " * MAX_BODY_BYTES
    response = await http.post(
        "/graphql",
        content=f'{{"query": "{{ whoami }}{padding}"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


@pytest.mark.parametrize("declared", [b"9" * 5000, b"99999999999999999999"])
async def test_a_declared_length_of_many_digits_is_413_without_reading_on(declared: bytes) -> None:
    """Straight at the middleware: HTTP servers refuse such a header before it gets this far."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the request must not reach the app")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"content-length", declared)]}
    await BodyLimit(app)(scope, receive, send)
    assert sent[0]["status"] == 413


async def test_a_chunked_body_over_the_ceiling_is_refused_too(http: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ whoami }'
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b" " * 65536
        yield b'"}'

    response = await http.post("/graphql", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_a_body_under_the_ceiling_passes(http: httpx.AsyncClient) -> None:
    padding = " " * (MAX_BODY_BYTES - 100)
    response = await http.post(
        "/graphql",
        content=f'{{"query": "{{ whoami }}{padding}"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["whoami"] == "admin-1:admin"
