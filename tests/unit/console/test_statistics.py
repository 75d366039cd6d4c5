"""The head's statistics: figures from seeded cases, outcomes, messages and ratings (exact numbers,
local months and hours), who may see them, the CSV, the page's scripts, and the outcome a close
of a mediation or legal-aid case must record."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from console_helpers import ALL_ROLES, FakeClock, add_case, add_user, post, signed_in
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.console import statistics
from api.console.workflow import WORKFLOW_FILE, TransitionRefused, Workflow, check_outcome, workflow
from casebook.console_tables import AuditEntry, CaseEvent, CaseWork
from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseKind, CaseStatus, Rating
from knowledge.statutes import StatuteLibrary

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


def figures(engine: Engine, months: int = 12) -> statistics.Statistics:
    with Session(engine) as db:
        return statistics.compute(db, workflow=workflow(), now=NOW, zone=SHANGHAI, months=months)


@pytest.fixture
def head(client: TestClient, engine: Engine, clock: FakeClock) -> TestClient:
    clock.now = NOW
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    return client


# --- the figures -------------------------------------------------------------------------------------


def test_the_period_is_the_last_twelve_local_months_up_to_now() -> None:
    period = statistics.period_ending(NOW, SHANGHAI)
    assert period.months == MONTHS
    assert period.start == utc("2024-06-30 16:00") and period.end == NOW
    assert statistics.period_ending(NOW, SHANGHAI, 1).months == ["2025-06"]
    assert len(statistics.period_ending(NOW, SHANGHAI, 999).months) == statistics.MAX_MONTHS
    # 20:00 UTC on 31 December is already January in Shanghai.
    assert statistics.period_ending(utc("2024-12-31 20:00"), SHANGHAI, 2).months == ["2024-12", "2025-01"]


def test_cases_are_counted_per_local_month_by_service_and_area(engine: Engine) -> None:
    seed(engine)
    cases = figures(engine).cases
    assert cases.total == 9
    assert cases.by_month == per_month(m2024_07=1, m2025_03=1, m2025_04=1, m2025_05=4, m2025_06=2)
    by_kind = {s.key: s.values for s in cases.by_kind}
    assert list(by_kind) == [k.value for k in CaseKind]
    assert by_kind["mediation"] == per_month(m2025_03=1, m2025_04=1, m2025_05=2)
    assert by_kind["legal_aid"] == per_month(m2025_05=2, m2025_06=2)
    assert by_kind["handoff"] == per_month(m2024_07=1)
    assert by_kind["danger"] == by_kind["notarization"] == by_kind["lawyer"] == per_month()
    assert [(s.label, s.total) for s in cases.by_area] == [
        ("劳动纠纷", 3),
        ("婚姻家庭", 2),
        ("相邻关系", 2),
        ("未识别领域", 2),
    ]
    assert cases.by_area[-1].values == per_month(m2024_07=1, m2025_06=1)
    assert cases.chart_areas == cases.by_area  # few areas: all of them on the chart


def test_the_area_chart_keeps_the_largest_areas_and_sums_the_rest(engine: Engine) -> None:
    with Session(engine) as db:
        for i, area in enumerate(["A", "B", "C", "D", "E", "F", "G", "H"]):
            for j in range(8 - i):
                add(db, f"X{i}{j}", CaseKind.handoff, "2025-06-01 02:00", area=area)
        db.commit()
    cases = figures(engine).cases
    assert [(s.label, s.total) for s in cases.chart_areas] == [
        ("A", 8),
        ("B", 7),
        ("C", 6),
        ("D", 5),
        ("E", 4),
        ("F", 3),
        ("其他领域", 2 + 1),
    ]
    assert sum(s.total for s in cases.chart_areas) == sum(s.total for s in cases.by_area) == 36


def test_mediation_success_counts_recorded_outcomes_by_month_of_closing(engine: Engine) -> None:
    seed(engine)
    mediation = figures(engine).mediation
    assert {s.key: s.values for s in mediation.choices} == {
        "success": per_month(m2025_05=1),
        "failure": per_month(m2025_06=1),
    }
    assert [s.label for s in mediation.choices] == ["调解成功", "调解不成"]
    assert mediation.unrecorded.values == per_month(m2025_04=1)
    assert mediation.not_accepted.values == per_month(m2025_03=1)
    assert mediation.rate_percent == per_month(default=None, m2025_05=100.0, m2025_06=0.0)
    assert mediation.overall_rate_percent == 50.0


def test_legal_aid_verdicts_are_set_against_the_decisions(engine: Engine) -> None:
    seed(engine)
    aid = figures(engine).legal_aid
    table = aid.verdicts
    assert [v.key for v in table.verdicts] == ["likely_eligible", "likely_not", "needs_review", ""]
    assert [d.label for d in table.decisions] == [
        "给予法律援助",
        "不予法律援助",
        "不予受理",
        "办结时未记录结果",
        "尚未办结",
    ]
    assert table.counts == [
        [1, 0, 0, 0, 0],  # likely eligible → granted
        [0, 1, 0, 0, 0],  # likely not → refused
        [0, 0, 0, 0, 1],  # needs review → still open
        [0, 0, 1, 0, 0],  # no verdict → not accepted
    ]
    assert table.total == 4
    assert {s.key: s.values for s in aid.decisions.choices} == {
        "granted": per_month(m2025_05=1),
        "refused": per_month(m2025_05=1),
    }
    assert aid.decisions.not_accepted.values == per_month(m2025_06=1)
    assert aid.decisions.overall_rate_percent == 50.0


def test_busiest_hours_come_from_residents_messages_in_local_time(engine: Engine) -> None:
    seed(engine)
    activity = figures(engine).activity
    assert activity.messages_available and activity.messages_total == 5
    expected_hours = [0] * 24
    expected_hours[9], expected_hours[14] = 4, 1
    assert activity.messages_by_hour == expected_hours
    assert activity.messages_by_weekday == [3, 1, 0, 0, 0, 0, 1]
    assert activity.messages_by_weekday_hour[0][9] == 3
    assert activity.messages_by_weekday_hour[1][14] == 1
    assert activity.messages_by_weekday_hour[6][9] == 1
    assert sum(map(sum, activity.messages_by_weekday_hour)) == 5
    assert activity.messages_by_month == per_month(m2025_05=4, m2025_06=1)
    assert activity.busiest_hour == 9
    assert activity.weekdays[0] == "周一"
    # New cases by local hour: 00:00 H1, 01:00 L4, 09:30 M2, 10:00 M1 L1 L3 M4, 11:00 L2, 14:00 M3.
    cases_hours = [0] * 24
    for hour, count in {0: 1, 1: 1, 9: 1, 10: 4, 11: 1, 14: 1}.items():
        cases_hours[hour] = count
    assert activity.cases_by_hour == cases_hours
    # Mon H1 M2 L3, Tue L1, Wed L2, Thu M3, Sat M1 M4, Sun L4.
    assert activity.cases_by_weekday == [3, 1, 1, 1, 0, 2, 1]


def test_without_rasas_tables_the_messages_are_skipped_not_an_error(engine: Engine) -> None:
    seed(engine, events=False)
    activity = figures(engine).activity
    assert not activity.messages_available and activity.messages_total == 0
    assert activity.messages_by_hour == [0] * 24
    assert activity.busiest_hour == 10  # of the new cases instead


def test_satisfaction_counts_scores_and_means_per_month(engine: Engine) -> None:
    seed(engine)
    ratings = figures(engine).satisfaction
    assert [(s.key, s.label) for s in ratings.scores] == [("1", "不满意"), ("2", "一般"), ("3", "满意")]
    assert ratings.total == 4 and ratings.by_score == [1, 1, 2]
    assert {s.key: s.values for s in ratings.by_month} == {
        "1": per_month(m2025_05=1),
        "2": per_month(m2025_06=1),
        "3": per_month(m2025_05=2),
    }
    assert ratings.count_by_month == per_month(m2025_05=3, m2025_06=1)
    assert ratings.mean_by_month == per_month(default=None, m2025_05=2.33, m2025_06=2.0)
    assert ratings.satisfied_share_by_month == per_month(default=None, m2025_05=66.7, m2025_06=0.0)
    assert ratings.mean == 2.25 and ratings.satisfied_share_percent == 50.0


def test_an_empty_database_gives_zeros_and_no_rates(engine: Engine) -> None:
    empty = figures(engine)
    assert empty.cases.total == 0 and empty.cases.by_area == []
    assert empty.mediation.overall_rate_percent is None and empty.satisfaction.mean is None
    assert empty.activity.busiest_hour is None and not empty.activity.messages_available


# --- the routes -------------------------------------------------------------------------------------------


def test_the_json_gives_the_same_figures(head: TestClient, engine: Engine) -> None:
    seed(engine)
    response = head.get("/console/statistics.json")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data == figures(engine).model_dump(mode="json")
    assert data["period"]["months"] == MONTHS and data["mediation"]["overall_rate_percent"] == 50.0
    assert len(head.get("/console/statistics.json", params={"months": 3}).json()["period"]["months"]) == 3


def test_the_page_shows_the_figures_in_tables_and_loads_only_local_scripts(head: TestClient, engine: Engine) -> None:
    seed(engine)
    page = head.get("/console/statistics")
    assert page.status_code == 200
    html = page.text
    assert 'id="statistics-placeholder"' not in html
    for table in ("cases-kind", "cases-area", "mediation", "legal-aid", "hours", "week", "satisfaction"):
        assert f'id="table-{table}"' in html and f'id="chart-{table}"' in html, table
    assert re.search(r'<tr data-month="2025-05"><th scope="row">2025-05</th>(<td>\d+</td>){6}<td>4</td></tr>', html)
    assert '<dd id="overview-mediation">50.0%' in html and '<dd id="overview-busiest">9:00–10:00' in html
    assert 'data-source="/console/statistics.json?months=12"' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    sources = [re.search(r'src="([^"]*)"', tag) for tag in scripts]
    assert all(sources), "no inline scripts: the console's CSP forbids them"
    assert [s.group(1) for s in sources if s] == ["/static/vendor/echarts/echarts.min.js", "/static/console-stats.js"]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for path in ("/static/vendor/echarts/echarts.min.js", "/static/console-stats.js"):
        assert head.get(path).status_code == 200, path


def test_the_page_says_when_there_are_no_messages_to_count(head: TestClient, engine: Engine) -> None:
    seed(engine, events=False)
    html = head.get("/console/statistics").text
    assert 'id="messages-unavailable"' in html and 'id="chart-week"' not in html


def test_the_bundled_echarts_is_the_version_its_readme_names() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    version = re.search(r"ECharts (\d+\.\d+\.\d+)", readme)
    assert version and f'version="{version.group(1)}"' in (VENDOR / "echarts.min.js").read_text(encoding="utf-8")
    assert "Apache License" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    script = (VENDOR.parent.parent / "console-stats.js").read_text(encoding="utf-8")
    assert "http" not in script.replace("statistics.json", "")


def test_the_csv_has_a_row_per_month(head: TestClient, engine: Engine) -> None:
    seed(engine)
    response = head.get("/console/statistics.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="statistics-20250615-1200.csv"'
    assert response.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [row["月份"] for row in rows] == MONTHS
    may = rows[month("2025-05")]
    assert may["案件总数"] == "4" and may["人民调解申请"] == "2" and may["法律援助预审"] == "2"
    assert may["婚姻家庭（咨询领域）"] == "2" and may["劳动纠纷（咨询领域）"] == "2"
    assert may["调解成功"] == "1" and may["调解成功率（%）"] == "100.0"
    assert may["给予法律援助"] == "1" and may["不予法律援助"] == "1"
    assert may["居民消息数"] == "4" and may["评价次数"] == "3" and may["平均评分（1–3）"] == "2.33"
    assert may["满意占比（%）"] == "66.7"
    assert rows[month("2025-01")]["调解成功率（%）"] == ""  # no closed mediation: no rate, not 0
    assert rows[month("2025-06")]["法律援助不予受理"] == "1"


@pytest.mark.parametrize("area", ['=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(A1)", "\t=1"])
def test_the_csv_cannot_smuggle_formulas_into_a_spreadsheet(head: TestClient, engine: Engine, area: str) -> None:
    with Session(engine) as db:
        add(db, "Z1", CaseKind.handoff, "2025-06-01 02:00", area=area)
        db.commit()
    header = next(csv.reader(io.StringIO(head.get("/console/statistics.csv").text.lstrip("\ufeff"))))
    assert f"'{area}（咨询领域）" in header


def test_without_events_the_csv_leaves_the_message_counts_empty(head: TestClient, engine: Engine) -> None:
    seed(engine, events=False)
    rows = list(csv.DictReader(io.StringIO(head.get("/console/statistics.csv").text.lstrip("\ufeff"))))
    assert {row["居民消息数"] for row in rows} == {""}


def test_looking_at_the_statistics_is_audited(head: TestClient, engine: Engine) -> None:
    head.get("/console/statistics")
    head.get("/console/statistics.json", params={"months": 6})
    head.get("/console/statistics.csv")
    with Session(engine) as db:
        entries = db.exec(select(AuditEntry).where(AuditEntry.action != "login").order_by(col(AuditEntry.id))).all()
    assert [(e.actor, e.action, e.detail) for e in entries] == [
        ("zhang", "statistics", {"view": "page", "months": 12}),
        ("zhang", "statistics", {"view": "json", "months": 6}),
        ("zhang", "export", {"statistics": True, "rows": 12, "months": 12}),
    ]
    assert "查看统计" in head.get("/console/audit").text


STATISTICS_PATHS = ["/console/statistics", "/console/statistics.json", "/console/statistics.csv"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_head_sees_the_statistics(client: TestClient, engine: Engine, role: str) -> None:
    seed(engine)
    add_user(engine, "worker", role)
    signed_in(client, "worker")
    for path in STATISTICS_PATHS:
        response = client.get(path)
        assert response.status_code == (200 if role == "head" else 403), (role, path)
        if role != "head":
            assert "劳动纠纷" not in response.text and "data-source" not in response.text


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: TestClient, engine: Engine) -> None:
    seed(engine)
    for path in STATISTICS_PATHS:
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/console/login?next={path}"


# --- outcomes: what closing a case records --------------------------------------------------------------


def stored(engine: Engine, reference: str) -> tuple[Case, CaseWork | None]:
    with Session(engine) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        return case, db.get(CaseWork, case.id)


def test_closing_a_mediation_needs_its_outcome(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.mediation)
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    path = f"/console/cases/{case.reference}/status"
    assert post(client, path, {"to": "accepted", "csrf_token": token}).status_code == 303
    page = client.get(f"/console/cases/{case.reference}").text
    assert 'id="outcome-success"' in page and 'id="outcome-failure"' in page and "人民调解法第二十八条" in page
    for outcome in ("", "maybe", "granted"):  # missing, unknown, or another kind's
        refused = post(client, path, {"to": "closed", "outcome": outcome, "csrf_token": token})
        assert refused.status_code == 400, outcome
        assert "请选择调解结果：调解成功或调解不成" in refused.text
        assert stored(engine, case.reference)[0].status == CaseStatus.accepted
    assert post(client, path, {"to": "closed", "outcome": "success", "csrf_token": token}).status_code == 303
    closed, work = stored(engine, case.reference)
    assert closed.status == CaseStatus.closed and work is not None and work.outcome == "success"
    assert '<dd id="case-outcome">调解成功</dd>' in client.get(f"/console/cases/{case.reference}").text
    with Session(engine) as db:
        steps = db.exec(select(CaseEvent.to_value).order_by(col(CaseEvent.id))).all()
        audits = db.exec(select(AuditEntry).where(AuditEntry.action == "status")).all()
    assert list(steps) == ["accepted", "closed"]  # the refused attempts left nothing behind
    assert audits[-1].detail == {"from": "accepted", "to": "closed", "outcome": "success"}


def test_closing_a_legal_aid_case_records_the_decision(client: TestClient, engine: Engine) -> None:
    case = add_case(engine, CaseKind.legal_aid)
    add_user(engine, "shen", "legal_aid_reviewer")
    token = signed_in(client, "shen")
    path = f"/console/cases/{case.reference}/status"
    post(client, path, {"to": "accepted", "csrf_token": token})
    refused = post(client, path, {"to": "closed", "csrf_token": token})
    assert refused.status_code == 400 and "给予法律援助或不予法律援助" in refused.text
    assert post(client, path, {"to": "closed", "outcome": "refused", "csrf_token": token}).status_code == 303
    assert stored(engine, case.reference)[1].outcome == "refused"  # type: ignore[union-attr]


def test_not_accepting_and_other_kinds_need_no_outcome(client: TestClient, engine: Engine) -> None:
    mediation = add_case(engine, CaseKind.mediation)
    handoff = add_case(engine, CaseKind.handoff, conversation="plain")
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    reason = {"to": "not_accepted", "reason": "已由法院受理", "csrf_token": token}
    assert post(client, f"/console/cases/{mediation.reference}/status", reason).status_code == 303
    assert stored(engine, mediation.reference)[1].outcome is None  # type: ignore[union-attr]
    path = f"/console/cases/{handoff.reference}/status"
    post(client, path, {"to": "accepted", "csrf_token": token})
    assert 'id="outcome-choices"' not in client.get(f"/console/cases/{handoff.reference}").text
    assert post(client, path, {"to": "closed", "outcome": "success", "csrf_token": token}).status_code == 303
    assert stored(engine, handoff.reference)[1].outcome is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "target", "outcome", "expected"),
    [
        (CaseKind.mediation, CaseStatus.closed, "success", "success"),
        (CaseKind.mediation, CaseStatus.closed, " failure ", "failure"),
        (CaseKind.legal_aid, CaseStatus.closed, "granted", "granted"),
        (CaseKind.mediation, CaseStatus.accepted, "", None),
        (CaseKind.mediation, CaseStatus.not_accepted, "", None),
        (CaseKind.lawyer, CaseStatus.closed, "", None),
        (CaseKind.danger, CaseStatus.closed, "success", None),
    ],
)
def test_check_outcome(kind: CaseKind, target: CaseStatus, outcome: str, expected: str | None) -> None:
    assert check_outcome(workflow(), kind, target, outcome) == expected


@pytest.mark.parametrize(("kind", "outcome"), [(CaseKind.mediation, ""), (CaseKind.legal_aid, "success")])
def test_check_outcome_refuses_a_close_without_a_valid_one(kind: CaseKind, outcome: str) -> None:
    with pytest.raises(TransitionRefused, match="outcome_required"):
        check_outcome(workflow(), kind, CaseStatus.closed, outcome)


def outcome_citations() -> list[tuple[str, str, str, list[str]]]:
    return [
        (f"{kind}.{key}", choice.citation.law, choice.citation.article, choice.citation.keywords)
        for kind, rule in Workflow.load().outcomes.items()
        for key, choice in rule.choices.items()
        if choice.citation is not None
    ]


@pytest.mark.parametrize(("choice", "law", "article", "keywords"), outcome_citations())
def test_every_outcome_citation_says_what_it_claims(
    statutes: StatuteLibrary, choice: str, law: str, article: str, keywords: list[str]
) -> None:
    found = statutes.article(law, article)
    assert found is not None, f"{choice}: {law}{article} does not exist"
    missing = [k for k in keywords if k not in found.text]
    assert not missing, f"{choice}: {law}{article} does not contain {missing}"


def test_the_outcomes_the_statistics_rely_on_are_in_the_workflow() -> None:
    flow = Workflow.load()
    assert len(outcome_citations()) == 4
    assert {k: list(v.choices) for k, v in flow.outcomes.items()} == {
        CaseKind.mediation: ["success", "failure"],
        CaseKind.legal_aid: ["granted", "refused"],
    }
    assert [c.success for c in flow.outcomes[CaseKind.mediation].choices.values()] == [True, False]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["outcomes"].pop("mediation"), "outcomes must cover"),
        (lambda d: d["outcomes"]["mediation"]["choices"]["success"].pop("success"), "marked success"),
        (lambda d: d["outcomes"]["legal_aid"]["choices"].pop("refused"), "choices"),
        (lambda d: d["statistics"]["scores"].pop(2), "ratings 1, 2 and 3"),
        (lambda d: d["statistics"]["weekdays"].pop(), "weekdays"),
    ],
)
def test_a_broken_outcomes_or_statistics_section_is_rejected(tmp_path: Path, change: Any, message: str) -> None:
    data = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
    change(data)
    broken = tmp_path / "workflow.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"(?s)workflow\.yml: .*{message}"):
        Workflow.load(broken)


def test_a_database_from_before_outcomes_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE console_case_work (case_id INTEGER NOT NULL PRIMARY KEY, assignee_id INTEGER, "
            "accepted_at DATETIME, closed_at DATETIME, not_accepted_reason VARCHAR(500))"
        )
        old.execute("INSERT INTO console_case_work (case_id) VALUES (1)")
    db_engine = create_db_engine(f"sqlite:///{path}")
    try:
        init_db(db_engine)
        init_db(db_engine)  # and again: nothing to do
        assert "outcome" in {c["name"] for c in inspect(db_engine).get_columns("console_case_work")}
        with Session(db_engine) as db:
            work = db.get(CaseWork, 1)
            assert work is not None and work.outcome is None
    finally:
        db_engine.dispose()


def test_closing_through_the_console_feeds_the_statistics(client: TestClient, engine: Engine, clock: FakeClock) -> None:
    clock.now = NOW - timedelta(days=1)
    case = add_case(engine, CaseKind.mediation, created_at=NOW - timedelta(days=3))
    add_user(engine, "tiao", "mediator")
    token = signed_in(client, "tiao")
    path = f"/console/cases/{case.reference}/status"
    post(client, path, {"to": "accepted", "csrf_token": token})
    post(client, path, {"to": "closed", "outcome": "failure", "csrf_token": token})
    mediation = figures(engine).mediation
    assert mediation.rate_percent[-1] == 0.0 and mediation.choices[1].values[-1] == 1
