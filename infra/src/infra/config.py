"""Environments as configuration: what differs between dev and prod is data here, not code.

Each environment is one `EnvironmentConfig`. The defaults below are overridden per environment from
the CDK context: cdk.json `environments.<name>` (camelCase keys), or on the command line
`-c <name>.<setting>=<value>` (e.g. `-c prod.certificateArn=arn:aws:acm:...`). That is where an
operator puts the account, the certificate ARN and the alarm e-mail address.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_logs as logs

from infra.topology import TOPOLOGY

SUBGRAPHS = TOPOLOGY.names
ROUTER = "router"
SERVICES = (*SUBGRAPHS, ROUTER)

# The ports of topology.toml (the dev launcher's too): the same in containers and AWS.
PORTS = {ROUTER: TOPOLOGY.router_port, **{subgraph.name: subgraph.port for subgraph in TOPOLOGY.subgraphs}}

# ECR repositories are shared by the environments of an account: an image is built once per commit
# and the same tag is deployed to dev, then prod.
REPOSITORY_PREFIX = "portfolio-"

# Market-data API keys: one JSON secret {provider: key} that the assets service reads itself at start
# (ASSETS_API_KEYS_SECRET_ID, with its task role). Created with these fields empty; empty is "no key".
MARKET_DATA_PROVIDERS_WITH_KEYS = ("finnhub", "twelvedata", "coingecko")

# Every table's TTL attribute (epoch seconds): event items and consumers' applied-event markers
# carry it, so the outbox and the dedupe records purge themselves (DESIGN.md decision 12).
TTL_ATTRIBUTE = "purgeAt"

DUMMY_ACCOUNT = "111111111111"  # for `cdk synth` without credentials; never deployable

# A browser origin the router may admit: scheme and host (and port), no path, no wildcard. Plain
# http only for a frontend developer's own machine.
_ORIGIN = re.compile(
    r"https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?"
    r"|http://(localhost|127\.0\.0\.1)(:\d{1,5})?"
)
_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
# The router's limits (router/gateway.config.ts; whole numbers, each with a production default).
# `router_limits` may set these and nothing else: a misspelt name fails synthesis instead of being
# ignored, and no setting that relaxes the production profile can be smuggled in.
ROUTER_LIMIT_VARIABLES = (
    "ROUTER_MAX_TOKENS",
    "ROUTER_MAX_DEPTH",
    "ROUTER_MAX_ALIASES",
    "ROUTER_MAX_COST",
    "ROUTER_MAX_BODY_BYTES",
    "ROUTER_MUTATION_RATE_LIMIT",
    "ROUTER_UPSTREAM_TIMEOUT_MS",
    "ROUTER_REQUEST_DEADLINE_MS",
)

_RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def deploying_account() -> str:
    """The account of the credentials `cdk` runs with, or a dummy one when there are none (synth)."""
    return os.environ.get("CDK_DEFAULT_ACCOUNT") or DUMMY_ACCOUNT


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ServiceSize:
    cpu: int  # Fargate CPU units (256 = 0.25 vCPU)
    memory_mib: int
    min_tasks: int
    max_tasks: int


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    region: str = "us-east-1"
    account: str | None = None  # None: the deploying credentials' account (CDK_DEFAULT_ACCOUNT)
    availability_zones: tuple[str, ...] = ()  # empty: "<region>a", "<region>b"
    vpc_cidr: str = "10.40.0.0/16"
    nat_gateways: int = 1
    # The API's custom domain (e.g. "api.example.com") and its ACM certificate in `region`: both or
    # neither. Neither: the API answers on its execute-api URL only (HTTPS all the same).
    domain_name: str | None = None
    certificate_arn: str | None = None
    alarm_email: str | None = None
    graphiql: bool = True  # the subgraphs' GraphiQL; the router always runs its production profile
    # Browser origins the router admits (ROUTER_CORS_ORIGINS), e.g. ("https://app.example.com",).
    # Empty: no cross-origin browser access. Never a wildcard.
    cors_origins: tuple[str, ...] = ()
    # Router limits {ROUTER_LIMIT_VARIABLES name: whole number}, e.g. {"ROUTER_MAX_BODY_BYTES": 65536};
    # empty: the router's own production defaults apply.
    router_limits: dict[str, int] = field(default_factory=dict)
    # Cognito: users may sign themselves up (they are customers until put in a group); the Plus
    # plan's threat protection (compromised credentials, adaptive authentication) is billed per user.
    self_sign_up: bool = True
    threat_protection: bool = False
    log_level: str = "INFO"
    log_retention_days: int = 30
    subgraph_size: ServiceSize = ServiceSize(cpu=256, memory_mib=512, min_tasks=1, max_tasks=2)
    router_size: ServiceSize = ServiceSize(cpu=512, memory_mib=1024, min_tasks=1, max_tasks=2)
    cpu_target_percent: int = 60
    router_requests_per_target: int = 500  # ALB requests per task per minute before scaling out
    # API Gateway throttling (token bucket: steady requests per second, burst = bucket size). The
    # stage's limits apply to every route; /graphql (GET and POST) has its own, lower ones.
    edge_rate_limit: int = 100
    edge_burst_limit: int = 200
    graphql_rate_limit: int = 50
    graphql_burst_limit: int = 100
    price_providers: str = "simulated"  # e.g. "finnhub,coingecko,stooq,simulated" once keys are set
    fx_provider: str = "simulated"
    quote_ttl_seconds: int = 15
    cache_max_storage_gb: int = 1
    # Alarm thresholds
    router_5xx_per_5_minutes: int = 5
    router_p99_latency_seconds: float = 1.5
    alb_deletion_protection: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """Resource name prefix, e.g. `portfolio-dev`."""
        return f"portfolio-{self.name}"

    @property
    def azs(self) -> list[str]:
        return list(self.availability_zones) or [f"{self.region}a", f"{self.region}b"]

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _RETENTION[self.log_retention_days]

    @property
    def https(self) -> bool:
        """Served on a custom domain with its own certificate (the execute-api URL is HTTPS too)."""
        return bool(self.certificate_arn)

    def resolved_account(self) -> str:
        return self.account or deploying_account()

    def validate(self) -> EnvironmentConfig:
        if len(self.azs) != 2:
            raise ConfigError(f"{self.name}: exactly two availability zones, got {self.azs}")
        if self.log_retention_days not in _RETENTION:
            raise ConfigError(f"{self.name}: log_retention_days must be one of {sorted(_RETENTION)}")
        if self.certificate_arn and not re.fullmatch(
            r"arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate/[\w-]+", self.certificate_arn
        ):
            raise ConfigError(f"{self.name}: certificate_arn is not an ACM certificate ARN")
        if self.certificate_arn and f":acm:{self.region}:" not in self.certificate_arn:
            raise ConfigError(f"{self.name}: the certificate must be in {self.region}, where the API is")
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ConfigError(f"{self.name}: a custom domain needs both domain_name and certificate_arn")
        if self.domain_name and not _DOMAIN.fullmatch(self.domain_name):
            raise ConfigError(f"{self.name}: domain_name {self.domain_name!r} is not a lower-case DNS name")
        for limit in ("edge_rate_limit", "edge_burst_limit", "graphql_rate_limit", "graphql_burst_limit"):
            value = getattr(self, limit)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{self.name}: {limit} must be a whole number >= 1")
        if self.graphql_rate_limit > self.edge_rate_limit or self.graphql_burst_limit > self.edge_burst_limit:
            raise ConfigError(
                f"{self.name}: the /graphql throttling cannot exceed the stage's (edge_*_limit)"
            )
        if self.account is not None and not re.fullmatch(r"\d{12}", self.account):
            raise ConfigError(f"{self.name}: account must be 12 digits")
        for origin in self.cors_origins:
            if "*" in origin:
                raise ConfigError(f"{self.name}: cors_origins lists origins one by one, no wildcard")
            if not _ORIGIN.fullmatch(origin):
                raise ConfigError(
                    f"{self.name}: cors origin {origin!r} is not https://<host>[:<port>] "
                    "(lower case, no path, no trailing slash)"
                )
        for variable, value in self.router_limits.items():
            if variable not in ROUTER_LIMIT_VARIABLES:
                raise ConfigError(
                    f"{self.name}: router_limits sets one of {', '.join(ROUTER_LIMIT_VARIABLES)}, "
                    f"not {variable!r}"
                )
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{self.name}: router limit {variable} must be a whole number >= 1")
        return self


DEFAULTS: dict[str, EnvironmentConfig] = {
    "dev": EnvironmentConfig(name="dev", vpc_cidr="10.40.0.0/16", log_retention_days=14),
    "prod": EnvironmentConfig(
        name="prod",
        vpc_cidr="10.41.0.0/16",
        nat_gateways=2,
        graphiql=False,
        log_retention_days=90,
        subgraph_size=ServiceSize(cpu=512, memory_mib=1024, min_tasks=2, max_tasks=6),
        router_size=ServiceSize(cpu=1024, memory_mib=2048, min_tasks=2, max_tasks=8),
        cache_max_storage_gb=2,
        alb_deletion_protection=True,
    ),
}

_SIZE_FIELDS = {"subgraph_size", "router_size"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _coerce(base: EnvironmentConfig, name: str, value: Any) -> Any:
    """Values from `-c key=value` arrive as strings: convert them to the type of the default."""
    current = getattr(base, name)
    if name in _SIZE_FIELDS:
        if isinstance(value, str):
            value = json.loads(value)
        return dataclasses.replace(current, **{_snake(k): int(v) for k, v in value.items()})
    if name == "availability_zones":
        return tuple(value.split(",") if isinstance(value, str) else value)
    if name == "tags":
        return dict(json.loads(value) if isinstance(value, str) else value)
    if name == "cors_origins":
        items = value.split(",") if isinstance(value, str) else value
        return tuple(item.strip() for item in items if item.strip())
    if name == "router_limits":
        try:
            limits = dict(json.loads(value) if isinstance(value, str) else value)
            return {str(k): v if isinstance(v, int) else int(str(v)) for k, v in limits.items()}
        except (TypeError, ValueError) as error:  # json.JSONDecodeError is a ValueError
            raise ConfigError(
                f'{base.name}: router limits are {{"ROUTER_<LIMIT>": <whole number>}} ({error})'
            ) from None
    if value == "" and name in {"domain_name", "certificate_arn", "alarm_email", "account"}:
        return None
    if isinstance(value, str):
        if isinstance(current, bool):
            if value.lower() not in {"true", "false"}:
                raise ConfigError(f"{base.name}: {name} must be true or false, got {value!r}")
            return value.lower() == "true"
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
    return value


def with_overrides(base: EnvironmentConfig, overrides: dict[str, Any]) -> EnvironmentConfig:
    """`base` with the fields named in `overrides` (camelCase or snake_case keys) replaced."""
    known = {f.name for f in dataclasses.fields(EnvironmentConfig)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        name = _snake(key)
        if name not in known or name == "name":
            raise ConfigError(f"{base.name}: unknown setting {key!r}")
        changes[name] = _coerce(base, name, value)
    return dataclasses.replace(base, **changes).validate()


def environments(context: dict[str, Any] | None) -> dict[str, EnvironmentConfig]:
    """Every environment with its overrides from the CDK context applied, in this order:

    - `environments`: an object (cdk.json) or a JSON string, `{"prod": {"certificateArn": "..."}}`;
    - flat keys `<env>.<setting>`, as given on the command line: `-c prod.certificateArn=arn:...`.
    """
    context = context or {}
    nested = context.get("environments") or {}
    if isinstance(nested, str):
        nested = json.loads(nested)
    overrides: dict[str, dict[str, Any]] = {name: dict(values or {}) for name, values in nested.items()}
    for key, value in context.items():
        env, dot, setting = key.partition(".")
        if dot and env in DEFAULTS and setting:
            overrides.setdefault(env, {})[setting] = value
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"unknown environments {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    return {name: with_overrides(base, overrides.get(name, {})) for name, base in DEFAULTS.items()}


# CodePipeline (infra/src/infra/stacks/pipeline.py) is a second way to deliver, next to GitHub
# Actions: it exists only when the context names a repository connection, all three keys at once.
PIPELINE_KEYS = ("pipelineConnectionArn", "pipelineRepository", "pipelineBranch")
_CONNECTION_ARN = re.compile(
    r"arn:aws[\w-]*:(codestar-connections|codeconnections):[\w-]+:\d{12}:connection/[\w-]+"
)
_REPOSITORY = re.compile(r"[\w.-]+/[\w.-]+")


@dataclass(frozen=True)
class PipelineConfig:
    connection_arn: str  # a CodeConnections (CodeStar) connection to the repository's host
    repository: str  # owner/name
    branch: str


def pipeline_config(context: dict[str, Any] | None) -> PipelineConfig | None:
    """The pipeline's source from the CDK context, or None when no key is set (no pipeline)."""
    values = {key: str((context or {}).get(key) or "").strip() for key in PIPELINE_KEYS}
    if not any(values.values()):
        return None
    missing = [key for key, value in values.items() if not value]
    if missing:
        raise ConfigError(f"the pipeline needs {', '.join(PIPELINE_KEYS)}; missing {', '.join(missing)}")
    connection_arn, repository, branch = (values[key] for key in PIPELINE_KEYS)
    if not _CONNECTION_ARN.fullmatch(connection_arn):
        raise ConfigError("pipelineConnectionArn is not a CodeConnections connection ARN")
    if not _REPOSITORY.fullmatch(repository):
        raise ConfigError("pipelineRepository is owner/name")
    return PipelineConfig(connection_arn=connection_arn, repository=repository, branch=branch)
