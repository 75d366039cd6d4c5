"""The workflow: allowed and refused transitions, reasons, open cases freed, deadlines and urgency."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from console_helpers import FakeClock, add_case, add_user, post, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console import casework
from api.console.workflow import WORKFLOW_FILE, Workflow, check_transition, workflow
from casebook.console_tables import CaseEvent, CaseWork, StaffUser
from casebook.models import Case, CaseCreate, CaseKind, CaseStatus
from casebook.services.cases import open_case
from knowledge.mediation import MediationRules
from knowledge.statutes import StatuteLibrary

ALLOWED = {
    CaseStatus.new: {CaseStatus.accepted, CaseStatus.not_accepted},
    CaseStatus.accepted: {CaseStatus.in_progress, CaseStatus.closed},
    CaseStatus.in_progress: {CaseStatus.closed},
    CaseStatus.closed: set(),
    CaseStatus.not_accepted: set(),
}


def stored(engine: Engine, reference: str) -> tuple[Case, CaseWork | None]:
    with Session(engine) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        return case, db.get(CaseWork, case.id)


@pytest.mark.parametrize("current", list(CaseStatus))
@pytest.mark.parametrize("target", list(CaseStatus))
def test_only_the_documented_transitions_are_allowed(current: CaseStatus, target: CaseStatus) -> None:
    flow = workflow()
    if target in ALLOWED[current]:
        check_transition(flow, current, target, "理由写得清楚")
    else:
        with pytest.raises(Exception, match="transition_not_allowed"):
            check_transition(flow, current, target, "理由写得清楚")


def test_a_case_goes_from_new_to_closed_through_the_pages(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.mediation)
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    path = f"/console/cases/{case.reference}/status"
    # Skipping a step is refused and the page says why.
    refused = post(client, path, {"to": "closed", "csrf_token": token})
    assert refused.status_code == 409 and "不能改为“已办结”" in refused.text
    for target in ("accepted", "in_progress", "closed"):
        # Closing a mediation case records whether it succeeded (for the head's statistics).
        data = {"to": target, "csrf_token": token, **({"outcome": "success"} if target == "closed" else {})}
        assert post(client, path, data).status_code == 303
        assert stored(engine, case.reference)[0].status == target
    page = client.get(f"/console/cases/{case.reference}").text
    assert 'id="workflow-final"' in page and 'id="status-form-' not in page
    assert post(client, path, {"to": "accepted", "csrf_token": token}).status_code == 409
    assert post(client, path, {"to": "nonsense", "csrf_token": token}).status_code == 409
    with Session(engine) as db:
        steps = [(e.from_value, e.to_value) for e in db.exec(select(CaseEvent).order_by(CaseEvent.id)).all()]
    assert steps == [("new", "accepted"), ("accepted", "in_progress"), ("in_progress", "closed")]
    case_now, work = stored(engine, case.reference)
    assert case_now.open_key is None and work is not None and work.closed_at is not None


@pytest.mark.parametrize("reason", ["", "   ", "无"])
def test_not_accepting_needs_a_reason(client: TestClient, engine: Engine, reason: str) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    response = post(
        client, f"/console/cases/{case.reference}/status", {"to": "not_accepted", "reason": reason, "csrf_token": token}
    )
    assert response.status_code == 400 and "请写明理由" in response.text
    case_now, _ = stored(engine, case.reference)
    assert case_now.status == CaseStatus.new and case_now.open_key is not None


def test_a_reason_is_kept_and_the_open_case_is_freed(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    reason = "申请事项属于刑事辩护，由办案机关通知法律援助机构指派律师。"
    response = post(
        client, f"/console/cases/{case.reference}/status", {"to": "not_accepted", "reason": reason, "csrf_token": token}
    )
    assert response.status_code == 303
    case_now, work = stored(engine, case.reference)
    assert case_now.status == CaseStatus.not_accepted and case_now.open_key is None
    assert work is not None and work.not_accepted_reason == reason
    page = client.get(f"/console/cases/{case.reference}").text
    assert reason in page and 'id="not-accepted-reason"' in page
    too_long = post(
        client,
        f"/console/cases/{add_case(engine, CaseKind.legal_aid, phone='13900000000').reference}/status",
        {"to": "not_accepted", "reason": "长" * 501, "csrf_token": token},
    )
    assert too_long.status_code == 400 and "500" in too_long.text


def test_a_closed_handoff_lets_the_resident_ask_for_a_person_again(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.handoff, conversation="again-1")
    add_user(engine, "qian", "clerk")
    token = signed_in(client, "qian")
    path = f"/console/cases/{case.reference}/status"
    for target in ("accepted", "closed"):
        assert post(client, path, {"to": target, "csrf_token": token}).status_code == 303
    with Session(engine) as db:
        again, created = open_case(db, data=CaseCreate(kind=CaseKind.handoff, conversation_id="again-1"))
    assert created and again.reference != case.reference


def test_the_legal_aid_deadline_is_seven_days_and_flagged_when_near(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    case = add_case(engine, CaseKind.legal_aid, created_at=clock.now)
    add_user(engine, "shen", "legal_aid_reviewer")

    def deadline() -> str:
        signed_in(client, "shen")  # days pass: the previous session has expired
        page = client.get(f"/console/cases/{case.reference}").text
        match = re.search(r'id="case-deadline" class="deadline-(\w+)"', page)
        assert match
        return match.group(1)

    assert deadline() == "ok"
    clock.advance(days=4, hours=23)
    assert deadline() == "ok"
    clock.advance(hours=2)  # 5 days 1 hour in: less than 2 days left
    assert deadline() == "near"
    assert "deadline-near" in client.get("/console/queue").text
    clock.advance(days=2)
    assert deadline() == "overdue"
    token = signed_in(client, "shen")
    assert (
        post(client, f"/console/cases/{case.reference}/status", {"to": "accepted", "csrf_token": token}).status_code
        == 303
    )
    assert deadline() == "met"


def test_the_mediation_deadline_counts_from_acceptance(client: TestClient, engine: Engine, clock: FakeClock) -> None:
    case = add_case(engine, CaseKind.mediation, created_at=clock.now)
    add_user(engine, "tiao", "mediator")

    def state() -> str:
        signed_in(client, "tiao")
        match = re.search(
            r'id="case-deadline" [^>]*data-state="(\w+)"', client.get(f"/console/cases/{case.reference}").text
        )
        assert match
        return match.group(1)

    assert state() == "waiting"
    clock.advance(days=10)
    token = signed_in(client, "tiao")
    post(client, f"/console/cases/{case.reference}/status", {"to": "accepted", "csrf_token": token})
    clock.advance(days=27, hours=23)
    assert state() == "ok"
    clock.advance(hours=2)
    assert state() == "near"
    clock.advance(days=3)
    assert state() == "overdue"


def test_the_queue_puts_danger_then_close_deadlines_then_new_cases_first(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    now = clock.now
    old_new = add_case(engine, CaseKind.handoff, conversation="h-old", created_at=now - timedelta(days=3))
    fresh_new = add_case(engine, CaseKind.handoff, conversation="h-new", created_at=now - timedelta(hours=1))
    danger = add_case(engine, CaseKind.danger, conversation="d-1", created_at=now - timedelta(days=1))
    due = add_case(engine, CaseKind.legal_aid, created_at=now - timedelta(days=6))
    calm = add_case(engine, CaseKind.legal_aid, phone="13900000000", created_at=now - timedelta(minutes=5))
    add_user(engine, "zhang", "head")
    token = signed_in(client, "zhang")
    accepted = add_case(engine, CaseKind.lawyer, created_at=now - timedelta(minutes=1))
    post(client, f"/console/cases/{accepted.reference}/status", {"to": "accepted", "csrf_token": token})
    page = client.get("/console/queue").text
    order = re.findall(r'<tr id="case-([A-Z0-9-]+)"', page)
    assert order == [
        danger.reference,
        due.reference,
        calm.reference,
        fresh_new.reference,
        old_new.reference,
        accepted.reference,
    ]
    assert 'class="case-row danger"' in page


def test_the_workflow_data_is_complete_and_its_citation_says_what_it_claims(statutes: StatuteLibrary) -> None:
    flow = Workflow.load()
    assert {k: set(v) for k, v in flow.transitions.items()} == ALLOWED
    assert flow.reason_required == {CaseStatus.not_accepted}
    assert flow.near_days == 2
    legal_aid = flow.deadlines[CaseKind.legal_aid]
    assert legal_aid.days == 7 and legal_aid.citation is not None
    article = statutes.article(legal_aid.citation.law, legal_aid.citation.article)
    assert article is not None
    assert all(keyword in article.text for keyword in legal_aid.citation.keywords)
    # The mediation figure is the district's practice: it must agree with the mediation data.
    assert flow.deadlines[CaseKind.mediation].days == MediationRules.load().timeline_days == 30
    assert flow.deadlines[CaseKind.mediation].citation is None


def test_a_workflow_file_that_lets_a_finished_case_move_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
    data["transitions"]["closed"] = {"accepted": "重新受理"}
    broken = tmp_path / "workflow.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)workflow\.yml: .*closed is final"):
        Workflow.load(broken)


def test_a_status_change_made_on_a_stale_page_overwrites_nothing(
    client: TestClient, anonymous: TestClient, engine: Engine
) -> None:
    case = add_case(engine, CaseKind.mediation)
    add_user(engine, "tiao", "mediator")
    add_user(engine, "wang", "mediator")
    path = f"/console/cases/{case.reference}/status"
    stale = signed_in(client, "tiao")  # tiao's page shows 新提交 with 不予受理 offered
    colleague = anonymous
    fresh = signed_in(colleague, "wang")
    assert post(colleague, path, {"to": "accepted", "from": "new", "csrf_token": fresh}).status_code == 303
    late = {"to": "not_accepted", "from": "new", "reason": "不属于调解范围", "csrf_token": stale}
    refused = post(client, path, late)
    assert refused.status_code == 409 and "刚被同事改过" in refused.text
    with Session(engine) as db:
        stored = db.get(Case, case.id)
        assert stored is not None and stored.status == CaseStatus.accepted
        changes = db.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert [(c.from_value, c.to_value) for c in changes] == [("new", "accepted")]


def test_two_changes_read_at_once_cannot_both_be_written(engine: Engine) -> None:
    case = add_case(engine, CaseKind.mediation)
    user_id = add_user(engine, "tiao", "mediator")
    with Session(engine) as first, Session(engine) as second:
        user_one, user_two = first.get(StaffUser, user_id), second.get(StaffUser, user_id)
        one, two = first.get(Case, case.id), second.get(Case, case.id)
        assert one is not None and two is not None and user_one is not None and user_two is not None
        assert one.status == two.status == CaseStatus.new  # both read "new" before either writes
        casework.change_status(
            first,
            case_=one,
            user=user_one,
            target=CaseStatus.accepted,
            reason="",
            workflow=workflow(),
            now=one.created_at,
        )
        with pytest.raises(casework.CaseworkRefused, match="status_changed"):
            casework.change_status(
                second,
                case_=two,
                user=user_two,
                target=CaseStatus.not_accepted,
                reason="不属于调解范围",
                workflow=workflow(),
                now=two.created_at,
            )
