"""The statistics page, its JSON and its CSV: who may see them, what they show, the page's
scripts, and the audit of every look."""

from __future__ import annotations

import csv
import io
import re

import pytest
from console_helpers import ALL_ROLES, FakeClock, add_user, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from statistics_seed import (
    MONTHS,
    NOW,
    VENDOR,
    add,
    figures,
    month,
    seed,
)

from casebook.console_tables import AuditEntry
from casebook.models import CaseKind


@pytest.fixture
def head(client: TestClient, engine: Engine, clock: FakeClock) -> TestClient:
    clock.now = NOW
    add_user(engine, "zhang", "head")
    signed_in(client, "zhang")
    return client


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
