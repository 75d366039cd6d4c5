"""The queue of cases a role sees, and the same list as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import HTMLResponse, Response

from api.console import casework, display
from api.console.casework import PAGE_SIZE, QueueFilters
from api.console.deps import ClockDep, ConsoleDenied, StaffDep, TextsDep, WorkflowDep
from api.console.pages import Paging, console_router, csv_response, page_context, render, zone
from api.console.roles import Role
from api.console.texts import Texts
from api.console.workflow import OPEN_STATUSES, Workflow
from api.deps import SessionDep, SettingsDep
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


def _row(row: casework.QueueRow, role: Role, workflow: Workflow, messages_: Texts, now: datetime) -> dict[str, Any]:
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
        "name": role.name(case_.applicant_name),
        "phone": role.phone(case_.phone),
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
    query: QueueQueryDep,
    page: int = 1,
) -> HTMLResponse:
    paging = Paging.asked(page, PAGE_SIZE)
    now = clock()
    result = casework.queue(
        session,
        role=staff.role,
        workflow=workflow,
        filters=query.filters,
        now=now,
        limit=paging.size,
        offset=paging.offset,
    )
    return render(
        "queue.html",
        **page_context(staff, settings, workflow),
        rows=[_row(r, staff.role, workflow, messages_, now) for r in result.rows],
        **paging.context(result.total),
        filters={"kind": query.kind, "status": query.status, "q": query.filters.q, "mine": bool(query.mine)},
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
    query: QueueQueryDep,
) -> Response:
    """The cases of the queue (same filters, every page) as CSV. Names and phone numbers are in
    clear only for roles with export_personal_data: a file leaves the console's access control."""
    now = clock()
    result = casework.export_rows(session, role=staff.role, filters=query.filters, workflow=workflow, now=now)
    role = staff.role.exporting()
    columns = messages_.export
    header = [getattr(columns, name) for name in type(columns).model_fields]
    local = zone(settings)
    lines = []
    for queue_row in result.rows:
        row = _row(queue_row, role, workflow, messages_, now)
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
    return csv_response(header, lines, name="cases", at=now, settings=settings)
