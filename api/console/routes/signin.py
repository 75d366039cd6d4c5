"""Signing in and out of the console."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from api.console import audit
from api.console.auth import LoginRefused, authenticate, close_session, open_session
from api.console.deps import ClockDep, ConsoleDenied, PostingStaffDep, StaffDep, TextsDep
from api.console.pages import console_router, cookie_policy, redirect, render, safe_next
from api.console.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, new_token, same_token
from api.deps import SessionDep, SettingsDep
from api.settings import Settings

LOGIN_FORM_SECONDS = 3600

router = console_router()


def _login_page(
    settings: Settings, *, next_url: str, status_code: int = 200, error: str | None = None, **extra: Any
) -> HTMLResponse:
    token = new_token()
    response = render(
        "login.html", status_code=status_code, csrf=token, next_url=safe_next(next_url), error=error, **extra
    )
    cookie_policy(settings, LOGIN_FORM_SECONDS).set(response, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
def login_page(
    settings: SettingsDep, messages_: TextsDep, next: str = "/console/queue", expired: str = "", out: str = ""
) -> HTMLResponse:
    notice = None
    if expired:
        notice = messages_.messages.session_expired
    elif out:
        notice = messages_.messages.signed_out
    return _login_page(settings, next_url=next, notice=notice, username="")


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    messages_: TextsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console/queue",
) -> Response:
    # No session yet: the form's token must match the cookie set with the form (double submit).
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise ConsoleDenied(403, "csrf_failed")
    now = clock()
    try:
        user = authenticate(
            session,
            username=username,
            password=password,
            now=now,
            max_failures=settings.console_max_failures,
            lockout_minutes=settings.console_lockout_minutes,
        )
    except LoginRefused as refused:
        if refused.code == "locked":
            error, status_code = messages_.messages.locked.format(minutes=refused.minutes), 429
        else:
            error, status_code = messages_.messages.login_failed, 401
        return _login_page(settings, next_url=next, status_code=status_code, error=error, username=username[:32])
    token, _ = open_session(session, user=user, now=now, hours=settings.console_session_hours)
    response = redirect(safe_next(next))
    policy = cookie_policy(settings, settings.console_session_hours * 3600)
    policy.set(response, SESSION_COOKIE, token)
    policy.delete(response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(staff: PostingStaffDep, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> Response:
    audit.record(session, action="logout", at=clock(), user=staff.user)
    close_session(session, staff.session)
    response = redirect("/console/login?out=1")
    cookie_policy(settings, 0).delete(response, SESSION_COOKIE)
    return response


@router.get("/")
def home(staff: StaffDep) -> Response:
    return redirect("/console/queue")
