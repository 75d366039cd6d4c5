"""Who reaches what: every role and an anonymous visitor against every console route and case kind."""

from __future__ import annotations

import csv
import io

import pytest
from console_helpers import ALL_ROLES, FakeRasa, add_case, add_user, login, post, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console.roles import Roles
from casebook.console_tables import AuditEntry
from casebook.models import Case, CaseKind

ALL = frozenset(CaseKind)
# Who works cases: changes them, takes over their conversations and writes to residents, but does
# not export names and phone numbers in bulk.
WORKER = {"change_status", "assign", "add_notes", "take_over", "message_residents"}
# The division of work the example office uses (roles.yml), written out again on purpose:
# a change to roles.yml must be a deliberate change here too.
EXPECTED: dict[str, dict[str, object]] = {
    "head": {
        "kinds": ALL,
        "personal": True,
        "gaps": True,
        "audit": True,
        "statistics": True,
        "may": {
            "change_status",
            "assign",
            "add_notes",
            "take_over",
            "message_residents",
            "export_personal_data",
            "edit_knowledge",
            "approve_knowledge",
        },
    },
    "mediator": {
        "kinds": {CaseKind.mediation, CaseKind.handoff},
        "personal": True,
        "gaps": False,
        "audit": False,
        "statistics": False,
        "may": WORKER,
    },
    "legal_aid_reviewer": {
        "kinds": {CaseKind.legal_aid},
        "personal": True,
        "gaps": False,
        "audit": False,
        "statistics": False,
        "may": WORKER,
    },
    "notary_assistant": {
        "kinds": {CaseKind.notarization},
        "personal": True,
        "gaps": False,
        "audit": False,
        "statistics": False,
        "may": WORKER,
    },
    "clerk": {
        "kinds": {CaseKind.handoff, CaseKind.danger, CaseKind.lawyer},
        "personal": True,
        "gaps": True,
        "audit": False,
        "statistics": False,
        "may": WORKER,
    },
    "knowledge_editor": {
        "kinds": {CaseKind.handoff},
        "personal": False,
        "gaps": True,
        "audit": False,
        "statistics": False,
        "may": {"add_notes", "edit_knowledge"},
    },
    # Reviews the office's knowledge entries against the texts; works no cases.
    "knowledge_reviewer": {
        "kinds": set(),
        "personal": False,
        "gaps": True,
        "audit": False,
        "statistics": False,
        "may": {"approve_knowledge"},
    },
}


def one_case_of_each_kind(engine: Engine) -> dict[CaseKind, Case]:
    return {kind: add_case(engine, kind, conversation=f"matrix-{kind.value}") for kind in CaseKind}


def test_the_roles_file_grants_what_this_matrix_expects() -> None:
    roles = Roles.load()
    assert set(roles.ids()) == set(EXPECTED) == set(ALL_ROLES)
    for role in roles:
        expected = EXPECTED[role.id]
        assert role.kinds == expected["kinds"], role.id
        assert role.personal_data is expected["personal"], role.id
        assert role.knowledge_gaps is expected["gaps"], role.id
        assert role.audit is expected["audit"], role.id
        assert role.statistics is expected["statistics"], role.id
        assert role.permissions == expected["may"], role.id


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_reaches_exactly_what_it_should(client: TestClient, engine: Engine, role: str) -> None:
    expected = EXPECTED[role]
    kinds = expected["kinds"]
    assert isinstance(kinds, frozenset | set)
    cases = one_case_of_each_kind(engine)
    add_user(engine, "worker", role)
    token = signed_in(client, "worker")
    may = expected["may"]
    assert isinstance(may, set)

    home = client.get("/console/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/console/queue"

    queue = client.get("/console/queue")
    assert queue.status_code == 200
    listed = {kind for kind, case in cases.items() if f'id="case-{case.reference}"' in queue.text}
    assert listed == kinds

    for kind, case in cases.items():
        allowed = kind in kinds
        page = client.get(f"/console/cases/{case.reference}")
        assert page.status_code == (200 if allowed else 404), (role, kind)
        assert client.get("/console/queue", params={"kind": kind.value}).status_code == (200 if allowed else 403)
        note = post(client, f"/console/cases/{case.reference}/notes", {"text": "已电话联系", "csrf_token": token})
        assert note.status_code == (404 if not allowed else 303 if "add_notes" in may else 403), (role, kind)

    assert client.get("/console/gaps").status_code == (200 if expected["gaps"] else 403)
    assert client.get("/console/audit").status_code == (200 if expected["audit"] else 403)
    assert client.get("/console/statistics").status_code == (200 if expected["statistics"] else 403)
    menu = client.get("/console/queue").text
    assert ('id="nav-statistics"' in menu) is expected["statistics"]
    assert ('id="nav-audit"' in menu) is expected["audit"]
    assert ('id="nav-gaps"' in menu) is expected["gaps"]
    works_knowledge = bool(may & {"edit_knowledge", "approve_knowledge"})
    assert ('id="nav-knowledge"' in menu) is works_knowledge
    assert client.get("/console/knowledge").status_code == (200 if works_knowledge else 403)
    assert client.get("/console/knowledge/new").status_code == (200 if "edit_knowledge" in may else 403)

    export = client.get("/console/export.csv", params={"status": "all"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:]} == {cases[k].reference for k in kinds}
    assert ("王小明" in export.text) is ("export_personal_data" in may)


# Every route that changes something, with a form that would succeed, and the permission it needs.
WRITES: list[tuple[str, dict[str, str], set[str]]] = [
    ("status", {"to": "accepted", "from": "new"}, {"change_status"}),
    ("assign", {"assignee": "{me}"}, {"assign"}),
    ("notes", {"text": "已电话联系"}, {"add_notes"}),
    ("takeover", {}, {"take_over"}),
    ("takeover/messages", {"text": "您好，我是司法所的工作人员。"}, {"take_over", "message_residents"}),
    ("takeover/end", {}, {"take_over"}),
]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("action", "form", "needed"), WRITES, ids=[w[0] for w in WRITES])
def test_each_change_needs_its_own_permission(
    client: TestClient, engine: Engine, rasa: FakeRasa, role: str, action: str, form: dict[str, str], needed: set[str]
) -> None:
    may = EXPECTED[role]["may"]
    assert isinstance(may, set)
    kinds = EXPECTED[role]["kinds"]
    assert isinstance(kinds, frozenset | set)
    # A role that works no cases is shown none (404), whatever it may do.
    case = add_case(engine, sorted(kinds)[0] if kinds else CaseKind.handoff, conversation=f"writes-{role}")
    # Handing back needs a conversation somebody took over.
    rasa.trackers[case.conversation_id] = {"events": [], "paused": action == "takeover/end"}
    me = add_user(engine, "worker", role)
    token = signed_in(client, "worker")
    data = {key: value.format(me=me) for key, value in form.items()}
    response = post(client, f"/console/cases/{case.reference}/{action}", {**data, "csrf_token": token})
    allowed = needed <= may and bool(kinds)
    expected = (303 if allowed else 403) if kinds else 404
    assert response.status_code == expected, (role, action, response.text[-300:])
    with Session(engine) as db:
        audited = {row.action for row in db.exec(select(AuditEntry).where(AuditEntry.case_id == case.id)).all()}
    assert bool(audited - {"view"}) is allowed
    assert bool(rasa.trackers[case.conversation_id]["events"]) is (allowed and "takeover" in action)


ANONYMOUS_GETS = [
    "/console/",
    "/console/queue",
    "/console/queue?kind=danger",
    "/console/gaps",
    "/console/audit",
    "/console/statistics",
    "/console/export.csv",
]


def test_anonymous_visitors_reach_nothing_but_the_sign_in_page(anonymous: TestClient, engine: Engine) -> None:
    cases = one_case_of_each_kind(engine)
    gets = ANONYMOUS_GETS + [f"/console/cases/{case.reference}" for case in cases.values()]
    for path in gets:
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/login?next="), path
        assert "王小明" not in response.text and "13800138000" not in response.text
    posts = ["/console/logout"] + [
        f"/console/cases/{case.reference}/{action}"
        for case in cases.values()
        for action in ("status", "notes", "assign")
    ]
    for path in posts:
        response = post(anonymous, path, {"to": "accepted", "text": "x", "assignee": "1", "csrf_token": "x"})
        assert response.status_code == 303 and response.headers["location"].startswith("/console/login"), path
    assert anonymous.get("/console/login").status_code == 200


def test_a_role_that_does_not_need_personal_data_sees_it_masked(
    client: TestClient, engine: Engine, rasa: FakeRasa
) -> None:
    case = add_case(engine, CaseKind.handoff, conversation="masked-1")
    rasa.trackers["masked-1"] = {
        "events": [
            {
                "event": "user",
                "text": "我是王小明，电话13800138000，身份证110101199003071234",
                "timestamp": 1_700_000_000,
            },
            {"event": "bot", "text": "已为您转人工。", "timestamp": 1_700_000_001},
        ]
    }
    # A handoff carries no name or phone of its own; give it some to show they are masked.
    with Session(engine) as db:
        stored = db.get(Case, case.id)
        assert stored is not None
        stored.applicant_name, stored.phone = "王小明", "13800138000"
        db.add(stored)
        db.commit()
    add_user(engine, "editor", "knowledge_editor")
    signed_in(client, "editor")
    page = client.get(f"/console/cases/{case.reference}").text
    assert "王小明" not in page and "13800138000" not in page and "110101199003071234" not in page
    assert "王**" in page and "138****8000" in page
    queue = client.get("/console/queue").text
    assert "王小明" not in queue and "138****8000" in queue
    export = client.get("/console/export.csv").text
    assert "王小明" not in export and "138****8000" in export and "王**" in export


def test_roles_with_personal_data_see_it_in_clear(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.mediation, details={"other_party": "李四", "dispute_summary": "李四的狗咬人"})
    add_user(engine, "tiao", "mediator")
    signed_in(client, "tiao")
    page = client.get(f"/console/cases/{case.reference}").text
    assert "王小明" in page and "13800138000" in page and "李四的狗咬人" in page


def test_a_role_without_personal_data_cannot_find_people_by_name_or_phone(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.handoff, conversation="search-1")
    with Session(engine) as db:
        stored = db.get(Case, case.id)
        assert stored is not None
        stored.applicant_name, stored.phone = "赵六", "13900001111"
        db.add(stored)
        db.commit()
    add_user(engine, "editor", "knowledge_editor")
    signed_in(client, "editor")
    for q in ("赵六", "13900001111", "0001111"):
        assert f'id="case-{case.reference}"' not in client.get("/console/queue", params={"q": q}).text, q
    assert f'id="case-{case.reference}"' in client.get("/console/queue", params={"q": case.reference.lower()}).text


def test_an_account_whose_role_was_removed_can_do_nothing(client: TestClient, engine: Engine) -> None:
    add_case(engine, CaseKind.danger)
    add_user(engine, "ghost", "former_role")
    assert login(client, "ghost").status_code == 303  # signing in works; every page is then refused
    for path in ("/console/queue", "/console/export.csv", "/console/gaps"):
        assert client.get(path).status_code == 403
