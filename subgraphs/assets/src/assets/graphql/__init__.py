"""The GraphQL layer of the assets subgraph: types, queries, mutations and the request context."""
