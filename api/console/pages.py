"""What every console page shares: rendering with the console's headers, the route class that
turns refusals into pages, paging, CSV downloads, local times, cookies, and the safe redirect
after signing in."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.console import display
from api.console.deps import ConsoleContext, ConsoleDenied, LoginRequired
from api.console.security import CookiePolicy
from api.console.texts import ConsoleTexts, console_texts
from casebook.office_entries import EntryRefused
from casebook.settings import Settings

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Pages hold personal data: never cached, never framed, only our own stylesheet.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@cache
def _environment() -> Environment:
    # Autoescape everything: case data and transcripts are residents' text.
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    context = {"staff": None, "error": None, "notice": None, **context}
    body = _environment().get_template(template).render(**context)
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)


def message(texts: ConsoleTexts, code: str, **values: Any) -> str:
    text: str = getattr(texts.messages, code)
    return text.format(**values)


def entry_refusal(texts: ConsoleTexts, refused: EntryRefused) -> str:
    """Why a step on an office knowledge entry was refused, with the citation problems if any."""
    return message(texts, refused.code, problems="；".join(refused.problems))


# A refused step on an office entry: someone else's step came first, or it is not the writer's to take.
ENTRY_REFUSAL_STATUS = {"own_draft": 403, "entry_not_draft": 409, "entry_changed": 409, "entry_withdrawn": 409}


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers=PAGE_HEADERS)


class ConsoleRoute(APIRoute):
    """Turns the console's refusals into pages: no session → the sign-in page; denied, or a step on
    a knowledge entry refused → an error page (the request's session is closed uncommitted)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as missing:
                return redirect(missing.location)
            except ConsoleDenied as denied:
                return render(
                    "error.html",
                    status_code=denied.status_code,
                    error=message(console_texts(), denied.code),
                    code=denied.code,
                )
            except EntryRefused as refused:
                status_code = ENTRY_REFUSAL_STATUS.get(refused.code, 400)
                error = entry_refusal(console_texts(), refused)
                return render("error.html", status_code=status_code, error=error, code=refused.code)
            except RequestValidationError:
                # A form or query the console did not write (too long, not a number): a page, not JSON.
                return render(
                    "error.html", status_code=400, error=message(console_texts(), "bad_input"), code="bad_input"
                )

        return route


def console_router() -> APIRouter:
    """A router of console pages: under /console, refusals as pages, left out of the OpenAPI schema."""
    return APIRouter(prefix="/console", tags=["console"], route_class=ConsoleRoute, include_in_schema=False)


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.office_timezone)


def page_context(context: ConsoleContext) -> dict[str, Any]:
    """What every page's template is given: who is signed in, local times, the workflow's labels."""
    when = partial(display.local_time, zone=zone(context.settings))
    return {"staff": context.staff, "when": when, "labels": context.workflow}


@dataclass(frozen=True)
class Paging:
    """The page of a long list a request asked for: numbered from 1, `size` rows a page."""

    number: int
    size: int

    @classmethod
    def asked(cls, page: int, size: int) -> Paging:
        return cls(max(1, page), size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def context(self, total: int) -> dict[str, int]:
        """What the page's template shows under the list: how many rows, this page, how many pages."""
        return {"total": total, "page": self.number, "pages": max(1, -(-total // self.size))}


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, name: str, at: datetime, settings: Settings
) -> Response:
    """A CSV download named after what it holds and the office's local time of the export."""
    filename = f"{name}-{at.astimezone(zone(settings)):%Y%m%d-%H%M}.csv"
    return Response(
        display.csv_document(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def safe_next(target: str) -> str:
    """Only a console page of this site: never another host (an open redirect)."""
    if target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/queue"


def cookie_policy(settings: Settings, seconds: int) -> CookiePolicy:
    return CookiePolicy(secure=settings.console_secure_cookies, max_age_seconds=seconds)
