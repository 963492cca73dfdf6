"""A manual price's life through GraphQL against DynamoDB Local: clearManualPrice (the contract
operation ClearManualPrice), an expiresAt, and the staleness period, with the service's clock moved
by the test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.domain.simulation import simulated_quote
from kit.core.money import unit_price
from kit_testing import ISSUER, execute

from .conftest import NOW, AssetsFactory

OPERATIONS = Path(__file__).resolve().parents[4] / "schema" / "operations"
SET_MANUAL_PRICE = (OPERATIONS / "SetManualPriceUntil.graphql").read_text()
CLEAR_MANUAL_PRICE = (OPERATIONS / "ClearManualPrice.graphql").read_text()
QUOTE = """
query($s: String!) { instrument(symbol: $s) { quote { price { amount } source stale asOf pinnedUntil } } }
"""


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        return self.now


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


async def set_price(assets: Any, symbol: str, amount: str, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"symbol": symbol, "price": money(amount), **extra}}
    payload: dict[str, Any] = (await assets.gql(SET_MANUAL_PRICE, variables))["setManualPrice"]
    return payload


async def clear(assets: Any, symbol: str, token: str | None = None) -> dict[str, Any]:
    return await execute(assets.client, CLEAR_MANUAL_PRICE, {"input": {"symbol": symbol}}, token=token)


async def quote_of(assets: Any, symbol: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await assets.gql(QUOTE, {"s": symbol}))["instrument"]["quote"]
    return found


def simulated_price(symbol: str) -> str:
    listed = load_catalog().get(symbol)
    assert listed is not None
    return format(unit_price(simulated_quote(listed, NOW).price.value), "f")


async def test_clearing_serves_the_feeds_price_in_the_same_answer_and_again_is_not_found(assets: Any) -> None:
    pinned = await set_price(assets, "AMZN", "150.00")
    assert pinned["instrument"]["quote"]["source"] == "manual"
    items = await assets.item_count()
    assets.runtime.counter.reset()

    body = await clear(assets, " amzn ")
    assert "errors" not in body
    payload = body["data"]["clearManualPrice"]
    assert payload["userErrors"] == []
    quote = payload["instrument"]["quote"]
    assert payload["instrument"]["symbol"] == "AMZN"
    assert quote["source"] == "simulated" and quote["stale"] is False and quote["pinnedUntil"] is None
    assert quote["price"]["amount"] == simulated_price("AMZN")
    assert ["AMZN"] in assets.provider.calls  # the feed was asked right after, not a stale cache
    # One read (is there a price?), one conditional delete; the price item is gone.
    assert assets.calls["BatchGetItem"] == 1 and assets.calls["DeleteItem"] == 1
    assert await assets.item_count() == items - 1

    again = (await clear(assets, "AMZN"))["data"]["clearManualPrice"]
    assert again["instrument"] is None
    assert again["userErrors"] == [
        {"field": ["input", "symbol"], "message": "AMZN has no manual price to clear.", "code": "NOT_FOUND"}
    ]
    malformed = (await clear(assets, "not a symbol!"))["data"]["clearManualPrice"]
    assert [(e["field"], e["code"]) for e in malformed["userErrors"]] == [(["input", "symbol"], "INVALID")]
    assert await assets.item_count() == items - 1


async def test_a_customer_may_not_clear_and_the_price_stays(assets: Any) -> None:
    await set_price(assets, "ORCL", "120")
    refused = await clear(assets, "ORCL", token=ISSUER.customer("01JALICE0000000000000000AA"))
    assert refused["data"] is None
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and error["path"] == ["clearManualPrice"]
    assert error["message"] == "Only operators and admins may set or clear manual prices and FX rates."
    operator = await clear(assets, "ORCL", token=ISSUER.operator())  # whoever may set, may clear
    assert operator["data"]["clearManualPrice"]["userErrors"] == []


async def test_an_expiry_ends_the_pin_and_the_feed_takes_over(assets_factory: AssetsFactory) -> None:
    clock = Clock()
    async with assets_factory(clock=clock) as assets:
        expires = NOW + timedelta(minutes=10)
        payload = await set_price(assets, "NFLX", "90.00", expiresAt=expires.isoformat())
        assert payload["userErrors"] == []
        quote = payload["instrument"]["quote"]
        assert quote["pinnedUntil"] == expires.isoformat() and quote["asOf"] == NOW.isoformat()

        clock.now = expires - timedelta(seconds=1)
        assert await quote_of(assets, "NFLX") == {
            "price": {"amount": "90"},
            "source": "manual",
            "stale": False,
            "asOf": NOW.isoformat(),
            "pinnedUntil": expires.isoformat(),
        }
        clock.now = expires
        after = await quote_of(assets, "NFLX")
        assert after is not None and after["source"] == "simulated"
        assert after["price"]["amount"] == simulated_price("NFLX")


async def test_without_expiry_a_pin_nobody_can_replace_turns_stale_after_the_setting(
    assets_factory: AssetsFactory,
) -> None:
    clock = Clock()
    async with assets_factory(clock=clock, manual_price_stale_after=timedelta(hours=1)) as assets:
        payload = await set_price(assets, "LIFE-FUND", "12.50")
        assert payload["instrument"]["quote"]["pinnedUntil"] == (NOW + timedelta(hours=1)).isoformat()
        clock.now = NOW + timedelta(minutes=59)
        fresh = await quote_of(assets, "LIFE-FUND")
        assert fresh is not None and fresh["stale"] is False
        clock.now = NOW + timedelta(hours=1)
        aged = await quote_of(assets, "LIFE-FUND")
        assert aged is not None
        assert (aged["source"], aged["price"]["amount"], aged["stale"]) == ("manual", "12.5", True)
        assert aged["asOf"] == NOW.isoformat()  # its age: now - asOf


async def test_a_bad_expiry_is_a_user_error_and_writes_nothing(assets: Any) -> None:
    items = await assets.item_count()
    cases = {
        NOW.isoformat(): "The expiry must be in the future.",
        (NOW + timedelta(days=367)).isoformat(): "The expiry must be at most 366 days from now.",
        "2025-12-01T12:00:00": "The expiry must include a time zone offset, such as Z or +01:00.",
    }
    for expires, message in cases.items():
        payload = await set_price(assets, "EXPIRY-FUND", "1", expiresAt=expires)
        assert payload["instrument"] is None
        assert payload["userErrors"] == [
            {"field": ["input", "expiresAt"], "message": message, "code": "INVALID"}
        ]
    assert await assets.item_count() == items
