"""Signing in and out of the console."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.console import throttle
from api.console.auth import LoginRefused, authenticate, close_session, open_session, throttle_name
from api.console.deps import ClockDep, ConsoleDenied, PostingDep, StaffDep, TextsDep
from api.console.pages import console_router, cookie_policy, redirect, render, safe_next
from api.console.security import (
    LOGIN_CSRF_COOKIE,
    PASSWORD_CHECKS,
    SESSION_COOKIE,
    PasswordChecksBusy,
    new_token,
    same_token,
)
from api.console.throttle import ThrottlePolicy
from api.deps import SessionDep, SettingsDep
from api.security.client_address import ClientAddresses
from casebook import audit
from casebook.settings import Settings

LOGIN_FORM_SECONDS = 3600
# How long a sign-in waits for a free password-check slot before "busy, try again".
PASSWORD_SLOT_WAIT_SECONDS = 5.0

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
    settings: SettingsDep, texts: TextsDep, next: str = "/console/queue", expired: str = "", out: str = ""
) -> HTMLResponse:
    notice = None
    if expired:
        notice = texts.messages.session_expired
    elif out:
        notice = texts.messages.signed_out
    return _login_page(settings, next_url=next, notice=notice, username="")


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    texts: TextsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console/queue",
) -> Response:
    """Async so that waiting (a slowdown, a busy password check) holds no worker thread; the
    password check itself runs in the thread pool, a bounded number at once."""
    # No session yet: the form's token must match the cookie set with the form (double submit).
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise ConsoleDenied(403, "csrf_failed")

    def refused(error: str, status_code: int) -> HTMLResponse:
        return _login_page(settings, next_url=next, status_code=status_code, error=error, username=username[:32])

    policy = ThrottlePolicy.of(settings)
    client = throttle.client_id(ClientAddresses.from_settings(settings).of(request.scope))
    name = throttle_name(username)

    def check_throttle() -> throttle.Verdict:
        verdict = throttle.before_check(session, username=name, client=client, now=clock(), policy=policy)
        session.rollback()  # hold no database connection while waiting below
        return verdict

    def sign_in() -> str:
        now = clock()
        user = authenticate(session, username=username, password=password, client=client, now=now, policy=policy)
        token, _ = open_session(session, user=user, now=now, hours=settings.console_session_hours)
        return token

    # Database work runs in the thread pool: blocking there never stalls the event loop.
    verdict = await run_in_threadpool(check_throttle)
    if verdict.locked_minutes:
        return refused(texts.messages.locked.format(minutes=verdict.locked_minutes), 429)
    await asyncio.sleep(verdict.wait_seconds)
    try:
        async with PASSWORD_CHECKS.slot(
            limit=settings.console_password_checks, wait_seconds=PASSWORD_SLOT_WAIT_SECONDS
        ):
            token = await run_in_threadpool(sign_in)
    except PasswordChecksBusy:
        return refused(texts.messages.login_busy, 503)
    except LoginRefused as refusal:
        if refusal.code == "locked":
            return refused(texts.messages.locked.format(minutes=refusal.minutes), 429)
        return refused(texts.messages.login_failed, 401)
    response = redirect(safe_next(next))
    cookies = cookie_policy(settings, settings.console_session_hours * 3600)
    cookies.set(response, SESSION_COOKIE, token)
    cookies.delete(response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(context: PostingDep) -> Response:
    audit.record(context.session, action="logout", at=context.clock(), user=context.staff.user)
    close_session(context.session, context.staff.session)
    response = redirect("/console/login?out=1")
    cookie_policy(context.settings, 0).delete(response, SESSION_COOKIE)
    return response


@router.get("/")
def home(staff: StaffDep) -> Response:
    return redirect("/console/queue")
