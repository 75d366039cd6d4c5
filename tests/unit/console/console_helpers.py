"""Helpers of the console tests: a clock to move, a fake dialogue engine, users, cases, signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.console.security import hash_password
from api.rasa_client import DialogueUnavailable
from casebook.console_tables import StaffUser
from casebook.models import Case, CaseCreate, CaseKind
from casebook.services.applications import SlotRequest, submit_application
from casebook.services.cases import open_case

PASSWORD = "Gongzheng-2026-示例"
ALL_ROLES = (
    "head",
    "mediator",
    "legal_aid_reviewer",
    "notary_assistant",
    "clerk",
    "knowledge_editor",
    "knowledge_reviewer",
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeRasa:
    """Stands in for RasaClient.tracker(): a tracker per conversation, or an engine that is down."""

    trackers: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: bool = False
    asked: list[str | None] = field(default_factory=list)  # include_events of each call

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        self.asked.append(include_events)
        if self.down:
            raise DialogueUnavailable
        return self.trackers.get(sender, {"sender_id": sender, "events": []})

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        self.trackers.setdefault(sender, {"sender_id": sender, "events": []})["events"].extend(events)


def add_user(engine: Engine, username: str, role: str, *, display_name: str = "", active: bool = True) -> int:
    # A cheap scrypt cost keeps the suite fast; the production cost is tested in test_console_auth.
    with Session(engine) as db:
        user = StaffUser(
            username=username,
            display_name=display_name or f"{username}同志",
            role=role,
            password_hash=hash_password(PASSWORD, n=2**10),
            active=active,
        )
        db.add(user)
        db.commit()
        db.refresh(user)
        assert user.id is not None
        return user.id


def add_case(
    engine: Engine,
    kind: CaseKind,
    *,
    conversation: str = "",
    name: str | None = "王小明",
    phone: str | None = "13800138000",
    details: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    slot: SlotRequest | None = None,
) -> Case:
    """A case as the actions write it: handoff/danger through open_case, services through submit_application."""
    conversation = conversation or f"conv-{kind.value}-{name or 'anon'}-{phone or '0'}"
    with Session(engine) as db:
        if kind in (CaseKind.handoff, CaseKind.danger):
            case, _ = open_case(db, data=CaseCreate(kind=kind, conversation_id=conversation, area="劳动纠纷"))
        else:
            data = CaseCreate(
                kind=kind,
                conversation_id=conversation,
                area="劳动纠纷",
                route=kind.value,
                applicant_name=name,
                phone=phone,
                details=details or {},
            )
            case, _ = submit_application(db, data=data, slot=slot)
        if created_at is not None:
            case.created_at = created_at
            db.add(case)
            db.commit()
            db.refresh(case)
        db.expunge(case)
        return case


def csrf_of(response: Response) -> str:
    match = CSRF.search(response.text)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    token = csrf_of(client.get("/console/login"))
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def signed_in(client: TestClient, username: str) -> str:
    """Sign in and return the session's CSRF token, as every page's forms carry it."""
    response = login(client, username)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/console/queue"))


def post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    return client.post(path, data=data, follow_redirects=False)
