"""One wiring module per subgraph: what is particular to it, beside what every GraphQL service gets
(infra/constructs/graphql_service.py). Each module imports its service's own table definition, and
`build` composes the service and writes its particular grants where it meets what they grant.

topology.toml names the subgraphs; a subgraph named there without a wiring module here (or the
reverse) fails synthesis with a message saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from aws_cdk import Stack

from infra.constructs.app_service import Platform
from infra.constructs.graphql_service import GraphqlService
from infra.services import assets, customers, portfolios
from infra.tables import TableDefinition
from infra.topology import TOPOLOGY, Subgraph

if TYPE_CHECKING:
    from infra.stacks.services import Dependencies


class Wiring(Protocol):
    """What a module of infra/services/ provides (mypy checks each module against it)."""

    @property
    def __name__(self) -> str: ...

    @property
    def table_definition(self) -> TableDefinition: ...

    def build(
        self, scope: Stack, subgraph: Subgraph, platform: Platform, deps: Dependencies
    ) -> GraphqlService: ...


_WIRED: tuple[Wiring, ...] = (customers, portfolios, assets)
_MODULES = {module.__name__.rpartition(".")[2]: module for module in _WIRED}


class MissingWiring(LookupError):
    pass


def wiring(name: str) -> Wiring:
    """The wiring module of the subgraph `name` of topology.toml."""
    if set(_MODULES) != set(TOPOLOGY.names):
        raise MissingWiring(
            f"topology.toml names the subgraphs {sorted(TOPOLOGY.names)}; infra/services/ wires "
            f"{sorted(_MODULES)}: add or remove infra/src/infra/services/<name>.py to match"
        )
    return _MODULES[name]


def table_definition(name: str) -> TableDefinition:
    """The subgraph's own `adapters.table.table_definition`, as its wiring module imports it."""
    return wiring(name).table_definition
