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
