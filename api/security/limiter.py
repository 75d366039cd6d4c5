"""The rate limiter the edge middleware and the routes share: rules, a store and a clock."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import HTTPException

from api.observability.metrics import record_rate_limited
from api.security.limit_rules import LimitRules, Rule, limit_rules
from api.security.rate_store import Decision, MemoryStore, RateStore
from api.security.redis_store import RedisStore
from casebook.settings import Settings

ALLOWED = Decision(True)


class Limiter:
    """Rules plus a store. The store is memory unless a Redis URL is given; then `open` (in the
    API's lifespan, inside the running event loop) connects the shared one."""

    def __init__(
        self,
        rules: LimitRules,
        *,
        store: RateStore | None = None,
        redis_url: str = "",
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules = rules
        self.store: RateStore = store or MemoryStore()
        self.enabled = enabled
        self._redis_url = redis_url
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, rules: LimitRules | None = None) -> Limiter:
        return cls(
            rules or limit_rules(), redis_url=settings.redis_url.get_secret_value(), enabled=settings.rate_limits
        )

    def open(self) -> None:
        if self._redis_url:
            self.store = RedisStore.from_url(self._redis_url)

    async def allow(self, key: str, rule: Rule) -> Decision:
        """Take one request from `key`'s bucket of `rule`; `key` is a conversation or client id."""
        if not self.enabled:
            return ALLOWED
        now_ms = int(self._clock() * 1000)
        return await self.store.take(
            f"{rule.name}:{key}", now_ms=now_ms, interval_ms=rule.interval_ms, burst=rule.burst
        )

    async def enforce(self, key: str, rule: Rule) -> None:
        """As `allow`, for a route: a refusal becomes HTTP 429 with Retry-After and the Chinese text."""
        decision = await self.allow(key, rule)
        if not decision.allowed:
            record_rate_limited(rule.name)
            raise HTTPException(
                status_code=429,
                detail=self.rules.detail(rule),
                headers={"Retry-After": str(decision.retry_after)},
            )

    async def aclose(self) -> None:
        await self.store.aclose()
