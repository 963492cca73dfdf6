"""Environments as configuration: defaults per environment, overrides from the CDK context."""

from __future__ import annotations

import pytest
from infra.config import DUMMY_ACCOUNT, ConfigError, environments

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000011112222"


def test_dev_and_prod_differ_in_size_graphiql_and_protection() -> None:
    configs = environments({})
    dev, prod = configs["dev"], configs["prod"]
    assert (dev.graphiql, prod.graphiql) == (True, False)
    assert (dev.nat_gateways, prod.nat_gateways) == (1, 2)
    assert (dev.subgraph_size.min_tasks, prod.subgraph_size.min_tasks) == (1, 2)
    assert (dev.alb_deletion_protection, prod.alb_deletion_protection) == (False, True)
    assert dev.vpc_cidr != prod.vpc_cidr
    assert (dev.prefix, prod.prefix) == ("portfolio-dev", "portfolio-prod")
    assert dev.azs == ["us-east-1a", "us-east-1b"]


def test_overrides_from_cdk_json_and_from_the_command_line() -> None:
    configs = environments(
        {
            "environments": {
                "prod": {
                    "domainName": "api.example.com",
                    "certificateArn": CERT,
                    "routerSize": {"maxTasks": 12},
                }
            },
            "prod.alarmEmail": "ops@example.com",
            "dev.graphiql": "false",  # -c values are strings
            "dev.natGateways": "2",
            "dev.routerP99LatencySeconds": "0.75",
            "@aws-cdk/core:someFlag": True,  # other context keys are not settings
        }
    )
    prod, dev = configs["prod"], configs["dev"]
    assert prod.certificate_arn == CERT and prod.domain_name == "api.example.com" and prod.https
    assert prod.router_size.max_tasks == 12
    assert prod.router_size.min_tasks == 2  # the rest of the size stays
    assert prod.alarm_email == "ops@example.com"
    assert dev.graphiql is False
    assert dev.nat_gateways == 2
    assert dev.router_p99_latency_seconds == 0.75
    assert not dev.https


def test_empty_strings_in_cdk_json_mean_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_DEFAULT_ACCOUNT", raising=False)
    dev = environments({"environments": {"dev": {"account": "", "certificateArn": "", "alarmEmail": ""}}})[
        "dev"
    ]
    assert dev.account is None and dev.certificate_arn is None and dev.alarm_email is None
    assert dev.resolved_account() == DUMMY_ACCOUNT
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "444455556666")
    assert dev.resolved_account() == "444455556666"
    assert environments({"dev.account": "777788889999"})["dev"].resolved_account() == "777788889999"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"environments": {"staging": {}}}, "unknown environments"),
        ({"dev.colour": "blue"}, "unknown setting"),
        ({"dev.certificateArn": "not-an-arn"}, "not an ACM certificate ARN"),
        ({"dev.certificateArn": CERT.replace("us-east-1", "eu-west-1")}, "must be in us-east-1"),
        ({"dev.certificateArn": CERT}, "needs both domain_name and certificate_arn"),
        ({"dev.domainName": "api.example.com"}, "needs both domain_name and certificate_arn"),
        ({"dev.domainName": "Api.Example.com", "dev.certificateArn": CERT}, "not a lower-case DNS name"),
        ({"dev.graphqlBurstLimit": "0"}, "graphql_burst_limit must be a whole number >= 1"),
        ({"dev.graphqlRateLimit": "500"}, "cannot exceed the stage's"),
        ({"dev.logRetentionDays": "10"}, "log_retention_days"),
        ({"dev.availabilityZones": "us-east-1a"}, "exactly two availability zones"),
        ({"dev.graphiql": "maybe"}, "true or false"),
        ({"dev.account": "12345"}, "12 digits"),
        ({"dev.corsOrigins": "*"}, "no wildcard"),
        ({"dev.corsOrigins": "https://*.example.com"}, "no wildcard"),
        ({"dev.corsOrigins": "https://app.example.com/"}, "no trailing slash"),
        ({"dev.corsOrigins": "https://app.example.com/graphql"}, "no path"),
        ({"dev.corsOrigins": "https://App.example.com"}, "lower case"),
        ({"dev.corsOrigins": "http://app.example.com"}, "is not https://"),
        ({"dev.corsOrigins": "null"}, "is not https://"),
        ({"dev.routerLimits": '{"ROUTER_PROFILE": 1}'}, "not 'ROUTER_PROFILE'"),
        ({"dev.routerLimits": '{"ROUTER_GRAPHIQL": 1}'}, "not 'ROUTER_GRAPHIQL'"),
        ({"dev.routerLimits": '{"ROUTER_MAX_DEPHT": 1}'}, "not 'ROUTER_MAX_DEPHT'"),
        ({"dev.routerLimits": '{"AUTH_LEEWAY_SECONDS": 1}'}, "not 'AUTH_LEEWAY_SECONDS'"),
        ({"dev.routerLimits": '{"ROUTER_MAX_DEPTH": "deep"}'}, "whole number"),
        ({"dev.routerLimits": "ROUTER_MAX_DEPTH=10"}, "router limits are"),
        ({"dev.routerLimits": "[1, 2]"}, "router limits are"),
        ({"dev.routerLimits": '{"ROUTER_MAX_DEPTH": 0}'}, "whole number >= 1"),
        ({"dev.routerLimits": '{"ROUTER_MAX_DEPTH": true}'}, "whole number >= 1"),
        ({"dev.threatProtection": "yes"}, "true or false"),
    ],
)
def test_bad_configuration_is_refused_with_a_reason(context: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        environments(context)


def test_cors_origins_and_router_limits_from_cdk_json_or_the_command_line() -> None:
    defaults = environments({})
    assert defaults["dev"].cors_origins == () and defaults["prod"].cors_origins == ()
    assert defaults["dev"].router_limits == {} and defaults["prod"].router_limits == {}
    configs = environments(
        {
            "environments": {
                "prod": {"corsOrigins": ["https://app.example.com"], "routerLimits": {"ROUTER_MAX_DEPTH": 12}}
            },
            "dev.corsOrigins": " https://app.example.com , http://localhost:5173,",
            "dev.routerLimits": '{"ROUTER_MAX_DEPTH": "10"}',
        }
    )
    assert configs["prod"].cors_origins == ("https://app.example.com",)
    assert configs["prod"].router_limits == {"ROUTER_MAX_DEPTH": 12}
    assert configs["dev"].cors_origins == ("https://app.example.com", "http://localhost:5173")
    assert configs["dev"].router_limits == {"ROUTER_MAX_DEPTH": 10}
    assert environments({"dev.corsOrigins": ""})["dev"].cors_origins == ()


def test_cognito_defaults_self_sign_up_on_and_the_paid_threat_protection_off() -> None:
    for config in environments({}).values():
        assert config.self_sign_up is True
        assert config.threat_protection is False
    prod = environments({"prod.threatProtection": "true", "prod.selfSignUp": "false"})["prod"]
    assert prod.threat_protection is True and prod.self_sign_up is False
