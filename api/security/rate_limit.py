"""Per-client rate limits at the edge, before routing, parsing or the dialogue engine.

A pure ASGI middleware: a refused request is one bucket update and a short JSON answer
(HTTP 429, a Chinese `detail`, Retry-After), so a flood costs microseconds per request and
never reaches Rasa. Per-conversation limits are checked by the routes (Limiter.enforce).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.observability.metrics import record_rate_limited
from api.security.client_address import ClientAddresses
from api.security.limit_rules import EdgeRule
from api.security.limiter import Limiter


class RateLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Limiter,
        addresses: ClientAddresses,
        client_key: Callable[[str], str],
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.addresses = addresses
        # Buckets are kept under a keyed hash of the address, never the address itself.
        self.client_key = client_key
        # (rule, client) -> requests being worked on now, in this process.
        self._in_flight: Counter[tuple[str, str]] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = None
        if scope["type"] == "http" and self.limiter.enabled:
            rule = self.limiter.rules.for_request(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        key = self.client_key(self.addresses.of(scope))
        slot = (rule.name, key)
        if rule.in_flight is not None and self._in_flight[slot] >= rule.in_flight:
            await self._refuse(rule, retry_after=1, scope=scope, receive=receive, send=send)
            return
        decision = await self.limiter.allow(key, rule)
        if not decision.allowed:
            await self._refuse(rule, retry_after=decision.retry_after, scope=scope, receive=receive, send=send)
            return
        self._in_flight[slot] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._in_flight[slot] -= 1
            if self._in_flight[slot] <= 0:
                del self._in_flight[slot]

    async def _refuse(self, rule: EdgeRule, *, retry_after: int, scope: Scope, receive: Receive, send: Send) -> None:
        record_rate_limited(rule.name)
        refusal = JSONResponse(
            {"detail": self.limiter.rules.detail(rule)},
            status_code=429,
            headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
        )
        await refusal(scope, receive, send)
