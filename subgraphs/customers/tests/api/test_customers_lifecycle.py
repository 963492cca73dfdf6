"""updateCustomer and closeCustomer over GraphQL, against DynamoDB Local, including races."""

from __future__ import annotations

import asyncio

ADDRESS = {"line1": "1 Market St", "city": "San Francisco", "postalCode": "94105", "country": "US"}


def errors(payload: dict) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def profile(items: list[dict], customer_id: str) -> dict:
    [found] = [i for i in items if i["pk"] == f"CUSTOMER#{customer_id}"]
    return found


async def test_update_changes_the_fields_given_and_bumps_the_version(api):
    ada = await api.register(phone="+14155550123", address=ADDRESS)
    payload = await api.update(
        id=ada["id"], expectedVersion=1, name="  Ada   Lovelace ", phone="+44 20 7946 0000"
    )
    assert payload["userErrors"] == []
    updated = payload["customer"]
    assert (updated["name"], updated["phone"], updated["version"]) == ("Ada Lovelace", "+442079460000", 2)
    # Left out: kept.
    assert (updated["email"], updated["address"]["city"], updated["createdAt"]) == (
        "ada@example.com",
        "San Francisco",
        ada["createdAt"],
    )
    assert await api.read(ada["id"]) == updated


async def test_null_removes_phone_and_address_and_absent_keeps_them(api):
    ada = await api.register(phone="+14155550123", address=ADDRESS)
    kept = (await api.update(id=ada["id"], expectedVersion=1, name="Ada B"))["customer"]
    assert kept["phone"] == "+14155550123"
    assert kept["address"]["line1"] == "1 Market St"
    cleared = (await api.update(id=ada["id"], expectedVersion=2, phone=None, address=None))["customer"]
    assert (cleared["phone"], cleared["address"], cleared["version"]) == (None, None, 3)
    stored = profile(await api.items(), ada["id"])
    assert "phone" not in stored
    assert "address" not in stored


async def test_an_update_that_changes_nothing_writes_nothing(api):
    ada = await api.register()
    api.runtime.counter.reset()
    payload = await api.update(id=ada["id"], expectedVersion=1, name="Ada  Investor", email="ada@EXAMPLE.com")
    assert payload["customer"]["version"] == 1
    assert dict(api.runtime.counter.calls) == {"GetItem": 1}


async def test_invalid_input_reports_every_problem_and_writes_nothing(api):
    ada = await api.register()
    before = await api.items()
    payload = await api.update(
        id=ada["id"],
        expectedVersion=1,
        email="not-an-email",
        name=None,
        phone="12",
        address={**ADDRESS, "country": "XX"},
    )
    assert payload["customer"] is None
    assert sorted(errors(payload)) == [
        (["input", "address", "country"], "INVALID"),
        (["input", "email"], "INVALID"),
        (["input", "name"], "INVALID"),
        (["input", "phone"], "INVALID"),
    ]
    assert await api.items() == before


async def test_unknown_id_is_not_found(api):
    missing = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
    assert errors(await api.update(id=missing, expectedVersion=1, name="X")) == [
        (["input", "id"], "NOT_FOUND")
    ]
    assert errors(await api.close(id=missing)) == [(["input", "id"], "NOT_FOUND")]
    assert await api.items() == []


async def test_a_stale_version_changes_nothing(api):
    ada = await api.register()
    await api.update(id=ada["id"], expectedVersion=1, name="Ada Two")
    before = await api.items()
    payload = await api.update(id=ada["id"], expectedVersion=1, name="Ada Stale", email="stale@example.com")
    assert payload["customer"] is None
    assert errors(payload) == [(["input", "expectedVersion"], "CONFLICT")]
    assert await api.items() == before


async def test_two_updates_from_the_same_version_one_wins_and_is_what_is_stored(api):
    ada = await api.register()
    first, second = await asyncio.gather(
        api.update(id=ada["id"], expectedVersion=1, name="Winner One", phone="+14155550001"),
        api.update(id=ada["id"], expectedVersion=1, name="Winner Two", email="two@example.com"),
    )
    winners = [p for p in (first, second) if p["customer"]]
    losers = [p for p in (first, second) if not p["customer"]]
    assert len(winners) == 1
    assert len(losers) == 1
    assert errors(losers[0]) == [(["input", "expectedVersion"], "CONFLICT")]
    winner = winners[0]["customer"]
    assert winner["version"] == 2
    assert await api.read(ada["id"]) == winner
    # The email guards follow the winner only: one guard, for the winner's email.
    assert await api.guards() == {winner["email"].casefold(): ada["id"]}


async def test_six_racing_updates_exactly_one_wins(api):
    ada = await api.register()
    payloads = await asyncio.gather(
        *(api.update(id=ada["id"], expectedVersion=1, name=f"Racer {i}") for i in range(6))
    )
    winners = [p["customer"] for p in payloads if p["customer"]]
    assert len(winners) == 1
    assert sorted(c for p in payloads for _, c in errors(p)) == ["CONFLICT"] * 5
    assert (await api.read(ada["id"]))["name"] == winners[0]["name"]


async def test_an_email_change_moves_the_uniqueness_guard(api):
    ada = await api.register(email="old@example.com")
    moved = await api.update(id=ada["id"], expectedVersion=1, email="New@Example.com")
    assert moved["customer"]["email"] == "New@example.com"
    assert await api.guards() == {"new@example.com": ada["id"]}

    # The old email is free again; the new one is taken, whatever its case.
    bob = await api.register(email="OLD@example.com", name="Bob")
    assert await api.guards() == {"new@example.com": ada["id"], "old@example.com": bob["id"]}
    body = await api.graphql(
        "mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { userErrors { field code } } }",
        {"i": {"email": "new@EXAMPLE.com", "name": "Eve"}},
    )
    assert body["data"]["registerCustomer"]["userErrors"] == [
        {"field": ["input", "email"], "code": "EMAIL_TAKEN"}
    ]


async def test_a_change_of_case_only_keeps_the_guard(api):
    ada = await api.register(email="ada@example.com")
    payload = await api.update(id=ada["id"], expectedVersion=1, email="Ada@example.com")
    assert (payload["customer"]["email"], payload["customer"]["version"]) == ("Ada@example.com", 2)
    assert await api.guards() == {"ada@example.com": ada["id"]}


async def test_an_email_someone_else_has_is_taken_and_nothing_changes(api):
    ada = await api.register(email="ada@example.com")
    await api.register(email="bob@example.com", name="Bob")
    before = await api.items()
    payload = await api.update(id=ada["id"], expectedVersion=1, email="BOB@example.com", name="Ada Changed")
    assert payload["customer"] is None
    assert errors(payload) == [(["input", "email"], "EMAIL_TAKEN")]
    assert await api.items() == before


async def test_two_customers_racing_for_one_new_email_one_gets_it(api):
    ada = await api.register(email="ada@example.com")
    bob = await api.register(email="bob@example.com", name="Bob")
    payloads = await asyncio.gather(
        api.update(id=ada["id"], expectedVersion=1, email="shared@example.com"),
        api.update(id=bob["id"], expectedVersion=1, email="shared@example.com"),
    )
    winners = [p["customer"]["id"] for p in payloads if p["customer"]]
    assert len(winners) == 1
    assert sorted(c for p in payloads for _, c in errors(p)) == ["EMAIL_TAKEN"]
    loser = bob["id"] if winners[0] == ada["id"] else ada["id"]
    loser_email = "bob@example.com" if loser == bob["id"] else "ada@example.com"
    assert await api.guards() == {"shared@example.com": winners[0], loser_email: loser}


async def test_close_keeps_the_data_and_writes_customer_closed(api):
    ada = await api.register(phone="+14155550123", address=ADDRESS)
    payload = await api.close(id=ada["id"], expectedVersion=1)
    assert payload["userErrors"] == []
    closed = payload["customer"]
    assert (closed["status"], closed["version"]) == ("CLOSED", 2)
    assert closed["closedAt"] is not None
    assert closed["closedAt"] >= closed["createdAt"]  # both ISO 8601 in UTC
    assert {k: v for k, v in closed.items() if k not in ("status", "version", "closedAt")} == {
        k: v for k, v in ada.items() if k not in ("status", "version", "closedAt")
    }
    assert await api.read(ada["id"]) == closed
    assert await api.events() == [
        ("CustomerRegistered", 1, {"customerId": ada["id"]}),
        ("CustomerClosed", 2, {"customerId": ada["id"]}),
    ]
    # The email stays reserved by the closed customer.
    assert await api.guards() == {"ada@example.com": ada["id"]}


async def test_a_closed_customer_cannot_be_changed_or_closed_again(api):
    ada = await api.register()
    await api.close(id=ada["id"])
    before = await api.items()
    for payload in (
        await api.update(id=ada["id"], expectedVersion=2, name="Too late"),
        await api.close(id=ada["id"]),
        await api.close(id=ada["id"], expectedVersion=2),
    ):
        assert payload["customer"] is None
        assert errors(payload) == [(["input", "id"], "CUSTOMER_CLOSED")]
    assert await api.items() == before
    assert [e for e, _, _ in await api.events()] == ["CustomerRegistered", "CustomerClosed"]


async def test_close_with_a_stale_version_is_a_conflict(api):
    ada = await api.register()
    await api.update(id=ada["id"], expectedVersion=1, name="Ada Two")
    payload = await api.close(id=ada["id"], expectedVersion=1)
    assert errors(payload) == [(["input", "expectedVersion"], "CONFLICT")]
    assert (await api.read(ada["id"]))["status"] == "ACTIVE"
    assert [e for e, _, _ in await api.events()] == ["CustomerRegistered", "CustomerUpdated"]


async def test_two_racing_closes_close_once_and_write_one_event(api):
    ada = await api.register()
    payloads = await asyncio.gather(api.close(id=ada["id"]), api.close(id=ada["id"]))
    assert sum(1 for p in payloads if p["customer"]) == 1
    assert sorted(c for p in payloads for _, c in errors(p)) == ["CUSTOMER_CLOSED"]
    assert (await api.events()).count(("CustomerClosed", 2, {"customerId": ada["id"]})) == 1
    assert (await api.read(ada["id"]))["version"] == 2


async def test_a_close_without_version_wins_over_racing_updates(api):
    ada = await api.register()
    results = await asyncio.gather(
        *(api.update(id=ada["id"], expectedVersion=1, name=f"Racer {i}") for i in range(3)),
        api.close(id=ada["id"]),
    )
    *updates, close = results
    assert close["userErrors"] == []
    final = await api.read(ada["id"])
    assert final["status"] == "CLOSED"
    applied = [u["customer"] for u in updates if u["customer"]]
    assert len(applied) <= 1  # at most one update from version 1; the others CONFLICT or CUSTOMER_CLOSED
    assert {c for u in updates for _, c in errors(u)} <= {"CONFLICT", "CUSTOMER_CLOSED"}
    assert final["version"] == 2 + len(applied)  # registered 1, the update (if any) 2, the close last
    assert final["name"] == (applied[0]["name"] if applied else "Ada Investor")
