"""What the provider adapters' tests share: the recorded responses and the catalog's instruments."""

from __future__ import annotations

from pathlib import Path

from assets.adapters.catalog import load_catalog
from assets.domain.instruments import Instrument

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def listed(symbol: str) -> Instrument:
    entry = load_catalog().get(symbol)
    assert entry is not None
    return entry.instrument
