"""The bundled instrument catalog (package data `assets/data/instruments.json`), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from assets.domain.instruments import Catalog

CATALOG_RESOURCE = "instruments.json"


def catalog_records() -> list[dict[str, Any]]:
    text = resources.files("assets.data").joinpath(CATALOG_RESOURCE).read_text(encoding="utf-8")
    records: list[dict[str, Any]] = json.loads(text)["instruments"]
    return records


@cache
def load_catalog() -> Catalog:
    """The validated catalog; parsed on first use and shared by the whole process."""
    return Catalog.from_records(catalog_records())
