"""Dependencies of the console routes: the clock, the data files, the signed-in staff member,
the CSRF check every form post passes, and the one context a page is made with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from sqlmodel import Session

from api.console.auth import session_for
from api.console.roles import Permission, Role, Roles
from api.console.security import SESSION_COOKIE, same_token
from api.console.texts import ConsoleTexts, console_texts
from api.console.workflow import Workflow, workflow
from api.deps import SessionDep, SettingsDep
from casebook.console_tables import StaffSession, StaffUser
from casebook.settings import Settings

Clock = Callable[[], datetime]


def get_clock() -> Clock:
    """Now, in UTC. Tests override it to walk through lockouts, expiries and deadlines."""
    return lambda: datetime.now(UTC)


@cache
def _roles() -> Roles:
    return Roles.load()


def get_roles() -> Roles:
    return _roles()


def get_workflow() -> Workflow:
    return workflow()


def get_texts() -> ConsoleTexts:
    return console_texts()


ClockDep = Annotated[Clock, Depends(get_clock)]
RolesDep = Annotated[Roles, Depends(get_roles)]
WorkflowDep = Annotated[Workflow, Depends(get_workflow)]
TextsDep = Annotated[ConsoleTexts, Depends(get_texts)]


class LoginRequired(Exception):
    """No live session: the route answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str, *, expired: bool):
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired

    @property
    def location(self) -> str:
        return f"/console/login?next={quote(self.next_url, safe='/')}" + ("&expired=1" if self.expired else "")


class ConsoleDenied(Exception):
    """A refusal shown as a Chinese error page; `code` names the message in texts.yml."""

    def __init__(self, status_code: int, code: str):
        super().__init__(code)
        self.status_code = status_code
        self.code = code


@dataclass(frozen=True)
class Staff:
    user: StaffUser
    session: StaffSession
    role: Role

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def require(self, *permissions: Permission) -> None:
        """Refuse the request unless the role has every one of `permissions` (roles.yml)."""
        if not all(self.role.may(permission) for permission in permissions):
            raise ConsoleDenied(403, "action_not_allowed")


def current_staff(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep, roles: RolesDep
) -> Staff:
    token = request.cookies.get(SESSION_COOKIE)
    found = session_for(session, token=token, now=clock(), idle=timedelta(minutes=settings.console_idle_minutes))
    if found is None:
        # Only pages are worth coming back to after signing in; a form post starts over.
        back = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            back = "/console/queue"
        raise LoginRequired(back, expired=bool(token))
    user, staff_session = found
    role = roles.get(user.role)
    if role is None:  # the role was removed from roles.yml: the account can do nothing
        raise ConsoleDenied(403, "forbidden")
    return Staff(user=user, session=staff_session, role=role)


StaffDep = Annotated[Staff, Depends(current_staff)]


@dataclass(frozen=True)
class ConsoleContext:
    """What a console page is made with: who asks, the database, the settings, the data files and now."""

    staff: Staff
    session: Session
    settings: Settings
    workflow: Workflow
    texts: ConsoleTexts
    roles: Roles
    clock: Clock


def console_context(
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    workflow: WorkflowDep,
    texts_: TextsDep,
    roles: RolesDep,
    clock: ClockDep,
) -> ConsoleContext:
    return ConsoleContext(staff, session, settings, workflow, texts_, roles, clock)


ConsoleDep = Annotated[ConsoleContext, Depends(console_context)]


def posting_context(context: ConsoleDep, csrf_token: Annotated[str, Form()] = "") -> ConsoleContext:
    """The context of a form post that carries its session's CSRF token."""
    if not same_token(csrf_token, context.staff.session.csrf_token):
        raise ConsoleDenied(403, "csrf_failed")
    return context


PostingDep = Annotated[ConsoleContext, Depends(posting_context)]
