"""`Portfolio.timeline` through GraphQL: what the assets subgraph requires for value over time
(issue 15, DESIGN.md decision 13). Recorded through the contract's mutations, read by a root query
and by `_entities` for many portfolios in one batched read, with the portfolio's access rules; and
the router's @requires fetch for five portfolios of a thousand activities is neither refused nor
large."""

from __future__ import annotations

import json

import pytest
from graphql import parse
from kit.aws.dynamo import to_item
from kit.graphql.cost import cost_model_of, estimate_cost
from kit_testing import ISSUER
from portfolios.adapters import items, table
from portfolios.adapters.repository import DynamoPortfolioRepository
from portfolios.domain.ledger import Ledger
from portfolios.domain.ports import LedgerChange
from portfolios.schema import schema

from ..five_years import five_years
from .ledger_operations import CORRECT, buy, money, record, sell

TIMELINE_FIELDS = """
timeline {
  recordsCash
  positions { symbol dates quantities costBases }
  cash { dates amounts }
  flows { dates amounts }
  transfers { dates symbols quantities types costBases }
  splits { dates symbols ratioFrom ratioTo }
}"""

PORTFOLIO_TIMELINE = "query($id: ID!) { portfolio(id: $id) { id " + TIMELINE_FIELDS + " } }"

# What the router sends this subgraph to resolve the assets subgraph's @requires on the timeline.
TIMELINE_FETCH = (
    "query($representations: [_Any!]!) { _entities(representations: $representations) "
    "{ ... on Portfolio { __typename id baseCurrency " + TIMELINE_FIELDS + " } } }"
)


@pytest.fixture(scope="module")
async def five_large(api, customer):
    """Five portfolios of `five_years` (about 1,000 activities each, stored as a change writes them),
    and the timelines their replay gives."""
    client, name = api.runtime.dynamodb, api.runtime.settings.table_name
    repository = DynamoPortfolioRepository(client, name)
    ids, timelines = [], []
    for n in range(5):
        pid = (await api.create_portfolio(customer, name=f"Large {n}"))["id"]
        portfolio = (await repository.portfolios([pid]))[pid]
        activities = five_years(portfolio, seed=n)
        books = Ledger(portfolio, activities).replay(version=1)
        for start in range(0, len(activities), 25):
            batch = [
                {"PutRequest": {"Item": to_item(items.activity_item(a))}}
                for a in activities[start : start + 25]
            ]
            response = await client.batch_write_item(RequestItems={name: batch})
            assert not response.get("UnprocessedItems")
        await repository.write([LedgerChange(portfolio, 0, books, activities=tuple(activities))])
        ids.append(pid)
        timelines.append(books.timeline)
    return ids, timelines


def representations(ids):
    return {"representations": [{"__typename": "Portfolio", "id": i} for i in ids]}


async def timeline_of(api, portfolio_id: str, token=None) -> dict:
    return (await api.data(PORTFOLIO_TIMELINE, {"id": portfolio_id}, token=token))["portfolio"]["timeline"]


async def test_a_cash_portfolio_s_timeline_by_hand(api, customer):
    pid = (await api.create_portfolio(customer))["id"]
    await record(api, pid, "DEPOSIT", "2024-01-02", amount=money("1000"), fees=money("5"))
    await buy(api, pid, "2024-01-03", "10", "50", fees=money("1"))
    await record(api, pid, "SPLIT", "2024-01-05", symbol="AAPL", splitRatio={"from": "1", "to": "2"})
    await sell(api, pid, "2024-01-08", "5", "30")
    await record(api, pid, "WITHDRAWAL", "2024-01-09", amount=money("100"))
    timeline = await timeline_of(api, pid)
    assert timeline == {
        "recordsCash": True,
        # 10 at 501; the split doubles them (cost kept); 5 of 20 sold take a quarter: 375.75 left.
        "positions": [
            {
                "symbol": "AAPL",
                "dates": ["2024-01-03", "2024-01-05", "2024-01-08"],
                "quantities": ["10", "20", "15"],
                "costBases": ["501", "501", "375.75"],
            }
        ],
        # 995 after the deposit's fee; 494 after the buy; +150; -100.
        "cash": {
            "dates": ["2024-01-02", "2024-01-03", "2024-01-08", "2024-01-09"],
            "amounts": ["995.00", "494.00", "644.00", "544.00"],
        },
        "flows": {"dates": ["2024-01-02", "2024-01-09"], "amounts": ["1000", "-100"]},
        "transfers": {"dates": [], "symbols": [], "quantities": [], "types": [], "costBases": []},
        "splits": {"dates": ["2024-01-05"], "symbols": ["AAPL"], "ratioFrom": ["1"], "ratioTo": ["2"]},
    }


async def test_a_back_dated_correction_changes_the_stored_timeline(api, customer):
    pid = (await api.create_portfolio(customer))["id"]
    first = await buy(api, pid, "2024-03-01", "10", "100")
    await sell(api, pid, "2024-04-01", "4", "110", fees=money("2"))
    before = await timeline_of(api, pid)
    assert before["recordsCash"] is False and before["cash"] == {"dates": [], "amounts": []}
    # Without cash: the buy's cost flows in, the sale's net proceeds (440 - 2) flow out.
    assert before["flows"] == {"dates": ["2024-03-01", "2024-04-01"], "amounts": ["1000", "-438"]}
    assert before["positions"][0]["costBases"] == ["1000", "600"]

    # The purchase moved back a month and corrected to 90 a share.
    payload = (
        await api.data(
            CORRECT, {"input": {"activityId": first["id"], "occurredAt": "2024-02-01", "price": money("90")}}
        )
    )["correctActivity"]
    assert payload["userErrors"] == []
    after = await timeline_of(api, pid)
    assert after["positions"][0]["dates"] == ["2024-02-01", "2024-04-01"]
    assert after["positions"][0]["costBases"] == ["900", "540"]
    assert after["flows"] == {"dates": ["2024-02-01", "2024-04-01"], "amounts": ["900", "-438"]}


async def test_entities_read_the_timelines_of_many_portfolios_in_one_batch(api, customer):
    ids = []
    for n in range(3):
        pid = (await api.create_portfolio(customer, name=f"T{n}"))["id"]
        await buy(api, pid, "2024-01-02", str(n + 1), "10")
        ids.append(pid)
    api.runtime.counter.reset()
    data = await api.data(TIMELINE_FETCH, representations(ids))
    # The references (META), then the timelines: META again (the version their chunks carry) and the
    # chunks of all three; no Query, no replay.
    assert api.calls == {"BatchGetItem": 3}
    found = data["_entities"]
    assert [e["id"] for e in found] == ids
    assert [e["timeline"]["positions"][0]["quantities"] for e in found] == [["1"], ["2"], ["3"]]
    assert [e["timeline"]["flows"]["amounts"] for e in found] == [["10"], ["20"], ["30"]]


async def test_a_timeline_is_read_as_its_portfolio_is(api, customer):
    mine = (await api.create_portfolio(customer))["id"]
    await buy(api, mine, "2024-01-02", "1", "10")
    own = await timeline_of(api, mine, token=ISSUER.customer(customer))
    assert own["positions"][0]["symbol"] == "AAPL"

    stranger = ISSUER.customer(await api.register_customer())
    body = await api.gql(TIMELINE_FETCH, representations([mine]), token=stranger)
    assert body["data"]["_entities"] == [None]
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    body = await api.gql(PORTFOLIO_TIMELINE, {"id": mine}, token=stranger)
    assert body["data"]["portfolio"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_a_portfolio_without_a_stored_timeline_reads_null_until_its_next_change(api, customer):
    pid = (await api.create_portfolio(customer))["id"]
    await buy(api, pid, "2024-01-02", "1", "10")
    # As a portfolio last written before timelines were stored: META has no count of them.
    await api.runtime.dynamodb.update_item(
        TableName=api.runtime.settings.table_name,
        Key=to_item(table.portfolio_key(pid)),
        UpdateExpression="REMOVE timelineChunks",
    )
    assert await timeline_of(api, pid) is None
    await buy(api, pid, "2024-01-03", "2", "11")
    timeline = await timeline_of(api, pid)
    assert timeline["positions"][0]["quantities"] == ["1", "3"]


async def test_the_requires_fetch_of_five_portfolios_of_a_thousand_activities_runs(api, five_large):
    ids, timelines = five_large
    variables = representations(ids)
    estimated = estimate_cost(schema._schema, cost_model_of(schema), parse(TIMELINE_FETCH), variables)
    # 5 x (the entity, its timeline, 100 assumed positions, cash, flows, transfers, splits): the
    # entries are lists of scalars, which cost nothing however many there are.
    assert estimated == 5 * (1 + 1 + 100 + 4)
    api.runtime.counter.reset()
    body = await api.gql(TIMELINE_FETCH, variables)
    assert "errors" not in body
    found = body["data"]["_entities"]
    assert [e["id"] for e in found] == ids
    for entity, timeline in zip(found, timelines, strict=True):
        got = entity["timeline"]
        assert [p["symbol"] for p in got["positions"]] == [s.symbol for s in timeline.symbols]
        steps = sum(len(p["dates"]) for p in got["positions"])
        assert steps == sum(len(s.steps) for s in timeline.symbols) > 500
        assert got["flows"]["amounts"] == [str(f.amount) for f in timeline.flows]
        assert got["cash"]["amounts"][-1] == str(timeline.cash[-1].amount)
    # Two batched reads for the timelines (and one for the references), whatever their length.
    assert api.calls == {"BatchGetItem": 3}
    size = len(json.dumps(body["data"], separators=(",", ":")))
    print(f"\ntimeline @requires fetch, 5 portfolios x 1,000 activities: {size} bytes of JSON")
    assert size < 5 * 120_000
