"""Managing console accounts from the command line (nothing ships with a default account):

    python -m api.console.admin create-user --username zhang --role head --display-name 张所长
    python -m api.console.admin list-users
    python -m api.console.admin unlock --username zhang
    python -m api.console.admin set-password --username zhang
    python -m api.console.admin deactivate --username zhang
    python -m api.console.admin verify-audit

verify-audit walks the audit log's hash chain and exits with status 1 at the first row that was
changed, deleted or slipped in (run it from cron; a failure is worth a phone call).

The password is read from a prompt, or from the environment variable CONSOLE_PASSWORD for
scripted installs; it is never an argument (arguments end up in shell history and `ps`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console import throttle
from api.console.auth import USERNAME_PATTERN, end_all_sessions, find_user, normalize_username, unlock
from api.console.password_policy import MIN_PASSWORD_CHARS
from api.console.roles import Roles
from api.console.security import hash_password, is_weak_password
from api.console.texts import AdminTexts, console_texts
from casebook import audit_chain
from casebook.console_tables import StaffUser
from casebook.db import create_db_engine, init_db
from casebook.settings import get_settings

PASSWORD_ENV = "CONSOLE_PASSWORD"


class AdminError(Exception):
    """A refusal the command prints and exits with status 1 for."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m api.console.admin", description="Staff console accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create an account (password from a prompt or CONSOLE_PASSWORD)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--display-name", required=True)
    commands.add_parser("list-users", help="list the accounts")
    commands.add_parser("verify-audit", help="check the audit log's hash chain; exit 1 at the first broken row")
    for name, text in (
        ("unlock", "lift a lockout after repeated wrong passwords"),
        ("set-password", "set a new password, end the account's sessions (re-enables a disabled account)"),
        ("deactivate", "disable an account and end its sessions"),
    ):
        commands.add_parser(name, help=text).add_argument("--username", required=True)
    return parser


Prompt = Callable[[str], str]


def read_password(words: AdminTexts, *, username: str, env: Mapping[str, str], prompt: Prompt | None) -> str:
    """From CONSOLE_PASSWORD, else asked twice; `prompt` is None when nobody is at a terminal."""
    password = env.get(PASSWORD_ENV)
    if password is None:
        if prompt is None:
            raise AdminError(words.password_missing)
        password = prompt(words.password_prompt.format(min=MIN_PASSWORD_CHARS))
        if prompt(words.password_again) != password:
            raise AdminError(words.password_mismatch)
    if not password:
        raise AdminError(words.password_missing)
    if is_weak_password(password, username=username):
        raise AdminError(words.password_weak.format(min=MIN_PASSWORD_CHARS))
    return password


def _existing(session: Session, words: AdminTexts, username: str) -> StaffUser:
    user = find_user(session, username)
    if user is None:
        raise AdminError(words.user_unknown.format(username=username))
    return user


def run(
    argv: Sequence[str],
    *,
    engine: Engine,
    env: Mapping[str, str],
    out: Callable[[str], None] = print,
    prompt: Prompt | None = None,
) -> None:
    args = _parser().parse_args(argv)
    words = console_texts().admin
    roles = Roles.load()
    with Session(engine) as session:
        if args.command == "create-user":
            username = normalize_username(args.username)
            if not re.fullmatch(USERNAME_PATTERN, username):
                raise AdminError(words.username_invalid)
            role = roles.get(args.role)
            if role is None:
                raise AdminError(words.role_unknown.format(role=args.role, roles="、".join(roles.ids())))
            if find_user(session, username) is not None:
                raise AdminError(words.username_taken.format(username=username))
            password = read_password(words, username=username, env=env, prompt=prompt)
            display_name = args.display_name.strip()[:50] or username
            session.add(
                StaffUser(
                    username=username, display_name=display_name, role=role.id, password_hash=hash_password(password)
                )
            )
            session.commit()
            out(words.user_created.format(username=username, role=role.title))
        elif args.command == "list-users":
            _list_users(session, words, roles, out)
        elif args.command == "verify-audit":
            _verify_audit(session, words, out)
        elif args.command == "unlock":
            user = _existing(session, words, args.username)
            unlock(session, user.username)
            out(words.user_unlocked.format(username=user.username))
        elif args.command == "set-password":
            user = _existing(session, words, args.username)
            user.password_hash = hash_password(read_password(words, username=user.username, env=env, prompt=prompt))
            user.active = True
            session.add(user)
            session.commit()
            end_all_sessions(session, user)
            out(words.password_set.format(username=user.username))
        elif args.command == "deactivate":
            user = _existing(session, words, args.username)
            user.active = False
            session.add(user)
            session.commit()
            end_all_sessions(session, user)
            out(words.user_deactivated.format(username=user.username))


def _list_users(session: Session, words: AdminTexts, roles: Roles, out: Callable[[str], None]) -> None:
    users = session.exec(select(StaffUser).order_by(StaffUser.username)).all()
    if not users:
        out(words.no_users)
        return
    now = datetime.now(UTC)
    zone = ZoneInfo(get_settings().office_timezone)
    for user in users:
        state = words.state_active
        locked = throttle.locked_until(session, user.username, now)
        if not user.active:
            state = words.state_inactive
        elif locked is not None:
            state = words.state_locked.format(until=f"{locked.astimezone(zone):%H:%M}")
        role = roles.get(user.role)
        out(
            words.user_line.format(
                username=user.username,
                role=role.title if role else user.role,
                display_name=user.display_name,
                state=state,
            )
        )


def _verify_audit(session: Session, words: AdminTexts, out: Callable[[str], None]) -> None:
    report = audit_chain.verify(session)
    if not report.intact:
        assert report.reason is not None
        raise AdminError(words.audit_broken.format(id=report.broken_at, reason=words.audit_reasons[report.reason]))
    out(words.audit_intact.format(rows=report.rows))
    if report.unchained:
        out(words.audit_unchained.format(rows=report.unchained))


def main(argv: Sequence[str] | None = None) -> int:
    engine = create_db_engine(get_settings().database_url_absolute)
    try:
        init_db(engine)
        prompt = getpass.getpass if sys.stdin.isatty() else None
        run(sys.argv[1:] if argv is None else argv, engine=engine, env=os.environ, prompt=prompt)
    except AdminError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
