"""The limits every request meets first: rate limits, then the body cap (docs/limits.md)."""

from __future__ import annotations

from fastapi import FastAPI

from api.routes.wechat import MAX_BODY_BYTES as WECHAT_BODY_BYTES
from api.security.body_limit import BodyLimit
from api.security.client_address import ClientAddresses
from api.security.limiter import Limiter
from api.security.rate_limit import RateLimit
from casebook.settings import Settings


def add_edge_limits(app: FastAPI, settings: Settings) -> Limiter:
    """Wrap the app in both middlewares and return the limiter the routes share.

    Call after every other middleware: the last added runs first, so a flood is refused
    before the body is read and before any other work.
    """
    limiter = Limiter.from_settings(settings)
    addresses = ClientAddresses.from_settings(settings)
    app.state.client_addresses = addresses  # the routes' ClientAddressDep: the same answer as the limits
    app.add_middleware(
        BodyLimit,
        default_bytes=settings.max_body_bytes,
        # WeChat's callbacks keep the cap their route already enforces.
        by_prefix={"/console": settings.max_console_body_bytes, "/wechat": WECHAT_BODY_BYTES},
        detail=limiter.rules.messages.too_large,
    )
    app.add_middleware(
        RateLimit,
        limiter=limiter,
        addresses=addresses,
        # Buckets are keyed by a keyed hash of the address (set up in the lifespan), never the address.
        client_key=lambda address: app.state.conversation_ids.client(address),
    )
    return limiter
