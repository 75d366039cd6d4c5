"""The audit log: every view and change recorded, no names or phones in it, and no way to edit it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from console_helpers import FakeClock, add_case, add_user, login, post, signed_in
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import delete, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, select
from starlette.routing import BaseRoute

from casebook import audit
from casebook.console_tables import AuditEntry
from casebook.models import CaseKind


def entries(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


def test_views_and_changes_are_recorded_with_who_what_and_when(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    reviewer = add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    client.get(f"/console/cases/{case.reference}")
    base = f"/console/cases/{case.reference}"
    post(client, f"{base}/status", {"to": "accepted", "csrf_token": token})
    post(client, f"{base}/assign", {"assignee": str(reviewer), "csrf_token": token})
    post(client, f"{base}/notes", {"text": "王小明说材料周五补齐，电话13800138000", "csrf_token": token})
    client.get("/console/export.csv", params={"q": "王小明"})
    post(client, "/console/logout", {"csrf_token": token})

    log = entries(engine)
    actions = [(e.action, e.actor, e.case_reference) for e in log]
    assert actions == [
        ("login", "shen", None),
        ("view", "shen", case.reference),
        ("status", "shen", case.reference),
        ("assign", "shen", case.reference),
        ("note", "shen", case.reference),
        ("export", "shen", None),
        ("logout", "shen", None),
    ]
    assert all(e.actor_id == reviewer for e in log)
    assert log[2].detail == {"from": "new", "to": "accepted"}
    assert log[3].detail == {"from": None, "to": "shen"}
    assert set(log[4].detail) == {"note_id"}
    assert log[5].detail["rows"] == 1 and log[5].detail["searched"] is True
    # Never a resident's name or phone, not even from what staff typed.
    for entry in log:
        assert "王小明" not in str(entry.detail) and "13800138000" not in str(entry.detail)
    assert abs((log[1].at.replace(tzinfo=None) - clock.now.replace(tzinfo=None)).total_seconds()) < 1


def test_a_reason_in_the_audit_log_has_phone_numbers_masked(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    reason = "已有律师代理，律师电话13912345678"
    post(
        client, f"/console/cases/{case.reference}/status", {"to": "not_accepted", "reason": reason, "csrf_token": token}
    )
    change = entries(engine)[-1]
    assert change.action == "status" and change.detail["reason"] == "已有律师代理，律师电话139****5678"


def test_failed_sign_ins_are_recorded_once_per_series_and_lockouts_with_their_count(
    client: TestClient, engine: Engine
) -> None:
    add_user(engine, "zhang", "head")
    for _ in range(5):
        login(client, "zhang", "wrong-password-123")
    for _ in range(20):
        login(client, "zhang")  # while locked: refused, not written down each time
    recorded = entries(engine)
    assert [e.action for e in recorded] == ["login_failed", "lockout"]
    assert recorded[1].detail["failures"] == 5 and recorded[1].actor == "zhang"


def test_refused_changes_leave_no_audit_entry(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    post(client, f"/console/cases/{case.reference}/status", {"to": "closed", "csrf_token": token})
    post(client, f"/console/cases/{case.reference}/status", {"to": "not_accepted", "reason": "", "csrf_token": token})
    assert [e.action for e in entries(engine)] == ["login"]


def test_the_head_reads_the_audit_log_and_filters_it(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.danger)
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    client.get(f"/console/cases/{case.reference}")
    page = client.get("/console/audit").text
    assert 'id="audit-table"' in page and "查看案件" in page and case.reference in page
    filtered = client.get("/console/audit", params={"case": case.reference}).text
    assert filtered.count('data-action="view"') == 1 and 'data-action="login"' not in filtered
    by_actor = client.get("/console/audit", params={"actor": "nobody"}).text
    assert 'data-action="' not in by_actor


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every endpoint, also inside included routers (FastAPI keeps those as their own route objects)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


def test_the_app_offers_no_way_to_change_the_audit_log(app: FastAPI) -> None:
    console_routes = [r for r in api_routes(app.routes) if r.path.startswith("/console")]
    assert len(console_routes) >= 12
    for route in console_routes:
        if "audit" in route.path:
            assert route.methods <= {"GET", "HEAD"}, route.path
        assert not route.methods & {"PUT", "PATCH", "DELETE"}, route.path
    # The module's own public functions: append and read, nothing that updates or deletes.
    own = {
        name
        for name, function in inspect.getmembers(audit, inspect.isfunction)
        if function.__module__ == audit.__name__ and not name.startswith("_")
    }
    assert own == {"record", "entries"}


def test_posting_to_the_audit_page_is_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    token = signed_in(client, "zhang")
    for method in ("post", "put", "patch", "delete"):
        response = client.request(method.upper(), "/console/audit", data={"csrf_token": token})
        assert response.status_code == 405


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_database_refuses_to_rewrite_the_audit_log(engine: Engine, statement: str) -> None:
    with Session(engine) as db:
        audit.record(db, action="view", at=datetime.now(UTC), actor="zhang")
    with Session(engine) as db, pytest.raises(DatabaseError, match="append-only"):
        if statement == "update":
            db.exec(update(AuditEntry).values(actor="someone-else"))
        else:
            db.exec(delete(AuditEntry))
        db.commit()
    with Session(engine) as db, pytest.raises(DatabaseError, match="append-only"):
        db.connection().execute(text("DELETE FROM console_audit"))
    assert [e.actor for e in entries(engine)] == ["zhang"]
