"""Throttling sign-in: every wrong password counts, a client that guesses is stopped, and nobody
elsewhere can lock a member of staff out of their own desk."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from console_helpers import PASSWORD, FakeClock, add_user, login
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.console import throttle
from api.console.security import PasswordChecks, PasswordChecksBusy
from api.console.throttle import ThrottlePolicy
from casebook.console_tables import LoginCounter
from casebook.settings import Settings, get_settings

POLICY = ThrottlePolicy(
    pair_max_failures=5,
    client_max_failures=20,
    account_slowdown_after=10,
    account_slowdown=timedelta(seconds=3),
    lockout=timedelta(minutes=15),
)


def from_address(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


@pytest.fixture
def desk(app: FastAPI) -> Iterator[TestClient]:
    """The staff member's own computer."""
    with from_address(app, "10.0.0.8") as client:
        yield client


def test_wrong_passwords_counted_at_the_same_moment_all_count(engine: Engine, clock: FakeClock) -> None:
    patient = ThrottlePolicy(**{**POLICY.__dict__, "pair_max_failures": 100, "client_max_failures": 100})

    def one_failure(_: int) -> None:
        with Session(engine) as db:
            throttle.record_failure(db, username="zhang", client="attacker", now=clock(), policy=patient)
            db.commit()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one_failure, range(40)))
    with Session(engine) as db:
        assert db.get(LoginCounter, "account:zhang").failures == 40  # type: ignore[union-attr]
        assert db.get(LoginCounter, "client:attacker").failures == 40  # type: ignore[union-attr]
        assert db.get(LoginCounter, "pair:zhang:attacker").failures == 40  # type: ignore[union-attr]


def test_failures_from_another_client_do_not_lock_the_account_at_its_owners_desk(
    app: FastAPI, desk: TestClient, engine: Engine
) -> None:
    add_user(engine, "zhang", "head")
    with from_address(app, "203.0.113.9") as attacker:
        for _ in range(5):
            login(attacker, "zhang", "wrong-password-123")
        assert login(attacker, "zhang").status_code == 429  # that client is locked out ...
    assert login(desk, "zhang").status_code == 303  # ... the owner at their desk is not


def test_a_client_spraying_usernames_is_stopped_before_each_costs_a_password_hash(
    app: FastAPI, desk: TestClient, engine: Engine
) -> None:
    add_user(engine, "zhang", "head")
    with from_address(app, "203.0.113.9") as sprayer:
        for n in range(20):
            login(sprayer, f"guess{n:02d}", "wrong-password-123")
        assert login(sprayer, "zhang").status_code == 429  # even with the right password
    assert login(desk, "zhang").status_code == 303


def test_many_failures_on_one_account_slow_every_attempt_down_but_refuse_none(engine: Engine, clock: FakeClock) -> None:
    with Session(engine) as db:
        for n in range(10):
            throttle.record_failure(db, username="zhang", client=f"bot{n}", now=clock(), policy=POLICY)
        db.commit()
        fresh = throttle.before_check(db, username="zhang", client="desk", now=clock(), policy=POLICY)
        assert fresh.locked_minutes == 0 and fresh.wait_seconds == 3
        elsewhere = throttle.before_check(db, username="li", client="desk", now=clock(), policy=POLICY)
        assert elsewhere.wait_seconds == 0
        quiet = throttle.before_check(
            db, username="zhang", client="desk", now=clock() + timedelta(minutes=16), policy=POLICY
        )
        assert quiet.wait_seconds == 0  # the window passed


def test_the_owner_signs_in_while_others_guess_at_the_account(
    app: FastAPI, desk: TestClient, engine: Engine, console_settings: Settings
) -> None:
    app.dependency_overrides[get_settings] = lambda: console_settings.model_copy(
        update={"console_account_slowdown_seconds": 0.01}
    )
    add_user(engine, "zhang", "head")
    for n in range(4):
        with from_address(app, f"198.51.100.{n}") as bot:
            for _ in range(5):
                login(bot, "zhang", "wrong-password-123")
    assert login(desk, "zhang", PASSWORD).status_code == 303


def test_a_lockout_ends_with_its_time_and_a_success_forgets_that_clients_failures(
    desk: TestClient, engine: Engine, clock: FakeClock
) -> None:
    add_user(engine, "zhang", "head")
    for _ in range(5):
        login(desk, "zhang", "wrong-password-123")
    assert login(desk, "zhang").status_code == 429
    clock.advance(minutes=15, seconds=1)
    assert login(desk, "zhang").status_code == 303
    for _ in range(4):
        assert login(desk, "zhang", "wrong-password-123").status_code == 401


def test_password_checks_beyond_the_limit_wait_and_are_then_turned_away() -> None:
    checks = PasswordChecks()

    async def scenario() -> None:
        async with checks.slot(limit=1, wait_seconds=1):
            with pytest.raises(PasswordChecksBusy):
                async with checks.slot(limit=1, wait_seconds=0.05):
                    pass
        async with checks.slot(limit=1, wait_seconds=0.05):
            pass  # free again once the first check is done

    asyncio.run(scenario())


def test_sign_in_while_every_password_check_is_busy_answers_busy(
    app: FastAPI, desk: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(engine, "zhang", "head")

    class Full:
        def slot(self, **_: object) -> object:
            raise PasswordChecksBusy

    monkeypatch.setattr("api.console.routes.signin.PASSWORD_CHECKS", Full())
    response = login(desk, "zhang")
    assert response.status_code == 503 and "系统正忙" in response.text
