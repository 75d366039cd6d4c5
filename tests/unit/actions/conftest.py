"""The action tests' fixtures: `turn` and `run` (action_harness.py's `make_turn`, `run_action`), the
office clock, and the database and knowledge layer, which a test reaches only by asking for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NoReturn

import pytest
from action_harness import NOW, Run, Turn, make_turn, run_action
from sqlalchemy.engine import Engine

from actions import runtime
from knowledge.consultant import Consultant


@pytest.fixture
def turn() -> Turn:
    return make_turn


@pytest.fixture
def run() -> Run:
    return run_action


def _not_requested(resource: str, fixture: str) -> Callable[[], NoReturn]:
    def refuse() -> NoReturn:
        # pytest.fail raises a BaseException: the actions' own `except Exception` cannot swallow it.
        pytest.fail(f"this test uses the {resource}: request the `{fixture}` fixture")

    return refuse


@pytest.fixture(autouse=True)
def _only_requested_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    """An action test reaches the database or the knowledge layer only through `real_db` or
    `real_consultant` (which replace these refusals), never the developer's own var/ files, and
    a test that loads the encoder says so (it is marked `model` and left out of make test-fast)."""
    monkeypatch.setattr(runtime, "engine", _not_requested("database", "real_db"))
    monkeypatch.setattr(runtime, "consultant", _not_requested("knowledge layer", "real_consultant"))


@pytest.fixture
def real_db(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Engine:
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    return engine


@pytest.fixture
def office_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The actions' one clock (runtime.office_now) stopped at NOW."""
    monkeypatch.setattr(runtime, "office_now", lambda: NOW)
    return NOW


@pytest.fixture
def quick_knowledge(monkeypatch: pytest.MonkeyPatch, quick_consultant: Consultant) -> Consultant:
    """A knowledge layer without the encoder (tests/conftest.py `quick_consultant`), for tests in
    which a message passes through it but its answer is not what they check."""
    monkeypatch.setattr(runtime, "consultant", lambda: quick_consultant)
    return quick_consultant


@pytest.fixture
def real_consultant(monkeypatch: pytest.MonkeyPatch, consultant: Consultant) -> Consultant:
    """The real knowledge layer (loads the encoder: the test is marked `model`)."""
    monkeypatch.setattr(runtime, "consultant", lambda: consultant)
    return consultant
