"""Console routes to take over a resident's live conversation, reply in it, and hand it back.

Taking over and handing back need the role's take_over permission, writing to the resident
message_residents (roles.yml); both only on open cases of a kind the role sees, and only for roles
that see personal data (residents tell a person their details). Each step is audited. The work
itself is in api/services/takeover.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form
from fastapi.responses import HTMLResponse, Response

from api.console import audit
from api.console.case_page import visible_case
from api.console.deps import ClockDep, ConsoleDenied, PostingStaffDep, Staff, TextsDep
from api.console.pages import console_router, redirect, render
from api.console.roles import Permission
from api.console.workflow import OPEN_STATUSES
from api.deps import RasaDep, SessionDep
from api.models import Case
from api.rasa_client import DialogueUnavailable
from api.routes.wechat import get_delivery
from api.services import takeover
from api.services.wechat_delivery import WeChatDelivery

router = console_router()

DeliveryDep = Annotated[WeChatDelivery, Depends(get_delivery)]


def _allowed(session: SessionDep, staff: Staff, reference: str, *needed: Permission, open_only: bool = True) -> Case:
    case_ = visible_case(session, staff, reference)
    if not all(staff.role.may(permission) for permission in needed):
        raise ConsoleDenied(403, "action_not_allowed")
    if open_only and case_.status not in OPEN_STATUSES:
        raise ConsoleDenied(409, "takeover_case_closed")
    return case_


def _back(case_: Case) -> Response:
    return redirect(f"/console/cases/{case_.reference}#takeover")


def _problem(case_: Case, text: str, status_code: int) -> HTMLResponse:
    # The resident's conversation is untouched; staff go back to the case and try again.
    return render("error.html", status_code=status_code, error=text, code="takeover", back=case_.reference)


@router.post("/cases/{reference}/takeover")
async def start_takeover(
    reference: str,
    staff: PostingStaffDep,
    session: SessionDep,
    rasa: RasaDep,
    delivery: DeliveryDep,
    clock: ClockDep,
    messages_: TextsDep,
) -> Response:
    case_ = _allowed(session, staff, reference, "take_over")
    try:
        await takeover.start(rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name)
    except DialogueUnavailable:
        return _problem(case_, messages_.messages.takeover_engine_down, 503)
    audit.record(session, action="takeover_start", at=clock(), user=staff.user, case=case_)
    return _back(case_)


@router.post("/cases/{reference}/takeover/messages")
async def send_message(
    reference: str,
    staff: PostingStaffDep,
    session: SessionDep,
    rasa: RasaDep,
    delivery: DeliveryDep,
    clock: ClockDep,
    messages_: TextsDep,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    case_ = _allowed(session, staff, reference, "take_over", "message_residents")
    try:
        # Writing without pressing 接管对话 first joins the conversation too.
        await takeover.start(rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name)
        await takeover.say(
            rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name, text=text
        )
    except takeover.TakeoverRefused:
        return _problem(case_, messages_.messages.takeover_message_refused, 400)
    except DialogueUnavailable:
        return _problem(case_, messages_.messages.takeover_engine_down, 503)
    audit.record(session, action="takeover_message", at=clock(), user=staff.user, case=case_)
    return _back(case_)


@router.post("/cases/{reference}/takeover/end")
async def end_takeover(
    reference: str,
    staff: PostingStaffDep,
    session: SessionDep,
    rasa: RasaDep,
    delivery: DeliveryDep,
    clock: ClockDep,
    messages_: TextsDep,
) -> Response:
    # Handing back stays possible after a case was closed: a conversation must not stay paused.
    case_ = _allowed(session, staff, reference, "take_over", open_only=False)
    try:
        await takeover.end(rasa, delivery, conversation_id=case_.conversation_id)
    except DialogueUnavailable:
        return _problem(case_, messages_.messages.takeover_engine_down, 503)
    audit.record(session, action="takeover_end", at=clock(), user=staff.user, case=case_)
    return _back(case_)
