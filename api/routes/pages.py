"""Pages beyond the web chat: the office kiosk, a readable page per statute article, QR codes."""

from __future__ import annotations

import html
import io
from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated

import segno
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel

from api.deps import SettingsDep, StatutesDep

router = APIRouter(tags=["pages"])

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Long enough for a reference and a meeting link; short enough that a phone scans it easily
# and nobody uses the endpoint as a general-purpose QR service.
QR_MAX_CHARS = 300
CITE_MAX_CHARS = 60
# Our pages load only their own scripts, styles and images.
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; object-src 'none'; frame-ancestors 'none'"}


class KioskSettings(BaseModel):
    idle_seconds: int
    goodbye_seconds: int


@cache
def _template(name: str) -> Template:
    return Template((STATIC_DIR / name).read_text(encoding="utf-8"))


def render_article(law: str, number: str, text: str) -> str:
    """The article page; every value is escaped, so statute text can never become markup."""
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return _template("statute.html").substitute(
        label=html.escape(f"{law}{number}"), law=html.escape(law), number=html.escape(number), paragraphs=paragraphs
    )


@router.get("/kiosk", include_in_schema=False)
def kiosk() -> FileResponse:
    return FileResponse(STATIC_DIR / "kiosk.html", headers=PAGE_HEADERS)


@router.get("/api/kiosk/settings", response_model=KioskSettings, summary="Idle timeouts of the office kiosk")
def kiosk_settings(settings: SettingsDep) -> KioskSettings:
    return KioskSettings(idle_seconds=settings.kiosk_idle_seconds, goodbye_seconds=settings.kiosk_goodbye_seconds)


@router.get("/statutes/view", response_class=HTMLResponse, summary="Readable page of one cited article")
def statute_page(statutes: StatutesDep, cite: str = "") -> HTMLResponse:
    article = statutes.cite(cite) if 0 < len(cite) <= CITE_MAX_CHARS else None
    if article is None:
        missing = (STATIC_DIR / "statute-missing.html").read_text(encoding="utf-8")
        return HTMLResponse(missing, status_code=404, headers=PAGE_HEADERS)
    return HTMLResponse(render_article(article.law, article.number, article.text), headers=PAGE_HEADERS)


@router.get(
    "/api/qr",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
    summary="QR code (SVG) of a short text, e.g. a receipt",
)
def qr_code(text: Annotated[str, Query(min_length=1, max_length=QR_MAX_CHARS)]) -> Response:
    # UTF-8 byte mode: segno would otherwise pick Shift_JIS kanji mode for some Chinese text.
    code = segno.make(text, encoding="utf-8", error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=8, border=4, dark="#000", light="#fff", xmldecl=False)
    # A receipt is the resident's own: no shared cache keeps it.
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
