"""A form submits only answers its validation let through (review L6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.forms.checked import CHECKED_SLOT
from actions.forms.mediation import ActionSubmitMediation, ValidateMediationForm
from casebook.models import Case

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]
DOMAIN: dict[str, Any] = {
    "forms": {"mediation_form": {"required_slots": ["privacy_consent", "applicant_name", "applicant_phone"]}},
    "slots": {},
}


def answers() -> dict[str, Any]:
    return {
        "privacy_consent": True,
        "applicant_name": "王秀兰",
        "applicant_phone": "13800138000",
        "other_party": "邻居张某",
        "dispute_type": runtime.mediation().match_dispute_type("邻里纠纷"),
        "dispute_place": "桃源镇杏花村",
        "dispute_summary": "邻居家盖房把排水沟堵了，下雨水流进我家院子",
        "mediation_request": "把排水沟恢复原样",
        "form_confirmed": True,
    }


def test_validation_records_the_values_it_let_through(turn: Turn, run: Run) -> None:
    _, slots = run(
        ValidateMediationForm(),
        turn(
            "13800138000",
            form="mediation_form",
            slots={CHECKED_SLOT: {"privacy_consent": True}},
            new={"applicant_phone": "138 0013 8000"},
        ),
        DOMAIN,
    )
    assert slots[CHECKED_SLOT] == {"privacy_consent": True, "applicant_phone": "13800138000"}


def test_an_answer_typed_while_the_bot_was_paused_is_asked_again_not_submitted(
    turn: Turn, run: Run, real_db: Engine
) -> None:
    filled = answers()
    checked = {k: v for k, v in filled.items()}
    filled["applicant_name"] = "<script>王</script>"  # reached the slot while staff had paused the bot
    messages, slots = run(ActionSubmitMediation(), turn("/affirm", "affirm", slots={**filled, CHECKED_SLOT: checked}))
    assert messages[0]["response"] == "utter_form_recheck"
    assert slots == {"applicant_name": None, "form_confirmed": None}
    with Session(real_db) as session:
        assert session.exec(select(Case)).all() == []


def test_answers_all_validated_are_submitted(turn: Turn, run: Run, real_db: Engine) -> None:
    filled = answers()
    messages, slots = run(
        ActionSubmitMediation(), turn("/affirm", "affirm", slots={**filled, CHECKED_SLOT: dict(filled)})
    )
    assert messages[0]["text"].startswith("已提交")
    assert slots[CHECKED_SLOT] is None  # its copies of the name and phone are cleared with them
    with Session(real_db) as session:
        assert session.exec(select(Case)).one().applicant_name == "王秀兰"
