"""Every action answers the resident even when it fails, and logs nothing of theirs."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session, select

import actions
from actions import runtime
from actions.forms.mediation import ValidateMediationForm
from actions.guard import FAILED_RESPONSE, GUARD_MARK, guarded
from actions.handoff import ActionFlagDanger, ActionRequestHuman
from casebook.models import Case, CaseKind

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]
SAFEGUARDS = Path(__file__).resolve().parents[3] / "bot" / "domain" / "safeguards.yml"


def all_actions() -> list[type[Action]]:
    for module in pkgutil.walk_packages(actions.__path__, "actions."):
        if module.name != "actions.server":
            importlib.import_module(module.name)
    found: list[type[Action]] = []
    pending = list(Action.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls):
            found.append(cls)
    return found


def test_every_action_of_the_server_runs_behind_the_guard() -> None:
    names = {cls().name(): cls for cls in all_actions()}
    assert {"action_flag_danger", "action_request_human", "validate_mediation_form"} <= set(names)
    unguarded = [name for name, cls in names.items() if not getattr(cls.run, GUARD_MARK, False)]
    assert unguarded == []


class Exploding(Action):
    def name(self) -> str:
        return "action_exploding"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[Any]:
        dispatcher.utter_message(response="utter_emergency")
        raise ValueError("王秀兰 13800138000 typed this")


def test_a_failing_action_keeps_what_it_said_tells_the_resident_and_logs_no_personal_data(
    turn: Turn, run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        messages, slots = run(Exploding(), turn("我叫王秀兰，电话13800138000"))
    assert [m["response"] for m in messages] == ["utter_emergency", FAILED_RESPONSE]
    assert slots == {}
    assert "action_exploding" in caplog.text and "ValueError" in caplog.text
    assert "13800138000" not in caplog.text and "王秀兰" not in caplog.text


def test_the_failure_reply_offers_the_hotline_and_a_person() -> None:
    reply = yaml.safe_load(SAFEGUARDS.read_text(encoding="utf-8"))["responses"][FAILED_RESPONSE][0]
    assert "12348" in reply["text"] and "110" in reply["text"]
    assert {"title": "转人工", "payload": "/request_human"} in reply["buttons"]


def test_a_failing_validation_rejects_this_turns_answers_instead_of_keeping_them_unchecked(
    turn: Turn, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(ValidateMediationForm, "validate_applicant_phone", broken)
    messages, slots = run(
        ValidateMediationForm(),
        turn("13800138000", form="mediation_form", new={"applicant_phone": "13800138000"}),
        {"forms": {"mediation_form": {"required_slots": ["applicant_phone"]}}, "slots": {}},
    )
    assert messages[-1]["response"] == FAILED_RESPONSE
    assert slots == {"applicant_phone": None}


def test_the_danger_advice_stands_when_recording_the_danger_case_fails(
    turn: Turn, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_engine() -> Any:
        raise OSError("disk gone")

    monkeypatch.setattr(runtime, "engine", broken_engine)
    messages, _ = run(ActionFlagDanger(), turn("他拿刀要砍我", "emergency"))
    assert messages[0]["response"] == "utter_emergency"
    assert messages[-1]["response"] == FAILED_RESPONSE


@pytest.mark.parametrize("area", [{"x": 1}, ["劳动纠纷"], "劳" * 40, 7])
@pytest.mark.usefixtures("quick_knowledge")
def test_a_poisoned_area_neither_silences_a_handoff_nor_loses_a_danger_case(
    turn: Turn, run: Run, real_db: Any, area: Any
) -> None:
    messages, _ = run(ActionRequestHuman(), turn("我要转人工", "request_human", slots={"area": area}))
    assert messages[0]["response"] == "utter_handoff_recorded"
    messages, _ = run(ActionFlagDanger(), turn("/emergency", "emergency", slots={"area": area, "route": {"a": 1}}))
    assert [m.get("response") for m in messages[:2]] == ["utter_emergency", "utter_emergency_flagged"]
    with Session(real_db) as session:
        kinds = sorted(c.kind for c in session.exec(select(Case)).all())
    assert kinds == sorted([CaseKind.handoff, CaseKind.danger])
