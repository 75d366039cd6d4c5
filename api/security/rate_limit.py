"""Per-client rate limits at the edge, before routing, parsing or the dialogue engine.

A pure ASGI middleware: a refused request is one bucket update and a short JSON answer
(HTTP 429, a Chinese `detail`, Retry-After), so a flood costs microseconds per request and
never reaches Rasa. Per-conversation limits are checked by the routes (Limiter.enforce).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.security.client_address import ClientAddresses
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limiter.enabled:
            rule = self.limiter.rules.for_request(scope["method"], scope["path"])
            if rule is not None:
                decision = await self.limiter.allow(self.client_key(self.addresses.of(scope)), rule)
                if not decision.allowed:
                    refusal = JSONResponse(
                        {"detail": self.limiter.rules.detail(rule)},
                        status_code=429,
                        headers={"Retry-After": str(decision.retry_after), "Cache-Control": "no-store"},
                    )
                    await refusal(scope, receive, send)
                    return
        await self.app(scope, receive, send)
