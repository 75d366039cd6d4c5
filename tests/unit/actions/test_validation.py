"""What the NLU hands over is checked before an action relies on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.forms.control import ActionCorrectForm
from actions.nlu_values import client_key, entity_text
from actions.validation import ValidateSlotMappings

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]
DOMAIN: dict[str, Any] = {"slots": {"area": {"type": "text", "mappings": [{"type": "from_entity", "entity": "area"}]}}}


@pytest.mark.parametrize("poison", [{"x": 1}, ["劳动纠纷"], "劳动纠纷" * 10, "不存在的领域", 3, True])
def test_an_area_outside_the_taxonomy_is_dropped(turn: Turn, run: Run, poison: Any) -> None:
    _, slots = run(ValidateSlotMappings(), turn("/greet", "greet", new={"area": poison}), DOMAIN)
    assert slots == {"area": None}


def test_an_area_of_the_taxonomy_is_kept(turn: Turn, run: Run) -> None:
    _, slots = run(ValidateSlotMappings(), turn("老板不发工资", "consult", new={"area": "劳动纠纷"}), DOMAIN)
    assert slots == {"area": "劳动纠纷"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", "3"), (3, "3"), ({"x": 1}, None), (["3"], None), (True, None), (3.5, None), ("9" * 65, None)],
)
def test_entities_reach_actions_only_as_short_text(turn: Turn, value: Any, expected: str | None) -> None:
    tracker = turn("/rate", "rate", entities=[{"entity": "rating", "value": value}])
    assert entity_text(tracker, "rating") == expected


@pytest.mark.parametrize("field", [{"x": 1}, 42, ["applicant_phone"], None])
def test_a_forged_correction_field_never_crashes_the_correction(turn: Turn, run: Run, field: Any) -> None:
    tracker = turn(
        "/correct_previous",
        "correct_previous",
        slots={"applicant_name": "王秀兰", "applicant_phone": "13800138000"},
        entities=[{"entity": "correction_field", "value": field}, {"entity": "phone", "value": {"a": 1}}],
        form="mediation_form",
    )
    messages, _ = run(ActionCorrectForm(), tracker)
    assert messages[0]["buttons"]  # asks which answer to change, as for any unclear correction
    assert all(m.get("response") != "utter_action_failed" for m in messages)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"client": "c-0123456789abcdef"}, "c-0123456789abcdef"),
        ({"client": "10.0.0.1"}, None),
        ({"client": {"x": 1}}, None),
        ({}, None),
    ],
)
def test_the_client_key_is_taken_only_in_the_apis_form(turn: Turn, metadata: Any, expected: str | None) -> None:
    assert client_key(turn("hi", metadata=metadata)) == expected
