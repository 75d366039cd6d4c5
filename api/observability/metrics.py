"""The API's Prometheus metrics, and the few calls that record them.

Turns pass through two places (api/routes/chat.py for the web page and the kiosk,
api/routes/wechat.py for WeChat), refusals through two (api/security/rate_limit.py at the edge,
api/security/limiter.py per conversation); each calls one function here. Open cases are not
counted as they happen but read from the database at each scrape (api/observability/open_cases.py).

Several worker processes add up when PROMETHEUS_MULTIPROC_DIR is set (prometheus-client's
multiprocess mode, chosen when prometheus_client is first imported): each process writes its
values to files there and a scrape sums them (telemetry/exposition.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy.exc import SQLAlchemyError

from api.rasa_client import DialogueUnavailable
from telemetry import context

# WeChat retries a callback it has no answer to after 5 s; past this a reply is at risk.
WECHAT_LATE_SECONDS = 4.5
# A resident notices past one second; past 4.5 s WeChat gives up on the passive reply.
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.5, 7.5, 15.0, 30.0)

TURNS = Counter("assistant_turns", "Resident messages sent to the dialogue engine, by channel.", ["channel"])
TURN_SECONDS = Histogram(
    "assistant_turn_seconds",
    "Time the dialogue engine took to answer a resident's message, by channel.",
    ["channel"],
    buckets=TURN_BUCKETS,
)
ERRORS = Counter(
    "assistant_errors",
    "Turns that failed or said nothing, by kind: rasa_unreachable, rasa_timeout, rasa_error (5xx),"
    " empty_reply, database, internal.",
    ["kind"],
)
RATE_LIMITED = Counter("assistant_rate_limited", "Requests refused with 429, by limit rule (limits.yml).", ["rule"])
WECHAT_LATE = Counter(
    "assistant_wechat_late_replies",
    f"WeChat messages the dialogue engine answered after {WECHAT_LATE_SECONDS} s (WeChat retries at 5 s).",
)


def channel_of(sender: str) -> str:
    """The web page's and the kiosk's tokens say which they are ('web-…', 'kiosk-…')."""
    prefix = sender.partition("-")[0]
    return prefix if prefix in ("web", "kiosk") else "other"


def error_kind(error: BaseException) -> str:
    if isinstance(error, DialogueUnavailable):
        cause = error.__cause__
        if isinstance(cause, httpx.TimeoutException):
            return "rasa_timeout"
        # rasa_client raises it from the transport error, or bare when Rasa answered 5xx.
        return "rasa_unreachable" if isinstance(cause, httpx.HTTPError) else "rasa_error"
    if isinstance(error, SQLAlchemyError):
        return "database"
    return "internal"


@contextmanager
def observed_turn(channel: str, conversation: str) -> Iterator[None]:
    """Around one call of the dialogue engine: counts it, times it, files its failure by kind, and
    names the conversation (its keyed hash) on the request's log lines from here on."""
    TURNS.labels(channel=channel).inc()
    context.conversation.set(conversation)  # RequestIds resets it when the request ends
    started = time.perf_counter()
    try:
        yield
    except Exception as error:
        ERRORS.labels(kind=error_kind(error)).inc()
        raise
    finally:
        elapsed = time.perf_counter() - started
        TURN_SECONDS.labels(channel=channel).observe(elapsed)
        if channel == "wechat" and elapsed > WECHAT_LATE_SECONDS:
            WECHAT_LATE.inc()


def record_empty_reply() -> None:
    """The turn ran but said nothing (an action failed, or the action server is down)."""
    ERRORS.labels(kind="empty_reply").inc()


def record_error(error: BaseException) -> None:
    """A failure outside a turn that residents meet (e.g. the database in a request)."""
    ERRORS.labels(kind=error_kind(error)).inc()


def record_rate_limited(rule: str) -> None:
    RATE_LIMITED.labels(rule=rule).inc()
