"""devstack.demo_data: the demo data is valid against the schema, the catalog and the operations."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from devstack import demo_data, toolchain
from devstack.client import operation
from kit.core.money import is_iso_currency, parse_decimal

CATALOG = toolchain.REPO_ROOT / "subgraphs" / "assets" / "src" / "assets" / "data" / "instruments.json"


def catalog_currencies() -> dict[str, str]:
    return {i["symbol"]: i["currency"] for i in json.loads(CATALOG.read_text())["instruments"]}


def catalog_symbols() -> set[str]:
    return set(catalog_currencies())


def schema_enum(name: str) -> set[str]:
    text = (toolchain.SCHEMA_DIR / "portfolios.graphql").read_text()
    match = re.search(rf"enum {name} \{{(.*?)\}}", text, re.S)
    assert match, name
    return {line.strip() for line in match.group(1).splitlines() if line.strip() and '"' not in line}


def test_three_portfolios_of_distinct_kinds() -> None:
    assert len(demo_data.DEMO_PORTFOLIOS) == 3
    kinds = [kind for _, kind, _, _, _ in demo_data.DEMO_PORTFOLIOS]
    assert len(set(kinds)) == 3
    assert set(kinds) <= schema_enum("PortfolioKind")
    names = [name for name, *_ in demo_data.DEMO_PORTFOLIOS]
    assert len(set(names)) == 3


def test_cost_basis_methods_and_currencies_are_valid() -> None:
    methods = schema_enum("CostBasisMethod")
    for _, _, currency, method, lots in demo_data.DEMO_PORTFOLIOS:
        assert method in methods
        assert is_iso_currency(currency)
        assert lots


def test_every_lot_is_well_formed() -> None:
    for _, _, _, _, lots in demo_data.DEMO_PORTFOLIOS:
        for symbol, quantity, price, purchased_at, fees in lots:
            assert symbol
            assert parse_decimal(quantity) > 0
            assert parse_decimal(price) > 0
            assert fees is None or parse_decimal(fees) >= 0
            assert date.fromisoformat(purchased_at) <= date.today()


def test_every_lot_is_priced_in_the_portfolio_base_currency() -> None:
    """Lots are sent in the base currency (see the wire test below); that is only honest if the
    instrument itself trades in it (catalog currency, or USD for the seeded manual prices)."""
    currencies = catalog_currencies()
    manual = {symbol for symbol, _, _ in demo_data.DEMO_MANUAL_PRICES}
    for _, _, base, _, lots in demo_data.DEMO_PORTFOLIOS:
        for symbol, *_ in lots:
            instrument_currency = "USD" if symbol in manual else currencies[symbol]
            assert instrument_currency == base, symbol


def test_every_symbol_is_in_the_catalog_or_has_a_manual_price() -> None:
    catalog = catalog_symbols()
    manual = {symbol for symbol, _, _ in demo_data.DEMO_MANUAL_PRICES}
    assert manual
    assert not manual & catalog  # a manual price is for what has no market feed
    for _, _, _, _, lots in demo_data.DEMO_PORTFOLIOS:
        for symbol, *_ in lots:
            assert symbol in catalog or symbol in manual, symbol
    for _, price, previous_close in demo_data.DEMO_MANUAL_PRICES:
        assert parse_decimal(price) > 0
        assert parse_decimal(previous_close) > 0


@pytest.mark.parametrize("name", ["RegisterCustomer", "SetManualPrice", "CreatePortfolio", "AddInvestment"])
def test_operations_exist(name: str) -> None:
    assert f"mutation {name}(" in operation(name)
