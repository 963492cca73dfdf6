"""POST /events is authenticated (issue 7): the customers service signs each body with the shared
secret and a timestamp (kit.web.push_signature). A missing, forged, tampered or stale signature gets
401 and nothing is recorded; without a secret configured the route does not exist (AWS uses SQS).
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from kit.web import push_signature
from kit_testing import running_app, unique_table_name
from portfolios.app import PortfoliosSettings, create_app
from ulid import ULID


def registered(customer_id: str) -> bytes:
    return json.dumps({"type": "CustomerRegistered", "customerId": customer_id}).encode()


async def known(api, customer_id: str) -> bool:
    """Whether the directory has the customer: createPortfolio answers NOT_FOUND otherwise."""
    payload = await api.create_portfolio_payload(customer_id)
    return [e["code"] for e in payload["userErrors"]] != ["NOT_FOUND"]


def secret_of(api) -> str:
    """The secret the test app verifies with (tests/conftest.py configures it)."""
    return api.runtime.settings.events_push_secret.get_secret_value()


def signed(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    return {"content-type": "application/json", push_signature.HEADER: push_signature.sign(secret, body, now)}


BAD_SIGNATURES = {
    "missing": lambda secret, body: {"content-type": "application/json"},
    "empty": lambda secret, body: {push_signature.HEADER: ""},
    "garbage": lambda secret, body: {push_signature.HEADER: "not a signature"},
    "no timestamp": lambda secret, body: {
        push_signature.HEADER: push_signature.sign(secret, body).split(",", 1)[1]
    },
    "wrong secret": lambda secret, body: signed("guessed", body),
    # a header Starlette reads as non-ASCII text (hmac.compare_digest refuses to compare it)
    "non-ASCII digest": lambda secret, body: {
        push_signature.HEADER: push_signature.sign(secret, body).encode()[:-2] + "é".encode()
    },
    "non-ASCII timestamp": lambda secret, body: {
        push_signature.HEADER: push_signature.sign(secret, body).replace("t=1", "t=\u0661").encode()
    },
    "latin-1 byte": lambda secret, body: {push_signature.HEADER: b"t=\xb2,v1=\xff"},
    "another body's": lambda secret, body: signed(secret, b"{}"),
    # a replay of a body signed six minutes ago (kit.web.push_signature.MAX_AGE_SECONDS is 300)
    "too old": lambda secret, body: signed(secret, body, time.time() - push_signature.MAX_AGE_SECONDS - 60),
    "from the future": lambda secret, body: signed(
        secret, body, time.time() + push_signature.MAX_AGE_SECONDS + 60
    ),
}


@pytest.mark.parametrize("case", list(BAD_SIGNATURES))
async def test_an_unsigned_or_badly_signed_event_gets_401_and_records_nothing(api, case):
    customer_id = str(ULID())
    body = registered(customer_id)
    before = await api.count_items()
    headers = BAD_SIGNATURES[case](secret_of(api), body)
    response = await api.http.post("/events", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "status": "rejected",
        "error": "The event's signature is missing, invalid or too old.",
    }
    assert await api.count_items() == before
    assert not await known(api, customer_id)


async def test_a_signed_event_is_recorded(api):
    customer_id = str(ULID())
    body = registered(customer_id)
    # signed four minutes ago: still within the five minutes allowed
    headers = signed(secret_of(api), body, time.time() - 240)
    response = await api.http.post("/events", content=body, headers=headers)
    assert response.status_code == 202
    assert await known(api, customer_id)


async def test_a_tampered_body_is_refused(api):
    signed_for, sent = str(ULID()), str(ULID())
    headers = signed(secret_of(api), registered(signed_for))
    response = await api.http.post("/events", content=registered(sent), headers=headers)
    assert response.status_code == 401
    assert not await known(api, sent)


async def test_a_body_too_large_is_refused_before_anything(api):
    body = b'{"pad": "' + b"x" * (64 * 1024) + b'"}'
    before = await api.count_items()
    response = await api.http.post("/events", content=body, headers=signed(secret_of(api), body))
    assert response.status_code == 413
    assert await api.count_items() == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{", id="truncated"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[" * 20_000 + b"]" * 20_000, id="deeply-nested"),
        pytest.param(b'{"type": ' + b"1" * 5000 + b"}", id="5000-digit-integer"),
    ],
)
async def test_a_signed_body_that_is_not_json_is_400_without_parser_details(api, body):
    response = await api.http.post("/events", content=body, headers=signed(secret_of(api), body))
    assert response.status_code == 400
    assert response.json() == {"status": "rejected", "error": "The body is not JSON."}


async def test_a_cognito_customer_id_is_an_id(api):
    customer_id = str(uuid.uuid4())
    response = await api.post_event({"type": "CustomerRegistered", "customerId": customer_id})
    assert response.status_code == 202
    assert await known(api, customer_id)
    for not_canonical in (customer_id.upper(), customer_id.replace("-", ""), f"{{{customer_id}}}"):
        response = await api.post_event({"type": "CustomerRegistered", "customerId": not_canonical})
        assert response.status_code == 400, not_canonical


async def test_without_a_secret_there_is_no_events_route(dynamodb_endpoint):
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("portfolios"), graphiql=False
    )
    assert settings.events_push_secret.get_secret_value() == ""
    async with running_app(create_app(settings)) as http:
        body = registered(str(ULID()))
        response = await http.post("/events", content=body, headers=signed("any", body))
        assert response.status_code == 404


def test_the_secret_comes_from_the_environment_and_stays_out_of_reprs(monkeypatch):
    monkeypatch.setenv("PORTFOLIOS_EVENTS_PUSH_SECRET", "s3cret-value")
    settings = PortfoliosSettings()
    assert settings.events_push_secret.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(settings)
