"""The pages beside casework: knowledge gaps, the audit log and the statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import col, func, select

from api.console import statistics
from api.console.casework import PAGE_SIZE
from api.console.deps import ClockDep, ConsoleDenied, StaffDep, TextsDep, WorkflowDep
from api.console.pages import PAGE_HEADERS, Paging, console_router, csv_response, page_context, render, zone
from api.deps import SessionDep, SettingsDep
from casebook import audit, office_entries
from casebook.models import KnowledgeGap

router = console_router()


@router.get("/gaps")
def gaps_page(
    staff: StaffDep, session: SessionDep, settings: SettingsDep, workflow: WorkflowDep, page: int = 1
) -> HTMLResponse:
    if not staff.role.knowledge_gaps:
        raise ConsoleDenied(403, "forbidden")
    paging = Paging.asked(page, PAGE_SIZE)
    total = int(session.exec(select(func.count()).select_from(KnowledgeGap)).one())
    gaps = session.exec(
        select(KnowledgeGap).order_by(col(KnowledgeGap.id).desc()).offset(paging.offset).limit(paging.size)
    ).all()
    written = office_entries.written_for(session, [gap.id for gap in gaps if gap.id is not None])
    return render(
        "gaps.html",
        **page_context(staff, settings, workflow),
        gaps=[
            {
                "gap": gap,
                "question": staff.role.text(gap.question),
                "point": staff.role.text(gap.point or ""),
                "entry": written.get(gap.id) if gap.id is not None else None,
            }
            for gap in gaps
        ],
        **paging.context(total),
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
    paging = Paging.asked(page, 2 * PAGE_SIZE)
    result = audit.entries(
        session,
        case_reference=case.strip().upper()[:32],
        actor=actor.strip()[:32],
        limit=paging.size,
        offset=paging.offset,
    )
    return render(
        "audit.html",
        **page_context(staff, settings, workflow),
        entries=result.entries,
        **paging.context(result.total),
        filters={"case": case, "actor": actor},
        actions=messages_.audit_actions,
    )


@dataclass(frozen=True)
class AskedStatistics:
    """The figures a request asked for and the moment they were computed at (what the audit records)."""

    figures: statistics.Statistics
    at: datetime


def asked_statistics(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    clock: ClockDep,
    months: int = statistics.DEFAULT_MONTHS,
) -> AskedStatistics:
    if not staff.role.statistics:
        raise ConsoleDenied(403, "forbidden")
    now = clock()
    figures = statistics.compute(session, workflow=workflow, now=now, zone=zone(settings), months=months)
    return AskedStatistics(figures, now)


StatisticsDep = Annotated[AskedStatistics, Depends(asked_statistics)]


@router.get("/statistics")
def statistics_page(
    staff: StaffDep, session: SessionDep, settings: SettingsDep, workflow: WorkflowDep, asked: StatisticsDep
) -> HTMLResponse:
    """Charts (api/static/console-stats.js, from statistics.json) over tables of the same figures."""
    figures = asked.figures
    shown = len(figures.period.months)
    detail = {"view": "page", "months": shown}
    audit.record(session, action="statistics", at=asked.at, user=staff.user, detail=detail)
    return render(
        "statistics.html",
        **page_context(staff, settings, workflow),
        figures=figures,
        months=shown,
        month_choices=sorted({3, 6, 12, 24, statistics.MAX_MONTHS, shown}),
    )


@router.get("/statistics.json")
def statistics_json(staff: StaffDep, session: SessionDep, asked: StatisticsDep) -> JSONResponse:
    detail = {"view": "json", "months": len(asked.figures.period.months)}
    audit.record(session, action="statistics", at=asked.at, user=staff.user, detail=detail)
    return JSONResponse(asked.figures.model_dump(mode="json"), headers=PAGE_HEADERS)


@router.get("/statistics.csv")
def statistics_csv(
    staff: StaffDep, session: SessionDep, settings: SettingsDep, workflow: WorkflowDep, asked: StatisticsDep
) -> Response:
    """The monthly figures as CSV (no personal data: counts only), formula-safe like the cases export."""
    header, rows = statistics.monthly_table(asked.figures, workflow)
    detail = {"statistics": True, "rows": len(rows), "months": len(asked.figures.period.months)}
    audit.record(session, action="export", at=asked.at, user=staff.user, detail=detail)
    return csv_response(header, rows, name="statistics", at=asked.at, settings=settings)
