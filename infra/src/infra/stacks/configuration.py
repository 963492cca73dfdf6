"""Configuration: the market-data API keys in Secrets Manager; non-secret settings in SSM Parameter
Store. Task definitions read both at start (ECS `secrets`): nothing is baked into an image, and a
setting changes with `aws ssm put-parameter` plus a new deployment of the service."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra import nag
from infra.config import MARKET_DATA_PROVIDERS_WITH_KEYS, ROUTER, SERVICES, EnvironmentConfig

# The ADOT collector sidecar: OTLP from the service on localhost, traces to X-Ray. Only X-Ray:
# no EMF/metrics exporter, so the task role needs nothing but the X-Ray write actions.
COLLECTOR_CONFIG = """\
extensions:
  health_check:
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:4317
      http:
        endpoint: 127.0.0.1:4318
processors:
  resourcedetection:
    detectors: [env, ecs]
  batch/traces:
    timeout: 1s
    send_batch_size: 50
exporters:
  awsxray:
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [resourcedetection, batch/traces]
      exporters: [awsxray]
"""


class ConfigurationStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.market_data_secret = secretsmanager.Secret(
            self,
            "MarketDataApiKeys",
            secret_name=f"{config.prefix}/assets/market-data-api-keys",
            description="Market-data API keys of the assets service: JSON {provider: key}; fill in the keys",
            # The fields exist from the start, empty (= no key), so an operator sees what to fill in
            # with put-secret-value. CloudFormation needs something to generate: `_generated`, unused.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(dict.fromkeys(MARKET_DATA_PROVIDERS_WITH_KEYS, "")),
                generate_string_key="_generated",
                exclude_punctuation=True,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.market_data_secret,
            "SMG4",
            "Third-party API keys are issued and rotated at the provider; no rotation Lambda can do "
            "that. Rotate by putting the new key in the secret and restarting the assets tasks.",
        )

        def parameter(key: str, value: str, description: str) -> ssm.StringParameter:
            return ssm.StringParameter(
                self,
                "".join(part.capitalize() for part in key.replace("/", "-").split("-")),
                parameter_name=f"/{config.prefix}/{key}",
                string_value=value,
                description=description,
            )

        # Python's logging names are upper case (INFO); the router's logger (LOG_LEVEL) takes lower case.
        self.log_levels = {
            service: parameter(
                f"{service}/log-level",
                config.log_level.lower() if service == ROUTER else config.log_level.upper(),
                f"Log level of the {service} service",
            )
            for service in SERVICES
        }
        self.price_providers = parameter(
            "assets/price-providers",
            config.price_providers,
            "ASSETS_PRICE_PROVIDERS: comma-separated price providers in order of preference",
        )
        self.fx_provider = parameter(
            "assets/fx-provider",
            config.fx_provider,
            "ASSETS_FX_PROVIDER: simulated (offline) or frankfurter (ECB reference rates)",
        )
        self.quote_ttl_seconds = parameter(
            "assets/quote-ttl-seconds",
            str(config.quote_ttl_seconds),
            "ASSETS_QUOTE_TTL_SECONDS: how long a feed quote is served from the cache",
        )
        self.collector_config = parameter(
            "otel/collector-config",
            COLLECTOR_CONFIG,
            "ADOT collector sidecar configuration (AOT_CONFIG_CONTENT)",
        )
