"""The case page: the case, its work and history, and the conversation's transcript, each masked
as the role reading it may see it."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from api.console import casework, display
from api.console.deps import ConsoleContext, ConsoleDenied, Staff
from api.console.pages import page_context, render
from api.console.personal import Masker, PersonalData, case_words, personal_data, tracker_words
from api.console.workflow import OPEN_STATUSES, REASON_MAX_CHARS
from api.rasa_client import DialogueUnavailable, RasaClient
from casebook.case_details import read_details
from casebook.console_tables import CaseWork, StaffUser
from casebook.models import Case
from casebook.services.applications import booking_of, meeting_url

logger = logging.getLogger(__name__)


def visible_case(session: Session, staff: Staff, reference: str) -> Case:
    """The case, if the role sees its kind; otherwise a 404 as if it did not exist."""
    found = casework.visible_case(session, role=staff.role, reference=reference)
    if found is None:
        raise ConsoleDenied(404, "case_not_found")
    return found


async def _tracker(rasa: RasaClient, case_: Case) -> dict[str, object] | None:
    try:
        # ALL: Rasa's default leaves out everything before a restart, which a resident can type.
        return await rasa.tracker(case_.conversation_id, include_events="ALL")
    except (DialogueUnavailable, httpx.HTTPError, ValueError):
        logger.warning("no transcript for case %s", case_.reference)
        return None


def _masker(context: ConsoleContext, case_: Case, tracker: dict[str, object] | None, personal: PersonalData) -> Masker:
    """For a role without personal data: everything personal the whole conversation holds."""
    same_conversation = context.session.exec(select(Case).where(Case.conversation_id == case_.conversation_id)).all()
    words = case_words(same_conversation, personal)  # the case itself is one of them
    events = tracker.get("events") if tracker else None
    if isinstance(events, list):
        words |= tracker_words((e for e in events if isinstance(e, dict)), personal)
    return Masker.build(words, personal, hidden_answer=context.texts.messages.personal_hidden)


async def render_case_page(
    context: ConsoleContext,
    rasa: RasaClient,
    *,
    case_: Case,
    now: datetime,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case page; the routes that change a case show it again with `error` when refused."""
    session, workflow, role = context.session, context.workflow, context.staff.role
    personal = personal_data()
    tracker = await _tracker(rasa, case_)
    masker = None if role.personal_data else _masker(context, case_, tracker, personal)

    def masked(text: str) -> str:
        return text if masker is None else masker.text(text)

    work = session.get(CaseWork, case_.id)
    deadline = workflow.deadline(
        kind=case_.kind,
        status=case_.status,
        created_at=case_.created_at,
        accepted_at=work.accepted_at if work else None,
        now=now,
    )
    assignee = session.get(StaffUser, work.assignee_id) if work and work.assignee_id else None
    notes = [
        {"at": entry.at, "author": entry.author, "text": masked(entry.note.text)}
        for entry in casework.notes_of(session, case_)
        if entry.note is not None
    ]
    history = [
        {"at": e.at, "author": e.author, "event": e.event, "reason": masked(e.event.reason) if e.event.reason else None}
        for e in casework.history_of(session, case_)
        if e.event is not None
    ]
    outcomes = workflow.outcomes.get(case_.kind)
    booking = booking_of(session, case_)
    return render(
        "case.html",
        status_code=status_code,
        error=error,
        **page_context(context),
        case=case_,
        name=role.name(case_.applicant_name),
        phone=role.phone(case_.phone),
        details=display.details(read_details(case_.kind, case_.details), workflow, masker, personal),
        booking=booking,
        meeting_link=meeting_url(booking, context.settings.meeting_url_template),
        deadline=deadline,
        deadline_text=display.deadline_text(deadline, context.texts.deadlines),
        next_statuses=workflow.next_statuses(case_.status),
        reason_required=workflow.reason_required,
        outcomes=outcomes,
        outcome=outcomes.label(work.outcome) if work and outcomes else None,
        reason_max=REASON_MAX_CHARS,
        not_accepted_reason=masked(work.not_accepted_reason) if work and work.not_accepted_reason else None,
        assignee=assignee,
        assignees=casework.eligible_assignees(session, roles=context.roles, kind=case_.kind)
        if role.assign_others
        else [],
        may_take_over=role.may("take_over") and case_.status in OPEN_STATUSES,
        notes=notes,
        history=history,
        transcript=None if tracker is None else display.transcript(tracker, masker, personal),
        transcript_unavailable=context.texts.messages.transcript_unavailable,
        transcript_empty=context.texts.messages.transcript_empty,
    )
