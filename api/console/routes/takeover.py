"""Console routes to take over a resident's live conversation, reply in it, and hand it back.

Taking over and handing back need the role's take_over permission, writing to the resident
message_residents (roles.yml); both only on open cases of a kind the role sees, and only for roles
that see personal data (residents tell a person their details). Each step is audited. The work
itself is in api/services/takeover.py.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import Form
from fastapi.responses import HTMLResponse, Response

from api.console.case_page import visible_case
from api.console.deps import ConsoleContext, ConsoleDenied, PostingDep
from api.console.pages import console_router, redirect, render
from api.console.roles import Permission
from api.console.workflow import OPEN_STATUSES
from api.deps import DeliveryDep, RasaDep
from api.rasa_client import DialogueUnavailable
from api.services import takeover
from casebook import audit
from casebook.models import Case

router = console_router()


def _allowed(context: ConsoleContext, reference: str, *needed: Permission, open_only: bool = True) -> Case:
    case_ = visible_case(context.session, context.staff, reference)
    context.staff.require(*needed)
    if open_only and case_.status not in OPEN_STATUSES:
        raise ConsoleDenied(409, "takeover_case_closed")
    return case_


def _problem(case_: Case, text: str, status_code: int) -> HTMLResponse:
    # The resident's conversation is untouched; staff go back to the case and try again.
    return render("error.html", status_code=status_code, error=text, code="takeover", back=case_.reference)


async def _step(context: ConsoleContext, case_: Case, action: str, step: Awaitable[None]) -> Response:
    """One step in the resident's conversation, audited as `action`; then back to the case."""
    texts = context.texts.messages
    try:
        await step
    except takeover.TakeoverRefused:
        return _problem(case_, texts.takeover_message_refused, 400)
    except DialogueUnavailable:
        return _problem(case_, texts.takeover_engine_down, 503)
    audit.record(context.session, action=action, at=context.clock(), user=context.staff.user, case=case_)
    return redirect(f"/console/cases/{case_.reference}#takeover")


@router.post("/cases/{reference}/takeover")
async def start_takeover(reference: str, context: PostingDep, rasa: RasaDep, delivery: DeliveryDep) -> Response:
    case_ = _allowed(context, reference, "take_over")
    staff_name = context.staff.user.display_name
    joining = takeover.start(rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff_name)
    return await _step(context, case_, "takeover_start", joining)


@router.post("/cases/{reference}/takeover/messages")
async def send_message(
    reference: str,
    context: PostingDep,
    rasa: RasaDep,
    delivery: DeliveryDep,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    case_ = _allowed(context, reference, "take_over", "message_residents")
    conversation_id, staff_name = case_.conversation_id, context.staff.user.display_name

    async def join_and_say() -> None:
        # Writing without pressing 接管对话 first joins the conversation too.
        await takeover.start(rasa, delivery, conversation_id=conversation_id, staff_name=staff_name)
        await takeover.say(rasa, delivery, conversation_id=conversation_id, staff_name=staff_name, text=text)

    return await _step(context, case_, "takeover_message", join_and_say())


@router.post("/cases/{reference}/takeover/end")
async def end_takeover(reference: str, context: PostingDep, rasa: RasaDep, delivery: DeliveryDep) -> Response:
    # Handing back stays possible after a case was closed: a conversation must not stay paused.
    case_ = _allowed(context, reference, "take_over", open_only=False)
    handing_back = takeover.end(rasa, delivery, conversation_id=case_.conversation_id)
    return await _step(context, case_, "takeover_end", handing_back)
