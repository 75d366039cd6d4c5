"""The action server's Prometheus metrics (served at its /metrics, actions/server.py)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ACTIONS = Counter(
    "assistant_actions", "Actions Rasa asked the action server to run, by name and outcome.", ["action", "outcome"]
)
ACTION_SECONDS = Histogram(
    "assistant_action_seconds",
    "Time to run an action, by name.",
    ["action"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)
KNOWLEDGE_SEARCH_SECONDS = Histogram(
    "assistant_knowledge_search_seconds",
    "Time the knowledge layer took to read one question (retrieval, articles, verdict).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def record_action(name: str, *, status: int, seconds: float) -> None:
    ACTIONS.labels(action=name, outcome="ok" if status < 400 else "error").inc()
    ACTION_SECONDS.labels(action=name).observe(seconds)
