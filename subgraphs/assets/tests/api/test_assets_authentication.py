"""Issue 7, defence in depth: a request straight to the assets subgraph without a valid bearer token
gets HTTP 401 before any GraphQL runs, `_entities` and `_service` included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kit_testing import ISSUER, REFUSALS, bearer

DOCUMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "instrument": ('query { instrument(symbol: "AAPL") { symbol quote { price { amount } } } }', {}),
    "entities": (
        "query($r: [_Any!]!) { _entities(representations: $r) {"
        " ... on Portfolio { valuation { marketValue { amount } } } ... on Instrument { name } } }",
        {
            "r": [
                {"__typename": "Instrument", "symbol": "MSFT"},
                {
                    "__typename": "Portfolio",
                    "id": "P1",
                    "baseCurrency": "USD",
                    "owner": {"id": "someone"},
                    "holdings": [{"symbol": "AAPL", "quantity": "1", "costBasis": "1"}],
                },
            ]
        },
    ),
    "service": ("{ _service { sdl } }", {}),
    "setManualPrice": (
        "mutation($i: SetManualPriceInput!) { setManualPrice(input: $i) { userErrors { code } } }",
        {"i": {"symbol": "NOAUTH", "price": {"amount": "1", "currencyCode": "USD"}}},
    ),
    "setManualFxRate": (
        "mutation($i: SetManualFxRateInput!) { setManualFxRate(input: $i) { userErrors { code } } }",
        {"i": {"fromCurrency": "USD", "toCurrency": "EUR", "rate": "0.5"}},
    ),
}


async def post(client: httpx.AsyncClient, document: str, authorization: str | None) -> httpx.Response:
    query, variables = DOCUMENTS[document]
    request = client.build_request("POST", "/graphql", json={"query": query, "variables": variables})
    del request.headers["Authorization"]  # the fixture's client sends an admin token by default
    if authorization is not None:
        request.headers["Authorization"] = authorization
    return await client.send(request)


@pytest.mark.parametrize("credential", REFUSALS)
async def test_no_valid_token_no_graphql(assets: Any, credential: str) -> None:
    authorization = ISSUER.hostile.cases()[credential]  # built per test: expiry is relative to now
    items_before = await assets.item_count()
    assets.runtime.counter.reset()

    for document in DOCUMENTS:
        response = await post(assets.client, document, authorization)
        assert response.status_code == 401, (document, response.text)
        body = response.json()
        assert "data" not in body
        assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    # Nothing ran: no DynamoDB call, no provider call, no write.
    assert assets.runtime.counter.total == 0
    assert assets.provider.calls == []
    assert await assets.item_count() == items_before


async def test_the_refusals_say_why(assets: Any) -> None:
    reasons = {}
    cases = ISSUER.hostile.cases()
    for credential in ("no token", "expired", "wrong issuer", "wrong audience", "forged key", "alg none"):
        response = await post(assets.client, "instrument", cases[credential])
        reasons[credential] = response.json()["errors"][0]["message"]
    assert reasons == {
        "no token": "A bearer token is required.",
        "expired": "The token has expired.",
        "wrong issuer": "The token comes from an issuer this API does not trust.",
        "wrong audience": "The token is not meant for this API.",
        "forged key": "The token's signature is not valid.",
        "alg none": "The token's signing algorithm is not accepted.",
    }


async def test_a_valid_token_without_a_known_role_is_forbidden(assets: Any) -> None:
    token = ISSUER.token("someone", ["auditor"])
    response = await post(assets.client, "entities", f"Bearer {token}")
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert assets.runtime.counter.total == 0


async def test_health_stays_open_and_a_valid_token_gets_through(assets: Any) -> None:
    request = assets.client.build_request("GET", "/health")
    del request.headers["Authorization"]
    health = await assets.client.send(request)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    response = await post(
        assets.client, "instrument", f"Bearer {ISSUER.customer('01JCUSTOMER0000000000000000')}"
    )
    assert response.status_code == 200
    assert response.json()["data"]["instrument"]["symbol"] == "AAPL"
    sdl = await assets.client.post(
        "/graphql", json={"query": "{ _service { sdl } }"}, headers=bearer(ISSUER.operator())
    )
    assert sdl.status_code == 200 and "type Instrument" in sdl.json()["data"]["_service"]["sdl"]
