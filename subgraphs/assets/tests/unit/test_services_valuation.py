"""The valuation use case (services/valuation.py) against a fake MarketReader: real numbers, and one
read of each port for a whole batch of portfolios (DESIGN.md decisions 9 and 10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from assets.domain.instruments import AssetClass, Instrument
from assets.domain.valuation import Holding, Lot, PortfolioHoldings
from assets.services import ValuationUseCases
from kit.core.money import Amount

from .fakes import CountingMarket, quote

D = Decimal
AAPL = Instrument("AAPL", "Apple Inc.", AssetClass.STOCK, "USD", "NASDAQ")
SAP = Instrument("SAP", "SAP SE", AssetClass.STOCK, "EUR", "XETRA")
XFUND = Instrument("XFUND", "A fund priced in pounds", AssetClass.FUND, "USD", "LSE")


def portfolio(portfolio_id: str, base: str, *holdings: tuple[str, str, str]) -> PortfolioHoldings:
    return PortfolioHoldings(portfolio_id, base, tuple(Holding(s, D(q), D(c)) for s, q, c in holdings))


def market(**rates: str) -> CountingMarket:
    return CountingMarket(
        instruments={"AAPL": AAPL, "SAP": SAP, "XFUND": XFUND},
        quotes={
            "AAPL": quote("AAPL", "200.00", "195.00"),
            "SAP": quote("SAP", "150", "148", currency="EUR"),
            "XFUND": quote("XFUND", "10", None, currency="GBP"),
        },
        rates={tuple(pair.split("_")): rate for pair, rate in rates.items()},  # type: ignore[misc]
    )


async def test_two_portfolios_in_two_currencies_cost_one_read_of_each_port() -> None:
    reads = market(USD_EUR="0.80", EUR_USD="1.25")
    usd = portfolio("P-USD", "USD", ("AAPL", "10", "1500.00"), ("SAP", "2", "250"), ("NOPE", "5", "50.00"))
    eur = portfolio("P-EUR", "EUR", (" aapl ", "1", "100.00"), ("SAP", "1", "140"))

    first, second = await ValuationUseCases().value([usd, eur], reads)

    # One read per port for both portfolios, every symbol and pair once (AAPL is in both).
    assert reads.calls.log == [
        ("instruments", (["AAPL", "NOPE", "SAP"],)),
        ("quotes", (["AAPL", "NOPE", "SAP"],)),
        ("fx_rates", ([("EUR", "USD"), ("USD", "EUR")],)),
    ]
    assert first is not None and second is not None
    in_usd = first.valuation
    assert [i.symbol for i in first.instruments] == ["AAPL", "SAP", "NOPE"]
    assert first.instruments[2].asset_class is AssetClass.UNKNOWN
    apple, sap, nope = in_usd.positions
    assert apple.market_value == Amount(D("2000.00"), "USD")  # 10 x 200.00
    assert apple.day_change == Amount(D("50.00"), "USD")  # 10 x (200.00 - 195.00)
    assert apple.unrealized_gain == Amount(D("500.00"), "USD")
    assert sap.price == Amount(D("150"), "EUR")  # the price stays in the quote's currency
    assert sap.market_value == Amount(D("375.00"), "USD")  # 2 x 150 x 1.25
    assert sap.day_change == Amount(D("5.00"), "USD")  # 2 x (150 - 148) x 1.25
    assert nope.market_value is None and nope.price is None and nope.cost_basis == Amount(D("50.00"), "USD")
    assert in_usd.market_value == Amount(D("2375.00"), "USD")
    assert in_usd.cost_basis == Amount(D("1750.00"), "USD")  # priced positions only
    assert in_usd.unrealized_gain == Amount(D("625.00"), "USD")
    assert in_usd.day_change == Amount(D("55.00"), "USD")
    assert in_usd.unrealized_gain_percent is not None
    assert round(in_usd.unrealized_gain_percent, 10) == D("35.7142857143")  # 625 / 1750 x 100
    assert apple.weight is not None and round(apple.weight, 10) == D("0.8421052632")  # 2000 / 2375
    assert in_usd.complete is False

    in_eur = second.valuation
    assert [p.symbol for p in in_eur.positions] == [" aapl ", "SAP"]  # as the holding named it
    assert [p.market_value for p in in_eur.positions] == [
        Amount(D("160.00"), "EUR"),
        Amount(D("150.00"), "EUR"),
    ]
    assert in_eur.market_value == Amount(D("310.00"), "EUR") and in_eur.cost_basis == Amount(
        D("240.00"), "EUR"
    )
    assert in_eur.day_change == Amount(D("6.00"), "EUR")  # 1 x 5 x 0.80 + 1 x 2
    assert in_eur.complete is True


async def test_a_quote_in_another_currency_than_its_instrument_needs_one_more_fx_read() -> None:
    reads = market(GBP_USD="1.30")
    (valued,) = await ValuationUseCases().value([portfolio("P1", "USD", ("XFUND", "3", "30"))], reads)

    # The instrument is in USD (nothing to convert), its quote in GBP: one FX read, for that pair only.
    assert reads.calls.of("fx_rates") == [([("GBP", "USD")],)]
    assert len(reads.calls.log) == 3
    assert valued is not None
    (position,) = valued.valuation.positions
    assert position.market_value == Amount(D("39.00"), "USD")  # 3 x 10 GBP x 1.30
    assert position.day_change is None  # no previous close
    assert valued.valuation.complete is True


async def test_without_a_rate_a_position_is_unpriced_never_mixed_in_unconverted() -> None:
    reads = market()  # no rates at all
    (valued,) = await ValuationUseCases().value([portfolio("P1", "USD", ("SAP", "2", "250"))], reads)
    assert valued is not None
    assert valued.valuation.positions[0].market_value is None
    assert valued.valuation.market_value == Amount(D("0.00"), "USD")
    assert valued.valuation.complete is False


async def test_amounts_round_half_even_to_the_base_currencys_minor_unit() -> None:
    reads = CountingMarket(
        {"AAPL": AAPL}, {"AAPL": quote("AAPL", "200.50", stale=True)}, {("USD", "JPY"): "156.20"}
    )
    (valued,) = await ValuationUseCases().value([portfolio("P1", "JPY", ("AAPL", "1", "30000.5"))], reads)
    assert valued is not None
    (position,) = valued.valuation.positions
    assert position.market_value == Amount(D("31318"), "JPY")  # 200.50 x 156.20 = 31318.1
    assert position.cost_basis == Amount(D("30000"), "JPY")  # 30000.5: half-even to 30000
    assert position.unrealized_gain == Amount(D("1318"), "JPY")
    assert position.stale is True  # served after its source failed: said so


async def test_portfolios_without_a_base_currency_or_holdings_read_nothing() -> None:
    reads = market()
    unvalued, empty = await ValuationUseCases().value(
        [portfolio("P1", "", ("AAPL", "1", "1")), portfolio("P2", "CHF")], reads
    )
    assert unvalued is None  # the router sent nothing to value
    assert empty is not None and empty.valuation.positions == ()
    assert empty.valuation.market_value == Amount(D("0.00"), "CHF") and empty.valuation.complete is True
    assert reads.calls.log == []


async def test_a_lot_bought_today_in_another_currency_has_its_rate_in_the_one_fx_read() -> None:
    # The fake quotes are as of 2025-11-24; 4 AAPL bought that day at 180 GBP (a transfer's cost),
    # 10 held since 2024. Base USD: AAPL needs no rate, the lot's GBP does.
    today = Lot(D("4"), Amount(D("180"), "GBP"), date(2025, 11, 24))
    old = Lot(D("10"), Amount(D("150"), "USD"), date(2024, 1, 2))
    book = PortfolioHoldings("P-LOTS", "USD", (Holding("AAPL", D("14"), D("2400"), (old, today)),))
    reads = market(GBP_USD="1.25")

    [valued] = await ValuationUseCases().value([book], reads)

    assert reads.calls.of("fx_rates") == [([("GBP", "USD")],)]
    assert valued is not None
    # 10 x (200 - 195) = 50.00; 4 x 200 - 4 x 180 x 1.25 = 800 - 900 = -100.00; together -50.00
    assert valued.valuation.positions[0].day_change == Amount(D("-50.00"), "USD")
    assert valued.valuation.day_change_complete is True
