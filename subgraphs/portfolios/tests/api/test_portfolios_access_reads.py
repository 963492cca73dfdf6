"""Who reads what (issue 7), over HTTP with real tokens: a customer reads only its own portfolios,
lots, positions and activities, whether by `portfolio(id)` or by entity reference (Portfolio,
Investment, Customer.portfolios); operators and admins read everything. Someone else's object is
null with a FORBIDDEN error at its path, in the same words whether it exists or not, and the
checks add no DynamoDB call: N references still cost one batched read.
"""

from __future__ import annotations

import uuid

import pytest
from kit_testing import ISSUER
from ulid import ULID

PORTFOLIO = """
query($id: ID!) {
  portfolio(id: $id) {
    id name baseCurrency owner { id }
    positions { instrument { symbol } quantity lots { id } }
    investments { id quantity }
    realizedGain { amount }
    activities(first: 10) { edges { node { type quantity } } }
  }
}"""

PORTFOLIO_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio { id name holdings { symbol quantity costBasis } }
  }
}"""

INVESTMENT_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Investment { id quantity purchasePrice { amount } portfolio { id name } }
  }
}"""

CUSTOMER_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id portfolios { id name investments { id } } }
  }
}"""


@pytest.fixture(scope="module")
async def owners(api):
    """A and B, each with a portfolio holding one lot (10 AAPL at 150.25 USD) and a sale of 1 AAPL
    at 200. A signed itself up (its id is a Cognito sub, a UUID); B was registered by an operator."""
    a = await api.seed(str(uuid.uuid4()), name="A's savings", sell=True)
    b = await api.seed(str(ULID()), name="B's savings", sell=True)
    return a, b


def refs(typename: str, ids: list[str]) -> dict:
    return {"representations": [{"__typename": typename, "id": i} for i in ids]}


def forbidden(body: dict) -> list[tuple[tuple, str, str]]:
    """(path, code, message) of every error."""
    return [(tuple(e["path"]), e["extensions"]["code"], e["message"]) for e in body.get("errors", [])]


# --- portfolio(id) ----------------------------------------------------------------------------


async def test_a_customer_reads_its_own_portfolio_with_everything_below_it(api, owners):
    a, _ = owners
    data = await api.data(PORTFOLIO, {"id": a.portfolio_id}, token=a.token)
    portfolio = data["portfolio"]
    assert (portfolio["name"], portfolio["owner"]) == ("A's savings", {"id": a.customer_id})
    # 10 bought, 1 sold: 9 held; gain = 1 * 200 - 150.25 = 49.75
    assert portfolio["positions"] == [
        {"instrument": {"symbol": "AAPL"}, "quantity": "9", "lots": [{"id": a.lot_id}]}
    ]
    assert portfolio["realizedGain"] == {"amount": "49.75"}
    assert [e["node"]["type"] for e in portfolio["activities"]["edges"]] == ["SELL", "BUY"]


async def test_a_customer_gets_null_and_forbidden_for_another_customers_portfolio(api, owners):
    a, b = owners
    api.runtime.counter.reset()
    body = await api.gql(PORTFOLIO, {"id": b.portfolio_id}, token=a.token)
    assert body["data"] == {"portfolio": None}
    assert forbidden(body) == [(("portfolio",), "FORBIDDEN", f"You may not see portfolio {b.portfolio_id}.")]
    assert api.calls == {"BatchGetItem": 1}  # the one load; nothing below it ran
    assert "B's savings" not in str(body)


async def test_a_missing_portfolio_is_refused_in_the_same_words(api, owners):
    a, b = owners
    missing = str(ULID())
    body = await api.gql(PORTFOLIO, {"id": missing}, token=a.token)
    other = await api.gql(PORTFOLIO, {"id": b.portfolio_id}, token=a.token)
    assert body["data"] == other["data"] == {"portfolio": None}
    # the same answer but for the id the client sent itself: no existence oracle
    assert forbidden(body)[0][2].replace(missing, "X") == forbidden(other)[0][2].replace(b.portfolio_id, "X")
    malformed = await api.gql(PORTFOLIO, {"id": "not-an-id"}, token=a.token)
    assert forbidden(malformed) == [(("portfolio",), "FORBIDDEN", "You may not see portfolio not-an-id.")]


@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_staff_read_every_portfolio_and_a_missing_one_is_plain_null(api, owners, role):
    a, b = owners
    token = ISSUER.operator() if role == "operator" else ISSUER.admin()
    for owner, name in ((a, "A's savings"), (b, "B's savings")):
        data = await api.data(PORTFOLIO, {"id": owner.portfolio_id}, token=token)
        assert (data["portfolio"]["name"], data["portfolio"]["owner"]) == (name, {"id": owner.customer_id})
        assert [i["id"] for i in data["portfolio"]["investments"]] == [owner.lot_id]
    assert await api.data(PORTFOLIO, {"id": str(ULID())}, token=token) == {"portfolio": None}


# --- _entities: Portfolio ---------------------------------------------------------------------


async def test_portfolio_references_of_others_are_null_and_the_batch_stays_one_read(api, owners):
    a, b = owners
    missing = str(ULID())
    api.runtime.counter.reset()
    body = await api.gql(
        PORTFOLIO_ENTITIES, refs("Portfolio", [b.portfolio_id, a.portfolio_id, missing]), token=a.token
    )
    # The 3 META items; then A's holdings: its META again (the version the chunks must carry) and the
    # chunks of that version. Batched reads only: no Query of the ledger.
    assert api.calls == {"BatchGetItem": 3}
    entities = body["data"]["_entities"]
    assert entities[0] is None and entities[2] is None
    # A holds 9 AAPL costing 9 * 150.25 = 1352.25
    assert entities[1] == {
        "id": a.portfolio_id,
        "name": "A's savings",
        "holdings": [{"symbol": "AAPL", "quantity": "9", "costBasis": "1352.25"}],
    }
    assert forbidden(body) == [
        (("_entities", 0), "FORBIDDEN", f"You may not see portfolio {b.portfolio_id}."),
        (("_entities", 2), "FORBIDDEN", f"You may not see portfolio {missing}."),
    ]
    assert "B's savings" not in str(body)


async def test_operator_resolves_every_portfolio_reference(api, owners):
    a, b = owners
    api.runtime.counter.reset()
    data = await api.data(
        PORTFOLIO_ENTITIES, refs("Portfolio", [a.portfolio_id, b.portfolio_id]), token=ISSUER.operator()
    )
    assert [e["name"] for e in data["_entities"]] == ["A's savings", "B's savings"]
    assert api.calls == {"BatchGetItem": 3}  # as for one portfolio: both in each batch


# --- _entities: Investment --------------------------------------------------------------------


async def test_investment_references_are_checked_against_the_owner_in_one_read(api, owners):
    a, b = owners
    api.runtime.counter.reset()
    body = await api.gql(
        INVESTMENT_ENTITIES, refs("Investment", [a.lot_id, b.lot_id, str(ULID())]), token=a.token
    )
    # One BatchGetItem for the 3 lots' refs (each names its owner); A's holdings (META and chunks: 2);
    # A's portfolio for lot.portfolio (1)
    assert api.calls == {"BatchGetItem": 4}
    entities = body["data"]["_entities"]
    assert entities[0] == {
        "id": a.lot_id,
        "quantity": "10",
        "purchasePrice": {"amount": "150.25"},
        "portfolio": {"id": a.portfolio_id, "name": "A's savings"},
    }
    assert entities[1:] == [None, None]
    assert [(path, code) for path, code, _ in forbidden(body)] == [
        (("_entities", 1), "FORBIDDEN"),
        (("_entities", 2), "FORBIDDEN"),
    ]
    assert forbidden(body)[0][2] == f"You may not see investment {b.lot_id}."


async def test_staff_resolve_every_investment_reference(api, owners):
    a, b = owners
    for token in (ISSUER.operator(), ISSUER.admin()):
        data = await api.data(INVESTMENT_ENTITIES, refs("Investment", [a.lot_id, b.lot_id]), token=token)
        assert [e["portfolio"]["id"] for e in data["_entities"]] == [a.portfolio_id, b.portfolio_id]


async def test_lot_references_cost_the_same_reads_however_many_and_used_up_ones_resolve(api, owners):
    # A lot used up by a sale lives in its portfolio's history, not its holdings: it still resolves,
    # and is still checked against its owner. The reads do not grow with the number of references.
    a, b = owners
    used_up = await api.add_investment(a.portfolio_id, symbol="MSFT", quantity="2", purchasedAt="2024-01-02")
    await api.sell(a.portfolio_id, symbol="MSFT", quantity="2", soldAt="2024-02-01")
    more = [await api.add_investment(a.portfolio_id, quantity="1") for _ in range(4)]
    api.runtime.counter.reset()
    body = await api.gql(INVESTMENT_ENTITIES, refs("Investment", [used_up["id"], b.lot_id]), token=a.token)
    two = api.calls
    assert body["data"]["_entities"][0]["quantity"] == "2"
    assert body["data"]["_entities"][0]["portfolio"]["id"] == a.portfolio_id
    assert body["data"]["_entities"][1] is None
    assert forbidden(body) == [(("_entities", 1), "FORBIDDEN", f"You may not see investment {b.lot_id}.")]

    api.runtime.counter.reset()
    ids = [used_up["id"], a.lot_id, *(lot["id"] for lot in more), b.lot_id]
    data = await api.data(INVESTMENT_ENTITIES, refs("Investment", ids), token=ISSUER.operator())
    assert [e["quantity"] for e in data["_entities"]] == ["2", "10", "1", "1", "1", "1", "10"]
    assert api.calls == two  # 7 references of two portfolios: the same calls as 2


# --- _entities: Customer.portfolios -----------------------------------------------------------


async def test_another_customers_reference_is_null_and_reads_nothing(api, owners):
    a, b = owners
    api.runtime.counter.reset()
    body = await api.gql(CUSTOMER_ENTITIES, refs("Customer", [b.customer_id]), token=a.token)
    assert body["data"] == {"_entities": [None]}
    assert forbidden(body) == [(("_entities", 0), "FORBIDDEN", f"You may not see customer {b.customer_id}.")]
    assert api.calls == {}  # refused before any book is read


async def test_own_customer_reference_lists_own_portfolios_beside_refused_ones(api, owners):
    a, b = owners
    api.runtime.counter.reset()
    body = await api.gql(
        CUSTOMER_ENTITIES, refs("Customer", [a.customer_id, b.customer_id, "someone"]), token=a.token
    )
    # A's book is one Query; `investments` lists used-up lots too, which live in the portfolio's
    # history: its META and history chunks, read consistently (GetItem, BatchGetItem).
    assert api.calls == {"Query": 1, "GetItem": 1, "BatchGetItem": 1}
    first, *rest = body["data"]["_entities"]
    assert first["id"] == a.customer_id
    assert [p["name"] for p in first["portfolios"]] == ["A's savings"]
    assert rest == [None, None]
    assert [path for path, _, _ in forbidden(body)] == [("_entities", 1), ("_entities", 2)]


@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_staff_read_every_customers_portfolios(api, owners, role):
    a, b = owners
    token = ISSUER.operator() if role == "operator" else ISSUER.admin()
    api.runtime.counter.reset()
    data = await api.data(CUSTOMER_ENTITIES, refs("Customer", [a.customer_id, b.customer_id]), token=token)
    assert api.calls == {"Query": 2, "GetItem": 2, "BatchGetItem": 2}  # as above, per customer
    assert [[p["name"] for p in e["portfolios"]] for e in data["_entities"]] == [
        ["A's savings"],
        ["B's savings"],
    ]


async def test_the_owner_of_a_readable_portfolio_lists_its_portfolios(api, owners):
    a, _ = owners
    data = await api.data(
        "query($id: ID!) { portfolio(id: $id) { owner { id portfolios { id } } } }",
        {"id": a.portfolio_id},
        token=a.token,
    )
    assert data["portfolio"]["owner"]["portfolios"] == [{"id": a.portfolio_id}]
