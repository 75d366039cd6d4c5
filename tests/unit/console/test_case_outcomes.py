"""The outcome a close of a mediation or legal-aid case must record (workflow.yml), and how it
feeds the statistics."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from console_helpers import FakeClock, add_case, add_user, post, signed_in
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from statistics_seed import (
    NOW,
    figures,
)

from api.console.workflow import WORKFLOW_FILE, TransitionRefused, Workflow, check_outcome, workflow
from casebook.console_tables import AuditEntry, CaseEvent, CaseWork
from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseKind, CaseStatus
from knowledge.statutes import StatuteLibrary


def stored(engine: Engine, reference: str) -> tuple[Case, CaseWork | None]:
    with Session(engine) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        return case, db.get(CaseWork, case.id)


def test_closing_a_mediation_needs_its_outcome(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.mediation)
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    path = f"/console/cases/{case.reference}/status"
    assert post(client, path, {"to": "accepted", "csrf_token": token}).status_code == 303
    page = client.get(f"/console/cases/{case.reference}").text
    assert 'id="outcome-success"' in page and 'id="outcome-failure"' in page and "人民调解法第二十八条" in page
    for outcome in ("", "maybe", "granted"):  # missing, unknown, or another kind's
        refused = post(client, path, {"to": "closed", "outcome": outcome, "csrf_token": token})
        assert refused.status_code == 400, outcome
        assert "请选择调解结果：调解成功或调解不成" in refused.text
        assert stored(engine, case.reference)[0].status == CaseStatus.accepted
    assert post(client, path, {"to": "closed", "outcome": "success", "csrf_token": token}).status_code == 303
    closed, work = stored(engine, case.reference)
    assert closed.status == CaseStatus.closed and work is not None and work.outcome == "success"
    assert '<dd id="case-outcome">调解成功</dd>' in client.get(f"/console/cases/{case.reference}").text
    with Session(engine) as db:
        steps = db.exec(select(CaseEvent.to_value).order_by(col(CaseEvent.id))).all()
        audits = db.exec(select(AuditEntry).where(AuditEntry.action == "status")).all()
    assert list(steps) == ["accepted", "closed"]  # the refused attempts left nothing behind
    assert audits[-1].detail == {"from": "accepted", "to": "closed", "outcome": "success"}


def test_closing_a_legal_aid_case_records_the_decision(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    path = f"/console/cases/{case.reference}/status"
    post(client, path, {"to": "accepted", "csrf_token": token})
    refused = post(client, path, {"to": "closed", "csrf_token": token})
    assert refused.status_code == 400 and "给予法律援助或不予法律援助" in refused.text
    assert post(client, path, {"to": "closed", "outcome": "refused", "csrf_token": token}).status_code == 303
    assert stored(engine, case.reference)[1].outcome == "refused"  # type: ignore[union-attr]


def test_not_accepting_and_other_kinds_need_no_outcome(client: TestClient, engine: Engine) -> None:
    mediation = add_case(engine, CaseKind.mediation)
    handoff = add_case(engine, CaseKind.handoff, conversation="plain")
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    reason = {"to": "not_accepted", "reason": "已由法院受理", "csrf_token": token}
    assert post(client, f"/console/cases/{mediation.reference}/status", reason).status_code == 303
    assert stored(engine, mediation.reference)[1].outcome is None  # type: ignore[union-attr]
    path = f"/console/cases/{handoff.reference}/status"
    post(client, path, {"to": "accepted", "csrf_token": token})
    assert 'id="outcome-choices"' not in client.get(f"/console/cases/{handoff.reference}").text
    assert post(client, path, {"to": "closed", "outcome": "success", "csrf_token": token}).status_code == 303
    assert stored(engine, handoff.reference)[1].outcome is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "target", "outcome", "expected"),
    [
        (CaseKind.mediation, CaseStatus.closed, "success", "success"),
        (CaseKind.mediation, CaseStatus.closed, " failure ", "failure"),
        (CaseKind.legal_aid, CaseStatus.closed, "granted", "granted"),
        (CaseKind.mediation, CaseStatus.accepted, "", None),
        (CaseKind.mediation, CaseStatus.not_accepted, "", None),
        (CaseKind.lawyer, CaseStatus.closed, "", None),
        (CaseKind.danger, CaseStatus.closed, "success", None),
    ],
)
def test_check_outcome(kind: CaseKind, target: CaseStatus, outcome: str, expected: str | None) -> None:
    assert check_outcome(workflow(), kind, target, outcome) == expected


@pytest.mark.parametrize(("kind", "outcome"), [(CaseKind.mediation, ""), (CaseKind.legal_aid, "success")])
def test_check_outcome_refuses_a_close_without_a_valid_one(kind: CaseKind, outcome: str) -> None:
    with pytest.raises(TransitionRefused, match="outcome_required"):
        check_outcome(workflow(), kind, CaseStatus.closed, outcome)


def outcome_citations() -> list[tuple[str, str, str, list[str]]]:
    return [
        (f"{kind}.{key}", choice.citation.law, choice.citation.article, choice.citation.keywords)
        for kind, rule in Workflow.load().outcomes.items()
        for key, choice in rule.choices.items()
        if choice.citation is not None
    ]


@pytest.mark.parametrize(("choice", "law", "article", "keywords"), outcome_citations())
def test_every_outcome_citation_says_what_it_claims(
    statutes: StatuteLibrary, choice: str, law: str, article: str, keywords: list[str]
) -> None:
    found = statutes.article(law, article)
    assert found is not None, f"{choice}: {law}{article} does not exist"
    missing = [k for k in keywords if k not in found.text]
    assert not missing, f"{choice}: {law}{article} does not contain {missing}"


def test_the_outcomes_the_statistics_rely_on_are_in_the_workflow() -> None:
    flow = Workflow.load()
    assert len(outcome_citations()) == 4
    assert {k: list(v.choices) for k, v in flow.outcomes.items()} == {
        CaseKind.mediation: ["success", "failure"],
        CaseKind.legal_aid: ["granted", "refused"],
    }
    assert [c.success for c in flow.outcomes[CaseKind.mediation].choices.values()] == [True, False]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["outcomes"].pop("mediation"), "outcomes must cover"),
        (lambda d: d["outcomes"]["mediation"]["choices"]["success"].pop("success"), "marked success"),
        (lambda d: d["outcomes"]["legal_aid"]["choices"].pop("refused"), "choices"),
        (lambda d: d["statistics"]["scores"].pop(2), "ratings 1, 2 and 3"),
        (lambda d: d["statistics"]["weekdays"].pop(), "weekdays"),
    ],
)
def test_a_broken_outcomes_or_statistics_section_is_rejected(tmp_path: Path, change: Any, message: str) -> None:
    data = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
    change(data)
    broken = tmp_path / "workflow.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"(?s)workflow\.yml: .*{message}"):
        Workflow.load(broken)


def test_a_database_from_before_outcomes_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE console_case_work (case_id INTEGER NOT NULL PRIMARY KEY, assignee_id INTEGER, "
            "accepted_at DATETIME, closed_at DATETIME, not_accepted_reason VARCHAR(500))"
        )
        old.execute("INSERT INTO console_case_work (case_id) VALUES (1)")
    db_engine = create_db_engine(f"sqlite:///{path}")
    try:
        init_db(db_engine)
        init_db(db_engine)  # and again: nothing to do
        assert "outcome" in {c["name"] for c in inspect(db_engine).get_columns("console_case_work")}
        with Session(db_engine) as db:
            work = db.get(CaseWork, 1)
            assert work is not None and work.outcome is None
    finally:
        db_engine.dispose()


def test_closing_through_the_console_feeds_the_statistics(client: TestClient, engine: Engine, clock: FakeClock) -> None:
    clock.now = NOW - timedelta(days=1)
    case = add_case(engine, CaseKind.mediation, created_at=NOW - timedelta(days=3))
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    path = f"/console/cases/{case.reference}/status"
    post(client, path, {"to": "accepted", "csrf_token": token})
    post(client, path, {"to": "closed", "outcome": "failure", "csrf_token": token})
    mediation = figures(engine).mediation
    assert mediation.rate_percent[-1] == 0.0 and mediation.choices[1].values[-1] == 1
