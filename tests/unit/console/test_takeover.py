"""Taking over a live conversation from the console: who may, what reaches Rasa, what is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from console_helpers import FakeRasa, add_case, add_user, post, signed_in
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.deps import get_rasa
from casebook.console_tables import AuditEntry
from casebook.models import Case, CaseKind, CaseStatus


@dataclass
class PausableRasa(FakeRasa):
    """Records the events the console appends and keeps the conversation's paused state."""

    appended: list[dict[str, Any]] = field(default_factory=list)
    paused: set[str] = field(default_factory=set)

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        return {**(await super().tracker(sender, include_events=include_events)), "paused": sender in self.paused}

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.appended.append({"sender": sender, **event})
            if event["event"] == "pause":
                self.paused.add(sender)
            if event["event"] == "resume":
                self.paused.discard(sender)


@pytest.fixture
def pausable(app: FastAPI) -> PausableRasa:
    fake = PausableRasa()
    app.dependency_overrides[get_rasa] = lambda: fake
    return fake


def test_a_mediator_takes_over_replies_and_hands_back(
    client: TestClient, engine: Engine, pausable: PausableRasa
) -> None:
    add_user(engine, "lihua", "mediator", display_name="李调解员")
    case = add_case(engine, CaseKind.handoff, conversation="resident-7")
    token = signed_in(client, "lihua")
    page = client.get(f"/console/cases/{case.reference}")
    assert 'id="takeover-start"' in page.text

    assert post(client, f"/console/cases/{case.reference}/takeover", {"csrf_token": token}).status_code == 303
    sent = post(
        client,
        f"/console/cases/{case.reference}/takeover/messages",
        {"csrf_token": token, "text": "您好，请问您住在哪个村？"},
    )
    assert sent.status_code == 303
    assert post(client, f"/console/cases/{case.reference}/takeover/end", {"csrf_token": token}).status_code == 303

    kinds = [
        (e["event"], (e.get("data") or {}).get("custom", {}).get("takeover", {}).get("state"))
        for e in pausable.appended
    ]
    assert kinds == [("pause", None), ("bot", "started"), ("bot", "message"), ("bot", "ended"), ("resume", None)]
    assert {e["sender"] for e in pausable.appended} == {"resident-7"}
    assert "李调解员" in pausable.appended[1]["text"]
    with Session(engine) as db:
        actions = [row.action for row in db.exec(select(AuditEntry)).all()]
    assert [a for a in actions if a.startswith("takeover")] == ["takeover_start", "takeover_message", "takeover_end"]


def test_starting_twice_joins_once(client: TestClient, engine: Engine, pausable: PausableRasa) -> None:
    add_user(engine, "lihua", "mediator")
    case = add_case(engine, CaseKind.handoff, conversation="resident-8")
    token = signed_in(client, "lihua")
    for _ in range(2):
        post(client, f"/console/cases/{case.reference}/takeover", {"csrf_token": token})
    assert [e["event"] for e in pausable.appended] == ["pause", "bot"]


def test_an_empty_staff_message_is_refused(client: TestClient, engine: Engine, pausable: PausableRasa) -> None:
    add_user(engine, "lihua", "mediator")
    case = add_case(engine, CaseKind.handoff, conversation="resident-9")
    token = signed_in(client, "lihua")
    refused = post(client, f"/console/cases/{case.reference}/takeover/messages", {"csrf_token": token, "text": "  "})
    assert refused.status_code == 400 and "不能为空" in refused.text


def test_takeover_needs_a_signed_in_member_of_staff_who_sees_the_case_and_a_csrf_token(
    client: TestClient, anonymous: TestClient, engine: Engine, pausable: PausableRasa
) -> None:
    add_user(engine, "notary1", "notary_assistant")
    case = add_case(engine, CaseKind.handoff, conversation="resident-10")
    path = f"/console/cases/{case.reference}/takeover"
    assert post(anonymous, path, {"csrf_token": "x"}).status_code in (303, 403)
    token = signed_in(client, "notary1")
    assert post(client, path, {"csrf_token": token}).status_code == 404  # not a kind this role sees
    add_user(engine, "lihua", "mediator")
    client.cookies.clear()
    signed_in(client, "lihua")
    assert post(client, path, {"csrf_token": "wrong"}).status_code == 403
    assert pausable.appended == []


@pytest.mark.parametrize("status", ["closed", "not_accepted"])
def test_a_finished_case_cannot_be_taken_over_but_can_be_handed_back(
    client: TestClient, engine: Engine, pausable: PausableRasa, status: str
) -> None:
    add_user(engine, "lihua", "mediator")
    case = add_case(engine, CaseKind.handoff, conversation="resident-11")
    with Session(engine) as db:
        stored = db.get(Case, case.id)
        assert stored is not None
        stored.status = CaseStatus(status)
        db.add(stored)
        db.commit()
    token = signed_in(client, "lihua")
    page = client.get(f"/console/cases/{case.reference}").text
    assert 'id="takeover-start"' not in page and 'id="takeover-message"' not in page and 'id="takeover-end"' in page
    base = f"/console/cases/{case.reference}/takeover"
    assert post(client, base, {"csrf_token": token}).status_code == 409
    assert post(client, f"{base}/messages", {"csrf_token": token, "text": "请回复您的身份证号"}).status_code == 409
    assert pausable.appended == []
    pausable.paused.add("resident-11")  # taken over before the case was closed
    assert post(client, f"{base}/end", {"csrf_token": token}).status_code == 303
    assert [e["event"] for e in pausable.appended] == ["bot", "resume"]


def test_a_role_without_the_permission_sees_no_takeover_forms(client: TestClient, engine: Engine) -> None:
    add_user(engine, "editor", "knowledge_editor")
    case = add_case(engine, CaseKind.handoff, conversation="resident-12")
    signed_in(client, "editor")
    page = client.get(f"/console/cases/{case.reference}").text
    assert 'id="takeover"' not in page and 'id="workflow-actions"' not in page and 'id="note-form"' in page
