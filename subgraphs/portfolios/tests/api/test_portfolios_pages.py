"""The activity ledger's pages through GraphQL on DynamoDB Local: newest first with opaque cursors, bad
paging arguments, and reads that stay one query per portfolio or customer.
"""

import pytest
from portfolios.domain.paging import encode_cursor

from .lifecycle_operations import ACTIVITIES

# --- the activity ledger ----------------------------------------------------------------------


async def test_activities_page_newest_first_with_opaque_cursors(api, customer):
    portfolio = await api.create_portfolio(customer)
    for n in range(5):
        await api.add_investment(portfolio["id"], quantity=str(n + 1))
    seen, after, pages = [], None, 0
    while True:
        data = await api.data(ACTIVITIES, {"id": portfolio["id"], "first": 2, "after": after})
        connection = data["portfolio"]["activities"]
        pages += 1
        seen.extend(e["node"]["quantity"] for e in connection["edges"])
        info = connection["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert info["endCursor"] == connection["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3 and seen == ["5", "4", "3", "2", "1"]  # newest first, nothing twice


@pytest.mark.parametrize(
    ("first", "after"),
    [(2, "garbage"), (2, encode_cursor("01HZX3Q4W5E6R7T8Y9Z0PQRSTV") + "x"), (0, None), (101, None)],
)
async def test_bad_paging_arguments_are_bad_user_input(api, customer, first, after):
    portfolio = await api.create_portfolio(customer)
    body = await api.gql(ACTIVITIES, {"id": portfolio["id"], "first": first, "after": after})
    assert body["data"] == {"portfolio": None}  # activities is non-null: the error nulls its parent
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["portfolio", "activities"]


async def test_activities_of_many_portfolios_are_one_query_each_in_one_batch(api, customer):
    ids = [(await api.create_portfolio(customer))["id"] for _ in range(3)]
    for pid in ids:
        await api.add_investment(pid)
    query = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Portfolio { id activities(first: 5) { edges { node { type } } } }
      }
    }"""
    api.runtime.counter.reset()
    data = await api.data(query, {"representations": [{"__typename": "Portfolio", "id": i} for i in ids]})
    assert api.calls == {"BatchGetItem": 1, "Query": 3}
    assert [e["activities"]["edges"] for e in data["_entities"]] == [[{"node": {"type": "BUY"}}]] * 3


async def test_the_book_stays_one_query_per_customer_with_sales(api):
    customer = await api.register_customer()
    ids = [(await api.create_portfolio(customer, name=f"P{n}"))["id"] for n in range(3)]
    for pid in ids:
        await api.add_investment(pid, quantity="10")
        await api.sell(pid, quantity="4")  # 4 * (200 - 150.25) = 199.00
    query = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Customer {
          portfolios {
            realizedGain { amount }
            positions { quantity realizedGain { amount } lots { remainingQuantity } }
            holdings { symbol quantity costBasis }
          }
        }
      }
    }"""
    api.runtime.counter.reset()
    data = await api.data(query, {"representations": [{"__typename": "Customer", "id": customer}]})
    assert api.calls == {"Query": 1}
    portfolios = data["_entities"][0]["portfolios"]
    assert len(portfolios) == 3
    for portfolio in portfolios:
        assert portfolio["realizedGain"] == {"amount": "199.00"}
        assert portfolio["positions"] == [
            {"quantity": "6", "realizedGain": {"amount": "199.00"}, "lots": [{"remainingQuantity": "6"}]}
        ]
        # 6 of the lot's 10 shares: 1502.50 * 6 / 10 = 901.50
        assert portfolio["holdings"] == [{"symbol": "AAPL", "quantity": "6", "costBasis": "901.50"}]
