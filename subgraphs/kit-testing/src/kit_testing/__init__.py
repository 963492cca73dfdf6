"""Test helpers shared by every suite (a dev-only workspace member: no production image installs it)."""

from kit_testing.client import HOSTILE_DECIMALS, INTERNALS, execute, refusal_codes, running_app
from kit_testing.clock import FixedClock
from kit_testing.dynamo import create_table, unique_table_name
from kit_testing.jwks import JwksServer
from kit_testing.processes import process_state, running, wait_until
from kit_testing.queues import MAX_RECEIVE_COUNT, EventQueues, envelope, event_detail, incoming
from kit_testing.tokens import (
    ISSUER,
    REFUSALS,
    TEST_AUDIENCE,
    TEST_ISSUER,
    HostileTokens,
    TestIssuer,
    bearer,
    compact_jws,
)

__all__ = [
    "HOSTILE_DECIMALS",
    "INTERNALS",
    "ISSUER",
    "MAX_RECEIVE_COUNT",
    "REFUSALS",
    "TEST_AUDIENCE",
    "TEST_ISSUER",
    "EventQueues",
    "FixedClock",
    "HostileTokens",
    "JwksServer",
    "TestIssuer",
    "bearer",
    "compact_jws",
    "create_table",
    "envelope",
    "event_detail",
    "execute",
    "incoming",
    "process_state",
    "refusal_codes",
    "running",
    "running_app",
    "unique_table_name",
    "wait_until",
]
