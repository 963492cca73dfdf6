"""How every subgraph builds its federated schema."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cached_property
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import StrawberryObjectDefinition

from kit.graphql.cost import CostLimiter
from kit.graphql.entities import EntityShape, checked, entity_shapes
from kit.graphql.execution import PlainFieldExecutor
from kit.graphql.masking import MaskInternalErrors, is_expected, standard_code
from kit.graphql.types import SCALAR_MAP

# Generous limits of our own: the router enforces the tight ones, these stop a request that
# bypasses it from exhausting a subgraph.
MAX_DEPTH = 20
MAX_ALIASES = 100
# Estimated objects of one request (kit.graphql.cost: list sizes from @listSize, `_entities` counting its
# representations). The router's own requests stay far below it: its limit on the whole operation
# is lower, and the 1 MiB body limit caps the representations; a fan-out of nested lists called
# straight at a subgraph is refused before anything resolves.
MAX_COST = 100_000

refusals = logging.getLogger("kit.refusals")


class FederatedSchema(strawberry.federation.Schema):
    """Strawberry's federated schema whose `_entities` refuses a malformed representation on its
    own (null and BAD_USER_INPUT at its index, `kit.graphql.entities`) instead of failing internally."""

    @cached_property
    def entity_shapes(self) -> dict[str, EntityShape]:
        definitions = {
            name: concrete.definition
            for name, concrete in self.schema_converter.type_map.items()
            if isinstance(concrete.definition, StrawberryObjectDefinition)
        }
        return entity_shapes(self._schema, definitions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # A refusal of the client's input is logged by its code and path alone: its message and
        # traceback echo what was sent (investor data, or a flood under hostile load). Failures of
        # ours keep Strawberry's full log line.
        for error in errors:
            if is_expected(error):
                code = (error.extensions or {}).get("code") or standard_code(error)
                refusals.info("refused %s at %s", code, ".".join(map(str, error.path or ())))
        super().process_errors([error for error in errors if not is_expected(error)], execution_context)

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        results: list[object] = []
        for _, item in checked(representations, self.entity_shapes):
            if isinstance(item, dict):
                results.extend(super().entities_resolver(info, [cast(FederationAny, item)]))
            else:
                results.append(item)
        return cast(list[FederationAny], results)


def federated_schema(
    *, query: type, mutation: type | None = None, types: Iterable[type] = ()
) -> FederatedSchema:
    # Federation 2.9: @theguild/federation-composition accepts v2.0-2.9 only (DESIGN.md decision 2).
    extensions: list[Any] = [
        MaskInternalErrors,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: CostLimiter(max_cost=MAX_COST),
    ]
    return FederatedSchema(
        query=query,
        mutation=mutation,
        types=list(types),
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        federation_version="2.9",
        # Attribute-read fields without graphql-core's per-field overhead (kit.graphql.execution).
        execution_context_class=PlainFieldExecutor,
    )
