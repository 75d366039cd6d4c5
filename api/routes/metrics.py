"""Prometheus's scrape of the API (docs/operations.md).

Metrics hold no personal data but show the office's load and backlog, so they are not public:
a scrape from this host (loopback, not relayed by a proxy) is answered, and from elsewhere only
with `Authorization: Bearer <METRICS_TOKEN>` when that is set. A proxy on this host relays the
public's requests from loopback too, but it adds X-Forwarded-For; such requests need the token.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ClientAddressDep, SettingsDep
from api.observability.open_cases import OpenCases
from telemetry.exposition import CONTENT_TYPE, scrape

router = APIRouter(tags=["operations"])

FORBIDDEN = "运行指标只对本机或持有监控令牌（METRICS_TOKEN）的请求开放。"
_RELAY_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")


def may_scrape(request: Request, client: str, token: str) -> bool:
    if token:
        presented = request.headers.get("authorization", "")
        if hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
            return True
    relayed = any(name in _RELAY_HEADERS for name, _ in request.scope.get("headers", ()))
    return not relayed and _is_loopback(client)


def _is_loopback(address: str) -> bool:
    try:
        return ip_address(address).is_loopback
    except ValueError:  # "testclient", "unknown": not an address
        return False


# Not in the OpenAPI document: Prometheus's format is not part of the residents' API.
@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, client: ClientAddressDep, settings: SettingsDep) -> Response:
    if not may_scrape(request, client, settings.metrics_token.get_secret_value()):
        raise HTTPException(status_code=403, detail=FORBIDDEN)
    # The open-cases query and reading the workers' files are blocking work.
    body = await run_in_threadpool(scrape, OpenCases(request.app.state.engine))
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
