"""Token buckets in Redis, shared by several API servers (set REDIS_URL).

The bucket arithmetic of rate_store.gcra runs as one Lua script, so concurrent servers
cannot both take the last token. Times are whole milliseconds from the servers' clocks
(NTP keeps them within a few ms, far below any interval here).

When Redis is down the servers fall back to their own memory buckets rather than letting
everything through: limits become per server for a while (N servers: N times looser), which
still stops a flood, and a refusal still costs microseconds. Redis is tried again after
`retry_seconds`, so an outage costs one failed attempt per interval, not one per request.
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.security.rate_store import Decision, MemoryStore

logger = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV now_ms, interval_ms, burst. Returns {allowed, wait_ms}.
# Numbers are written with %d: Lua's tostring keeps only 14 digits.
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if allow_at > now then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', new_tat - now))
return {1, 0}
"""


class RedisStore:
    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "limit:",
        fallback: MemoryStore | None = None,
        retry_seconds: float = 5.0,
    ) -> None:
        self._client = client
        self._script = client.register_script(GCRA_SCRIPT)
        self._prefix = prefix
        self._fallback = fallback or MemoryStore()
        self._retry_seconds = retry_seconds
        self._down_until = 0.0  # monotonic time before which Redis is not tried

    @classmethod
    def from_url(cls, url: str, *, timeout_seconds: float = 0.2) -> RedisStore:
        # A short timeout: a limit check must never be what makes a resident wait.
        client = Redis.from_url(url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds)
        return cls(client)

    async def take(self, key: str, *, now_ms: int, interval_ms: int, burst: int) -> Decision:
        if time.monotonic() >= self._down_until:
            try:
                allowed, wait_ms = await self._script(keys=[self._prefix + key], args=[now_ms, interval_ms, burst])
            except (RedisError, OSError) as error:
                self._down_until = time.monotonic() + self._retry_seconds
                logger.warning(
                    "rate limits: Redis unavailable (%s); limiting in this server's memory for %.0f s",
                    type(error).__name__,
                    self._retry_seconds,
                )
            else:
                return Decision(bool(allowed), int(wait_ms))
        return await self._fallback.take(key, now_ms=now_ms, interval_ms=interval_ms, burst=burst)

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._fallback.aclose()
