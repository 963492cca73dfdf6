"""kit.graphql.loaders: per-request DataLoaders batching many loads into one fetch."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from kit.graphql.loaders import grouping_loader, mapping_loader


async def test_mapping_loader_batches_and_aligns_missing_keys_to_none() -> None:
    batches: list[list[str]] = []

    async def fetch(keys: Sequence[str]) -> Mapping[str, int]:
        batches.append(list(keys))
        return {k: len(k) for k in keys if k != "missing"}

    loader = mapping_loader(fetch)
    results = await asyncio.gather(
        loader.load("a"), loader.load("bbb"), loader.load("missing"), loader.load("a")
    )
    assert results == [1, 3, None, 1]
    assert len(batches) == 1
    assert sorted(batches[0]) == ["a", "bbb", "missing"]
    # Cached for the rest of the request.
    assert await loader.load("bbb") == 3
    assert len(batches) == 1


async def test_grouping_loader_gives_every_key_a_list() -> None:
    batches: list[list[str]] = []

    async def fetch(keys: Sequence[str]) -> Mapping[str, list[int]]:
        batches.append(list(keys))
        return {"c1": [1, 2]}

    loader = grouping_loader(fetch)
    first, second = await asyncio.gather(loader.load("c1"), loader.load("c2"))
    assert first == [1, 2]
    assert second == []
    assert len(batches) == 1
