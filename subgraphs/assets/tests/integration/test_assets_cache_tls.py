"""`rediss://` cache URLs (ElastiCache Serverless speaks only TLS): they configure a TLS connection
that verifies the server's certificate and name. No connection is opened here."""

from __future__ import annotations

import ssl

import pytest
import redis.asyncio as redis
from aiocache import RedisCache
from assets.adapters.cache import build_cache
from assets.app import AssetsSettings


def pool(url: str) -> redis.ConnectionPool:
    cache = build_cache(url, ttl_seconds=15)
    assert isinstance(cache, RedisCache)
    connection_pool: redis.ConnectionPool = cache.client.connection_pool
    return connection_pool


def test_rediss_means_a_verified_tls_connection() -> None:
    url = "rediss://portfolio-prod-quotes-abc123.serverless.use1.cache.amazonaws.com:6379"
    connection_pool = pool(url)
    assert connection_pool.connection_class is redis.SSLConnection
    kwargs = connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == (
        "portfolio-prod-quotes-abc123.serverless.use1.cache.amazonaws.com",
        6379,
        0,
    )
    connection = connection_pool.connection_class(**kwargs)  # built, not connected
    assert isinstance(connection, redis.SSLConnection)
    assert connection.ssl_context.cert_reqs == ssl.CERT_REQUIRED
    assert connection.ssl_context.check_hostname is True


def test_redis_stays_plain_tcp() -> None:
    connection_pool = pool("redis://127.0.0.1:6380/3")
    assert connection_pool.connection_class is redis.Connection
    kwargs = connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.1", 6380, 3)


def test_rediss_with_user_password_and_database() -> None:
    kwargs = pool("rediss://quotes:s3cret@cache.internal:6380/2").connection_kwargs
    assert (kwargs["username"], kwargs["password"], kwargs["db"], kwargs["port"]) == (
        "quotes",
        "s3cret",
        2,
        6380,
    )


def test_rediss_with_a_path_that_is_not_a_database_is_refused() -> None:
    with pytest.raises(ValueError, match="database number"):
        build_cache("rediss://cache.internal:6379/quotes", ttl_seconds=15)


@pytest.mark.parametrize(
    "url", ["memory://", "redis://cache:6379/0", "rediss://cache.serverless.use1.cache.amazonaws.com:6379"]
)
def test_settings_accept_the_three_forms(url: str) -> None:
    assert AssetsSettings(cache_url=url).cache_url == url


@pytest.mark.parametrize("url", ["http://cache:6379", "redis:/cache", "tls://cache:6379", "cache:6379"])
def test_settings_refuse_other_urls(url: str) -> None:
    with pytest.raises(ValueError, match=r"rediss://host:port/db \(TLS\)"):
        AssetsSettings(cache_url=url)
