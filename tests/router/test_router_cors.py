"""CORS at the router: listed origins only (the production_open fixture's ROUTER_CORS_ORIGINS), never
with credentials; none at all by default."""

from __future__ import annotations

import httpx
import pytest
from kit_testing import TestIssuer

from .gateway import Gateway

ALLOWED_ORIGIN = "https://app.example.com"  # one of the production_open fixture's ROUTER_CORS_ORIGINS


def preflight(gateway: Gateway, origin: str) -> httpx.Response:
    return httpx.options(
        gateway.url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_allows_a_listed_origin_without_credentials(
    production_open: Gateway, issuer: TestIssuer
) -> None:
    response = preflight(production_open, ALLOWED_ORIGIN)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert "authorization" in response.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in response.headers

    actual = production_open.post(
        {"query": "{ __typename }"}, token=issuer.token(), headers={"Origin": ALLOWED_ORIGIN}
    )
    assert actual.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example.com", "https://app.example.com.evil.example", "http://app.example.com", "null"],
)
def test_cors_gives_any_other_origin_nothing(
    production_open: Gateway, issuer: TestIssuer, origin: str
) -> None:
    for response in (
        preflight(production_open, origin),
        production_open.post({"query": "{ __typename }"}, token=issuer.token(), headers={"Origin": origin}),
    ):
        assert not any(name.startswith("access-control-") for name in response.headers), response.headers


def test_no_cors_origins_means_no_cross_origin_access(production: Gateway) -> None:
    response = preflight(production, ALLOWED_ORIGIN)
    assert not any(name.startswith("access-control-") for name in response.headers), response.headers
