"""The staff console's pages under /console: sign-in, the queue, a case, knowledge gaps, the
CSV export, the audit log, the statistics. Server-rendered HTML; every form post carries the
session's CSRF token."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session, col, func, select

from api.console import audit, casework, display, statistics
from api.console.auth import LoginRefused, authenticate, close_session, open_session
from api.console.casework import PAGE_SIZE, CaseworkRefused, QueueFilters
from api.console.deps import (
    Clock,
    ClockDep,
    ConsoleDenied,
    LoginRequired,
    PostingStaffDep,
    RolesDep,
    Staff,
    StaffDep,
    TextsDep,
    WorkflowDep,
)
from api.console.models import CaseWork, StaffUser
from api.console.roles import Roles
from api.console.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CookiePolicy,
    new_token,
    same_token,
)
from api.console.texts import Texts, texts
from api.console.workflow import OPEN_STATUSES, REASON_MAX_CHARS, REASON_MIN_CHARS, Workflow
from api.deps import RasaDep, SessionDep, SettingsDep
from api.models import Case, CaseKind, CaseStatus, KnowledgeGap
from api.rasa_client import DialogueUnavailable, RasaClient
from api.services.applications import booking_of
from api.settings import Settings

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
QUERY_MAX_CHARS = 100
LOGIN_FORM_SECONDS = 3600
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


def _message(messages_: Texts, code: str, **values: Any) -> str:
    text: str = getattr(messages_.messages, code)
    return text.format(**values)


class ConsoleRoute(APIRoute):
    """Turns the console's refusals into pages: no session → the sign-in page; denied → an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as missing:
                return RedirectResponse(missing.location, status_code=303, headers=PAGE_HEADERS)
            except ConsoleDenied as denied:
                return render(
                    "error.html", status_code=denied.status_code, error=_message(texts(), denied.code), code=denied.code
                )

        return route


router = APIRouter(prefix="/console", tags=["console"], route_class=ConsoleRoute, include_in_schema=False)


def _zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.office_timezone)


def _page_context(staff: Staff, settings: Settings, workflow: Workflow) -> dict[str, Any]:
    return {"staff": staff, "when": partial(display.local_time, zone=_zone(settings)), "labels": workflow}


def safe_next(target: str) -> str:
    """Only a console page of this site: never another host (an open redirect)."""
    if target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/queue"


def _cookie_policy(settings: Settings, seconds: int) -> CookiePolicy:
    return CookiePolicy(secure=settings.console_secure_cookies, max_age_seconds=seconds)


# --- signing in and out ------------------------------------------------------------------------


def _login_page(
    settings: Settings, *, next_url: str, status_code: int = 200, error: str | None = None, **extra: Any
) -> HTMLResponse:
    token = new_token()
    response = render(
        "login.html", status_code=status_code, csrf=token, next_url=safe_next(next_url), error=error, **extra
    )
    _cookie_policy(settings, LOGIN_FORM_SECONDS).set(response, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
def login_page(
    settings: SettingsDep, messages_: TextsDep, next: str = "/console/queue", expired: str = "", out: str = ""
) -> HTMLResponse:
    notice = None
    if expired:
        notice = messages_.messages.session_expired
    elif out:
        notice = messages_.messages.signed_out
    return _login_page(settings, next_url=next, notice=notice, username="")


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    messages_: TextsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console/queue",
) -> Response:
    # No session yet: the form's token must match the cookie set with the form (double submit).
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise ConsoleDenied(403, "csrf_failed")
    now = clock()
    try:
        user = authenticate(
            session,
            username=username,
            password=password,
            now=now,
            max_failures=settings.console_max_failures,
            lockout_minutes=settings.console_lockout_minutes,
        )
    except LoginRefused as refused:
        if refused.code == "locked":
            error, status_code = messages_.messages.locked.format(minutes=refused.minutes), 429
        else:
            error, status_code = messages_.messages.login_failed, 401
        return _login_page(settings, next_url=next, status_code=status_code, error=error, username=username[:32])
    token, _ = open_session(session, user=user, now=now, hours=settings.console_session_hours)
    response = RedirectResponse(safe_next(next), status_code=303, headers=PAGE_HEADERS)
    policy = _cookie_policy(settings, settings.console_session_hours * 3600)
    policy.set(response, SESSION_COOKIE, token)
    policy.delete(response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(staff: PostingStaffDep, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> Response:
    audit.record(session, action="logout", at=clock(), user=staff.user)
    close_session(session, staff.session)
    response = RedirectResponse("/console/login?out=1", status_code=303, headers=PAGE_HEADERS)
    _cookie_policy(settings, 0).delete(response, SESSION_COOKIE)
    return response


@router.get("/")
def home(staff: StaffDep) -> Response:
    return RedirectResponse("/console/queue", status_code=303, headers=PAGE_HEADERS)


# --- the queue and the export ------------------------------------------------------------------


def _filters(staff: Staff, *, kind: str, status: str, q: str, mine: str) -> QueueFilters:
    kind_value: CaseKind | None = None
    if kind:
        if kind not in CaseKind.__members__:
            raise ConsoleDenied(400, "bad_filter")
        kind_value = CaseKind(kind)
        if not staff.role.sees(kind_value):
            raise ConsoleDenied(403, "kind_not_allowed")
    status_value: CaseStatus | None = None
    if status and status != "all":
        if status not in CaseStatus.__members__:
            raise ConsoleDenied(400, "bad_filter")
        status_value = CaseStatus(status)
    return QueueFilters(
        kind=kind_value,
        status=status_value,
        include_finished=status == "all",
        q=q[:QUERY_MAX_CHARS],
        assignee_id=staff.id if mine else None,
    )


def _row(row: casework.QueueRow, staff: Staff, workflow: Workflow, messages_: Texts, now: datetime) -> dict[str, Any]:
    case_ = row.case
    deadline = workflow.deadline(
        kind=case_.kind,
        status=case_.status,
        created_at=case_.created_at,
        accepted_at=row.work.accepted_at if row.work else None,
        now=now,
    )
    return {
        "case": case_,
        "name": staff.role.name(case_.applicant_name),
        "phone": staff.role.phone(case_.phone),
        "assignee": row.assignee.display_name if row.assignee else "",
        "deadline": deadline,
        "deadline_text": display.deadline_text(deadline, messages_.deadlines),
        "danger": case_.kind == CaseKind.danger and case_.status in OPEN_STATUSES,
        "not_accepted_reason": row.work.not_accepted_reason if row.work else None,
    }


@router.get("/queue")
def queue_page(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    clock: ClockDep,
    kind: str = "",
    status: str = "",
    q: str = "",
    mine: str = "",
    page: int = 1,
) -> HTMLResponse:
    filters = _filters(staff, kind=kind, status=status, q=q, mine=mine)
    page = max(1, page)
    now = clock()
    result = casework.queue(
        session,
        role=staff.role,
        workflow=workflow,
        filters=filters,
        now=now,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        "queue.html",
        **_page_context(staff, settings, workflow),
        rows=[_row(r, staff, workflow, messages_, now) for r in result.rows],
        total=result.total,
        page=page,
        pages=max(1, -(-result.total // PAGE_SIZE)),
        filters={"kind": kind, "status": status, "q": filters.q, "mine": bool(mine)},
        kinds=[k for k in CaseKind if staff.role.sees(k)],
    )


@router.get("/export.csv")
def export_csv(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    clock: ClockDep,
    kind: str = "",
    status: str = "",
    q: str = "",
    mine: str = "",
) -> Response:
    """The cases of the queue (same filters, every page) as CSV, masked as the role sees them."""
    filters = _filters(staff, kind=kind, status=status, q=q, mine=mine)
    now = clock()
    result = casework.export_rows(session, role=staff.role, filters=filters, workflow=workflow, now=now)
    columns = messages_.export
    header = [getattr(columns, name) for name in type(columns).model_fields]
    zone = _zone(settings)
    lines = []
    for queue_row in result.rows:
        row = _row(queue_row, staff, workflow, messages_, now)
        case_: Case = row["case"]
        lines.append(
            [
                case_.reference,
                workflow.kinds[case_.kind],
                workflow.statuses[case_.status],
                display.local_time(case_.created_at, zone),
                case_.channel,
                case_.area,
                workflow.routes.get(case_.route or "", case_.route),
                row["name"],
                row["phone"],
                row["assignee"],
                row["deadline_text"],
                staff.role.text(row["not_accepted_reason"] or "", names=(case_.applicant_name,)),
            ]
        )
    # What was exported and how much, not the search words (they may be a name or a phone number).
    detail = {
        "rows": len(lines),
        "kind": kind or None,
        "status": status or None,
        "searched": bool(q),
        "mine": bool(mine),
    }
    audit.record(session, action="export", at=now, user=staff.user, detail=detail)
    filename = f"cases-{now.astimezone(zone):%Y%m%d-%H%M}.csv"
    return Response(
        display.csv_document(header, lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- one case ------------------------------------------------------------------------------------


def _visible(session: Session, staff: Staff, reference: str) -> Case:
    found = casework.visible_case(session, role=staff.role, reference=reference)
    if found is None:
        raise ConsoleDenied(404, "case_not_found")
    return found


async def _transcript(
    rasa: RasaDep, case_: Case, staff: Staff, names: tuple[str | None, ...]
) -> list[display.TranscriptLine] | None:
    try:
        tracker = await rasa.tracker(case_.conversation_id)
    except (DialogueUnavailable, httpx.HTTPError, ValueError):
        logger.warning("no transcript for case %s", case_.reference)
        return None
    return display.transcript(tracker, staff.role, names)


@dataclass(frozen=True)
class CasePageInputs:
    """What the case page is made from, besides the case and who looks at it."""

    session: Session
    rasa: RasaClient
    settings: Settings
    workflow: Workflow
    messages_: Texts
    roles: Roles
    clock: Clock


def case_page_inputs(
    session: SessionDep,
    rasa: RasaDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    roles: RolesDep,
    clock: ClockDep,
) -> CasePageInputs:
    return CasePageInputs(session, rasa, settings, workflow, messages_, roles, clock)


CasePageDep = Annotated[CasePageInputs, Depends(case_page_inputs)]


async def _case_page(
    page: CasePageInputs,
    *,
    case_: Case,
    staff: Staff,
    now: datetime,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case page; the routes that change a case show it again with `error` when refused."""
    session, rasa, settings, workflow, messages_, roles = (
        page.session,
        page.rasa,
        page.settings,
        page.workflow,
        page.messages_,
        page.roles,
    )
    work = session.get(CaseWork, case_.id)
    other_party = case_.details.get("other_party")
    names = (case_.applicant_name, other_party if isinstance(other_party, str) else None)
    deadline = workflow.deadline(
        kind=case_.kind,
        status=case_.status,
        created_at=case_.created_at,
        accepted_at=work.accepted_at if work else None,
        now=now,
    )
    assignee = session.get(StaffUser, work.assignee_id) if work and work.assignee_id else None
    notes = [
        {"at": entry.at, "author": entry.author, "text": staff.role.text(entry.note.text, names=names)}
        for entry in casework.notes_of(session, case_)
        if entry.note is not None
    ]
    history = []
    for entry in casework.history_of(session, case_):
        if entry.event is None:
            continue
        event = entry.event
        reason = staff.role.text(event.reason, names=names) if event.reason else None
        history.append({"at": entry.at, "author": entry.author, "event": event, "reason": reason})
    transcript = await _transcript(rasa, case_, staff, names)
    return render(
        "case.html",
        status_code=status_code,
        error=error,
        **_page_context(staff, settings, workflow),
        case=case_,
        name=staff.role.name(case_.applicant_name),
        phone=staff.role.phone(case_.phone),
        details=display.details(case_.details, workflow, staff.role, names),
        booking=booking_of(session, case_),
        deadline=deadline,
        deadline_text=display.deadline_text(deadline, messages_.deadlines),
        next_statuses=workflow.next_statuses(case_.status),
        reason_required=workflow.reason_required,
        outcomes=workflow.outcomes.get(case_.kind),
        outcome=workflow.outcomes[case_.kind].label(work.outcome) if work and case_.kind in workflow.outcomes else None,
        reason_max=REASON_MAX_CHARS,
        not_accepted_reason=staff.role.text(work.not_accepted_reason, names=names)
        if work and work.not_accepted_reason
        else None,
        assignee=assignee,
        assignees=casework.eligible_assignees(session, roles=roles, kind=case_.kind)
        if staff.role.assign_others
        else [],
        notes=notes,
        history=history,
        transcript=transcript,
        transcript_unavailable=messages_.messages.transcript_unavailable,
        transcript_empty=messages_.messages.transcript_empty,
    )


@router.get("/cases/{reference}")
async def case_page(
    reference: str,
    staff: StaffDep,
    page: CasePageDep,
) -> HTMLResponse:
    case_ = _visible(page.session, staff, reference)
    now = page.clock()
    audit.record(page.session, action="view", at=now, user=staff.user, case=case_)
    return await _case_page(
        page,
        case_=case_,
        staff=staff,
        now=now,
    )


def _refusal(
    messages_: Texts, workflow: Workflow, refused: CaseworkRefused, target: str = "", kind: CaseKind | None = None
) -> tuple[str, int]:
    if refused.code == "outcome_required" and kind in workflow.outcomes:
        return workflow.outcomes[kind].missing, 400  # says which outcomes this kind of case has
    status_label = workflow.statuses.get(CaseStatus(target), target) if target in CaseStatus.__members__ else target
    values = {"status": status_label, "min": REASON_MIN_CHARS, "max": REASON_MAX_CHARS}
    if refused.code == "note_too_long":
        values["max"] = casework.NOTE_MAX_CHARS
    codes = {"transition_not_allowed": 409, "assign_not_allowed": 403}
    return _message(messages_, refused.code, **values), codes.get(refused.code, 400)


@router.post("/cases/{reference}/status")
async def set_status(
    reference: str,
    staff: PostingStaffDep,
    page: CasePageDep,
    to: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    case_ = _visible(page.session, staff, reference)
    now = page.clock()
    try:
        if to not in CaseStatus.__members__:
            raise CaseworkRefused("transition_not_allowed")
        casework.change_status(
            page.session,
            case_=case_,
            user=staff.user,
            target=CaseStatus(to),
            reason=reason,
            outcome=outcome,
            workflow=page.workflow,
            now=now,
        )
    except CaseworkRefused as refused:
        page.session.rollback()
        error, status_code = _refusal(page.messages_, page.workflow, refused, to, case_.kind)
        return await _case_page(
            page,
            case_=case_,
            staff=staff,
            now=now,
            error=error,
            status_code=status_code,
        )
    return RedirectResponse(f"/console/cases/{case_.reference}", status_code=303, headers=PAGE_HEADERS)


@router.post("/cases/{reference}/assign")
async def assign_case(
    reference: str,
    staff: PostingStaffDep,
    page: CasePageDep,
    assignee: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    case_ = _visible(page.session, staff, reference)
    now = page.clock()
    try:
        target = page.session.get(StaffUser, int(assignee)) if assignee.isdigit() else None
        if assignee and target is None:
            raise CaseworkRefused("assignee_invalid")
        casework.assign(
            page.session, case_=case_, user=staff.user, role=staff.role, assignee=target, roles=page.roles, now=now
        )
    except CaseworkRefused as refused:
        page.session.rollback()
        error, status_code = _refusal(page.messages_, page.workflow, refused)
        return await _case_page(
            page,
            case_=case_,
            staff=staff,
            now=now,
            error=error,
            status_code=status_code,
        )
    return RedirectResponse(f"/console/cases/{case_.reference}", status_code=303, headers=PAGE_HEADERS)


@router.post("/cases/{reference}/notes")
async def add_note(
    reference: str,
    staff: PostingStaffDep,
    page: CasePageDep,
    text: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    case_ = _visible(page.session, staff, reference)
    now = page.clock()
    try:
        casework.add_note(page.session, case_=case_, user=staff.user, text=text, now=now)
    except CaseworkRefused as refused:
        page.session.rollback()
        error, status_code = _refusal(page.messages_, page.workflow, refused)
        return await _case_page(
            page,
            case_=case_,
            staff=staff,
            now=now,
            error=error,
            status_code=status_code,
        )
    return RedirectResponse(f"/console/cases/{case_.reference}#notes", status_code=303, headers=PAGE_HEADERS)


# --- knowledge gaps, audit, statistics -----------------------------------------------------------


@router.get("/gaps")
def gaps_page(
    staff: StaffDep, session: SessionDep, settings: SettingsDep, workflow: WorkflowDep, page: int = 1
) -> HTMLResponse:
    if not staff.role.knowledge_gaps:
        raise ConsoleDenied(403, "forbidden")
    page = max(1, page)
    total = session.exec(select(func.count()).select_from(KnowledgeGap)).one()
    gaps = session.exec(
        select(KnowledgeGap).order_by(col(KnowledgeGap.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render(
        "gaps.html",
        **_page_context(staff, settings, workflow),
        gaps=[
            {"gap": gap, "question": staff.role.text(gap.question), "point": staff.role.text(gap.point or "")}
            for gap in gaps
        ],
        total=int(total),
        page=page,
        pages=max(1, -(-int(total) // PAGE_SIZE)),
    )


@router.get("/audit")
def audit_page(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    messages_: TextsDep,
    case: str = "",
    actor: str = "",
    page: int = 1,
) -> HTMLResponse:
    if not staff.role.audit:
        raise ConsoleDenied(403, "forbidden")
    page = max(1, page)
    size = 2 * PAGE_SIZE
    result = audit.entries(
        session,
        case_reference=case.strip().upper()[:32],
        actor=actor.strip()[:32],
        limit=size,
        offset=(page - 1) * size,
    )
    return render(
        "audit.html",
        **_page_context(staff, settings, workflow),
        entries=result.entries,
        total=result.total,
        page=page,
        pages=max(1, -(-result.total // size)),
        filters={"case": case, "actor": actor},
        actions=messages_.audit_actions,
    )


def _statistics(
    staff: Staff, session: Session, settings: Settings, workflow: Workflow, now: datetime, months: int
) -> statistics.Statistics:
    if not staff.role.statistics:
        raise ConsoleDenied(403, "forbidden")
    return statistics.compute(session, workflow=workflow, now=now, zone=_zone(settings), months=months)


@router.get("/statistics")
def statistics_page(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    clock: ClockDep,
    months: int = statistics.DEFAULT_MONTHS,
) -> HTMLResponse:
    """Charts (api/static/console-stats.js, from statistics.json) over tables of the same figures."""
    now = clock()
    figures = _statistics(staff, session, settings, workflow, now, months)
    shown = len(figures.period.months)
    audit.record(session, action="statistics", at=now, user=staff.user, detail={"view": "page", "months": shown})
    return render(
        "statistics.html",
        **_page_context(staff, settings, workflow),
        figures=figures,
        months=shown,
        month_choices=sorted({3, 6, 12, 24, statistics.MAX_MONTHS, shown}),
    )


@router.get("/statistics.json")
def statistics_json(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    clock: ClockDep,
    months: int = statistics.DEFAULT_MONTHS,
) -> JSONResponse:
    now = clock()
    figures = _statistics(staff, session, settings, workflow, now, months)
    detail = {"view": "json", "months": len(figures.period.months)}
    audit.record(session, action="statistics", at=now, user=staff.user, detail=detail)
    return JSONResponse(figures.model_dump(mode="json"), headers=PAGE_HEADERS)


@router.get("/statistics.csv")
def statistics_csv(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    clock: ClockDep,
    months: int = statistics.DEFAULT_MONTHS,
) -> Response:
    """The monthly figures as CSV (no personal data: counts only), formula-safe like the cases export."""
    now = clock()
    figures = _statistics(staff, session, settings, workflow, now, months)
    header, rows = statistics.monthly_table(figures, workflow)
    detail = {"statistics": True, "rows": len(rows), "months": len(figures.period.months)}
    audit.record(session, action="export", at=now, user=staff.user, detail=detail)
    filename = f"statistics-{now.astimezone(_zone(settings)):%Y%m%d-%H%M}.csv"
    return Response(
        display.csv_document(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
