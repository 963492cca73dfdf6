"""Who changes what (issue 7), over HTTP with real tokens: a portfolio's owner or an admin may
change it; operators and other customers get a FORBIDDEN GraphQL error, no data of the target,
and nothing is written (the table holds the same items, the portfolio reads the same).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from kit_testing import ISSUER
from ulid import ULID

RENAME = """
mutation($input: RenamePortfolioInput!) {
  renamePortfolio(input: $input) { portfolio { id name } userErrors { field code } }
}"""
CLOSE = """
mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) { portfolio { id status } userErrors { field code } }
}"""
CREATE = """
mutation($input: CreatePortfolioInput!) {
  createPortfolio(input: $input) { portfolio { id name owner { id } } userErrors { field code } }
}"""
ADD = """
mutation($input: AddInvestmentInput!) {
  addInvestment(input: $input) { investment { id quantity portfolio { name } } userErrors { field code } }
}"""
UPDATE = """
mutation($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) { investment { id quantity } userErrors { field code } }
}"""
REMOVE = """
mutation($input: RemoveInvestmentInput!) {
  removeInvestment(input: $input) { removedInvestmentId portfolio { id } userErrors { field code } }
}"""
SELL = """
mutation($input: SellInvestmentInput!) {
  sellInvestment(input: $input) {
    realizedGain { amount } activity { id quantity } portfolio { name } userErrors { field code }
  }
}"""

BUY = {
    "symbol": "AAPL",
    "quantity": "10",
    "purchasePrice": {"amount": "150.25", "currencyCode": "USD"},
    "purchasedAt": "2024-05-01",
}
SALE = {
    "symbol": "AAPL",
    "quantity": "1",
    "price": {"amount": "200", "currencyCode": "USD"},
    "soldAt": "2024-06-03",
}


def mutations(t) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every mutation, aimed at the portfolio or lot of `t` (an `Api.seed`), with input that is
    valid for its owner."""
    return {
        "createPortfolio": (
            CREATE,
            {"customerId": t.customer_id, "name": "Mine now", "kind": "IRA", "baseCurrency": "USD"},
        ),
        "renamePortfolio": (RENAME, {"id": t.portfolio_id, "name": "Mine now"}),
        "closePortfolio": (CLOSE, {"id": t.portfolio_id}),
        "addInvestment": (ADD, {"portfolioId": t.portfolio_id, **BUY}),
        "updateInvestment": (UPDATE, {"id": t.lot_id, "quantity": "5"}),
        "removeInvestment": (REMOVE, {"id": t.lot_id}),
        "sellInvestment": (SELL, {"portfolioId": t.portfolio_id, **SALE}),
    }


NAMES = list(mutations(SimpleNamespace(customer_id="c", portfolio_id="p", lot_id="l")))


async def snapshot(api, t) -> tuple[int, dict]:
    return await api.count_items(), await api.state(t.portfolio_id)


async def assert_refused(api, body: dict, field: str, words: str) -> None:
    assert body["data"] is None  # the payload is non-null: the refusal nulls it all, no data leaks
    (error,) = body["errors"]
    assert (error["path"], error["extensions"]["code"]) == ([field], "FORBIDDEN")
    assert error["message"] == words


@pytest.fixture(scope="module")
async def victim(api):
    return await api.seed()


@pytest.fixture(scope="module")
async def intruder(api):
    return await api.seed(str(uuid.uuid4()))  # a Cognito-style customer id


@pytest.mark.parametrize("name", NAMES)
async def test_another_customer_changes_nothing(api, victim, intruder, name):
    query, values = mutations(victim)[name]
    before = await snapshot(api, victim)
    api.runtime.counter.reset()
    body = await api.gql(query, {"input": values}, token=intruder.token)
    words = {
        "createPortfolio": f"You may not open a portfolio for customer {victim.customer_id}.",
        "updateInvestment": f"You may not change investment {victim.lot_id}.",
        "removeInvestment": f"You may not change investment {victim.lot_id}.",
    }.get(name, f"You may not change portfolio {victim.portfolio_id}.")
    await assert_refused(api, body, name, words)
    assert "TransactWriteItems" not in api.calls
    assert await snapshot(api, victim) == before


@pytest.mark.parametrize("name", NAMES)
async def test_an_operator_changes_nothing_and_reads_nothing(api, victim, name):
    query, values = mutations(victim)[name]
    before = await snapshot(api, victim)
    api.runtime.counter.reset()
    body = await api.gql(query, {"input": values}, token=ISSUER.operator())
    words = (
        f"You may not open a portfolio for customer {victim.customer_id}."
        if name == "createPortfolio"
        else "Only a portfolio's owner or an admin may change it."
    )
    await assert_refused(api, body, name, words)
    assert api.calls == {}  # refused before anything was read
    assert await snapshot(api, victim) == before


@pytest.mark.parametrize("name", NAMES)
async def test_a_missing_target_is_refused_in_the_same_words(api, intruder, name):
    ghost = replace(intruder, customer_id=str(ULID()), portfolio_id=str(ULID()), lot_id=str(ULID()))
    query, values = mutations(ghost)[name]
    before = await api.count_items()
    body = await api.gql(query, {"input": values}, token=intruder.token)
    kind = "investment" if name in ("updateInvestment", "removeInvestment") else "portfolio"
    target = ghost.lot_id if kind == "investment" else ghost.portfolio_id
    words = (
        f"You may not open a portfolio for customer {ghost.customer_id}."
        if name == "createPortfolio"
        else f"You may not change {kind} {target}."
    )
    await assert_refused(api, body, name, words)
    assert await api.count_items() == before


async def test_input_the_target_would_reject_is_still_refused_first(api, victim, intruder):
    # EUR on a USD portfolio without fxRate would answer FX_RATE_REQUIRED naming the portfolio's
    # currency: the owner check comes before anything about the target is validated.
    euro = {**BUY, "purchasePrice": {"amount": "1", "currencyCode": "EUR"}}
    body = await api.gql(ADD, {"input": {"portfolioId": victim.portfolio_id, **euro}}, token=intruder.token)
    await assert_refused(api, body, "addInvestment", f"You may not change portfolio {victim.portfolio_id}.")
    assert "USD" not in str(body)
    # a customer opening a portfolio for an id that is not even an id: refused before validation
    body = await api.gql(
        CREATE,
        {"input": {"customerId": "nope", "name": "", "kind": "IRA", "baseCurrency": "XXX"}},
        token=intruder.token,
    )
    await assert_refused(api, body, "createPortfolio", "You may not open a portfolio for customer nope.")


async def test_malformed_ids_answer_invalid_to_anyone(api, intruder):
    body = await api.gql(RENAME, {"input": {"id": "not-an-id", "name": "x"}}, token=intruder.token)
    assert body["data"]["renamePortfolio"]["userErrors"] == [{"field": ["input", "id"], "code": "INVALID"}]


# --- what is allowed --------------------------------------------------------------------------


async def run(api, t, name: str, token: str) -> dict:
    query, values = mutations(t)[name]
    payload = (await api.data(query, {"input": values}, token=token))[name]
    assert payload["userErrors"] == [], payload
    return payload


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_the_owner_and_an_admin_change_a_portfolio(api, role):
    t = await api.seed(str(uuid.uuid4()) if role == "owner" else None)
    token = t.token if role == "owner" else ISSUER.admin()

    created = await run(api, t, "createPortfolio", token)
    assert created["portfolio"]["owner"] == {"id": t.customer_id}
    assert (await run(api, t, "renamePortfolio", token))["portfolio"]["name"] == "Mine now"
    added = await run(api, t, "addInvestment", token)
    assert added["investment"]["portfolio"] == {"name": "Mine now"}
    assert (await run(api, t, "updateInvestment", token))["investment"]["quantity"] == "5"
    # sells 1 AAPL at 200 from the first lot (now 5 at 150.25): gain 200 - 150.25 = 49.75
    assert (await run(api, t, "sellInvestment", token))["realizedGain"] == {"amount": "49.75"}
    # the first lot has been sold from: remove the one just added
    added_id = added["investment"]["id"]
    removed = await run(api, replace(t, lot_id=added_id), "removeInvestment", token)
    assert removed["removedInvestmentId"] == added_id
    assert (await run(api, t, "closePortfolio", token))["portfolio"]["status"] == "CLOSED"
    state = await api.state(t.portfolio_id)
    assert (state["name"], state["status"]) == ("Mine now", "CLOSED")
    # the sale left 5 - 1 = 4 of the corrected lot; the added lot was removed
    assert [(p["instrument"]["symbol"], p["quantity"]) for p in state["positions"]] == [("AAPL", "4")]


async def test_operator_cannot_even_open_a_portfolio(api):
    customer_id = await api.register_customer()
    before = await api.count_items()
    body = await api.gql(
        CREATE,
        {"input": {"customerId": customer_id, "name": "x", "kind": "IRA", "baseCurrency": "USD"}},
        token=ISSUER.operator(),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await api.count_items() == before


# --- idempotency keys -------------------------------------------------------------------------


async def test_another_customer_cannot_replay_an_owners_idempotency_key(api, victim, intruder):
    bought = await api.data(
        ADD,
        {"input": {"portfolioId": victim.portfolio_id, **BUY, "idempotencyKey": "k-buy"}},
        token=victim.token,
    )
    assert bought["addInvestment"]["userErrors"] == []
    sold = await api.data(
        SELL,
        {"input": {"portfolioId": victim.portfolio_id, **SALE, "idempotencyKey": "k-sell"}},
        token=victim.token,
    )
    assert sold["sellInvestment"]["userErrors"] == []
    before = await snapshot(api, victim)

    # The exact same inputs and keys: a replay would return the owner's lot and sale.
    for query, name, values in (
        (ADD, "addInvestment", {**BUY, "idempotencyKey": "k-buy"}),
        (SELL, "sellInvestment", {**SALE, "idempotencyKey": "k-sell"}),
    ):
        body = await api.gql(
            query, {"input": {"portfolioId": victim.portfolio_id, **values}}, token=intruder.token
        )
        await assert_refused(api, body, name, f"You may not change portfolio {victim.portfolio_id}.")
        assert bought["addInvestment"]["investment"]["id"] not in str(body)
        assert sold["sellInvestment"]["activity"]["id"] not in str(body)
    assert await snapshot(api, victim) == before

    # The owner's own replay still answers the first result and writes nothing.
    again = await api.data(
        ADD,
        {"input": {"portfolioId": victim.portfolio_id, **BUY, "idempotencyKey": "k-buy"}},
        token=victim.token,
    )
    assert again["addInvestment"]["investment"]["id"] == bought["addInvestment"]["investment"]["id"]
    assert await snapshot(api, victim) == before


async def test_an_owner_replays_a_key_an_admin_used_in_its_portfolio(api):
    t = await api.seed()
    values = {"portfolioId": t.portfolio_id, **BUY, "idempotencyKey": "k-admin"}
    first = await api.data(ADD, {"input": values}, token=ISSUER.admin())
    before = await api.count_items()
    again = await api.data(ADD, {"input": values}, token=t.token)  # its own portfolio: its own data
    assert again["addInvestment"]["investment"]["id"] == first["addInvestment"]["investment"]["id"]
    assert await api.count_items() == before
