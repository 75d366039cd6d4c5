"""Open cases by kind and age, read from the database at each scrape.

Counted at scrape time rather than as cases open and close: the action server opens cases and
staff close them in the console, so no one process sees every change, and a count read from the
table is right after any restart. A scrape is one small query (open cases only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from casebook.clock import utc_now
from casebook.models import Case, CaseKind, CaseStatus

logger = logging.getLogger(__name__)

OPEN_STATUSES = (CaseStatus.new, CaseStatus.accepted, CaseStatus.in_progress)
# Upper bounds of the age buckets. 15 min: a danger case should have been seen by then.
AGE_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("1d", timedelta(days=1)),
    ("7d", timedelta(days=7)),
)
OLDER = "older"


def age_bucket(age: timedelta) -> str:
    """The first bucket whose bound the age is under: '15m', '1h', '1d', '7d' or 'older'."""
    return next((name for name, bound in AGE_BUCKETS if age < bound), OLDER)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back the UTC timestamps it was given without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class OpenCases(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = GaugeMetricFamily(
            "assistant_open_cases",
            "Open cases (new, accepted, in progress) by kind and age bucket.",
            labels=["kind", "age"],
        )
        oldest = GaugeMetricFamily(
            "assistant_oldest_open_case_seconds",
            "Age of the oldest open case, by kind (0: none open).",
            labels=["kind"],
        )
        up = GaugeMetricFamily("assistant_cases_readable", "1 if the case table could be read at this scrape.")
        try:
            with Session(self.engine) as session:
                rows = session.exec(select(Case.kind, Case.created_at).where(col(Case.status).in_(OPEN_STATUSES))).all()
        except SQLAlchemyError as error:
            logger.warning("open cases not counted: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        now = utc_now()
        tally = {(kind.value, name): 0 for kind in CaseKind for name in [*(n for n, _ in AGE_BUCKETS), OLDER]}
        eldest = dict.fromkeys((kind.value for kind in CaseKind), 0.0)
        for kind, created_at in rows:
            kind_name, age = CaseKind(kind).value, now - _aware(created_at)
            tally[(kind_name, age_bucket(age))] += 1
            eldest[kind_name] = max(eldest[kind_name], age.total_seconds())
        for (kind_name, bucket), count in tally.items():
            counts.add_metric([kind_name, bucket], count)
        for kind_name, seconds in eldest.items():
            oldest.add_metric([kind_name], seconds)
        up.add_metric([], 1)
        yield from (counts, oldest, up)
