"""How every subgraph builds its federated schema."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from kit.cost import CostLimiter
from kit.graphql_types import SCALAR_MAP
from kit.masking import MaskInternalErrors

# Generous limits of our own: the router enforces the tight ones, these stop a request that
# bypasses it from exhausting a subgraph.
MAX_DEPTH = 20
MAX_ALIASES = 100
# Estimated objects of one request (kit.cost: list sizes from @listSize, `_entities` counting its
# representations). The router's own requests stay far below it: its limit on the whole operation
# is lower, and the 1 MiB body limit caps the representations; a fan-out of nested lists called
# straight at a subgraph is refused before anything resolves.
MAX_COST = 100_000


def federated_schema(
    *, query: type, mutation: type | None = None, types: Iterable[type] = ()
) -> strawberry.federation.Schema:
    # Federation 2.9: @theguild/federation-composition accepts v2.0-2.9 only (DESIGN.md decision 2).
    extensions: list[Any] = [
        MaskInternalErrors,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: CostLimiter(max_cost=MAX_COST),
    ]
    return strawberry.federation.Schema(
        query=query,
        mutation=mutation,
        types=list(types),
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        federation_version="2.9",
    )
