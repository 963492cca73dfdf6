"""Configuration the router refuses to start with: no silent unauthenticated mode, no GraphiQL token in
production, no unknown profile, no unusable limit or CORS origin. Each is started at once; each must
exit by itself, non-zero, saying why."""

from __future__ import annotations

from kit_testing import JwksServer, TestIssuer

from .gateway import refused_starts
from .stub import StubSubgraph


def test_the_router_refuses_to_start_without_a_safe_configuration(
    issuer: TestIssuer, jwks: JwksServer, stub: StubSubgraph
) -> None:
    complete = {**jwks.env(), "ASSETS_URL": stub.url}
    cases = {
        "AUTH_ISSUER is not set": {k: v for k, v in complete.items() if k != "AUTH_ISSUER"},
        "AUTH_AUDIENCE is not set": {**complete, "AUTH_AUDIENCE": "  "},
        "AUTH_JWKS_URL is not set": {k: v for k, v in complete.items() if k != "AUTH_JWKS_URL"},
        "ROUTER_GRAPHIQL_TOKEN is for ROUTER_PROFILE=development only": {
            **complete,
            "ROUTER_GRAPHIQL_TOKEN": issuer.token(),
        },
        'ROUTER_PROFILE must be "production" or "development"': {**complete, "ROUTER_PROFILE": "staging"},
        "ROUTER_GRAPHIQL_TOKEN is not a bearer token": {
            **complete,
            "ROUTER_PROFILE": "development",
            "ROUTER_GRAPHIQL_TOKEN": "</script><script>alert(1)</script>",
        },
        "ROUTER_MAX_DEPTH must be a whole number at least 1": {**complete, "ROUTER_MAX_DEPTH": "0"},
        'ROUTER_TRUSTED_DOCUMENTS_ONLY must be "true" or "false"': {
            **complete,
            "ROUTER_TRUSTED_DOCUMENTS_ONLY": "yes please",
        },
        "ROUTER_CORS_ORIGINS:": {**complete, "ROUTER_CORS_ORIGINS": "*"},
        "AUTH_DEFAULT_ROLE must be one of customer, operator, admin": {
            **complete,
            "AUTH_DEFAULT_ROLE": "root",
        },
    }
    results = refused_starts(cases.values())
    for (reason, _), (code, logged) in zip(cases.items(), results, strict=True):
        output = logged.replace('\\"', '"')  # the logger escapes quotes in messages
        assert code not in (0, None), (reason, output[-2000:])
        assert reason in output, (reason, output[-2000:])
        assert "Listening on" not in output, reason
