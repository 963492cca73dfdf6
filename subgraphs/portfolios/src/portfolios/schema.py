"""The portfolios subgraph's federated schema (`strawberry export-schema portfolios.schema:schema`)."""

from __future__ import annotations

from kit.graphql.schema import federated_schema

from portfolios.graphql.entities import Customer, Investment, Portfolio
from portfolios.graphql.mutations import Mutation
from portfolios.graphql.queries import Query
from portfolios.graphql.types import Activity, Holding, Instrument

schema = federated_schema(
    query=Query, mutation=Mutation, types=[Customer, Portfolio, Investment, Instrument, Holding, Activity]
)
