"""The market-data provider interface and the HTTP plumbing its adapters share.

An adapter makes ONE upstream request per `fetch_quotes` call (at most `max_symbols_per_request`
symbols) and turns every way the API says "no" into an exception: HTTP errors, errors delivered
with HTTP 200, malformed bodies, and 429 as `RateLimited` with the server's Retry-After. A price
that is zero, negative or missing is not a price: that symbol is left out (unknown), not failed.
Rate limits, timeouts and the circuit breaker are applied around it by `resilience.Guard`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Protocol

import httpx
from kit.core.money import FEED_DECIMAL, DecimalError, parse_decimal

from assets.domain.instruments import AssetClass, Instrument
from assets.domain.quotes import FeedResult

Clock = Callable[[], datetime]


class ProviderError(Exception):
    """The provider failed: transport error, HTTP error, an error body, or a malformed answer."""


class RateLimited(ProviderError):
    """HTTP 429 (or the API's equivalent): do not call again for `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Skipped(ProviderError):
    """Not asked at all: circuit open, inside a Retry-After, over the rate limit, or out of time."""


class NotSupported(ProviderError):
    """The API has no such operation (search or profile)."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    asset_classes: frozenset[AssetClass]
    max_symbols_per_request: int
    rate_limit: int  # requests (symbols when `cost_per_symbol`) per `limit_window_seconds`
    limit_window_seconds: float = 60.0
    cost_per_symbol: bool = False
    search: bool = False
    profile: bool = False


class MarketDataProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    async def fetch_quotes(self, instruments: Sequence[Instrument]) -> FeedResult: ...

    async def search(self, query: str) -> list[Instrument]: ...

    async def profile(self, symbol: str) -> Instrument | None: ...


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    text = header.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:  # not "²" or "١٢", which int() misreads
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from a JSON number or a numeric string within kit.core.money's feed bounds; None
    otherwise, so that a broken or hostile provider cannot inject 1E-999999999 or 10^5 digits."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
    try:
        return parse_decimal(value, FEED_DECIMAL)
    except DecimalError:
        return None


def _json_number(text: str) -> Decimal | None:
    # A JSON number with a point or an exponent, as the provider wrote it: bounded before it is
    # read; outside the bounds it reads as null (absent), like a missing price.
    return to_decimal(text)


def from_timestamp(value: object) -> datetime | None:
    """A UTC datetime from Unix seconds; None for 0, missing or nonsense."""
    seconds = to_decimal(value)
    if seconds is None or seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(int(seconds), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


class HttpAdapter:
    """Shared plumbing: GET with status handling and exact (Decimal) JSON parsing."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_key: str | None, clock: Clock) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self._clock = clock

    async def _get(
        self, path: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        response = await self._http.get(f"{self._base_url}{path}", params=params, headers=headers)
        if response.status_code == 429:
            raise RateLimited(
                f"{self.name}: HTTP 429",
                retry_after_seconds(response.headers.get("Retry-After"), self._clock()),
            )
        if response.status_code >= 400:
            raise ProviderError(f"{self.name}: HTTP {response.status_code}: {response.text[:200]!r}")
        return response

    def _json(self, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content, parse_float=_json_number)
        except (ValueError, RecursionError) as error:  # also integers of 4300+ digits, deep nesting
            raise ProviderError(f"{self.name}: malformed JSON body") from error

    async def fetch_quotes(self, instruments: Sequence[Instrument]) -> FeedResult:
        raise NotSupported(f"{self.name} has no quotes")

    async def search(self, query: str) -> list[Instrument]:
        raise NotSupported(f"{self.name} has no search")

    async def profile(self, symbol: str) -> Instrument | None:
        raise NotSupported(f"{self.name} has no profile")
