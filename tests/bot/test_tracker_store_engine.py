"""Rasa's SQL tracker store engine (scripts/rasa_tracker_store.py): recovers from a database that
went away, keeps residents' words out of errors, and on PostgreSQL does not make every other
turn wait for each commit's flush to disk."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core import agent, tracker_store

from scripts import rasa_tracker_store

POSTGRESQL = "postgresql://rasa:secret@127.0.0.1:5433/assistant"


@pytest.fixture
def engine_options(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(tracker_store, "create_engine_kwargs", tracker_store.create_engine_kwargs)
    monkeypatch.setattr(agent, "FailSafeTrackerStore", agent.FailSafeTrackerStore)
    rasa_tracker_store.install()
    return tracker_store.create_engine_kwargs


def test_postgresql_sessions_commit_without_waiting_for_the_disk(engine_options: Any) -> None:
    options = engine_options(POSTGRESQL)
    assert options["connect_args"]["options"] == "-csynchronous_commit=off"
    assert options["pool_pre_ping"] is True and options["hide_parameters"] is True
    assert "pool_size" in options  # Rasa's own pool settings kept


def test_a_schema_rasa_was_told_to_use_is_kept_beside_it(engine_options: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRESQL_SCHEMA", "dialogue")
    options = engine_options(POSTGRESQL)["connect_args"]["options"].split()
    assert options == ["-csearch_path=dialogue", "-csynchronous_commit=off"]


def test_sqlite_is_left_to_its_own_settings(engine_options: Any) -> None:
    options = engine_options("sqlite:///var/assistant.db")
    assert "connect_args" not in options
    assert options == {"pool_pre_ping": True, "hide_parameters": True}
