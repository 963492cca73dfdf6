"""One real stack, started by the launcher on free ports with in-memory data and no demo data, for
the tests of its supervision and of the seed (which seeds demo customers of its own on it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.config import StackConfig
from devstack.stack import Stack


@pytest.fixture(scope="session")
def bare_stack() -> Iterator[Stack]:
    with Stack(StackConfig.ephemeral(), echo=False, seed=False) as running:
        yield running
