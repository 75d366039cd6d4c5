"""The pages beside casework: knowledge gaps, the audit log and the statistics."""

from __future__ import annotations

from datetime import datetime

from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session, col, func, select

from api.console import audit, display, statistics
from api.console.casework import PAGE_SIZE
from api.console.deps import ClockDep, ConsoleDenied, Staff, StaffDep, TextsDep, WorkflowDep
from api.console.pages import PAGE_HEADERS, console_router, page_context, pages_count, render, zone
from api.console.workflow import Workflow
from api.deps import SessionDep, SettingsDep
from api.models import KnowledgeGap
from api.settings import Settings

router = console_router()


@router.get("/gaps")
def gaps_page(
    staff: StaffDep, session: SessionDep, settings: SettingsDep, workflow: WorkflowDep, page: int = 1
) -> HTMLResponse:
    if not staff.role.knowledge_gaps:
        raise ConsoleDenied(403, "forbidden")
    page = max(1, page)
    total = int(session.exec(select(func.count()).select_from(KnowledgeGap)).one())
    gaps = session.exec(
        select(KnowledgeGap).order_by(col(KnowledgeGap.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render(
        "gaps.html",
        **page_context(staff, settings, workflow),
        gaps=[
            {"gap": gap, "question": staff.role.text(gap.question), "point": staff.role.text(gap.point or "")}
            for gap in gaps
        ],
        total=total,
        page=page,
        pages=pages_count(total, PAGE_SIZE),
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
        **page_context(staff, settings, workflow),
        entries=result.entries,
        total=result.total,
        page=page,
        pages=pages_count(result.total, size),
        filters={"case": case, "actor": actor},
        actions=messages_.audit_actions,
    )


def _statistics(
    staff: Staff, session: Session, settings: Settings, workflow: Workflow, now: datetime, months: int
) -> statistics.Statistics:
    if not staff.role.statistics:
        raise ConsoleDenied(403, "forbidden")
    return statistics.compute(session, workflow=workflow, now=now, zone=zone(settings), months=months)


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
        **page_context(staff, settings, workflow),
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
    filename = f"statistics-{now.astimezone(zone(settings)):%Y%m%d-%H%M}.csv"
    return Response(
        display.csv_document(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
