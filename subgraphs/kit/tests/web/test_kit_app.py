"""kit.web.app: /graphql, /health (alive) and /ready (its table answers), with the runtime's lifespan."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
import strawberry
from kit.aws.dynamo import ensure_table
from kit.graphql.context import RequestContext
from kit.graphql.schema import federated_schema
from kit.web.app import READY_TIMEOUT_SECONDS, Runtime, create_app
from kit.web.settings import ServiceSettings
from kit_testing import INTERNALS, execute, running_app, unique_table_name
from strawberry.types import Info


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def request_id(self, info: Info[RequestContext, None]) -> str:
        return info.context.request_id

    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("secret")


SCHEMA = federated_schema(query=Query)


class NeverReady(Runtime):
    def __init__(self, settings: ServiceSettings) -> None:
        super().__init__(settings)
        self.started = False

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        self.started = True

    async def ready(self) -> bool:
        return False


def settings_for(endpoint: str, *, graphiql: bool = False) -> ServiceSettings:
    return ServiceSettings(
        dynamodb_endpoint_url=endpoint, table_name=unique_table_name("kit-app"), graphiql=graphiql
    )


async def test_not_ready_runtime_answers_ready_503_and_health_200(dynamodb_endpoint: str) -> None:
    runtime = NeverReady(settings_for(dynamodb_endpoint))
    app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=lambda _: RequestContext())
    assert app.state.runtime is runtime
    async with running_app(app) as http:
        assert runtime.started
        assert runtime.dynamodb is not None
        ready = await http.get("/ready")
        assert ready.status_code == 503
        assert ready.json() == {"status": "not ready"}
        health = await http.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}


async def test_default_runtime_is_ready_once_its_table_exists(dynamodb_endpoint: str) -> None:
    settings = settings_for(dynamodb_endpoint)
    runtime = Runtime(settings)
    app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=lambda _: RequestContext())
    async with running_app(app) as http:
        assert (await http.get("/ready")).status_code == 503
        await ensure_table(
            runtime.dynamodb,
            {
                "TableName": settings.table_name,
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )
        runtime.counter.reset()
        ready = await http.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready"}
        assert runtime.counter.calls["DescribeTable"] == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def _hung_server() -> AsyncIterator[int]:
    """A port that accepts connections and reads requests but never answers: a hung DynamoDB."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        server.close()


async def _probe_ready(endpoint: str) -> None:
    """/ready on a runtime whose DynamoDB is `endpoint`, with the client's production retries."""
    runtime = Runtime(ServiceSettings(dynamodb_endpoint_url=endpoint, table_name="t", graphiql=False))
    app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=lambda _: RequestContext())
    async with running_app(app) as http:
        for _ in range(2):  # every probe, not only the first
            started = time.perf_counter()
            response = await http.get("/ready")
            elapsed = time.perf_counter() - started
            assert response.status_code == 503
            assert response.json() == {"status": "not ready"}
            assert elapsed < READY_TIMEOUT_SECONDS + 0.5, elapsed
        assert (await http.get("/health")).status_code == 200


async def test_ready_answers_503_within_a_second_when_nothing_listens() -> None:
    await _probe_ready(f"http://127.0.0.1:{_free_port()}")


async def test_ready_answers_503_within_a_second_when_dynamodb_hangs() -> None:
    async with _hung_server() as port:
        await _probe_ready(f"http://127.0.0.1:{port}")


class FailingReady(Runtime):
    async def ready(self) -> bool:
        raise RuntimeError("the check itself broke")


async def test_a_readiness_check_that_raises_is_503_not_500(dynamodb_endpoint: str) -> None:
    runtime = FailingReady(settings_for(dynamodb_endpoint))
    app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=lambda _: RequestContext())
    async with running_app(app) as http:
        response = await http.get("/ready")
        assert response.status_code == 503
        assert "broke" not in response.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"query": "{ hello }", "v": ' + b"1" * 100_000 + b"}", id="100000-digit"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
        pytest.param(b'{"query": "\xff\xfe"}', id="not-utf8"),
        pytest.param(b'{"query": ', id="truncated"),
    ],
)
async def test_a_body_python_cannot_read_as_json_is_400_without_internals(
    dynamodb_endpoint: str, body: bytes
) -> None:
    runtime = NeverReady(settings_for(dynamodb_endpoint))
    app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=lambda _: RequestContext())
    async with running_app(app) as http:
        response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert INTERNALS.search(response.text) is None, response.text
        assert (await execute(http, "{ hello }"))["data"] == {"hello": "world"}


async def test_graphql_is_served_with_a_fresh_context_per_request(dynamodb_endpoint: str) -> None:
    runtime = NeverReady(settings_for(dynamodb_endpoint))
    contexts_for: list[Runtime] = []

    def context_for(r: Runtime) -> RequestContext:
        contexts_for.append(r)
        return RequestContext()

    app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=context_for)
    async with running_app(app) as http:
        first = await execute(http, "{ hello requestId }")
        second = await execute(http, "{ requestId }")
        assert first["data"]["hello"] == "world"
        assert first["data"]["requestId"] != second["data"]["requestId"]
        assert len(first["data"]["requestId"]) == 26
        assert contexts_for == [runtime, runtime]

        masked = await execute(http, "{ boom }")
        assert "secret" not in str(masked)
        assert masked["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_graphiql_follows_settings(dynamodb_endpoint: str) -> None:
    html = {"accept": "text/html"}
    for enabled in (True, False):
        runtime = NeverReady(settings_for(dynamodb_endpoint, graphiql=enabled))
        app = create_app(title="t", runtime=runtime, schema=SCHEMA, context_for=lambda _: RequestContext())
        async with running_app(app) as http:
            response = await http.get("/graphql", headers=html)
            if enabled:
                assert response.status_code == 200
                assert "graphiql" in response.text.lower()
            else:
                assert response.status_code == 404
            # No OpenAPI docs on a subgraph.
            assert (await http.get("/docs")).status_code == 404
            assert (await http.get("/openapi.json")).status_code == 404
