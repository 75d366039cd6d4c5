"""Console routes to take over a resident's live conversation, reply in it, and hand it back.

Any member of staff who may see the case may take over its conversation; each step is audited.
The work itself is in api/services/takeover.py.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Annotated

import yaml
from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from api.console import audit, casework
from api.console.deps import ClockDep, ConsoleDenied, PostingStaffDep, Staff
from api.console.routes import PAGE_HEADERS, ConsoleRoute
from api.deps import RasaDep, SessionDep
from api.models import Case
from api.rasa_client import DialogueUnavailable
from api.routes.wechat import get_delivery
from api.services import takeover
from api.services.wechat_delivery import WeChatDelivery

# The console's route class turns "not signed in" into the sign-in page and refusals into error pages.
router = APIRouter(prefix="/console", tags=["console"], route_class=ConsoleRoute, include_in_schema=False)

TEXTS_FILE = Path(__file__).with_name("takeover.yml")


class TakeoverTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine_down: str
    message_refused: str


@cache
def takeover_texts(path: Path = TEXTS_FILE) -> TakeoverTexts:
    return TakeoverTexts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


DeliveryDep = Annotated[WeChatDelivery, Depends(get_delivery)]


def _visible(session: SessionDep, staff: Staff, reference: str) -> Case:
    found = casework.visible_case(session, role=staff.role, reference=reference)
    if found is None:
        raise ConsoleDenied(404, "case_not_found")
    return found


def _back(case_: Case) -> RedirectResponse:
    return RedirectResponse(f"/console/cases/{case_.reference}#takeover", status_code=303, headers=PAGE_HEADERS)


def _problem(case_: Case, text: str, status_code: int) -> HTMLResponse:
    # A short page: the resident's conversation is untouched; staff go back and try again.
    back = f"/console/cases/{case_.reference}#takeover"
    body = f'<p role="alert">{html.escape(text)}</p><p><a href="{back}">返回案件</a></p>'
    return HTMLResponse(body, status_code, headers=PAGE_HEADERS)


@router.post("/cases/{reference}/takeover")
async def start_takeover(
    reference: str, staff: PostingStaffDep, session: SessionDep, rasa: RasaDep, delivery: DeliveryDep, clock: ClockDep
) -> Response:
    case_ = _visible(session, staff, reference)
    try:
        await takeover.start(rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name)
    except DialogueUnavailable:
        return _problem(case_, takeover_texts().engine_down, 503)
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
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    case_ = _visible(session, staff, reference)
    try:
        # Writing without pressing 接管对话 first joins the conversation too.
        await takeover.start(rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name)
        await takeover.say(
            rasa, delivery, conversation_id=case_.conversation_id, staff_name=staff.user.display_name, text=text
        )
    except takeover.TakeoverRefused:
        return _problem(case_, takeover_texts().message_refused, 400)
    except DialogueUnavailable:
        return _problem(case_, takeover_texts().engine_down, 503)
    audit.record(session, action="takeover_message", at=clock(), user=staff.user, case=case_)
    return _back(case_)


@router.post("/cases/{reference}/takeover/end")
async def end_takeover(
    reference: str, staff: PostingStaffDep, session: SessionDep, rasa: RasaDep, delivery: DeliveryDep, clock: ClockDep
) -> Response:
    case_ = _visible(session, staff, reference)
    try:
        await takeover.end(rasa, delivery, conversation_id=case_.conversation_id)
    except DialogueUnavailable:
        return _problem(case_, takeover_texts().engine_down, 503)
    audit.record(session, action="takeover_end", at=clock(), user=staff.user, case=case_)
    return _back(case_)
