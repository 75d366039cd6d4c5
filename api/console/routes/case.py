"""One case: its page, and the changes staff make to it (status, assignment, notes). Each change
needs its own permission of roles.yml besides seeing the case's kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Form
from fastapi.responses import HTMLResponse, Response

from api.console import casework
from api.console.case_page import render_case_page, visible_case
from api.console.casework import CaseworkRefused
from api.console.deps import ConsoleContext, ConsoleDep, PostingDep
from api.console.pages import console_router, message, redirect
from api.console.roles import Permission
from api.console.texts import ConsoleTexts
from api.console.workflow import REASON_MAX_CHARS, REASON_MIN_CHARS, Workflow
from api.deps import RasaDep
from api.rasa_client import RasaClient
from casebook import audit
from casebook.console_tables import StaffUser
from casebook.models import Case, CaseKind, CaseStatus

router = console_router()


@router.get("/cases/{reference}")
async def case_page(reference: str, context: ConsoleDep, rasa: RasaDep) -> HTMLResponse:
    case_ = visible_case(context.session, context.staff, reference)
    now = context.clock()
    audit.record(context.session, action="view", at=now, user=context.staff.user, case=case_)
    return await render_case_page(context, rasa, case_=case_, now=now)


def _refusal(
    texts: ConsoleTexts, workflow: Workflow, refused: CaseworkRefused, target: str = "", kind: CaseKind | None = None
) -> tuple[str, int]:
    if refused.code == "outcome_required" and kind in workflow.outcomes:
        return workflow.outcomes[kind].missing, 400  # says which outcomes this kind of case has
    status_label = workflow.statuses.get(CaseStatus(target), target) if target in CaseStatus.__members__ else target
    values = {"status": status_label, "min": REASON_MIN_CHARS, "max": REASON_MAX_CHARS}
    if refused.code == "note_too_long":
        values["max"] = casework.NOTE_MAX_CHARS
    codes = {"transition_not_allowed": 409, "status_changed": 409, "assign_not_allowed": 403}
    return message(texts, refused.code, **values), codes.get(refused.code, 400)


async def _change(
    context: ConsoleContext,
    rasa: RasaClient,
    reference: str,
    permission: Permission,
    change: Callable[[Case, datetime], None],
    *,
    target: str = "",
    anchor: str = "",
) -> Response:
    """One change to a case the staff member sees and may change. A refused change keeps nothing
    of it, and the case page says why; `target` is the status asked for, for that message."""
    session = context.session
    case_ = visible_case(session, context.staff, reference)
    context.staff.require(permission)
    now = context.clock()
    try:
        change(case_, now)
    except CaseworkRefused as refused:
        session.rollback()
        session.refresh(case_)
        error, status_code = _refusal(context.texts, context.workflow, refused, target, case_.kind)
        return await render_case_page(context, rasa, case_=case_, now=now, error=error, status_code=status_code)
    return redirect(f"/console/cases/{case_.reference}{anchor}")


@router.post("/cases/{reference}/status")
async def set_status(
    reference: str,
    context: PostingDep,
    rasa: RasaDep,
    to: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
    shown: Annotated[str, Form(alias="from", max_length=32)] = "",
) -> Response:
    """`from` is the status the page showed: if a colleague changed it since, nothing is overwritten."""

    def change(case_: Case, now: datetime) -> None:
        if to not in CaseStatus.__members__ or (shown and shown not in CaseStatus.__members__):
            raise CaseworkRefused("transition_not_allowed")
        casework.change_status(
            context.session,
            case_=case_,
            user=context.staff.user,
            target=CaseStatus(to),
            reason=reason,
            outcome=outcome,
            workflow=context.workflow,
            now=now,
            expected=CaseStatus(shown) if shown else None,
        )

    return await _change(context, rasa, reference, "change_status", change, target=to)


@router.post("/cases/{reference}/assign")
async def assign_case(
    reference: str,
    context: PostingDep,
    rasa: RasaDep,
    assignee: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def change(case_: Case, now: datetime) -> None:
        target = context.session.get(StaffUser, int(assignee)) if assignee.isdigit() else None
        if assignee and target is None:
            raise CaseworkRefused("assignee_invalid")
        casework.assign(
            context.session,
            case_=case_,
            user=context.staff.user,
            role=context.staff.role,
            assignee=target,
            roles=context.roles,
            now=now,
        )

    return await _change(context, rasa, reference, "assign", change)


@router.post("/cases/{reference}/notes")
async def add_note(
    reference: str,
    context: PostingDep,
    rasa: RasaDep,
    text: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    def change(case_: Case, now: datetime) -> None:
        casework.add_note(context.session, case_=case_, user=context.staff.user, text=text, now=now)

    return await _change(context, rasa, reference, "add_notes", change, anchor="#notes")
