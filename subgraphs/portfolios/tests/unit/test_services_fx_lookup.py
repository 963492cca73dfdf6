"""Trade-date FX on fakes of the ports: an activity in a foreign currency without fxRate takes the
reference close of its date (or the closest earlier one within 7 days) from the copy of assets' FX
closes, and records it as REFERENCE with the close's date; a given rate wins; a correction keeps a
looked-up rate while its date and currency stay, looks it up again when they change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from portfolios.domain.commands import ActivityRequest, CorrectionRequest
from portfolios.domain.fx import FxChunk, FxChunkKey, FxPair
from portfolios.domain.model import ActivityType, FxRateSource
from portfolios.domain.problems import FX_RATE_REQUIRED

from .fx_fakes import FakeFxReferenceRates, chunk
from .world import ALICE, World, d, money, refused, request

EUR_USD = ("EUR", "USD")
# 2024-03-01 is a Friday; 03-02/03-03 the weekend: no closes.
CLOSES_2024 = {"2024-02-28": "1.0801", "2024-02-29": "1.0832", "2024-03-01": "1.0805", "2024-03-04": "1.0855"}


def world_with(*chunks: FxChunk) -> World:
    return World(fx_rates=FakeFxReferenceRates(*chunks))


def eur_buy(portfolio_id: str, on: date, **more: Any) -> ActivityRequest:
    return request(
        portfolio_id, ActivityType.BUY, on, symbol="SAP", quantity=d(10), price=money("100.25", "EUR"), **more
    )


async def test_the_trade_dates_close_is_taken_and_recorded_as_reference() -> None:
    world = world_with(chunk(EUR_USD, 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4)))
    activity = recorded.activity
    assert (activity.fx_rate, activity.fx_rate_source, activity.fx_rate_date) == (
        Decimal("1.0855"),
        FxRateSource.REFERENCE,
        date(2024, 3, 4),
    )
    lot = recorded.lot()
    assert lot is not None and lot.cost == Decimal("10") * Decimal("100.25") * Decimal("1.0855")
    # One batched read of the chunks the date and its lookback need (here one year).
    # One batched read of the chunks the date and its lookback need (here one year): the pair's own
    # and its dollar leg (assets' series are per US dollar).
    assert world.fx_rates.batched_reads == [
        (FxChunkKey(FxPair("EUR", "USD"), 2024), FxChunkKey(FxPair("USD", "EUR"), 2024))
    ]


async def test_a_weekend_takes_the_closest_earlier_close() -> None:
    world = world_with(chunk(EUR_USD, 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(
        ALICE,
        request(p, ActivityType.DIVIDEND, date(2024, 3, 3), symbol="SAP", amount=money("5", "EUR")),
    )
    assert (recorded.activity.fx_rate, recorded.activity.fx_rate_date) == (
        Decimal("1.0805"),
        date(2024, 3, 1),
    )


async def test_the_lookback_crosses_new_year_into_the_previous_years_chunk() -> None:
    world = world_with(chunk(EUR_USD, 2023, {"2023-12-29": "1.1039"}), chunk(EUR_USD, 2024, {}))
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 1, 1)))
    assert (recorded.activity.fx_rate, recorded.activity.fx_rate_date) == (
        Decimal("1.1039"),
        date(2023, 12, 29),
    )
    assert len(world.fx_rates.batched_reads) == 1 and len(world.fx_rates.batched_reads[0]) == 4


async def test_a_pair_without_a_copy_of_its_own_is_the_inverse_of_its_dollar_rate() -> None:
    # What assets sends: USD -> EUR. A EUR activity in a USD portfolio takes 1 / (USD -> EUR).
    world = world_with(chunk(("USD", "EUR"), 2024, {"2024-03-01": "0.9255", "2024-03-04": "0.9212"}))
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 3)))
    assert (recorded.activity.fx_rate, recorded.activity.fx_rate_date) == (
        (Decimal(1) / Decimal("0.9255")).quantize(Decimal("1e-15")),
        date(2024, 3, 1),
    )
    assert recorded.activity.fx_rate_source is FxRateSource.REFERENCE


async def test_a_cross_pair_takes_both_dollar_rates_of_one_same_day() -> None:
    # GBP in a EUR portfolio: (USD -> EUR) / (USD -> GBP), both of 03-01 (03-04 has no GBP close).
    world = World(
        fx_rates=FakeFxReferenceRates(
            chunk(("USD", "EUR"), 2024, {"2024-03-01": "0.9255", "2024-03-04": "0.9212"}),
            chunk(("USD", "GBP"), 2024, {"2024-03-01": "0.7915"}),
        )
    )
    p = (await world.open_portfolio(currency="EUR")).id
    gbp_buy = request(
        p, ActivityType.BUY, date(2024, 3, 4), symbol="VOD", quantity=d(10), price=money("0.70", "GBP")
    )
    recorded = await world.ledger.record_activity(ALICE, gbp_buy)
    assert (recorded.activity.fx_rate, recorded.activity.fx_rate_date) == (
        (Decimal("0.9255") / Decimal("0.7915")).quantize(Decimal("1e-15")),
        date(2024, 3, 1),
    )


async def test_a_gap_of_eight_days_is_refused_saying_why() -> None:
    world = world_with(chunk(EUR_USD, 2024, {"2024-03-01": "1.0805"}))
    p = (await world.open_portfolio()).id
    problem = await refused(world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 9))))
    assert (problem.field, problem.code) == (("input", "fxRate"), FX_RATE_REQUIRED)
    assert problem.message == "No EUR to USD rate is known for 2024-03-09 or the 7 days before; give fxRate."
    assert world.stored(p) == {}
    # Seven days back still finds it.
    recorded = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 8)))
    assert recorded.activity.fx_rate_date == date(2024, 3, 1)


async def test_another_pairs_closes_are_not_taken() -> None:
    world = world_with(chunk(("USD", "GBP"), 2024, CLOSES_2024), chunk(("EUR", "GBP"), 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    problem = await refused(world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4))))
    assert problem.code == FX_RATE_REQUIRED


async def test_a_given_rate_wins_and_no_lookup_is_made() -> None:
    world = world_with(chunk(EUR_USD, 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4), fx_rate=d("1.2")))
    assert (recorded.activity.fx_rate, recorded.activity.fx_rate_source) == (
        Decimal("1.2"),
        FxRateSource.GIVEN,
    )
    assert recorded.activity.fx_rate_date is None
    assert world.fx_rates.batched_reads == []


async def test_the_base_currency_needs_no_lookup_and_is_given_at_one() -> None:
    world = world_with()
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(
        ALICE, request(p, ActivityType.DEPOSIT, date(2024, 3, 4), amount=money("5", "USD"))
    )
    assert (recorded.activity.fx_rate, recorded.activity.fx_rate_source) == (Decimal(1), FxRateSource.GIVEN)
    assert world.fx_rates.batched_reads == []


async def test_a_looked_up_close_is_rounded_to_the_places_a_given_rate_may_have() -> None:
    world = world_with(chunk(EUR_USD, 2024, {"2024-03-04": "1.08551234567890123456789"}))
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4)))
    assert recorded.activity.fx_rate == Decimal("1.085512345678901")


async def test_an_idempotent_retry_after_the_copy_changed_is_the_same_request() -> None:
    world = world_with(chunk(EUR_USD, 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    first = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4), idempotency_key="k1"))
    world.fx_rates.stored[FxChunkKey(FxPair("EUR", "USD"), 2024)] = chunk(
        EUR_USD, 2024, {"2024-03-04": "1.5"}, sequence=2
    )
    again = await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4), idempotency_key="k1"))
    assert again.replayed and again.activity == first.activity


async def test_a_correction_keeps_the_looked_up_rate_while_date_and_currency_stay() -> None:
    world = world_with(chunk(EUR_USD, 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    bought = (await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4)))).activity
    # The copy is revised; a correction of the quantity alone keeps the rate it had.
    world.fx_rates.stored[FxChunkKey(FxPair("EUR", "USD"), 2024)] = chunk(
        EUR_USD, 2024, {**CLOSES_2024, "2024-03-04": "1.5"}, sequence=2
    )
    kept = (
        await world.ledger.correct_activity(ALICE, CorrectionRequest(activity_id=bought.id, quantity=d(11)))
    ).activity
    assert (kept.fx_rate, kept.fx_rate_source, kept.fx_rate_date) == (
        Decimal("1.0855"),
        FxRateSource.REFERENCE,
        date(2024, 3, 4),
    )
    # A new date looks it up again.
    moved = (
        await world.ledger.correct_activity(
            ALICE, CorrectionRequest(activity_id=bought.id, occurred_at=date(2024, 3, 2))
        )
    ).activity
    assert (moved.fx_rate, moved.fx_rate_source, moved.fx_rate_date) == (
        Decimal("1.0805"),
        FxRateSource.REFERENCE,
        date(2024, 3, 1),
    )


async def test_a_correction_to_another_currency_looks_up_that_pair() -> None:
    world = world_with(
        chunk(EUR_USD, 2024, CLOSES_2024), chunk(("GBP", "USD"), 2024, {"2024-03-04": "1.2650"})
    )
    p = (await world.open_portfolio()).id
    bought = (await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4)))).activity
    corrected = (
        await world.ledger.correct_activity(
            ALICE, CorrectionRequest(activity_id=bought.id, price=money("90", "GBP"))
        )
    ).activity
    assert (corrected.fx_rate, corrected.fx_rate_source) == (Decimal("1.2650"), FxRateSource.REFERENCE)


async def test_a_correction_giving_fx_rate_makes_it_given_and_clearing_it_looks_up_again() -> None:
    world = world_with(chunk(EUR_USD, 2024, CLOSES_2024))
    p = (await world.open_portfolio()).id
    bought = (await world.ledger.record_activity(ALICE, eur_buy(p, date(2024, 3, 4)))).activity
    given = (
        await world.ledger.correct_activity(ALICE, CorrectionRequest(activity_id=bought.id, fx_rate=d("1.1")))
    ).activity
    assert (given.fx_rate, given.fx_rate_source, given.fx_rate_date) == (
        Decimal("1.1"),
        FxRateSource.GIVEN,
        None,
    )
    # A given rate stays given through other corrections.
    still = (
        await world.ledger.correct_activity(ALICE, CorrectionRequest(activity_id=bought.id, quantity=d(12)))
    ).activity
    assert (still.fx_rate, still.fx_rate_source) == (Decimal("1.1"), FxRateSource.GIVEN)
    cleared = (
        await world.ledger.correct_activity(ALICE, CorrectionRequest(activity_id=bought.id, fx_rate=None))
    ).activity
    assert (cleared.fx_rate, cleared.fx_rate_source) == (Decimal("1.0855"), FxRateSource.REFERENCE)
