"""A manual price's life against the fakes, with a clock the tests move: it wins over the feeds until
its expiry (or, without one, the staleness period), then yields to the feed, or is served stale when
no feed has a price; it can be cleared (by whoever may set one), and then the feed is asked again
at once. Manual FX rates age the same way."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from assets.domain.commands import ClearManualPrice, SetManualFxRate, SetManualPrice
from assets.domain.fx import FxRate
from assets.domain.manual import ManualPrice
from kit.core.errors import InputProblems
from kit.core.money import RATIO, Amount
from kit.core.principal import Forbidden
from kit_testing import FixedClock

from .fakes import ADMIN, CUSTOMER, NOW, OPERATOR, FakeFxFeed, FakeQuoteFeed, World, quote

D = Decimal


def usd(value: str) -> Amount:
    return Amount(D(value), "USD")


async def effective(world: World, symbol: str):  # type: ignore[no-untyped-def]
    views = await world.service.reads.instruments([symbol])
    return (await world.service.reads.quotes_for(list(views.values()))).get(symbol)


async def test_a_price_set_with_an_expiry_wins_until_then_and_the_feed_after() -> None:
    clock = FixedClock(NOW)
    feed = FakeQuoteFeed({"MSFT": quote("MSFT", "400.50", "399")})
    world = World(feed=feed, clock=clock)
    expires = NOW + timedelta(days=30)
    await world.service.manual_prices.set_manual_price(
        OPERATOR, SetManualPrice("msft", usd("380"), usd("379"), expires_at=expires)
    )

    clock.now = NOW + timedelta(days=29, hours=23)  # past the 7-day staleness: the expiry rules
    pinned = await effective(world, "MSFT")
    assert pinned is not None
    assert (pinned.source, pinned.price, pinned.stale) == ("manual", usd("380"), False)
    assert pinned.as_of == NOW and pinned.pinned_until == expires
    assert feed.calls == []  # a pin in force never asks the feed

    clock.now = expires
    after = await effective(world, "MSFT")
    assert after is not None and after.source == "fake" and after.price == usd("400.50")
    assert after.pinned_until is None and feed.calls == [["MSFT"]]


async def test_without_an_expiry_a_pin_yields_after_the_configured_staleness_period() -> None:
    clock = FixedClock(NOW)
    feed = FakeQuoteFeed({"AAPL": quote("AAPL", "201")})
    world = World(feed=feed, clock=clock, manual_stale_after=timedelta(hours=12))
    await world.service.manual_prices.set_manual_price(ADMIN, SetManualPrice("AAPL", usd("199")))

    clock.now = NOW + timedelta(hours=11, minutes=59)
    held = await effective(world, "AAPL")
    assert held is not None and held.source == "manual" and held.stale is False
    assert held.pinned_until == NOW + timedelta(hours=12)

    clock.now = NOW + timedelta(hours=12)
    fed = await effective(world, "AAPL")
    assert fed is not None and fed.source == "fake" and fed.price == usd("201")


async def test_an_aged_pin_that_no_feed_can_replace_is_served_stale() -> None:
    clock = FixedClock(NOW)
    world = World(clock=clock)  # the feed knows nothing: an unlisted fund
    await world.service.manual_prices.set_manual_price(OPERATOR, SetManualPrice("MY-FUND", usd("12.5")))

    clock.now = NOW + timedelta(days=7) - timedelta(seconds=1)
    fresh = await effective(world, "MY-FUND")
    assert fresh is not None and fresh.stale is False

    clock.now = NOW + timedelta(days=7)
    aged = await effective(world, "MY-FUND")
    assert aged is not None
    assert (aged.source, aged.price, aged.stale, aged.as_of) == ("manual", usd("12.5"), True, NOW)
    assert world.feed.calls == [["MY-FUND"]]  # the feed was asked first


async def test_an_expired_pin_with_a_failing_feed_and_no_last_good_quote_is_served_stale() -> None:
    clock = FixedClock(NOW)
    feed = FakeQuoteFeed({"MSFT": quote("MSFT", "400")}, failing={"MSFT"})
    world = World(feed=feed, clock=clock)
    await world.service.manual_prices.set_manual_price(
        ADMIN, SetManualPrice("MSFT", usd("380"), expires_at=NOW + timedelta(minutes=5))
    )
    clock.now = NOW + timedelta(minutes=5)
    served = await effective(world, "MSFT")
    assert served is not None and served.source == "manual" and served.stale is True


async def test_clearing_deletes_the_price_and_the_feed_is_asked_right_after() -> None:
    feed = FakeQuoteFeed({"MSFT": quote("MSFT", "400.50")})
    world = World(feed=feed)
    # A fresh feed quote from before the pin is still in the cache (another replica, a shared Redis).
    world.cache.fresh_quotes["MSFT"] = quote("MSFT", "350")
    world.repository.prices["MSFT"] = ManualPrice("MSFT", usd("380"), None, NOW)

    view = await world.service.manual_prices.clear_manual_price(OPERATOR, ClearManualPrice(" msft "))

    assert view.symbol == "MSFT" and view.manual_price is None and view.instrument.name != "MSFT"
    assert "MSFT" not in world.repository.prices
    assert world.repository.calls.of("clear_manual_price") == [("MSFT",)]
    assert world.cache.calls.of("forget") == [(["MSFT"],)]
    after = await effective(world, "MSFT")
    assert after is not None and after.source == "fake" and after.price == usd("400.50")
    assert feed.calls == [["MSFT"]]


async def test_clearing_an_unlisted_symbol_keeps_its_manual_instrument() -> None:
    world = World()
    await world.service.manual_prices.set_manual_price(ADMIN, SetManualPrice("MY-FUND", usd("12.5")))
    view = await world.service.manual_prices.clear_manual_price(ADMIN, ClearManualPrice("MY-FUND"))
    assert view.known and view.instrument.currency == "USD" and view.manual_price is None
    assert "MY-FUND" in world.repository.instruments
    assert await effective(world, "MY-FUND") is None  # no feed prices it: no quote


async def test_clearing_a_symbol_without_a_manual_price_is_not_found_and_writes_nothing() -> None:
    world = World()
    with pytest.raises(InputProblems) as raised:
        await world.service.manual_prices.clear_manual_price(ADMIN, ClearManualPrice("AAPL"))
    [problem] = raised.value.problems
    assert (problem.field, problem.code) == (("input", "symbol"), "NOT_FOUND")
    assert problem.message == "AAPL has no manual price to clear."
    assert world.repository.calls.of("clear_manual_price") == []

    with pytest.raises(InputProblems) as malformed:
        await world.service.manual_prices.clear_manual_price(ADMIN, ClearManualPrice("no such thing!"))
    assert [(p.field, p.code) for p in malformed.value.problems] == [(("input", "symbol"), "INVALID")]
    assert world.repository.calls.log == [("manual_records", ([], ["AAPL"]))]


async def test_a_customer_cannot_clear_and_nothing_is_read_or_written() -> None:
    world = World()
    world.repository.prices["AAPL"] = ManualPrice("AAPL", usd("201"), None, NOW)
    with pytest.raises(Forbidden, match=r"^Only operators and admins may set or clear manual prices"):
        await world.service.manual_prices.clear_manual_price(CUSTOMER, ClearManualPrice("AAPL"))
    assert world.repository.calls.log == [] and "AAPL" in world.repository.prices


async def test_a_manual_fx_rate_yields_to_the_feed_after_the_staleness_period() -> None:
    clock = FixedClock(NOW)
    world = World(clock=clock, fx_feed=FakeFxFeed({"CHF": "0.80"}))
    await world.service.fx.set_manual(ADMIN, SetManualFxRate("USD", "CHF", D("0.90")))

    clock.now = NOW + timedelta(days=6)
    held = await world.service.fx.rates([("USD", "CHF"), ("CHF", "USD")])
    assert (held[("USD", "CHF")].rate, held[("USD", "CHF")].source) == (D("0.90"), "manual")
    assert held[("CHF", "USD")].source == "manual" and held[("USD", "CHF")].stale is False

    clock.now = NOW + timedelta(days=7)
    world.cache.expire()
    fed = await world.service.fx.rates([("USD", "CHF")])
    assert (fed[("USD", "CHF")].rate, fed[("USD", "CHF")].source) == (D("0.80"), "fake")


async def test_an_aged_manual_fx_rate_the_feed_lacks_is_still_used_flagged_stale() -> None:
    clock = FixedClock(NOW + timedelta(days=8))
    world = World(clock=clock, fx_feed=FakeFxFeed({"CHF": "0.80"}))
    world.repository.fx[("USD", "ISK")] = FxRate("USD", "ISK", D("138"), "manual", NOW)
    world.repository.fx[("USD", "CHF")] = FxRate("USD", "CHF", D("0.90"), "manual", NOW)
    found = await world.service.fx.rates([("ISK", "USD"), ("ISK", "CHF"), ("USD", "CHF")])
    assert found[("ISK", "USD")].stale is True and found[("ISK", "USD")].source == "manual"
    # ISK -> CHF: the aged ISK leg (stale) with the feed's USD -> CHF, never the aged manual CHF rate.
    cross = found[("ISK", "CHF")]
    assert cross.stale is True and cross.source == "derived"
    assert cross.rate == RATIO.multiply(RATIO.divide(1, D("138")), D("0.80"))
    assert found[("USD", "CHF")].rate == D("0.80") and found[("USD", "CHF")].stale is False
