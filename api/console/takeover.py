"""Console routes to take over a resident's live conversation, reply in it, and hand it back.

Taking over and handing back need the role's take_over permission, writing to the resident
message_residents (roles.yml); both only on open cases of a kind the role sees, and only for roles
that see personal data (residents tell a person their details). Each step is audited. The work
itself is in api/services/takeover.py.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.console.case_page import visible_case
from api.console.deps import Clock, ClockDep, ConsoleDenied, PostingStaffDep, Staff, TextsDep
from api.console.pages import console_router, redirect, render
from api.console.roles import Permission
from api.console.texts import Texts
from api.console.workflow import OPEN_STATUSES
from api.deps import RasaDep, SessionDep
from api.rasa_client import DialogueUnavailable, RasaClient
from api.routes.wechat import get_delivery
from api.services import takeover
from api.services.wechat_delivery import WeChatDelivery
from casebook import audit
from casebook.models import Case

router = console_router()

DeliveryDep = Annotated[WeChatDelivery, Depends(get_delivery)]


@dataclass(frozen=True)
class TakeoverInputs:
    """What every takeover step works with, besides the case and who takes it over."""

    session: Session
    rasa: RasaClient
    delivery: WeChatDelivery
    clock: Clock
    messages_: Texts


def takeover_inputs(
    session: SessionDep, rasa: RasaDep, delivery: DeliveryDep, clock: ClockDep, messages_: TextsDep
) -> TakeoverInputs:
    return TakeoverInputs(session, rasa, delivery, clock, messages_)


TakeoverDep = Annotated[TakeoverInputs, Depends(takeover_inputs)]


def _allowed(session: Session, staff: Staff, reference: str, *needed: Permission, open_only: bool = True) -> Case:
    case_ = visible_case(session, staff, reference)
    if not all(staff.role.may(permission) for permission in needed):
        raise ConsoleDenied(403, "action_not_allowed")
    if open_only and case_.status not in OPEN_STATUSES:
        raise ConsoleDenied(409, "takeover_case_closed")
    return case_


def _problem(case_: Case, text: str, status_code: int) -> HTMLResponse:
    # The resident's conversation is untouched; staff go back to the case and try again.
    return render("error.html", status_code=status_code, error=text, code="takeover", back=case_.reference)


async def _step(inputs: TakeoverInputs, staff: Staff, case_: Case, action: str, step: Awaitable[None]) -> Response:
    """One step in the resident's conversation, audited as `action`; then back to the case."""
    texts = inputs.messages_.messages
    try:
        await step
    except takeover.TakeoverRefused:
        return _problem(case_, texts.takeover_message_refused, 400)
    except DialogueUnavailable:
        return _problem(case_, texts.takeover_engine_down, 503)
    audit.record(inputs.session, action=action, at=inputs.clock(), user=staff.user, case=case_)
    return redirect(f"/console/cases/{case_.reference}#takeover")


@router.post("/cases/{reference}/takeover")
async def start_takeover(reference: str, staff: PostingStaffDep, inputs: TakeoverDep) -> Response:
    case_ = _allowed(inputs.session, staff, reference, "take_over")
    joining = takeover.start(
        inputs.rasa, inputs.delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name
    )
    return await _step(inputs, staff, case_, "takeover_start", joining)


@router.post("/cases/{reference}/takeover/messages")
async def send_message(
    reference: str,
    staff: PostingStaffDep,
    inputs: TakeoverDep,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    case_ = _allowed(inputs.session, staff, reference, "take_over", "message_residents")
    conversation_id, staff_name = case_.conversation_id, staff.user.display_name

    async def join_and_say() -> None:
        # Writing without pressing 接管对话 first joins the conversation too.
        await takeover.start(inputs.rasa, inputs.delivery, conversation_id=conversation_id, staff_name=staff_name)
        await takeover.say(
            inputs.rasa, inputs.delivery, conversation_id=conversation_id, staff_name=staff_name, text=text
        )

    return await _step(inputs, staff, case_, "takeover_message", join_and_say())


@router.post("/cases/{reference}/takeover/end")
async def end_takeover(reference: str, staff: PostingStaffDep, inputs: TakeoverDep) -> Response:
    # Handing back stays possible after a case was closed: a conversation must not stay paused.
    case_ = _allowed(inputs.session, staff, reference, "take_over", open_only=False)
    handing_back = takeover.end(inputs.rasa, inputs.delivery, conversation_id=case_.conversation_id)
    return await _step(inputs, staff, case_, "takeover_end", handing_back)
