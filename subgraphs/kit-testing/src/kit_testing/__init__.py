"""Test helpers shared by every suite (a dev-only workspace member: no production image installs it)."""

from kit_testing.client import HOSTILE_DECIMALS, INTERNALS, execute, refusal_codes, running_app
from kit_testing.clock import FixedClock
from kit_testing.dynamo import create_table, unique_table_name
from kit_testing.jwks import JwksServer
from kit_testing.processes import process_state, running, wait_until
from kit_testing.sqs import MAX_RECEIVE_COUNT, Queues, event_message
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
    "FixedClock",
    "HostileTokens",
    "JwksServer",
    "Queues",
    "TestIssuer",
    "bearer",
    "compact_jws",
    "create_table",
    "event_message",
    "execute",
    "process_state",
    "refusal_codes",
    "running",
    "running_app",
    "unique_table_name",
    "wait_until",
]
