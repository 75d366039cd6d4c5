"""Rasa's SQL tracker store when its database goes away for a while (PostgreSQL restarting).

Rasa wraps every tracker store in FailSafeTrackerStore, which on any error falls back to an empty
in-memory tracker: the resident's turn "works" but without the conversation so far, and the turn
is kept only in that process's memory. Better to fail the turn: the API then answers 503 with a
Chinese "please retry" (api/resident_texts.yml: dialogue_unavailable) and nothing is lost or forked.

Rasa's engine also gets pool_pre_ping, so after the database returns the pool swaps its dead
connections for new ones instead of failing the first turn, and hide_parameters, so an error's
text never quotes a resident's words into Rasa's log.

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
        return {**engine_options(url), "pool_pre_ping": True, "hide_parameters": True}

    tracker_store.create_engine_kwargs = with_recovery
