"""The use cases other than valuation, against the fakes of domain/ports.py: batched reads, manual
prices and FX rates (refused before anything is validated or written), the FX feed's cache."""

from __future__ import annotations

from decimal import Decimal

import pytest
from assets.domain.commands import SetManualFxRate, SetManualPrice
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.manual import ManualPrice
from kit.core.errors import InputProblems
from kit.core.money import Amount
from kit.core.principal import Forbidden

from .fakes import ADMIN, CUSTOMER, NOW, OPERATOR, FakeFxFeed, FakeQuoteFeed, World, quote

D = Decimal


async def test_instruments_resolve_every_symbol_with_one_batched_read() -> None:
    world = World()
    world.repository.instruments["MYFUND"] = Instrument.manual("MYFUND", "CHF")
    world.repository.prices["MYFUND"] = ManualPrice("MYFUND", Amount(D("12.5"), "CHF"), None, NOW)
    world.repository.prices["AAPL"] = ManualPrice("AAPL", Amount(D("201"), "USD"), None, NOW)

    views = await world.service.reads.instruments(["AAPL", "MYFUND", "ZZZ", "not a symbol"])

    # One read: manual prices of the well-formed symbols, manual instruments of the unlisted ones.
    assert world.repository.calls.log == [("manual_records", (["MYFUND", "ZZZ"], ["AAPL", "MYFUND", "ZZZ"]))]
    assert views["AAPL"].instrument.name == "Apple Inc." and views["AAPL"].known
    assert views["AAPL"].manual_price is not None
    assert views["MYFUND"].instrument.asset_class is AssetClass.OTHER and views["MYFUND"].known
    assert views["ZZZ"].instrument.asset_class is AssetClass.UNKNOWN and not views["ZZZ"].known
    assert not views["not a symbol"].known


async def test_a_manual_price_wins_over_the_feed_and_malformed_symbols_are_not_asked_for() -> None:
    feed = FakeQuoteFeed({"MSFT": quote("MSFT", "400.50"), "AAPL": quote("AAPL", "1")})
    world = World(feed=feed)
    world.repository.prices["AAPL"] = ManualPrice("AAPL", Amount(D("201"), "USD"), None, NOW)
    views = await world.service.reads.instruments(["AAPL", "MSFT", "bad one"])

    quotes = await world.service.reads.quotes_for(list(views.values()))

    assert feed.calls == [["MSFT"]]
    assert quotes["AAPL"].source == "manual" and quotes["AAPL"].price.value == D("201")
    assert quotes["MSFT"].price.value == D("400.50") and "bad one" not in quotes


async def test_failed_symbols_get_their_last_good_quote_flagged_stale_and_kept_for_the_ttl() -> None:
    feed = FakeQuoteFeed({"A": quote("A", "10.00")})
    world = World(feed=feed)
    quotes = world.service.quotes
    assert (await quotes.feed_quotes(["A"]))["A"].stale is False
    world.cache.expire()
    feed.failing = {"A", "B"}
    served = await quotes.feed_quotes(["A", "B"])
    assert served["A"].stale is True and served["A"].price.value == D("10.00") and "B" not in served
    assert (await quotes.feed_quotes(["A"]))["A"].stale is True
    assert feed.calls == [["A"], ["A", "B"]]  # inside the TTL the failing feed is not asked again


async def test_a_customer_cannot_set_a_manual_price_and_nothing_is_read_or_written() -> None:
    world = World()
    bad = SetManualPrice("not a symbol", Amount(D("-1"), "XYZ"))
    with pytest.raises(
        Forbidden, match=r"^Only operators and admins may set or clear manual prices and FX rates\.$"
    ):
        await world.service.manual_prices.set_manual_price(CUSTOMER, bad)
    with pytest.raises(Forbidden):
        await world.service.fx.set_manual(CUSTOMER, SetManualFxRate("EUR", "EUR", D("-1")))
    assert world.repository.calls.log == [] and world.cache.calls.log == []


async def test_setting_a_manual_price_writes_once_and_drops_the_cached_feed_quote() -> None:
    world = World()
    world.cache.fresh_quotes["NVDA"] = quote("NVDA", "180")
    view = await world.service.manual_prices.set_manual_price(
        OPERATOR, SetManualPrice(" nvda ", Amount(D("190.25"), "USD"), Amount(D("185"), "USD"))
    )
    assert view.symbol == "NVDA" and view.instrument.name == "NVIDIA Corporation" and view.known
    assert view.manual_price is not None and view.manual_price.quote().source == "manual"
    assert [name for name, _ in world.repository.calls.log] == ["save_manual_price"]
    assert "NVDA" not in world.cache.fresh_quotes


async def test_a_manual_instrument_in_another_currency_is_a_user_error() -> None:
    world = World()
    await world.service.manual_prices.set_manual_price(
        ADMIN, SetManualPrice("LOCALCO", Amount(D("5"), "GBP"))
    )
    with pytest.raises(InputProblems) as raised:
        await world.service.manual_prices.set_manual_price(
            ADMIN, SetManualPrice("localco", Amount(D("6"), "USD"))
        )
    (problem,) = raised.value.problems
    assert (problem.field, problem.code) == (("input", "price", "currencyCode"), "CURRENCY_MISMATCH")
    assert problem.message == "LOCALCO is a manual instrument in GBP, not USD."
    assert world.repository.prices["LOCALCO"].price == Amount(D("5"), "GBP")  # unchanged


async def test_a_manual_rate_wins_over_the_feed_and_a_cacheable_feed_is_asked_once() -> None:
    feed = FakeFxFeed({"EUR": "0.80", "GBP": "0.75"})
    world = World(fx_feed=feed)
    rate = await world.service.fx.set_manual(ADMIN, SetManualFxRate(" eur", "usd ", D("1.10")))
    assert (rate.from_currency, rate.to_currency, rate.source) == ("EUR", "USD", "manual")

    rates = await world.service.reads.fx_rates(
        [("EUR", "USD"), ("USD", "GBP"), ("EUR", "GBP"), ("USD", "USD")]
    )
    assert rates[("EUR", "USD")].rate == D("1.10")
    assert rates[("USD", "GBP")].rate == D("0.75") and rates[("USD", "GBP")].source == "fake"
    # EUR -> GBP through USD: the manual leg, then the feed's.
    assert rates[("EUR", "GBP")].rate == D("1.10") * D("0.75") and rates[("EUR", "GBP")].source == "derived"
    assert ("USD", "USD") not in rates
    await world.service.reads.fx_rates([("USD", "EUR")])
    assert feed.calls == 1  # the second snapshot came from the cache
    assert [name for name, _ in world.cache.calls.log].count("remember_fx_snapshot") == 1


async def test_a_computed_fx_feed_is_never_cached_and_a_failing_one_serves_its_last_good_rates() -> None:
    computed = FakeFxFeed({"JPY": "156.20"}, cacheable=False)
    world = World(fx_feed=computed)
    for _ in range(2):
        assert (await world.service.fx.rates([("USD", "JPY")]))[("USD", "JPY")].rate == D("156.20")
    assert computed.calls == 2 and world.cache.calls.of("fx_snapshot") == []

    remote = FakeFxFeed({"EUR": "0.80"})
    world = World(fx_feed=remote)
    await world.service.fx.rates([("USD", "EUR")])
    world.cache.expire()
    remote.fail = True
    stale = (await world.service.fx.rates([("USD", "EUR")]))[("USD", "EUR")]
    assert stale.rate == D("0.80") and stale.stale is True and remote.calls == 2


async def test_bad_manual_rates_report_every_problem_as_a_sentence() -> None:
    world = World()
    with pytest.raises(InputProblems) as raised:
        await world.service.fx.set_manual(ADMIN, SetManualFxRate("XYZ", "EURO", D("-1")))
    assert [(p.field, p.message) for p in raised.value.problems] == [
        (
            ("input", "fromCurrency"),
            "The currency to convert from must be an ISO 4217 currency code, such as USD.",
        ),
        (
            ("input", "toCurrency"),
            "The currency to convert to must be an ISO 4217 currency code, such as USD.",
        ),
        (("input", "rate"), "The rate must be greater than zero."),
    ]
    assert world.repository.calls.log == []
