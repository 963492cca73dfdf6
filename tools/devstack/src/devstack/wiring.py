"""How the local processes find each other: each one's environment, the event routes, the start order.

The subgraphs are topology.toml's; what is wired here is only what the launcher adds between them.
"""

from __future__ import annotations

from devstack.config import StackConfig
from devstack.topology import SUBGRAPH_NAMES, subgraph

# Who pushes its domain events to whose /events (customers' changes reach portfolios' copies). Both
# ends share the push secret, and a subscriber starts before its publisher.
EVENT_ROUTES: dict[str, tuple[str, ...]] = {"customers": ("portfolios",)}

# The launcher's own schedules (in AWS, EventBridge Scheduler runs them): each subgraph's periodic
# jobs, as its settings (under its env prefix). The assets service refreshes its stored daily closes
# at start and then once a day.
SCHEDULES: dict[str, dict[str, str]] = {"assets": {"HISTORY_REFRESH_SECONDS": str(24 * 60 * 60)}}


def start_order() -> tuple[str, ...]:
    """topology.toml's order, with every event publisher after the subgraphs it pushes to."""
    publishers = set(EVENT_ROUTES)
    return tuple(name for name in SUBGRAPH_NAMES if name not in publishers) + tuple(
        name for name in SUBGRAPH_NAMES if name in publishers
    )


def _in_an_event_route(name: str) -> bool:
    return name in EVENT_ROUTES or any(name in subscribers for subscribers in EVENT_ROUTES.values())


def subgraph_env(
    config: StackConfig, name: str, *, auth: dict[str, str], events_push_secret: str
) -> dict[str, str]:
    """One subgraph's settings (under its env prefix) and the issuer it trusts (`auth`)."""
    prefix = subgraph(name).env_prefix
    env = {
        f"{prefix}HOST": config.host,
        f"{prefix}PORT": str(config.ports[name]),
        f"{prefix}DYNAMODB_ENDPOINT_URL": config.dynamodb_url,
        f"{prefix}TABLE_NAME": config.table(name),
        **auth,
    }
    env.update({f"{prefix}{setting}": value for setting, value in SCHEDULES.get(name, {}).items()})
    subscribers = EVENT_ROUTES.get(name, ())
    if subscribers:
        env[f"{prefix}EVENT_SUBSCRIBERS"] = ",".join(config.url(to, "/events") for to in subscribers)
    if _in_an_event_route(name):
        env[f"{prefix}EVENTS_PUSH_SECRET"] = events_push_secret
    return env


def subgraph_urls(config: StackConfig) -> dict[str, str]:
    """Where the router finds each subgraph (CUSTOMERS_URL, ...: the names the gateway config reads)."""
    return {f"{name.upper()}_URL": config.url(name, "/graphql") for name in SUBGRAPH_NAMES}
