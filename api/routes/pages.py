"""Pages beyond the web chat: the office kiosk, a readable page per statute article, receipt QR codes."""

from __future__ import annotations

import html
import io
from functools import cache
from pathlib import Path
from string import Template

import segno
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field, field_validator

from api.deps import SettingsDep, StatutesDep
from api.resident_texts import resident_texts
from api.routes.problems import refusals
from casebook.services.applications import ROOM
from casebook.services.cases import REFERENCE

router = APIRouter(tags=["pages"])

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CITE_MAX_CHARS = 60


class ReceiptCode(BaseModel):
    """What a receipt's QR code carries: the reference and, for a lawyer session, its room link.
    Nothing else is drawn, so the endpoint is no QR service for phishing posters."""

    reference: str = Field(max_length=20)
    join_url: str | None = Field(default=None, max_length=300)

    @field_validator("reference")
    @classmethod
    def _a_reference(cls, value: str) -> str:
        if REFERENCE.fullmatch(value) is None:
            raise ValueError("not a case reference")
        return value


class KioskSettings(BaseModel):
    idle_seconds: int
    goodbye_seconds: int


@cache
def _template(name: str) -> Template:
    return Template((STATIC_DIR / name).read_text(encoding="utf-8"))


def render_article(law: str, number: str, text: str, superseded_note: str | None = None) -> str:
    """The article page; every value is escaped, so statute text can never become markup."""
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    warning = ""
    if superseded_note:
        notice = resident_texts().statute_superseded.format(note=superseded_note)
        warning = f'<p class="superseded" role="alert">{html.escape(notice)}</p>'
    return _template("statute.html").substitute(
        label=html.escape(f"{law}{number}"),
        law=html.escape(law),
        number=html.escape(number),
        paragraphs=paragraphs,
        warning=warning,
    )


@router.get("/kiosk", include_in_schema=False)
def kiosk() -> FileResponse:
    return FileResponse(STATIC_DIR / "kiosk.html")


@router.get("/api/kiosk/settings", response_model=KioskSettings, summary="Idle timeouts of the office kiosk")
def kiosk_settings(settings: SettingsDep) -> KioskSettings:
    return KioskSettings(idle_seconds=settings.kiosk_idle_seconds, goodbye_seconds=settings.kiosk_goodbye_seconds)


@router.get(
    "/statutes/view",
    # HTML pages but JSON refusals: with HTMLResponse here FastAPI would document a 422 as HTML.
    response_class=Response,
    summary="Readable page of one cited article",
    responses=refusals(
        422,
        besides={
            200: {"description": "The article's page", "content": {"text/html": {"schema": {"type": "string"}}}},
            404: {"description": "A page saying the article was not found", "content": {"text/html": {}}},
        },
    ),
)
def statute_page(statutes: StatutesDep, cite: str = "") -> HTMLResponse:
    article = statutes.cite(cite) if 0 < len(cite) <= CITE_MAX_CHARS else None
    if article is None:
        missing = (STATIC_DIR / "statute-missing.html").read_text(encoding="utf-8")
        return HTMLResponse(missing, status_code=404)
    note = statutes.superseded.get(article.law)
    return HTMLResponse(render_article(article.law, article.number, article.text, note))


def is_meeting_link(url: str, template: str) -> bool:
    """Whether the link is a room of the office's own meeting service (settings.meeting_url_template)."""
    head, _, tail = template.partition("{room}")
    if not (url.startswith(head) and url.endswith(tail)) or len(url) < len(head) + len(tail):
        return False
    return ROOM.fullmatch(url[len(head) : len(url) - len(tail)]) is not None


@router.post(
    "/api/qr",
    response_class=Response,
    responses=refusals(413, 422, 429, besides={200: {"content": {"image/svg+xml": {}}}}),
    summary="QR code (SVG) of a receipt: its reference and the office's meeting link",
)
def receipt_qr(receipt: ReceiptCode, settings: SettingsDep) -> Response:
    lines = [receipt.reference]
    if receipt.join_url:
        if not is_meeting_link(receipt.join_url, settings.meeting_url_template):
            raise HTTPException(status_code=422, detail=resident_texts().invalid_request)
        lines.append(receipt.join_url)
    # UTF-8 byte mode: segno would otherwise pick Shift_JIS kanji mode for some text.
    code = segno.make("\n".join(lines), encoding="utf-8", error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=8, border=4, dark="#000", light="#fff", xmldecl=False)
    # A receipt is the resident's own: no shared cache keeps it.
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
