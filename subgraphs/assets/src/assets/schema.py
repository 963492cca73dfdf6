"""The assets subgraph's federated schema (exported with `strawberry export-schema assets.schema:schema`)."""

from __future__ import annotations

from kit.graphql.schema import federated_schema

from assets.graphql.mutations import Mutation
from assets.graphql.queries import Query
from assets.graphql.types import Instrument
from assets.graphql.valuation import Customer, Portfolio

schema = federated_schema(query=Query, mutation=Mutation, types=[Instrument, Portfolio, Customer])
