"""DataLoader construction: batch functions return a mapping, the loader aligns it with the keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def mapping_loader(fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]]) -> DataLoader[K, V | None]:
    """A per-request loader whose batch function answers {key: value}; missing keys load as None."""

    async def load_many(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load_many)


def grouping_loader(
    fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, list[V]]]],
) -> DataLoader[K, list[V]]:
    """A per-request loader for one-to-many: every key gets a list, empty when nothing matched."""

    async def load_many(keys: list[K]) -> list[list[V]]:
        found = await fetch(keys)
        return [list(found.get(key, [])) for key in keys]

    return DataLoader(load_fn=load_many)
