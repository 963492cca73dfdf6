"""The contract tests' shared fixtures: the app synthesized once per session (jsii and synthesis
cost about half a minute) for the tests that rebuild the AWS event path from it."""

from __future__ import annotations

import pytest
from infra.assembly import SynthesizedStack

from .aws_path import synthesized_messaging


@pytest.fixture(scope="session")
def messaging(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedStack:
    """prod's messaging stack (the bus, the Pipes, the rules and the consumer queues)."""
    return synthesized_messaging(tmp_path_factory.mktemp("cdk.out"))
