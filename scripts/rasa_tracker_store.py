"""Rasa's SQL tracker store when its database goes away for a while (PostgreSQL restarting).

Rasa wraps every tracker store in FailSafeTrackerStore, which on any error falls back to an empty
in-memory tracker: the resident's turn "works" but without the conversation so far, and the turn
is kept only in that process's memory. Better to fail the turn: the API then answers 503 with a
Chinese "please retry" (api/resident_texts.yml: dialogue_unavailable) and nothing is lost or forked.

Rasa's engine also gets pool_pre_ping, so after the database returns the pool swaps its dead
connections for new ones instead of failing the first turn, and hide_parameters, so an error's
text never quotes a resident's words into Rasa's log.

On PostgreSQL the tracker store's sessions commit without waiting for the disk
(`synchronous_commit=off`): Rasa commits each turn from its event loop, and a commit that
waits for the write-ahead log's flush holds every other resident's turn on that server with
it. The same choice as SQLite's in scripts/rasa_speed.py: a crash of Rasa loses nothing it
committed; a crash of PostgreSQL itself may lose the last fraction of a second of turns
(PostgreSQL flushes its log every 200 ms), never consistency. Cases and the audit log are
written by the API and the action servers, on their own connections, durably as before.

Runs in the bot environment (Rasa 3.6, SQLAlchemy 1.4); imports Rasa only when installed.
"""

from __future__ import annotations

from typing import Any


def _raise(error: Exception) -> None:
    raise error


def install() -> None:
    from rasa.core import agent, tracker_store

    class FailingTrackerStore(tracker_store.FailSafeTrackerStore):  # type: ignore[misc]
        def __init__(self, store: Any, on_tracker_store_error: Any = None, fallback_tracker_store: Any = None):
            super().__init__(store, on_tracker_store_error or _raise, fallback_tracker_store)

    agent.FailSafeTrackerStore = FailingTrackerStore
    engine_options = tracker_store.create_engine_kwargs

    def with_recovery(url: Any) -> dict[str, Any]:
        options = {**engine_options(url), "pool_pre_ping": True, "hide_parameters": True}
        if tracker_store.is_postgresql_url(url):
            connect = dict(options.get("connect_args", {}))
            connect["options"] = f"{connect.get('options', '')} -csynchronous_commit=off".strip()
            options["connect_args"] = connect
        return options

    tracker_store.create_engine_kwargs = with_recovery
