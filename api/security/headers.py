"""Security headers on every response, unless a route set its own (the console's stricter CSP).

Pages load only their own scripts, styles and images (and `blob:` images: the receipt QR code
is fetched by POST and shown from memory); no page may be framed (clickjacking of 转人工 or
同意); nothing is sniffed; no referrer leaves the site. HSTS is ignored by browsers over plain
HTTP, so it costs a LAN kiosk nothing and protects the public site.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._encoded = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in self._encoded if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
