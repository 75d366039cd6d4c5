"""Request bodies capped at the edge, before anything parses them.

A declared Content-Length above the cap is refused at once, without reading a byte. A body
sent without one (chunked) is counted as it streams in and cut off at the cap: the
application sees an error instead of the rest, and whatever it would have answered is
replaced by the same HTTP 413 with a Chinese `detail`.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised into the application's body reading when the cap is passed."""


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default_bytes: int, by_prefix: dict[str, int], detail: str) -> None:
        self.app = app
        self.default_bytes = default_bytes
        # Longest prefix first, so "/console/login" could be given its own cap before "/console".
        self.by_prefix = sorted(by_prefix.items(), key=lambda item: -len(item[0]))
        self.detail = detail

    def cap_for(self, path: str) -> int:
        return next((cap for prefix, cap in self.by_prefix if path.startswith(prefix)), self.default_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > cap:
            await self._refuse(scope, receive, send)
            return

        received = 0
        cut = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    cut = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if cut:
                return  # the application's answer to a body it never got whole is replaced below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if started:
                raise
        if cut and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, so the server does not read the rest of the body to reuse the socket.
        response = JSONResponse({"detail": self.detail}, status_code=413, headers={"Connection": "close"})
        await response(scope, receive, send)
