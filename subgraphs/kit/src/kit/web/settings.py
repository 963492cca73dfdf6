"""Service settings from the environment, one prefix per service (CUSTOMERS_, PORTFOLIOS_, ASSETS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every subgraph needs; a service subclasses it and sets its own `env_prefix`.

    The DynamoDB endpoint is empty in AWS (the SDK's default endpoint and credential chain apply) and
    points at DynamoDB Local in development and tests.
    """

    model_config = SettingsConfigDict(extra="ignore")

    host: str = "127.0.0.1"
    port: int = 4000
    table_name: str = Field(default="", description="DynamoDB table owned by this service")
    dynamodb_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    log_level: str = "INFO"
    graphiql: bool = True

    @property
    def is_local_dynamodb(self) -> bool:
        return bool(self.dynamodb_endpoint_url)


# The longest long poll SQS allows.
MAX_EVENT_WAIT_SECONDS = 20


class ConsumerSettings(ServiceSettings):
    """What a service that consumes events adds: its queue (kit.aws.consumer.start_consumer)."""

    event_queue_url: str = Field(
        default="",
        description="SQS queue of the events this service consumes (in AWS filled by an EventBridge "
        "rule, locally by the devstack relay); empty: no consumer runs",
    )
    sqs_endpoint_url: str | None = Field(
        default=None, description="SQS endpoint (moto locally; unset in AWS)"
    )
    event_wait_seconds: int = Field(
        default=10, ge=0, le=MAX_EVENT_WAIT_SECONDS, description="Long poll of a receive"
    )
    event_backoff_seconds: float = Field(default=1.0, gt=0, description="First wait after a failed receive")
