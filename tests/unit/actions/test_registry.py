"""The service forms' spec: checked when it loads, and the one source of routes, names and resets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from action_harness import form_turn, run_form

from actions.forms.display import READER_FUNCTIONS
from actions.forms.lawyer import ActionSubmitLawyer, ValidateLawyerForm
from actions.forms.mediation import ActionSubmitMediation
from actions.forms.status import ActionCheckStatus
from actions.routing import route_for_action, service_forms_by_action
from api.console.personal import PersonalData
from casebook.service_forms import FORMS_FILE, READERS, service_forms
from knowledge.datafile import DataFileError


def broken_copy(tmp_path: Path, change: object) -> Path:
    data = yaml.safe_load(FORMS_FILE.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "service_forms.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["forms"]["lawyer_form"]["slots"].append("lawyer_mood"), "not defined under slots"),
        (lambda d: d["slots"]["other_party"].pop("profile"), "needs a profile"),
        (lambda d: d["answer_profiles"]["free"].remove("stop"), "control intent"),
        (lambda d: d["forms"]["lawyer_form"].pop("consent"), "asks consent"),
        (lambda d: d["slots"]["household_size"].update(shown="{count}人"), "placeholders"),
        (lambda d: d["statuses"].pop("not_accepted"), "English CaseStatus"),
        (lambda d: d["rating_words"].update({"超级好": 5}), "less than or equal to 3"),
    ],
    ids=["unknown slot", "no profile", "control intent fills", "no consent text", "bad template", "status", "rating"],
)
def test_a_broken_spec_is_refused_at_load_naming_the_file(tmp_path: Path, change: object, complaint: str) -> None:
    with pytest.raises(DataFileError, match=rf"service_forms\.yml: (?s:.*){complaint}"):
        service_forms.__wrapped__(broken_copy(tmp_path, change))


def test_routes_and_action_names_come_from_the_spec() -> None:
    spec = service_forms()
    assert service_forms_by_action() == {
        "mediation_form": "mediation",
        "legal_aid_form": "legal_aid",
        "notarization_form": "notarization",
        "lawyer_form": "lawyer",
    }
    assert route_for_action("lawyer_form", None) == "lawyer"
    assert ValidateLawyerForm().name() == "validate_lawyer_form"
    assert ActionSubmitLawyer().name() == spec.forms["lawyer_form"].submit == "action_submit_lawyer"
    assert ActionCheckStatus().name() == spec.forms["status_form"].submit


def test_a_submit_clears_every_slot_of_its_form_and_what_its_actions_kept() -> None:
    spec = service_forms()
    form = spec.forms["mediation_form"]
    filled = {slot: "x" for slot in [*form.slots, *form.keeps, "form_checked", "area"]}
    _, slots, _ = run_form(ActionSubmitMediation(), form_turn(None, {**filled, "privacy_consent": False}))
    assert set(slots) == {*form.slots, *form.keeps, "form_checked"}  # the area stays: it is not the form's
    assert all(value is None for value in slots.values())


def test_every_reader_a_slot_may_name_reads() -> None:
    assert set(READER_FUNCTIONS) == READERS


def test_the_console_hides_exactly_the_slots_the_spec_calls_personal_under_their_summary_labels() -> None:
    spec, personal = service_forms(), PersonalData.load()
    marked = {name for name, slot in spec.slots.items() if slot.personal}
    assert marked == set(personal.slots)
    for name in marked:
        label = spec.slots[name].label
        assert label is None or label in personal.slots[name], name
