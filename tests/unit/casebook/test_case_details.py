"""A case's details: one typed model per kind, strict when written, lenient when read, labelled for staff."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.console import display
from api.console.personal import PersonalData
from api.console.workflow import Workflow
from casebook.case_details import (
    DETAILS_BY_KIND,
    AlertDetails,
    LawyerDetails,
    LegalAidReason,
    MediationDetails,
    NotarizationDetails,
    StoredDetails,
    read_details,
    stored_details,
)
from casebook.models import CaseKind
from knowledge.legal_aid.rules import PrecheckAnswers

MEDIATION: dict[str, Any] = {
    "other_party": "隔壁邻居张某",
    "dispute_type": "邻里纠纷",
    "dispute_place": "桃源镇杏花村",
    "dispute_summary": "排水沟被堵",
    "request": "恢复原样",
    "committee_id": "taoyuan",
    "committee": "桃源镇人民调解委员会",
    "came_in_by": "application",
}


def test_a_form_writes_its_kinds_details_in_the_order_staff_read_them() -> None:
    written = stored_details(CaseKind.mediation, MediationDetails(**MEDIATION))
    assert list(written.items()) == list(MEDIATION.items())


def test_details_of_another_kind_or_missing_a_field_are_never_written() -> None:
    notarization = NotarizationDetails(matter_id="will", matter="遗嘱公证", appointment="2030-03-04 09:30")
    with pytest.raises(TypeError, match="mediation case records MediationDetails"):
        stored_details(CaseKind.mediation, notarization)
    with pytest.raises(ValidationError):
        MediationDetails(**{k: v for k, v in MEDIATION.items() if k != "committee"})
    with pytest.raises(ValidationError):
        LawyerDetails(topic="欠薪", adviser_id="a", adviser="周律师", start="2030-03-04 09:00", room="x")  # type: ignore[call-arg]


def test_rows_written_before_the_models_or_trimmed_by_an_erasure_still_read_as_stored() -> None:
    kept = {"dispute_type": "邻里纠纷", "committee": "东街调委会"}  # what an erasure keeps
    read = read_details(CaseKind.mediation, kept)
    assert isinstance(read, StoredDetails) and read.stored() == kept
    assert read_details(CaseKind.handoff, {}) == AlertDetails()
    assert read_details(CaseKind.danger, {"repeats": 3}).stored() == {"repeats": 3}
    assert isinstance(read_details(CaseKind.mediation, MEDIATION), MediationDetails)


def test_the_console_shows_typed_details_exactly_as_their_stored_row() -> None:
    workflow, personal = Workflow.load(), PersonalData.load()
    typed = read_details(CaseKind.mediation, MEDIATION)
    shown = display.details(typed, workflow, None, personal)
    assert shown == display.details(MEDIATION, workflow, None, personal)
    assert [item.label for item in shown][:2] == ["对方当事人", "纠纷类型"]
    assert "committee_id" not in {item.label for item in shown}


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_every_field_staff_may_see_has_a_label_in_the_console() -> None:
    workflow = Workflow.load()
    fields = {name for model in DETAILS_BY_KIND.values() for name in _fields(model)}
    fields |= _fields(LegalAidReason) | _fields(PrecheckAnswers)  # the lists and the answers inside
    unlabelled = fields - set(workflow.details) - workflow.hidden_details
    assert unlabelled == set()
