"""The customers subgraph schema (exported to schema/customers.graphql by `make schema`)."""

from kit.graphql.schema import federated_schema

from customers.graphql.mutations import Mutation
from customers.graphql.queries import Query
from customers.graphql.types import Customer

schema = federated_schema(query=Query, mutation=Mutation, types=[Customer])
