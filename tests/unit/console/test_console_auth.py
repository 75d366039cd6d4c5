"""Signing in and out: passwords, cookies, CSRF, lockout and its end, session expiry."""

from __future__ import annotations

import pytest
from console_helpers import PASSWORD, FakeClock, add_case, add_user, csrf_of, login, post, signed_in
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console import security, throttle
from casebook.console_tables import LoginCounter, StaffSession
from casebook.models import CaseKind
from casebook.settings import Settings, get_settings


def test_passwords_are_salted_scrypt_hashes_checked_in_constant_time() -> None:
    first, second = security.hash_password("一二三四五六七八九十abc"), security.hash_password("一二三四五六七八九十abc")
    assert first != second and first.startswith(f"scrypt${security.SCRYPT_N}$8$1$")
    assert "一二三" not in first
    assert security.verify_password("一二三四五六七八九十abc", first)
    assert not security.verify_password("一二三四五六七八九十abd", first)
    assert not security.verify_password("x", "md5$abc") and not security.verify_password("x", "garbage")
    assert security.same_token("abc", "abc") and not security.same_token("abc", "abd")
    assert not security.same_token("", "") and not security.same_token(None, "abc")


@pytest.mark.parametrize(
    ("password", "weak"),
    [
        ("short", True),
        ("a" * 20, True),
        ("zhangsan-password", True),
        ("password1234", True),  # a common password padded to length
        ("Woaini1314!!!", True),
        ("123456789012", True),  # a run of the keyboard
        ("qwertyuiopas", True),
        ("1qaz2wsx3edc", True),
        ("2026-06-03!!", True),  # nothing but digits and punctuation
        ("长城长城长城长城长城长城", False),
        ("correct horse battery", False),
        (PASSWORD, False),
    ],
)
def test_weak_passwords_are_recognised(password: str, weak: bool) -> None:
    assert security.is_weak_password(password, username="zhangsan") is weak


def test_signing_in_sets_a_strict_http_only_session_cookie(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    response = login(client, "zhang")
    assert response.status_code == 303 and response.headers["location"] == "/console/queue"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("console_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Max-Age=28800" in cookie  # 8 hours by default
    with Session(engine) as db:
        stored = db.exec(select(StaffSession)).one()
    token = cookie.split(";")[0].split("=", 1)[1]
    assert stored.token_hash == security.token_hash(token) and stored.token_hash != token
    page = client.get("/console/queue")
    assert page.status_code == 200 and "zhang同志" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_cookies_are_secure_unless_turned_off(console_settings: Settings, app: FastAPI, engine: Engine) -> None:
    app.dependency_overrides[get_settings] = lambda: console_settings.model_copy(
        update={"console_secure_cookies": True}
    )
    add_user(engine, "zhang", "head")
    with TestClient(app) as client:
        page = client.get("/console/login")
        assert "Secure" in page.headers["set-cookie"]
        response = client.post(
            "/console/login",
            data={"username": "zhang", "password": PASSWORD, "csrf_token": csrf_of(page)},
            headers={"cookie": f"console_login_csrf={csrf_of(page)}"},
            follow_redirects=False,
        )
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("console_session="))
        assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    wrong = login(client, "zhang", "not-the-password-1")
    unknown = login(client, "nobody", "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in wrong.text and "用户名或密码不正确" in unknown.text
    assert "console_session=" not in wrong.headers.get("set-cookie", "")
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_a_disabled_account_cannot_sign_in(client: TestClient, engine: Engine) -> None:
    add_user(engine, "gone", "clerk", active=False)
    assert login(client, "gone").status_code == 401


def test_the_sign_in_form_needs_its_csrf_token(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    client.get("/console/login")
    for token in ("", "forged-token"):
        response = post(client, "/console/login", {"username": "zhang", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 403
        assert "页面已过期" in response.text


def test_after_repeated_failures_the_account_is_locked_then_unlocked_by_time(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    add_user(engine, "zhang", "head")
    for _ in range(4):
        assert login(client, "zhang", "wrong-password-123").status_code == 401
    locked = login(client, "zhang", "wrong-password-123")
    assert locked.status_code == 429 and "15 分钟" in locked.text
    # While locked even the right password is refused.
    assert login(client, "zhang").status_code == 429
    clock.advance(minutes=14)
    assert login(client, "zhang").status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert login(client, "zhang").status_code == 303
    with Session(engine) as db:
        # A success forgets this client's failures on the account.
        assert db.get(LoginCounter, f"pair:zhang:{throttle.client_id('testclient')}") is None


def test_unknown_usernames_lock_the_same_way_so_lockouts_reveal_nothing(client: TestClient) -> None:
    for _ in range(4):
        assert login(client, "nobody", "wrong-password-123").status_code == 401
    assert login(client, "nobody", "wrong-password-123").status_code == 429


def test_a_success_resets_the_count_of_failures(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    for _ in range(4):
        login(client, "zhang", "wrong-password-123")
    assert login(client, "zhang").status_code == 303
    for _ in range(4):
        assert login(client, "zhang", "wrong-password-123").status_code == 401


def test_signing_out_ends_the_session(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    token = signed_in(client, "zhang")
    cookie = client.cookies.get("console_session")
    response = post(client, "/console/logout", {"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/console/login?out=1"
    assert "您已退出登录" in client.get("/console/login?out=1").text
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    # The old cookie is worthless now, even if someone kept a copy.
    with TestClient(client.app) as other:
        other.cookies.set("console_session", cookie or "", path="/console")
        assert other.get("/console/queue", follow_redirects=False).status_code == 303
    with Session(engine) as db:
        assert db.exec(select(StaffSession)).all() == []


def test_sign_out_needs_the_csrf_token(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    assert post(client, "/console/logout", {}).status_code == 403
    assert client.get("/console/queue").status_code == 200


@pytest.mark.parametrize("token", ["", "wrong", None])
def test_every_change_needs_the_sessions_csrf_token(client: TestClient, engine: Engine, token: str | None) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    data = {} if token is None else {"csrf_token": token}
    base = f"/console/cases/{case.reference}"
    assert post(client, f"{base}/status", {**data, "to": "accepted"}).status_code == 403
    assert post(client, f"{base}/notes", {**data, "text": "备注"}).status_code == 403
    assert post(client, f"{base}/assign", {**data, "assignee": ""}).status_code == 403
    page = client.get(base).text
    assert 'data-status="new"' in page and "还没有备注" in page


def test_another_sessions_csrf_token_does_not_work(client: TestClient, anonymous: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "zhang", "head")
    add_user(engine, "lisi", "legal_aid_reviewer")
    signed_in(client, "zhang")
    others_token = signed_in(anonymous, "lisi")
    assert (
        post(
            client, f"/console/cases/{case.reference}/status", {"to": "accepted", "csrf_token": others_token}
        ).status_code
        == 403
    )


def test_sessions_expire(client: TestClient, engine: Engine, clock: FakeClock) -> None:
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    for _ in range(23):  # a working day of pages, one every 20 minutes: 7 h 40 min
        clock.advance(minutes=20)
        assert client.get("/console/queue").status_code == 200
    clock.advance(minutes=19)
    assert client.get("/console/queue").status_code == 200
    clock.advance(minutes=2)
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert "登录已过期" in client.get(response.headers["location"]).text


def test_a_session_left_unused_ends_after_the_idle_timeout(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    clock.advance(minutes=29)
    assert client.get("/console/queue").status_code == 200  # use resets the idle clock
    clock.advance(minutes=29)
    assert client.get("/console/queue").status_code == 200
    clock.advance(minutes=30, seconds=1)
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    with Session(engine) as db:
        assert db.exec(select(StaffSession)).all() == []


def test_after_signing_in_the_page_asked_for_opens(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "zhang", "head")
    redirect = client.get(f"/console/cases/{case.reference}", follow_redirects=False)
    page = client.get(redirect.headers["location"])
    response = post(
        client,
        "/console/login",
        {
            "username": "zhang",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
            "next": f"/console/cases/{case.reference}",
        },
    )
    assert response.headers["location"] == f"/console/cases/{case.reference}"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/console\\..\\x", "/api/health"])
def test_sign_in_never_redirects_elsewhere(client: TestClient, engine: Engine, target: str) -> None:
    add_user(engine, "zhang", "head")
    page = client.get("/console/login")
    response = post(
        client,
        "/console/login",
        {"username": "zhang", "password": PASSWORD, "csrf_token": csrf_of(page), "next": target},
    )
    assert response.headers["location"] == "/console/queue"
