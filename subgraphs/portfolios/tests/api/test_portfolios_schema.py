"""The exported SDL carries the federation shape the three subgraphs agree on."""

import pytest
from portfolios.schema import schema


@pytest.fixture(scope="module")
def sdl():
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.errors is None
    return result.data["_service"]["sdl"]


@pytest.mark.parametrize(
    "fragment",
    [
        'type Customer @key(fields: "id")',
        'type Portfolio @key(fields: "id")',
        'type Investment @key(fields: "id")',
        'type Instrument @key(fields: "symbol", resolvable: false)',
        "type Holding @inaccessible",
        "holdings: [Holding!]! @listSize(assumedSize: 50) @inaccessible",
        # Nullable where another subgraph supplies the value: null when it is unavailable.
        "portfolios: [Portfolio!] @listSize(assumedSize: 10)\n",
        "owner: Customer\n",
        "instrument: Instrument\n",
        "costBasisMethod: CostBasisMethod = FIFO",
        "createPortfolio(input: CreatePortfolioInput!): CreatePortfolioPayload!",
        "addInvestment(input: AddInvestmentInput!): AddInvestmentPayload!",
        "portfolio(id: ID!): Portfolio",
        "purchasedAt: Date!",
        "averageCost: Money!",
        "renamePortfolio(input: RenamePortfolioInput!): RenamePortfolioPayload!",
        "closePortfolio(input: ClosePortfolioInput!): ClosePortfolioPayload!",
        "updateInvestment(input: UpdateInvestmentInput!): UpdateInvestmentPayload!",
        "removeInvestment(input: RemoveInvestmentInput!): RemoveInvestmentPayload!",
        "sellInvestment(input: SellInvestmentInput!): SellInvestmentPayload!",
        "activities(first: Int!, after: String = null): ActivityConnection!",
        "status: PortfolioStatus!",
        "closedAt: DateTime",
        "remainingQuantity: Decimal!",
        "realizedGain: Money!",
        "type PageInfo @shareable",
        "soldAt: Date!",
        "K401",
        "PLAN_529",
        "federation/v2.9",
    ],
)
def test_sdl_has(sdl, fragment):
    assert fragment in sdl
