"""How the local processes find each other: each one's environment and the relay's command line.

The subgraphs and the event routes are topology.toml's; what is wired here is only what the launcher
adds between them. Events travel as in AWS: from each table's stream (the relay) to each consumer's
SQS queue (moto), which the consumer polls with the same code as in AWS (kit.aws.consumer).
"""

from __future__ import annotations

import sys
from pathlib import Path

from devstack import queues
from devstack.config import StackConfig
from devstack.topology import CONSUMERS, SUBGRAPH_NAMES, subgraph

# The launcher's own schedules (in AWS, EventBridge Scheduler runs them): each subgraph's periodic
# jobs, as its settings (under its env prefix). The assets service refreshes its stored daily closes
# at start and then once a day.
SCHEDULES: dict[str, dict[str, str]] = {"assets": {"HISTORY_REFRESH_SECONDS": str(24 * 60 * 60)}}


def subgraph_env(config: StackConfig, name: str, *, auth: dict[str, str]) -> dict[str, str]:
    """One subgraph's settings (under its env prefix) and the issuer it trusts (`auth`)."""
    prefix = subgraph(name).env_prefix
    env = {
        f"{prefix}HOST": config.host,
        f"{prefix}PORT": str(config.ports[name]),
        f"{prefix}DYNAMODB_ENDPOINT_URL": config.dynamodb_url,
        f"{prefix}TABLE_NAME": config.table(name),
        # One region for DynamoDB Local (which ignores it) and moto (which keeps queues per region).
        f"{prefix}AWS_REGION": queues.REGION,
        **auth,
    }
    env.update({f"{prefix}{setting}": value for setting, value in SCHEDULES.get(name, {}).items()})
    if name in CONSUMERS:
        env[f"{prefix}EVENT_QUEUE_URL"] = queues.queue_url(config, name)
        env[f"{prefix}SQS_ENDPOINT_URL"] = config.sqs_url
    return env


def subgraph_urls(config: StackConfig) -> dict[str, str]:
    """Where the router finds each subgraph (CUSTOMERS_URL, ...: the names the gateway config reads)."""
    return {f"{name.upper()}_URL": config.url(name, "/graphql") for name in SUBGRAPH_NAMES}


def relay_command(config: StackConfig, state_dir: Path) -> list[str]:
    """The relay over every subgraph's table, to every consumer's queue; its files in `state_dir`."""
    tables = [f"--table={name}={config.table(name)}" for name in SUBGRAPH_NAMES]
    targets = [f"--queue={consumer}={url}" for consumer, url in queues.queue_urls(config).items()]
    return [
        sys.executable,
        "-m",
        "devstack.relay",
        f"--dynamodb-url={config.dynamodb_url}",
        f"--sqs-url={config.sqs_url}",
        f"--region={queues.REGION}",
        f"--checkpoints={relay_checkpoints(state_dir)}",
        f"--ready-file={relay_ready_file(state_dir)}",
        *tables,
        *targets,
    ]


def relay_checkpoints(state_dir: Path) -> Path:
    return state_dir / "checkpoints.json"


def relay_ready_file(state_dir: Path) -> Path:
    return state_dir / "ready"
