"""The service forms as the action server runs them: real data, real database, Rasa's domain.

Each test plays one turn: the slots the form has, the value the resident's message set, and
what the validation or submit action then says and records.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.forms import slots as bookable
from actions.forms.checked import CHECKED_SLOT
from actions.forms.control import ActionAskFormConfirmed, ActionCorrectForm, ActionStopForm
from actions.forms.lawyer import ActionSubmitLawyer, ValidateLawyerForm, free_sessions
from actions.forms.legal_aid import ActionSubmitLegalAid, ValidateLegalAidForm
from actions.forms.mediation import ActionSubmitMediation, ValidateMediationForm
from actions.forms.notarization import ActionSubmitNotarization, ValidateNotarizationForm
from actions.forms.status import ActionCancelBooking, ActionCheckStatus
from actions.handoff import ActionFlagDanger
from casebook.models import Booking, BookingStatus, Case, CaseKind
from knowledge.consultant import Consultant

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "bot" / "domain"
NOW = datetime(2030, 3, 4, 8, 0)  # a Monday morning before opening


def load_domain() -> dict[str, Any]:
    merged: dict[str, Any] = {"slots": {}, "forms": {}, "responses": {}}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in merged:
            merged[key].update(data.get(key) or {})
    return merged


DOMAIN = load_domain()


def turn(
    form: str | None,
    slots: dict[str, Any],
    new: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "nlu_fallback",
    entities: list[dict[str, Any]] | None = None,
    sender: str = "resident-1",
) -> Tracker:
    """A tracker right after the resident's message: `new` are the slots that message set."""
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "input_channel": "rest"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (new or {}).items()]
    return Tracker(
        sender_id=sender,
        slots={**slots, **(new or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return dispatcher.messages, slots, events


def validated(slots: dict[str, Any]) -> dict[str, Any]:
    """Slots as the form's validation left them: each answer recorded as checked."""
    return {**slots, CHECKED_SLOT: {k: v for k, v in slots.items() if v is not None}}


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("response") or "" for m in messages]


@pytest.fixture(autouse=True)
def real_resources(monkeypatch: pytest.MonkeyPatch, engine: Engine, consultant: Consultant) -> None:
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    monkeypatch.setattr(runtime, "consultant", lambda: consultant)
    monkeypatch.setattr(bookable, "local_now", lambda: NOW)
    for module in ("actions.forms.lawyer", "actions.forms.notarization"):
        monkeypatch.setattr(f"{module}.local_now", lambda: NOW)


MEDIATION = {
    "privacy_consent": True,
    "applicant_name": "王秀兰",
    "applicant_phone": "13800138000",
    "other_party": "隔壁邻居张某",
    "dispute_type": None,
    "dispute_place": "桃源镇杏花村",
    "dispute_summary": "邻居家盖房把排水沟堵了，下雨水流进我家院子，说了几次不改",
    "mediation_request": "把排水沟恢复原样",
    "form_confirmed": True,
}


def mediation_filled() -> dict[str, Any]:
    slots = dict(MEDIATION)
    slots["dispute_type"] = runtime.mediation().match_dispute_type("邻里纠纷")
    assert slots["dispute_type"] is not None
    return validated(slots)


# --- consent ------------------------------------------------------------------------------------


def test_refusing_consent_ends_the_form_kindly_and_collects_nothing(engine: Engine) -> None:
    messages, slots, _ = run(
        ValidateMediationForm(), turn("mediation_form", {}, {"privacy_consent": False}, intent="deny")
    )
    assert responses(messages) == ["utter_consent_refused"]
    assert slots["requested_slot"] is None  # the form is over
    messages, slots, _ = run(ActionSubmitMediation(), turn(None, {"privacy_consent": False}))
    assert messages == [] and slots == {"privacy_consent": None}
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []


def test_after_consent_the_form_asks_for_the_name() -> None:
    _, slots, _ = run(ValidateMediationForm(), turn("mediation_form", {}, {"privacy_consent": True}, intent="affirm"))
    assert slots == {
        "privacy_consent": True,
        "requested_slot": "applicant_name",
        CHECKED_SLOT: {"privacy_consent": True},
    }


# --- validation -------------------------------------------------------------------------------


def test_a_wrong_phone_number_is_asked_again_with_a_reason() -> None:
    known = {"privacy_consent": True, "applicant_name": "王秀兰"}
    messages, slots, _ = run(ValidateMediationForm(), turn("mediation_form", known, {"applicant_phone": "12345"}))
    assert responses(messages) == ["utter_invalid_phone"]
    assert slots["applicant_phone"] is None and slots["requested_slot"] == "applicant_phone"


def test_a_negative_income_is_refused() -> None:
    known = {
        "privacy_consent": True,
        "legal_aid_matter": runtime.legal_aid().match_matter("老板拖欠工资"),
        "legal_aid_status": "none",
        "has_lawyer": False,
        "household_size": 3,
    }
    messages, slots, _ = run(ValidateLegalAidForm(), turn("legal_aid_form", known, {"monthly_income": "负五元"}))
    assert responses(messages) == ["utter_invalid_income"]
    assert slots["monthly_income"] is None


def test_a_dispute_type_in_the_residents_words_is_understood() -> None:
    known = {k: MEDIATION[k] for k in ("privacy_consent", "applicant_name", "applicant_phone", "other_party")}
    messages, slots, _ = run(
        ValidateMediationForm(), turn("mediation_form", known, {"dispute_type": "邻居家漏水把我家淹了"})
    )
    assert messages == [] and slots["dispute_type"] is not None
    assert slots["requested_slot"] == "dispute_place"


def test_a_criminal_matter_is_not_taken_for_mediation_and_the_resident_is_told_where_to_go() -> None:
    known = {
        k: v
        for k, v in mediation_filled().items()
        if k not in ("dispute_summary", "mediation_request", "form_confirmed")
    }
    messages, slots, _ = run(
        ValidateMediationForm(),
        turn("mediation_form", known, {"dispute_summary": "他把我打成重伤住院了，想调解一下赔偿"}),
    )
    assert slots["mediation_excluded"] and slots["requested_slot"] is None
    assert "派出所" in messages[0]["text"] or "公安" in messages[0]["text"]


# --- legal aid --------------------------------------------------------------------------------


def test_a_presumed_hardship_status_skips_the_income_questions() -> None:
    rules = runtime.legal_aid()
    status = next(iter(rules.match_statuses("我是低保户")))
    known = {
        "privacy_consent": True,
        "legal_aid_matter": rules.match_matter("老板拖欠工资"),
        "legal_aid_status": status,
    }
    _, slots, _ = run(ValidateLegalAidForm(), turn("legal_aid_form", known, {"has_lawyer": False}, intent="deny"))
    assert slots["requested_slot"] == "legal_aid_urgent"


def test_without_a_status_the_form_asks_about_the_household() -> None:
    known = {
        "privacy_consent": True,
        "legal_aid_matter": runtime.legal_aid().match_matter("老板拖欠工资"),
        "legal_aid_status": "none",
    }
    _, slots, _ = run(ValidateLegalAidForm(), turn("legal_aid_form", known, {"has_lawyer": False}, intent="deny"))
    assert slots["requested_slot"] == "household_size"


def test_the_precheck_result_comes_with_its_reasons_and_the_office_decides(engine: Engine) -> None:
    rules = runtime.legal_aid()
    known = {
        "privacy_consent": True,
        "legal_aid_matter": rules.match_matter("老板拖欠工资"),
        "legal_aid_status": "none",
        "has_lawyer": False,
        "household_size": 3,
        "monthly_income": "1500",
    }
    messages, slots, _ = run(ValidateLegalAidForm(), turn("legal_aid_form", known, {"legal_aid_urgent": "不紧急"}))
    assert slots["legal_aid_urgent"] == "none" and slots["requested_slot"] == "applicant_name"
    result_text = messages[0]["text"]
    assert "法律援助法" in result_text and "12348" in result_text
    filled = {
        **known,
        "legal_aid_urgent": "none",
        "applicant_name": "李建国",
        "applicant_phone": "13900139000",
        "form_confirmed": True,
    }
    messages, _, _ = run(ActionSubmitLegalAid(), turn(None, validated(filled)))
    assert messages[0]["text"].startswith("已提交") and "FY" in messages[0]["text"]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.kind == CaseKind.legal_aid and case.details["verdict"] == "likely_eligible"
    assert case.details["matter"] == "请求支付劳动报酬（讨要工资）" and case.details["status"] == "无"


# --- mediation submission -----------------------------------------------------------------------


def test_a_mediation_intake_is_recorded_once_routed_to_a_committee_with_next_steps(engine: Engine) -> None:
    filled = mediation_filled()
    messages, slots, _ = run(ActionSubmitMediation(), turn(None, filled))
    assert messages[0]["text"].startswith("已提交")
    assert messages[0]["custom"]["receipt"] == {"reference": slots["submitted_reference"], "service": "人民调解申请"}
    assert "utter_mediation_next_steps" in responses(messages)
    assert slots["submitted_reference"].startswith("TJ") and slots["applicant_phone"] is None  # personal data cleared
    again, _, _ = run(ActionSubmitMediation(), turn(None, filled))
    assert "已经提交过" in again[0]["text"]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.details["committee"] and case.details["dispute_place"] == "桃源镇杏花村"
    assert case.phone == "13800138000" and case.applicant_name == "王秀兰"


def test_the_summary_lists_every_answer_in_words() -> None:
    messages, _, _ = run(ActionAskFormConfirmed(), turn("mediation_form", mediation_filled()))
    text = messages[0]["text"]
    assert "王秀兰" in text and "13800138000" in text and "桃源镇杏花村" in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["确认提交", "修改", "不办了"]


# --- correction, stop, danger -------------------------------------------------------------------


def test_saying_the_phone_was_wrong_asks_for_it_again() -> None:
    _, slots, _ = run(
        ActionCorrectForm(), turn("mediation_form", mediation_filled(), text="电话填错了", intent="correct_previous")
    )
    assert slots == {"form_confirmed": None, "applicant_phone": None, "requested_slot": "applicant_phone"}


def test_a_correction_with_the_new_number_takes_it_at_once() -> None:
    entity = [{"entity": "phone", "value": "13912345678"}]
    _, slots, _ = run(
        ActionCorrectForm(),
        turn(
            "mediation_form",
            mediation_filled(),
            text="电话填错了，是13912345678",
            intent="correct_previous",
            entities=entity,
        ),
    )
    assert slots["form_confirmed"] is None and slots["applicant_phone"] == "13912345678"
    assert slots[CHECKED_SLOT]["applicant_phone"] == "13912345678"  # checked by the correction itself


def test_an_unclear_correction_asks_which_answer_to_change() -> None:
    messages, slots, _ = run(
        ActionCorrectForm(), turn("mediation_form", mediation_filled(), text="刚才写错了", intent="correct_previous")
    )
    assert slots == {}
    assert "王秀兰" not in messages[0]["text"] and any(b["title"] == "电话" for b in messages[0]["buttons"])


def test_stopping_keeps_the_answers_for_later() -> None:
    messages, slots, events = run(
        ActionStopForm(), turn("mediation_form", mediation_filled(), text="不办了", intent="stop")
    )
    assert responses(messages) == ["utter_form_stopped"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert slots == {"requested_slot": None}


def test_danger_in_the_middle_of_a_form_leaves_the_form_and_gives_the_emergency_numbers() -> None:
    messages, _, events = run(
        ActionFlagDanger(), turn("legal_aid_form", {"privacy_consent": True}, text="他拿刀冲过来了", intent="emergency")
    )
    assert responses(messages)[0] == "utter_emergency"
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


# --- notarization -------------------------------------------------------------------------------


def test_naming_a_notarization_matter_gives_its_guidance() -> None:
    messages, slots, _ = run(
        ValidateNotarizationForm(), turn("notarization_form", {}, {"notary_matter": "我爸去世了，房子要过户给我"})
    )
    assert slots["notary_matter"] == runtime.notary().match("继承房产")[0].id
    assert "15个工作日" in messages[0]["text"] and slots["requested_slot"] == "notary_booking"


def test_a_matter_named_in_the_opening_message_is_not_asked_again() -> None:
    opening = turn("notarization_form", {}, text="遗嘱公证要带什么", intent="request_notarization")
    messages, slots, _ = run(ValidateNotarizationForm(), opening)
    assert slots["notary_matter"] == runtime.notary().match("遗嘱")[0].id
    assert "15个工作日" in messages[0]["text"] and slots["requested_slot"] == "notary_booking"


def test_an_opening_message_naming_no_matter_leaves_the_question_to_the_form() -> None:
    messages, slots, _ = run(ValidateNotarizationForm(), turn("notarization_form", {}, text="我想办个公证"))
    assert "notary_matter" not in slots and messages == []
    assert slots["requested_slot"] == "notary_matter"


def test_guidance_without_an_appointment_records_nothing(engine: Engine) -> None:
    matter = runtime.notary().matters[0].id
    _, slots, _ = run(
        ValidateNotarizationForm(),
        turn("notarization_form", {"notary_matter": matter}, {"notary_booking": False}, intent="deny"),
    )
    assert slots["requested_slot"] is None
    messages, _, _ = run(ActionSubmitNotarization(), turn(None, {"notary_matter": matter, "notary_booking": False}))
    assert responses(messages) == ["utter_notary_no_booking"]
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []


def test_a_notarization_appointment_is_booked_in_opening_hours(engine: Engine) -> None:
    matter = runtime.notary().matters[0].id
    known = {
        "notary_matter": matter,
        "notary_booking": True,
        "privacy_consent": True,
        "applicant_name": "赵敏",
        "applicant_phone": "13700137000",
    }
    first_free = bookable.free_desk_slots(NOW, 1)[0]
    _, slots, _ = run(ValidateNotarizationForm(), turn("notarization_form", known, {"notary_slot": "最近的空档"}))
    assert slots["notary_slot"] == f"{first_free:%Y-%m-%dT%H:%M}"
    messages, _, _ = run(
        ValidateNotarizationForm(), turn("notarization_form", known, {"notary_slot": "2030-03-04 03:00"})
    )
    assert responses(messages) == ["utter_invalid_slot"]  # the office is closed at 3 a.m.
    messages, _, _ = run(
        ActionSubmitNotarization(),
        turn(None, validated({**known, "notary_slot": slots["notary_slot"], "form_confirmed": True})),
    )
    assert "utter_notary_booked" in responses(messages)
    with Session(engine) as session:
        assert session.exec(select(Booking)).one().start == first_free
    assert first_free not in bookable.free_desk_slots(NOW, 50)


# --- lawyer sessions ----------------------------------------------------------------------------


def lawyer_filled(slot: str, phone: str = "13600136000") -> dict[str, Any]:
    return validated(
        {
            "privacy_consent": True,
            "lawyer_topic": "公司拖欠三个月工资，想问怎么仲裁",
            "lawyer_slot": slot,
            "applicant_name": "陈师傅",
            "applicant_phone": phone,
            "form_confirmed": True,
        }
    )


def test_a_lawyer_session_is_booked_with_a_room_link_and_how_to_cancel(engine: Engine) -> None:
    free = free_sessions(NOW, None, 1)[0]
    chosen = f"{free.adviser_id}@{free.start:%Y-%m-%dT%H:%M}"
    _, slots, _ = run(
        ValidateLawyerForm(),
        turn("lawyer_form", {"privacy_consent": True, "lawyer_topic": "欠薪"}, {"lawyer_slot": chosen}),
    )
    assert slots["lawyer_slot"] == chosen
    messages, _, _ = run(ActionSubmitLawyer(), turn(None, lawyer_filled(chosen)))
    receipt = messages[0]["custom"]["receipt"]
    with Session(engine) as session:
        booking = session.exec(select(Booking)).one()
    assert booking.resource_id == free.adviser_id and receipt["service"] == "预约律师远程咨询"
    # The room is the booking's own 128-bit token, not the reference printed on the receipt.
    assert booking.room is not None and re.fullmatch(r"[0-9a-f]{32}", booking.room)
    assert receipt["join_url"].endswith(booking.room) and receipt["reference"].lower() not in receipt["join_url"]
    assert booking.room in messages[1]["text"] and "取消预约" in messages[1]["text"]


def test_a_slot_someone_else_just_took_sends_the_resident_back_to_choose() -> None:
    free = free_sessions(NOW, None, 1)[0]
    chosen = f"{free.adviser_id}@{free.start:%Y-%m-%dT%H:%M}"
    run(ActionSubmitLawyer(), turn(None, lawyer_filled(chosen), sender="first"))
    messages, slots, events = run(
        ActionSubmitLawyer(), turn(None, lawyer_filled(chosen, "13500135000"), sender="second")
    )
    assert responses(messages) == ["utter_slot_taken"]
    assert slots == {"lawyer_slot": None, "form_confirmed": None}
    assert {"event": "followup", "name": "lawyer_form", "timestamp": None} in events
    assert free not in free_sessions(NOW, None, 100)


def test_a_time_outside_the_rosters_hours_is_refused() -> None:
    adviser = runtime.roster().advisers[0].id
    messages, slots, _ = run(
        ValidateLawyerForm(), turn("lawyer_form", {}, {"lawyer_slot": f"{adviser}@2030-03-04T03:00"})
    )
    assert responses(messages) == ["utter_invalid_slot"] and slots["lawyer_slot"] is None


# --- status and cancellation --------------------------------------------------------------------


def test_status_is_shown_with_the_right_phone_and_a_booking_can_be_cancelled(engine: Engine) -> None:
    free = free_sessions(NOW, None, 1)[0]
    chosen = f"{free.adviser_id}@{free.start:%Y-%m-%dT%H:%M}"
    _, booked, _ = run(ActionSubmitLawyer(), turn(None, lawyer_filled(chosen)))
    reference = booked["submitted_reference"]
    messages, _slots, _ = run(
        ActionCheckStatus(), turn(None, {"status_reference": reference, "status_phone": "13600136000"})
    )
    assert reference in messages[0]["text"] and "等待工作人员受理" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/cancel_booking"
    messages, _, _ = run(
        ActionCancelBooking(),
        turn(None, {"status_reference": reference, "status_phone": "13600136000", **_slots}),
    )
    assert "已取消" in messages[0]["text"]
    with Session(engine) as session:
        assert session.exec(select(Booking)).one().status == BookingStatus.cancelled


def test_status_with_a_wrong_phone_reveals_nothing() -> None:
    _, booked, _ = run(ActionSubmitMediation(), turn(None, mediation_filled()))
    messages, slots, _ = run(
        ActionCheckStatus(),
        turn(None, {"status_reference": booked["submitted_reference"], "status_phone": "13900000000"}),
    )
    assert responses(messages) == ["utter_status_not_found"]
    assert slots == {"status_reference": None, "status_phone": None, "status_verified": None}


def test_cancelling_without_a_lookup_asks_for_one_first() -> None:
    messages, _, _ = run(ActionCancelBooking(), turn(None, {}, text="取消预约", intent="cancel_booking"))
    assert messages[0]["buttons"][0]["payload"] == "/check_status"


def test_every_form_slot_has_a_question() -> None:
    asks = set(DOMAIN["responses"]) | {
        a.removeprefix("action_")
        for a in yaml.safe_load((DOMAIN_DIR / "forms.yml").read_text(encoding="utf-8"))["actions"]
    }
    for form in DOMAIN["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_ask_{slot}" in asks or f"ask_{slot}" in asks, slot


def test_bookings_are_not_offered_in_the_past() -> None:
    assert all(s.start > NOW for s in free_sessions(NOW, None, 20))
    assert all(start > NOW for start in bookable.free_desk_slots(NOW, 20))
    assert bookable.free_desk_slots(NOW, 1)[0] < NOW + timedelta(days=3)


def test_danger_written_into_a_form_answer_is_heard_first_and_flagged(engine: Engine) -> None:
    answer = "他刚才又动手打我了，我躲在邻居家"
    tracker = turn("mediation_form", {"privacy_consent": True}, {"dispute_summary": answer}, text=answer)
    messages, _, _ = run(ValidateMediationForm(), tracker)
    assert responses(messages)[0] == "utter_emergency"
    assert "人身安全保护令" in messages[1]["text"]
    assert "utter_emergency_flagged" in responses(messages)
    with Session(engine) as session:
        assert [c.kind for c in session.exec(select(Case)).all()] == [CaseKind.danger]
