"""The forms' domain and rules are rendered from the one spec, and the committed files are that rendering."""

from __future__ import annotations

import pytest
import yaml
from action_harness import domain
from rasa_sdk.executor import ActionExecutor

from casebook.service_forms import service_forms
from scripts.generate_forms import DOMAIN_FILE, RULES_FILE, render_domain, render_rules, rendered


@pytest.mark.parametrize("path", [DOMAIN_FILE, RULES_FILE], ids=lambda path: path.parent.name)
def test_the_committed_forms_files_are_the_specs_rendering(path: object) -> None:
    # A failure here means knowledge/data/service_forms.yml changed without
    # `python -m scripts.generate_forms` (and retraining), or a generated file was edited by hand.
    texts = rendered(service_forms())
    assert path in texts
    assert texts[path] == path.read_text(encoding="utf-8")  # type: ignore[attr-defined]


def test_every_form_has_its_start_and_submit_rules_and_every_slot_its_condition() -> None:
    spec = service_forms()
    rules = {rule["rule"]: rule for rule in render_rules(spec)["rules"]}
    slots = render_domain(spec)["slots"]
    for name, form in spec.forms.items():
        title = name.replace("_form", "")
        assert rules[f"{title}: start"]["steps"][0] == {"intent": form.activated_by}
        assert rules[f"{title}: submit"]["steps"][-1] == {"action": form.submit}
        for slot in form.slots:
            conditions = slots[slot]["mappings"][-1]["conditions"]
            assert {"active_loop": name, "requested_slot": slot} in conditions


def test_every_form_slot_has_a_question() -> None:
    asks = set(domain()["responses"]) | {
        a.removeprefix("action_") for a in yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["actions"]
    }
    for form in domain()["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_ask_{slot}" in asks or f"ask_{slot}" in asks, slot


def test_the_action_server_runs_every_action_the_forms_domain_names() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    named = render_domain(service_forms())["actions"]
    assert [action for action in named if action not in executor.actions] == []
