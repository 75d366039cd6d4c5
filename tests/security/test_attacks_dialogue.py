"""The dialogue defends itself against typed `/intent{json}` payloads (review H1, H2, H3, L7).

The API turns typed commands into words, but Rasa's REST channel is reachable on loopback and
the API may have a bug: these attacks go straight to Rasa (with the token the API uses, as a
bypassed edge would), through the real trained model, Rasa server, action server and database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.rasa_client import RasaClient
from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseCreate, CaseKind, CaseStatus, LookupAttempt, Rating
from casebook.services.applications import SlotRequest, submit_application
from scripts.stack import Stack

pytestmark = pytest.mark.e2e
PHONE = "13800138000"


@pytest.fixture(scope="module")
def db(stack: Stack) -> Engine:
    engine = create_db_engine(stack.settings.database_url_absolute)
    init_db(engine)
    return engine


class Attacker:
    """Speaks to Rasa's REST channel directly, in one conversation (and, optionally, as a client)."""

    def __init__(self, stack: Stack, client: str | None = None):
        self.stack = stack
        self.sender = f"web-{uuid.uuid4().hex}"
        self.metadata = {"client": client} if client else None

    def say(self, message: str) -> str:
        async def send() -> list[dict[str, Any]]:
            rasa = RasaClient(self.stack.settings.rasa_url, timeout=60, auth_token=self.stack.settings.rasa_auth_token)
            try:
                return await rasa.send(self.sender, message, metadata=self.metadata)
            finally:
                await rasa.aclose()

        replies = asyncio.run(send())  # a 5xx (an action's crash) raises DialogueUnavailable
        return "\n".join(str(r.get("text") or "") for r in replies)


def cases_of(db: Engine, sender: str) -> list[Case]:
    with Session(db) as session:
        return list(session.exec(select(Case).where(Case.conversation_id == sender)).all())


def application(db: Engine, kind: CaseKind, slot: SlotRequest | None = None, phone: str = PHONE) -> str:
    data = CaseCreate(kind=kind, conversation_id=f"web-{uuid.uuid4().hex}", applicant_name="王秀兰", phone=phone)
    with Session(db) as session:
        case, _ = submit_application(session, data=data, slot=slot)
        return case.reference


def test_a_poisoned_area_neither_silences_a_handoff_nor_loses_the_danger_case(stack: Stack, db: Engine) -> None:
    attacker = Attacker(stack)
    attacker.say('/greet{"area": {"x": 1}}')
    handoff = attacker.say("/request_human")
    assert "登记编号" in handoff  # before: no reply at all, and no case
    emergency = attacker.say("/emergency")
    assert "110" in emergency and "已通知" in emergency
    assert sorted(c.kind for c in cases_of(db, attacker.sender)) == sorted([CaseKind.handoff, CaseKind.danger])
    long_area = Attacker(stack)
    long_area.say('/greet{"area": "' + "劳" * 40 + '"}')
    assert "登记编号" in long_area.say("我要转人工")


def test_a_mediation_case_cannot_be_closed_with_its_reference_and_phone(stack: Stack, db: Engine) -> None:
    reference = application(db, CaseKind.mediation)
    attacker = Attacker(stack)
    attacker.say("/check_status")
    attacker.say(reference)
    attacker.say(f'/cancel_booking{{"phone": "{PHONE}"}}')
    reply = attacker.say("/cancel_booking")
    assert "已取消" not in reply
    with Session(db) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
    assert case.status == CaseStatus.new


def test_the_owner_of_a_booking_can_still_look_it_up_and_cancel_it(stack: Stack, db: Engine) -> None:
    start = datetime.now().replace(second=0, microsecond=0) + timedelta(days=3)
    reference = application(db, CaseKind.lawyer, SlotRequest("lawyer-owner-test", start, start + timedelta(minutes=30)))
    owner = Attacker(stack)
    owner.say("查一下我的预约进度")
    owner.say(reference)
    status = owner.say(PHONE)
    assert reference in status
    assert "已取消" in owner.say("/cancel_booking")


def test_a_bare_phone_number_at_the_phone_question_is_the_answer_not_a_call_for_a_person(
    stack: Stack, db: Engine
) -> None:
    # The red team saw numbers like these read as 转人工: the lookup broke and a handoff case opened.
    for phone in ("13800130044", "13800130003", "159 1234 5678"):
        reference = application(db, CaseKind.mediation, phone=phone.replace(" ", ""))
        resident = Attacker(stack)
        resident.say("查一下我的申请进度")
        resident.say(reference)
        assert reference in resident.say(phone), phone
        assert cases_of(db, resident.sender) == []


def test_guessing_phones_for_a_reference_locks_the_lookup(stack: Stack, db: Engine) -> None:
    start = datetime.now().replace(second=0, microsecond=0) + timedelta(days=4)
    reference = application(db, CaseKind.lawyer, SlotRequest("lawyer-guess-test", start, start + timedelta(minutes=30)))
    guesser = Attacker(stack, client="c-00000000000000aa")

    def attempts() -> list[LookupAttempt]:
        with Session(db) as session:
            statement = select(LookupAttempt).where(LookupAttempt.conversation_id == guesser.sender)
            return list(session.exec(statement).all())

    # Five wrong phones (the NLU reads the odd bare number as something else: those are no lookup).
    for guess in range(12):
        if len(attempts()) == 5:
            break
        guesser.say("/check_status")
        guesser.say(reference)
        assert reference not in guesser.say(f"139{guess:04d}{guess:04d}")
    assert len(attempts()) == 5 and not any(a.found for a in attempts())
    guesser.say("/check_status")
    guesser.say(reference)
    locked = guesser.say(PHONE)  # the right phone, too late
    assert reference not in locked and "12348" in locked
    assert len(attempts()) == 5 and all(a.client == "c-00000000000000aa" for a in attempts())


def test_repeated_ratings_count_once(stack: Stack, db: Engine) -> None:
    rater = Attacker(stack)
    for score in ("1", "1", "1", "3"):
        assert "谢谢" in rater.say(f'/rate{{"rating": "{score}"}}')
    with Session(db) as session:
        ratings = session.exec(select(Rating).where(Rating.conversation_id == rater.sender)).all()
    assert [r.score for r in ratings] == [3]


def test_forged_entity_types_never_crash_an_action(stack: Stack) -> None:
    attacker = Attacker(stack)
    assert "谢谢" in attacker.say('/rate{"rating": {"x": 1}}')
    attacker.say("/request_mediation")
    attacker.say("/affirm")
    reply = attacker.say('/correct_previous{"correction_field": {"a": 1}, "phone": [1, 2]}')
    assert "您想修改哪一项" in reply and "系统出了点问题" not in reply  # before: the action crashed
    attacker.say("/check_status")
    assert attacker.say('/cancel_booking{"phone": {"x": 1}}').strip()


def test_a_typed_restart_neither_ends_a_takeover_nor_wipes_the_conversation(
    stack: Stack, rasa_direct: Callable[[Any], Any]
) -> None:
    attacker = Attacker(stack)
    attacker.say("我要转人工")
    rasa_direct(lambda rasa: rasa.append_events(attacker.sender, [{"event": "pause"}]))  # staff take over
    for attack in ("/restart", "/back"):
        attacker.say(attack)
    after = rasa_direct(lambda rasa: rasa.tracker(attacker.sender))  # Rasa's default: events after the last restart
    assert after["paused"] is True  # before: /restart ended the takeover
    assert "我要转人工" in [e.get("text") for e in after["events"] if e.get("event") == "user"]
    assert after["slots"]["handoff_reference"]


def test_an_honest_residents_form_is_submitted_without_being_asked_twice(stack: Stack, db: Engine) -> None:
    # The submit re-checks every answer against what the form validated: a resident who only
    # answered the form (and corrected one answer) is not asked anything again.
    resident = Attacker(stack)
    for answer in ("邻居占了我家的路，我想申请调解", "同意", "王秀兰", "13800138000", "隔壁邻居张某", "邻里纠纷"):
        resident.say(answer)
    resident.say("桃源镇杏花村")
    resident.say("他盖房占了我家出门的路，说了好几次都不改")
    assert "请核对" in resident.say("把路让出来")
    assert "13912345678" in resident.say("电话填错了，是13912345678")
    submitted = resident.say("确认")
    assert "已提交" in submitted and "再确认" not in submitted
    [case] = cases_of(db, resident.sender)
    assert case.kind == CaseKind.mediation and case.phone == "13912345678"
