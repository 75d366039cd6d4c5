"""The pages beside casework: knowledge gaps, the audit log and the statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.console import statistics
from api.console.casework import PAGE_SIZE
from api.console.deps import ConsoleDenied, ConsoleDep
from api.console.pages import PAGE_HEADERS, Paging, console_router, csv_response, page_context, render, zone
from api.console.statistics_figures import DEFAULT_MONTHS, MAX_MONTHS, Statistics
from casebook import audit, office_entries
from casebook.services.gaps import newest_gaps

router = console_router()


@router.get("/gaps")
def gaps_page(context: ConsoleDep, page: int = 1) -> HTMLResponse:
    staff = context.staff
    if not staff.role.knowledge_gaps:
        raise ConsoleDenied(403, "forbidden")
    paging = Paging.asked(page, PAGE_SIZE)
    found = newest_gaps(context.session, limit=paging.size, offset=paging.offset)
    gaps = found.gaps
    written = office_entries.written_for(context.session, [gap.id for gap in gaps if gap.id is not None])
    return render(
        "gaps.html",
        **page_context(context),
        gaps=[
            {
                "gap": gap,
                "question": staff.role.text(gap.question),
                "point": staff.role.text(gap.point or ""),
                "entry": written.get(gap.id) if gap.id is not None else None,
            }
            for gap in gaps
        ],
        **paging.context(found.total),
    )


@router.get("/audit")
def audit_page(context: ConsoleDep, case: str = "", actor: str = "", page: int = 1) -> HTMLResponse:
    if not context.staff.role.audit:
        raise ConsoleDenied(403, "forbidden")
    paging = Paging.asked(page, 2 * PAGE_SIZE)
    result = audit.entries(
        context.session,
        case_reference=case.strip().upper()[:32],
        actor=actor.strip()[:32],
        limit=paging.size,
        offset=paging.offset,
    )
    return render(
        "audit.html",
        **page_context(context),
        entries=result.entries,
        **paging.context(result.total),
        filters={"case": case, "actor": actor},
        actions=context.texts.audit_actions,
    )


@dataclass(frozen=True)
class AskedStatistics:
    """The figures a request asked for and the moment they were computed at (what the audit records)."""

    figures: Statistics
    at: datetime


def asked_statistics(context: ConsoleDep, months: int = DEFAULT_MONTHS) -> AskedStatistics:
    if not context.staff.role.statistics:
        raise ConsoleDenied(403, "forbidden")
    now = context.clock()
    zone_ = zone(context.settings)
    figures = statistics.compute(context.session, workflow=context.workflow, now=now, zone=zone_, months=months)
    return AskedStatistics(figures, now)


StatisticsDep = Annotated[AskedStatistics, Depends(asked_statistics)]


@router.get("/statistics")
def statistics_page(context: ConsoleDep, asked: StatisticsDep) -> HTMLResponse:
    """Charts (api/static/console-stats.js, from statistics.json) over tables of the same figures."""
    figures = asked.figures
    shown = len(figures.period.months)
    detail = {"view": "page", "months": shown}
    audit.record(context.session, action="statistics", at=asked.at, user=context.staff.user, detail=detail)
    return render(
        "statistics.html",
        **page_context(context),
        figures=figures,
        months=shown,
        month_choices=sorted({3, 6, 12, 24, MAX_MONTHS, shown}),
    )


@router.get("/statistics.json")
def statistics_json(context: ConsoleDep, asked: StatisticsDep) -> JSONResponse:
    detail = {"view": "json", "months": len(asked.figures.period.months)}
    audit.record(context.session, action="statistics", at=asked.at, user=context.staff.user, detail=detail)
    return JSONResponse(asked.figures.model_dump(mode="json"), headers=PAGE_HEADERS)


@router.get("/statistics.csv")
def statistics_csv(context: ConsoleDep, asked: StatisticsDep) -> Response:
    """The monthly figures as CSV (no personal data: counts only), formula-safe like the cases export."""
    header, rows = statistics.monthly_table(asked.figures, context.workflow)
    detail = {"statistics": True, "rows": len(rows), "months": len(asked.figures.period.months)}
    audit.record(context.session, action="export", at=asked.at, user=context.staff.user, detail=detail)
    return csv_response(header, rows, name="statistics", at=asked.at, settings=context.settings)
