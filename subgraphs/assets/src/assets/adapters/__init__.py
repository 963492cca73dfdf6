"""Storage, cache and provider adapters of the assets subgraph."""
