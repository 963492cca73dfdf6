"""What keeps a provider from hurting the dashboard: a token bucket (aiolimiter), a bounded time per
call, Retry-After honoured, and a circuit breaker.

No maintained asyncio circuit breaker fits both needs here (a clock the tests control and a single
half-open probe), so `CircuitBreaker` is a small class of its own, tested state by state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiolimiter import AsyncLimiter

from assets.adapters.providers.base import MarketDataProvider, ProviderError, RateLimited, Skipped
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.quotes import FeedResult, is_price

log = logging.getLogger(__name__)

T = TypeVar("T")
Monotonic = Callable[[], float]

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class CircuitBreaker:
    """Closed: calls pass, consecutive failures are counted. After `failure_threshold` of them it opens:
    calls are refused for `reset_seconds`. Then it is half-open: ONE probe call passes; its success
    closes the circuit, its failure opens it again for another `reset_seconds`."""

    def __init__(
        self, *, failure_threshold: int = 5, reset_seconds: float = 30.0, clock: Monotonic = time.monotonic
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._probing or self._clock() >= self._opened_at + self.reset_seconds:
            return HALF_OPEN
        return OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open state only the first caller gets a yes (the probe)."""
        state = self.state
        if state == CLOSED:
            return True
        if state == HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        if self._opened_at is not None:  # the probe failed (or a call let through before opening)
            self._opened_at = self._clock()
            self._probing = False
            return
        self._failures += 1
        if self._failures >= self.failure_threshold:
            self._opened_at = self._clock()

    def release(self) -> None:
        """A call that ended with neither verdict (429, cancelled): let another probe try."""
        self._probing = False


class Guard:
    """Runs one provider call under its rate limit, time bound, Retry-After block and circuit breaker."""

    def __init__(
        self,
        name: str,
        *,
        limiter: AsyncLimiter,
        breaker: CircuitBreaker,
        timeout_seconds: float = 2.0,
        default_retry_after: float = 30.0,
        clock: Monotonic = time.monotonic,
    ) -> None:
        self.name = name
        self.limiter = limiter
        self.breaker = breaker
        self.timeout_seconds = timeout_seconds
        self.default_retry_after = default_retry_after
        self._clock = clock
        self.blocked_until = 0.0

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        tokens: int = 1,
        budget: float | None = None,
        patient: bool = False,
    ) -> T:
        """`patient`: when over the rate limit, wait for capacity (a background job such as the history
        refresh) instead of skipping the call (a request, which has no time to wait)."""
        limit = self.timeout_seconds if budget is None else min(self.timeout_seconds, budget)
        if limit <= 0:
            raise Skipped(f"{self.name}: no time left")
        now = self._clock()
        if now < self.blocked_until:
            raise Skipped(f"{self.name}: rate limited for {self.blocked_until - now:.1f} s more")
        if not patient and not self.limiter.has_capacity(tokens):
            raise Skipped(f"{self.name}: over its own rate limit")
        if not self.breaker.allow():
            raise Skipped(f"{self.name}: circuit open")
        settled = False
        try:
            await self.limiter.acquire(tokens)
            async with asyncio.timeout(limit):
                result = await call()
        except RateLimited as error:
            wait = error.retry_after if error.retry_after is not None else self.default_retry_after
            self.blocked_until = self._clock() + wait
            raise
        except Exception as error:  # any failure of the call counts against the provider
            self.breaker.record_failure()
            settled = True
            if isinstance(error, ProviderError):
                raise
            detail = "timed out" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {error}"
            raise ProviderError(f"{self.name}: {detail}") from error
        else:
            self.breaker.record_success()
            settled = True
            return result
        finally:
            if not settled:
                self.breaker.release()


class GuardedSource:
    """A provider in the chain: batches of at most its request size, each under the guard, concurrently.

    Never raises: a failed batch's symbols come back in `failed`."""

    def __init__(self, provider: MarketDataProvider, guard: Guard) -> None:
        self.provider = provider
        self.guard = guard
        self.name = provider.name
        capabilities = provider.capabilities
        size = capabilities.max_symbols_per_request
        if capabilities.cost_per_symbol:
            size = min(size, capabilities.rate_limit)
        self._batch_size = max(1, size)

    def serves(self, asset_class: AssetClass) -> bool:
        return asset_class in self.provider.capabilities.asset_classes

    async def quotes(self, instruments: Sequence[Instrument], *, deadline: float) -> FeedResult:
        batches = [
            list(instruments[i : i + self._batch_size]) for i in range(0, len(instruments), self._batch_size)
        ]
        answers = await asyncio.gather(*(self._batch(batch, deadline) for batch in batches))
        quotes = {symbol: quote for answer in answers for symbol, quote in answer.quotes.items()}
        failed = frozenset(symbol for answer in answers for symbol in answer.failed)
        return FeedResult(quotes, failed)

    async def _batch(self, batch: list[Instrument], deadline: float) -> FeedResult:
        symbols = {instrument.symbol for instrument in batch}
        tokens = len(batch) if self.provider.capabilities.cost_per_symbol else 1
        budget = deadline - asyncio.get_running_loop().time()
        try:
            answer = await self.guard.run(
                lambda: self.provider.fetch_quotes(batch), tokens=tokens, budget=budget
            )
        except ProviderError as error:
            log.warning("price provider %s: %s (%d symbols)", self.name, error, len(batch))
            return FeedResult({}, frozenset(symbols))
        quotes = {
            symbol: quote
            for symbol, quote in answer.quotes.items()
            if symbol in symbols and is_price(quote.price.value)
        }
        return FeedResult(quotes, frozenset(answer.failed & symbols))
