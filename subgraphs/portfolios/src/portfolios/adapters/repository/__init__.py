"""The portfolios repository on DynamoDB (see `table` for the item layout, `items` for the items).

Reads of many items are batched (BatchGetItem) or a single Query; every write that must be all or
nothing is one TransactWriteItems whose conditions re-check what the use case read. A cancelled
transaction (a condition failed, or a concurrent transaction interfered) raises `WriteConflict`.

By topic: `reads` (portfolios, ledgers, projections), `entries` (single activities, owners,
idempotency records, pages), `writes`, `changes` (the parts of a ledger change's transaction),
`transactions` (one TransactWriteItems and its limits), `directory` (the customer directory),
`fx_rates` (the copy of assets' FX closes).
"""

from portfolios.adapters.repository.directory import DynamoCustomerDirectory
from portfolios.adapters.repository.entries import EntryReads
from portfolios.adapters.repository.fx_rates import DynamoFxReferenceRates
from portfolios.adapters.repository.reads import PortfolioReads
from portfolios.adapters.repository.writes import PortfolioWrites


class DynamoPortfolioRepository(PortfolioReads, EntryReads, PortfolioWrites):
    """`domain.ports.PortfolioRepository` on one DynamoDB table."""


__all__ = ["DynamoCustomerDirectory", "DynamoFxReferenceRates", "DynamoPortfolioRepository"]
