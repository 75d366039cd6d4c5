"""A request id for every request: the caller's `X-Request-ID` when it is a plain token (a balancer's),
else a fresh one. It is answered in the same header and stamped on every log line of the request."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry import context

HEADER = "X-Request-ID"
# Anything else (long, spaced, markup) is not logged: a header is the caller's text.
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_of(scope: Scope) -> str:
    presented = next((v for k, v in scope.get("headers", ()) if k == b"x-request-id"), b"").decode("latin-1")
    return presented if _PLAIN_ID.fullmatch(presented) else uuid.uuid4().hex


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        token = context.request_id.set(rid)
        conversation_token = context.conversation.set(None)  # named by the turn, if there is one

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            context.request_id.reset(token)
            context.conversation.reset(conversation_token)
