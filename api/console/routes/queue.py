"""The queue of cases a role sees, and the same list as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.responses import HTMLResponse, Response

from api.console import casework, display
from api.console.casework import PAGE_SIZE, QueueFilters
from api.console.deps import ConsoleDenied, ConsoleDep, StaffDep
from api.console.pages import Paging, console_router, csv_response, page_context, render, zone
from casebook import audit
from casebook.models import Case, CaseKind, CaseStatus

QUERY_MAX_CHARS = 100

router = console_router()


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as the query string gave them (shown back, audited) and as parsed."""

    kind: str
    status: str
    q: str
    mine: str
    filters: QueueFilters


def queue_query(staff: StaffDep, kind: str = "", status: str = "", q: str = "", mine: str = "") -> QueueQuery:
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
    filters = QueueFilters(
        kind=kind_value,
        status=status_value,
        include_finished=status == "all",
        q=q[:QUERY_MAX_CHARS],
        assignee_id=staff.id if mine else None,
    )
    return QueueQuery(kind, status, q, mine, filters)


QueueQueryDep = Annotated[QueueQuery, Depends(queue_query)]


@router.get("/queue")
def queue_page(context: ConsoleDep, query: QueueQueryDep, page: int = 1) -> HTMLResponse:
    staff, workflow = context.staff, context.workflow
    paging = Paging.asked(page, PAGE_SIZE)
    now = context.clock()
    result = casework.queue(
        context.session,
        role=staff.role,
        workflow=workflow,
        filters=query.filters,
        now=now,
        limit=paging.size,
        offset=paging.offset,
    )
    return render(
        "queue.html",
        **page_context(context),
        rows=[display.queue_row(r, staff.role, workflow, context.texts.deadlines, now) for r in result.rows],
        **paging.context(result.total),
        filters={"kind": query.kind, "status": query.status, "q": query.filters.q, "mine": bool(query.mine)},
        kinds=[k for k in CaseKind if staff.role.sees(k)],
    )


@router.get("/export.csv")
def export_csv(context: ConsoleDep, query: QueueQueryDep) -> Response:
    """The cases of the queue (same filters, every page) as CSV. Names and phone numbers are in
    clear only for roles with export_personal_data: a file leaves the console's access control."""
    staff, session, workflow = context.staff, context.session, context.workflow
    now = context.clock()
    result = casework.export_rows(session, role=staff.role, filters=query.filters, workflow=workflow, now=now)
    role = staff.role.exporting()
    columns = context.texts.export
    header = [getattr(columns, name) for name in type(columns).model_fields]
    local = zone(context.settings)
    lines = []
    for queue_row in result.rows:
        row = display.queue_row(queue_row, role, workflow, context.texts.deadlines, now)
        case_: Case = row["case"]
        lines.append(
            [
                case_.reference,
                workflow.kinds[case_.kind],
                workflow.statuses[case_.status],
                display.local_time(case_.created_at, local),
                case_.channel,
                case_.area,
                workflow.routes.get(case_.route or "", case_.route),
                row["name"],
                row["phone"],
                row["assignee"],
                row["deadline_text"],
                role.text(row["not_accepted_reason"] or "", names=(case_.applicant_name,)),
            ]
        )
    # What was exported and how much, not the search words (they may be a name or a phone number).
    detail = {
        "rows": len(lines),
        "kind": query.kind or None,
        "status": query.status or None,
        "searched": bool(query.q),
        "mine": bool(query.mine),
        "personal_data": role.personal_data,
    }
    audit.record(session, action="export", at=now, user=staff.user, detail=detail)
    return csv_response(header, lines, name="cases", at=now, settings=context.settings)
