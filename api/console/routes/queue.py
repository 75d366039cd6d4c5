"""The queue of cases a role sees, and the same list as CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.responses import HTMLResponse, Response

from api.console import audit, casework, display
from api.console.casework import PAGE_SIZE, QueueFilters
from api.console.deps import ClockDep, ConsoleDenied, Staff, StaffDep, TextsDep, WorkflowDep
from api.console.pages import console_router, page_context, pages_count, render, zone
from api.console.roles import Role
from api.console.texts import Texts
from api.console.workflow import OPEN_STATUSES, Workflow
from api.deps import SessionDep, SettingsDep
from api.models import Case, CaseKind, CaseStatus

QUERY_MAX_CHARS = 100

router = console_router()


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
        **page_context(staff, settings, workflow),
        rows=[_row(r, staff.role, workflow, messages_, now) for r in result.rows],
        total=result.total,
        page=page,
        pages=pages_count(result.total, PAGE_SIZE),
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
    """The cases of the queue (same filters, every page) as CSV. Names and phone numbers are in
    clear only for roles with export_personal_data: a file leaves the console's access control."""
    filters = _filters(staff, kind=kind, status=status, q=q, mine=mine)
    now = clock()
    result = casework.export_rows(session, role=staff.role, filters=filters, workflow=workflow, now=now)
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
        "kind": kind or None,
        "status": status or None,
        "searched": bool(q),
        "mine": bool(mine),
        "personal_data": role.personal_data,
    }
    audit.record(session, action="export", at=now, user=staff.user, detail=detail)
    filename = f"cases-{now.astimezone(local):%Y%m%d-%H%M}.csv"
    return Response(
        display.csv_document(header, lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
