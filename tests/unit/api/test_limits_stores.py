"""The memory store and the Redis store (several API servers) give the same answers."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis import Redis

from api.security.limit_rules import limit_rules
from api.security.limiter import Limiter
from api.security.rate_store import Decision, MemoryStore, RateStore
from api.security.redis_store import RedisStore
from casebook.settings import Settings
from scripts.stack import free_port


@pytest.fixture(scope="module")
def redis_url(redis_port: int) -> str:
    return f"redis://127.0.0.1:{redis_port}/0"


# Requests of three clients at given milliseconds, against a bucket of 3 refilled every 250 ms.
SEQUENCE = [(t, key) for t in (0, 1, 2, 3, 4, 100, 240, 250, 251, 500, 999, 1000, 5000) for key in ("a", "b")]
SEQUENCE += [(5001 + n, "c") for n in range(10)]


def run(store: RateStore) -> list[Decision]:
    async def replay() -> list[Decision]:
        try:
            return [
                await store.take(key, now_ms=1_780_000_000_000 + t, interval_ms=250, burst=3) for t, key in SEQUENCE
            ]
        finally:
            await store.aclose()

    return asyncio.run(replay())


def test_memory_and_redis_agree_on_the_same_sequence(redis_url: str) -> None:
    Redis.from_url(redis_url).flushdb()
    in_memory = run(MemoryStore())
    in_redis = run(RedisStore.from_url(redis_url))
    assert in_redis == in_memory
    assert {d.allowed for d in in_memory} == {True, False}  # the sequence does reach the limit


def test_redis_buckets_expire_once_full_again(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    client.flushdb()
    run(RedisStore.from_url(redis_url))
    assert all(0 < client.pttl(key) <= 3 * 250 for key in client.keys("limit:*"))


def test_two_servers_share_one_bucket_through_redis(redis_url: str) -> None:
    Redis.from_url(redis_url).flushdb()

    async def both() -> list[bool]:
        first, second = RedisStore.from_url(redis_url), RedisStore.from_url(redis_url)
        try:
            taken = []
            for n in range(6):
                store = first if n % 2 else second
                taken.append((await store.take("shared", now_ms=1_000_000, interval_ms=60_000, burst=4)).allowed)
            return taken
        finally:
            await first.aclose()
            await second.aclose()

    assert asyncio.run(both()) == [True, True, True, True, False, False]


def test_when_redis_is_down_the_server_limits_in_memory_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="api.security.redis_store"):
        decisions = run_burst(store, 6)
    assert [d.allowed for d in decisions] == [True] * 4 + [False] * 2  # still limited, not open
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1  # one attempt per retry interval, not one per request


def run_burst(store: RateStore, count: int) -> list[Decision]:
    async def burst() -> list[Decision]:
        try:
            return [await store.take("k", now_ms=1_000_000, interval_ms=60_000, burst=4) for _ in range(count)]
        finally:
            await store.aclose()

    return asyncio.run(burst())


def test_the_limiter_uses_redis_only_when_a_url_is_set(redis_url: str) -> None:
    embedded = Limiter.from_settings(Settings())
    embedded.open()
    assert isinstance(embedded.store, MemoryStore)
    shared = Limiter.from_settings(Settings(redis_url=redis_url), limit_rules())
    shared.open()
    assert isinstance(shared.store, RedisStore)
    asyncio.run(shared.aclose())
