"""The admin command: the first account, no weak or missing passwords, unlocking, disabling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from console_helpers import PASSWORD, add_user, login
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console import admin
from api.console.security import verify_password
from casebook.console_tables import LoginCounter, StaffSession, StaffUser

STRONG = "长江黄河-2026-示例区"


def run(engine: Engine, *argv: str, env: dict[str, str] | None = None, answers: list[str] | None = None) -> list[str]:
    printed: list[str] = []
    replies = iter(answers) if answers is not None else None
    admin.run(
        list(argv),
        engine=engine,
        env=env or {},
        out=printed.append,
        prompt=(lambda _question: next(replies)) if replies is not None else None,
    )
    return printed


def users(engine: Engine) -> list[StaffUser]:
    with Session(engine) as db:
        return list(db.exec(select(StaffUser)).all())


def test_create_user_takes_the_password_from_the_environment(engine: Engine) -> None:
    printed = run(
        engine,
        "create-user",
        "--username",
        "Zhang",
        "--role",
        "head",
        "--display-name",
        "张所长",
        env={"CONSOLE_PASSWORD": STRONG},
    )
    (user,) = users(engine)
    assert user.username == "zhang" and user.role == "head" and user.display_name == "张所长" and user.active
    assert verify_password(STRONG, user.password_hash) and STRONG not in user.password_hash
    assert printed == ["已创建账号 zhang（所长）。"]


def test_create_user_asks_twice_at_a_terminal(engine: Engine) -> None:
    run(
        engine, "create-user", "--username", "wang", "--role", "clerk", "--display-name", "王", answers=[STRONG, STRONG]
    )
    assert verify_password(STRONG, users(engine)[0].password_hash)
    with pytest.raises(admin.AdminError, match="不一致"):
        run(
            engine,
            "create-user",
            "--username",
            "wang2",
            "--role",
            "clerk",
            "--display-name",
            "王",
            answers=[STRONG, "x"],
        )


@pytest.mark.parametrize("password", ["", "short-1", "aaaaaaaaaaaaaaaa", "zhao-is-my-password"])
def test_weak_passwords_are_refused(engine: Engine, password: str) -> None:
    with pytest.raises(admin.AdminError, match="密码"):
        run(
            engine,
            *("create-user", "--username", "zhao", "--role", "clerk", "--display-name", "赵"),
            env={"CONSOLE_PASSWORD": password},
        )
    assert users(engine) == []


def test_a_missing_password_is_refused_without_a_terminal(engine: Engine) -> None:
    with pytest.raises(admin.AdminError, match="CONSOLE_PASSWORD"):
        run(engine, "create-user", "--username", "zhao", "--role", "clerk", "--display-name", "赵")
    assert users(engine) == []


def test_unknown_roles_bad_usernames_and_duplicates_are_refused(engine: Engine) -> None:
    env = {"CONSOLE_PASSWORD": STRONG}
    with pytest.raises(admin.AdminError, match="head"):
        run(engine, "create-user", "--username", "zhao", "--role", "boss", "--display-name", "赵", env=env)
    with pytest.raises(admin.AdminError, match="用户名"):
        run(engine, "create-user", "--username", "赵", "--role", "clerk", "--display-name", "赵", env=env)
    run(engine, "create-user", "--username", "zhao", "--role", "clerk", "--display-name", "赵", env=env)
    with pytest.raises(admin.AdminError, match="已经存在"):
        run(engine, "create-user", "--username", "ZHAO", "--role", "clerk", "--display-name", "赵", env=env)


def test_the_created_account_signs_in(client: TestClient, engine: Engine) -> None:
    run(
        engine,
        "create-user",
        "--username",
        "zhang",
        "--role",
        "head",
        "--display-name",
        "张",
        env={"CONSOLE_PASSWORD": STRONG},
    )
    assert login(client, "zhang", STRONG).status_code == 303


def test_list_users_and_unlock(engine: Engine) -> None:
    assert run(engine, "list-users") == ["还没有任何账号。请用 create-user 创建第一个（通常是所长，岗位 head）。"]
    add_user(engine, "zhang", "head", display_name="张所长")
    with Session(engine) as db:
        locked = datetime.now(UTC) + timedelta(minutes=10)
        db.add(LoginCounter(key="pair:zhang:0123456789abcdef", username="zhang", locked_until=locked))
        db.commit()
    (line,) = run(engine, "list-users")
    assert line.startswith("zhang\t所长\t张所长\t锁定至")
    assert run(engine, "unlock", "--username", "zhang") == ["已解锁账号 zhang。"]
    assert run(engine, "list-users") == ["zhang\t所长\t张所长\t正常"]
    with pytest.raises(admin.AdminError, match="没有用户名为 nobody"):
        run(engine, "unlock", "--username", "nobody")


def test_deactivating_and_new_passwords_end_the_sessions(client: TestClient, engine: Engine) -> None:
    add_user(engine, "zhang", "head")
    assert login(client, "zhang").status_code == 303
    run(engine, "deactivate", "--username", "zhang")
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    assert login(client, "zhang").status_code == 401
    assert run(engine, "list-users") == ["zhang\t所长\tzhang同志\t已停用"]
    run(engine, "set-password", "--username", "zhang", env={"CONSOLE_PASSWORD": STRONG})
    assert login(client, "zhang", PASSWORD).status_code == 401
    assert login(client, "zhang", STRONG).status_code == 303
    with Session(engine) as db:
        assert len(db.exec(select(StaffSession)).all()) == 1


def test_main_reports_refusals_with_exit_status_1(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'admin.db'}")
    monkeypatch.setenv("CONSOLE_PASSWORD", "short")
    admin.get_settings.cache_clear()
    try:
        status = admin.main(["create-user", "--username", "zhang", "--role", "head", "--display-name", "张"])
        assert status == 1 and "密码太弱" in capsys.readouterr().err
        monkeypatch.setenv("CONSOLE_PASSWORD", STRONG)
        assert admin.main(["create-user", "--username", "zhang", "--role", "head", "--display-name", "张"]) == 0
    finally:
        admin.get_settings.cache_clear()
