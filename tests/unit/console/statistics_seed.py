"""Seeded cases, outcomes, residents' messages and ratings for the statistics tests, with the
exact figures they must give (local months and hours of Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.console import statistics
from api.console.statistics_figures import Statistics
from api.console.workflow import workflow
from casebook.console_tables import CaseWork
from casebook.models import Case, CaseKind, CaseStatus, Rating

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, a Sunday
MONTHS = [f"2024-{m:02d}" for m in range(7, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
VENDOR = Path(__file__).resolve().parents[3] / "api" / "static" / "vendor" / "echarts"


def utc(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC)


def month(key: str) -> int:
    return MONTHS.index(key)


def per_month(**counts: Any) -> list[Any]:
    """A value per month of the period, zero (or the given default) where not named: m2025_05=3."""
    default = counts.pop("default", 0)
    values = [default] * len(MONTHS)
    for name, value in counts.items():
        values[month(name[1:].replace("_", "-"))] = value
    return values


def add(
    db: Session,
    reference: str,
    kind: CaseKind,
    created: str,
    *,
    area: str | None = None,
    verdict: str | None = None,
    status: CaseStatus = CaseStatus.new,
    closed: str | None = None,
    outcome: str | None = None,
) -> None:
    case = Case(
        kind=kind,
        conversation_id=f"conv-{reference}",
        reference=reference,
        area=area,
        status=status,
        details={"verdict": verdict} if verdict else {},
        created_at=utc(created),
    )
    db.add(case)
    db.flush()
    assert case.id is not None
    if closed or status != CaseStatus.new:
        db.add(CaseWork(case_id=case.id, closed_at=utc(closed) if closed else None, outcome=outcome))


def seed(engine: Engine, *, events: bool = True) -> None:
    """Cases across months, hours and the edges of the period (times in UTC; Shanghai is UTC+8)."""
    with Session(engine) as db:
        closed = CaseStatus.closed
        # Mediation: one success (May), one failure (June), one closed before outcomes (April),
        # one not accepted (March).
        add(db, "M1", CaseKind.mediation, "2025-05-10 02:00", area="婚姻家庭", status=closed, closed="2025-05-25 02:00", outcome="success")  # fmt: skip
        add(db, "M2", CaseKind.mediation, "2025-05-12 01:30", area="婚姻家庭", status=closed, closed="2025-06-03 02:00", outcome="failure")  # fmt: skip
        add(db, "M3", CaseKind.mediation, "2025-04-03 06:00", area="相邻关系", status=closed, closed="2025-04-20 02:00")  # fmt: skip
        add(db, "M4", CaseKind.mediation, "2025-03-01 02:00", area="相邻关系", status=CaseStatus.not_accepted, closed="2025-03-02 02:00")  # fmt: skip
        # Legal aid: granted and refused in May, one still open, one not accepted.
        add(db, "L1", CaseKind.legal_aid, "2025-05-20 02:00", area="劳动纠纷", verdict="likely_eligible", status=closed, closed="2025-05-26 02:00", outcome="granted")  # fmt: skip
        add(db, "L2", CaseKind.legal_aid, "2025-05-21 03:00", area="劳动纠纷", verdict="likely_not", status=closed, closed="2025-05-27 02:00", outcome="refused")  # fmt: skip
        add(db, "L3", CaseKind.legal_aid, "2025-06-02 02:00", area="劳动纠纷", verdict="needs_review", status=CaseStatus.accepted)  # fmt: skip
        # 17:00 UTC on 31 May is 01:00 on 1 June in Shanghai: a June case.
        add(db, "L4", CaseKind.legal_aid, "2025-05-31 17:00", status=CaseStatus.not_accepted, closed="2025-06-02 03:00")  # fmt: skip
        # The first moment of the period (00:00 on 1 July 2024 in Shanghai) and the one before it.
        add(db, "H1", CaseKind.handoff, "2024-06-30 16:00")
        add(db, "H0", CaseKind.handoff, "2024-06-30 15:59")
        add(db, "D9", CaseKind.danger, "2025-06-16 00:00")  # after now
        for score, at in [(3, "2025-05-05 02:00"), (3, "2025-05-06 02:00"), (1, "2025-05-07 02:00")]:
            db.add(Rating(conversation_id="r", score=score, created_at=utc(at)))
        db.add(Rating(conversation_id="r", score=2, created_at=utc("2025-06-01 02:00")))
        db.add(Rating(conversation_id="r", score=1, created_at=utc("2024-05-01 02:00")))  # before the period
        db.commit()
    if events:
        add_events(
            engine,
            [("user", "2025-05-12 01:30")] * 3  # Monday 09:30
            + [("user", "2025-05-13 06:10"), ("bot", "2025-05-13 06:10")]  # Tuesday 14:10; the bot's is no message
            + [("user", "2024-06-01 01:00")]  # before the period
            + [("user", "2025-06-01 01:00")],  # Sunday 09:00
        )


def add_events(engine: Engine, rows: list[tuple[str, str]]) -> None:
    """Rasa's SQL tracker store table, as it is in var/assistant.db."""
    key = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER NOT NULL"
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS events (id {key} PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for type_name, at in rows:
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('s', :t, :ts, '{}')"),
                {"t": type_name, "ts": utc(at).timestamp()},
            )


def figures(engine: Engine, months: int = 12) -> Statistics:
    with Session(engine) as db:
        return statistics.compute(db, workflow=workflow(), now=NOW, zone=SHANGHAI, months=months)
