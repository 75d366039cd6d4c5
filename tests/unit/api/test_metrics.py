"""The API's /metrics: who may read it, and what turns, failures, refusals and open cases show there."""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlmodel import Session

from api.main import create_app
from api.observability import metrics
from casebook.clock import utc_now
from casebook.models import Case, CaseKind, CaseStatus
from casebook.settings import PROJECT_ROOT, Settings
from scripts.stack import free_port
from tests.live_servers import StandInRasa, stand_in_rasa, wait_until_answering

LOOPBACK = ("127.0.0.1", 40000)
TOKEN = "web-3f6c2a8e-6a8e-4b0c-9d5e-0c7c1d2e4f11"


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


@pytest.fixture
def rasa() -> Iterator[StandInRasa]:
    with stand_in_rasa() as running:
        yield running


def api(tmp_path: Path, rasa_port: int, **overrides: object) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}", rasa_port=rasa_port, rasa_timeout_seconds=2, **overrides
    )
    return TestClient(create_app(settings), client=LOOPBACK)


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_are_for_this_host_or_the_token_holder(tmp_path: Path) -> None:
    with api(tmp_path, free_port(), metrics_token="scrape-secret") as client:
        assert client.get("/metrics").status_code == 200
        # A proxy on this host relays the public from loopback, but says so.
        assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    with TestClient(client.app, client=("198.51.100.7", 5000)) as remote:
        assert remote.get("/metrics").status_code == 403
        assert remote.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 403
        assert remote.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_turns_are_counted_and_timed_by_channel(tmp_path: Path, rasa: StandInRasa) -> None:
    with api(tmp_path, rasa.port) as client:
        before = scrape(client)
        client.post("/api/chat", json={"sender": TOKEN, "message": "老板欠薪怎么办"})
        client.post("/api/chat", json={"sender": TOKEN.replace("web", "kiosk"), "message": "离婚怎么办"})
        after = scrape(client)
    for channel in ("web", "kiosk"):
        assert (
            sample(after, "assistant_turns_total", channel=channel)
            == sample(before, "assistant_turns_total", channel=channel) + 1
        )
        count = "assistant_turn_seconds_count"
        assert sample(after, count, channel=channel) == sample(before, count, channel=channel) + 1


@pytest.mark.parametrize(
    ("reply", "kind"), [((500, []), "rasa_error"), ((200, []), "empty_reply")], ids=["rasa 5xx", "said nothing"]
)
def test_failed_turns_are_filed_by_kind(
    tmp_path: Path, rasa: StandInRasa, reply: tuple[int, list[dict[str, str]]], kind: str
) -> None:
    rasa.reply = reply
    with api(tmp_path, rasa.port) as client:
        before = sample(scrape(client), "assistant_errors_total", kind=kind)
        client.post("/api/chat", json={"sender": TOKEN, "message": "老板欠薪怎么办"})
        assert sample(scrape(client), "assistant_errors_total", kind=kind) == before + 1


def test_an_unreachable_rasa_is_its_own_kind_of_error(tmp_path: Path) -> None:
    with api(tmp_path, free_port()) as client:
        before = sample(scrape(client), "assistant_errors_total", kind="rasa_unreachable")
        assert client.post("/api/chat", json={"sender": TOKEN, "message": "你好"}).status_code == 503
        assert sample(scrape(client), "assistant_errors_total", kind="rasa_unreachable") == before + 1


def test_a_database_outage_is_its_own_kind_of_error(tmp_path: Path) -> None:
    with api(tmp_path, free_port()) as client:
        before = sample(scrape(client), "assistant_errors_total", kind="database")
        client.app.state.engine = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}")  # type: ignore[attr-defined]
        assert client.delete("/api/conversation", headers={"X-Conversation": TOKEN}).status_code == 503
        assert sample(scrape(client), "assistant_errors_total", kind="database") == before + 1


def test_refusals_are_counted_by_rule(tmp_path: Path, rasa: StandInRasa) -> None:
    with api(tmp_path, rasa.port) as client:
        before = scrape(client)
        statuses = [client.post("/api/chat", json={"sender": TOKEN, "message": "你好"}).status_code for _ in range(14)]
        after = scrape(client)
    refused = statuses.count(429)
    assert refused > 0
    counted = sum(
        sample(after, "assistant_rate_limited_total", rule=rule)
        - sample(before, "assistant_rate_limited_total", rule=rule)
        for rule in ("client.chat", "conversation.chat")
    )
    assert counted == refused


def test_open_cases_are_read_by_kind_and_age_at_each_scrape(tmp_path: Path) -> None:
    with api(tmp_path, free_port()) as client:
        now = utc_now()
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            for n, (kind, age, status) in enumerate(
                [
                    (CaseKind.danger, timedelta(minutes=20), CaseStatus.new),
                    (CaseKind.danger, timedelta(minutes=2), CaseStatus.accepted),
                    (CaseKind.mediation, timedelta(days=3), CaseStatus.in_progress),
                    (CaseKind.mediation, timedelta(days=30), CaseStatus.closed),  # closed: not counted
                ]
            ):
                session.add(
                    Case(kind=kind, conversation_id=f"c{n}", reference=f"REF{n}", status=status, created_at=now - age)
                )
            session.commit()
        text = scrape(client)
    assert sample(text, "assistant_open_cases", kind="danger", age="15m") == 1
    assert sample(text, "assistant_open_cases", kind="danger", age="1h") == 1
    assert sample(text, "assistant_open_cases", kind="mediation", age="7d") == 1
    assert sample(text, "assistant_open_cases", kind="mediation", age="older") == 0
    assert 20 * 60 <= sample(text, "assistant_oldest_open_case_seconds", kind="danger") < 25 * 60
    assert sample(text, "assistant_cases_readable") == 1


def test_wechat_turns_past_four_and_a_half_seconds_are_counted_late(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 104.0, 200.0, 204.6])
    monkeypatch.setattr(metrics.time, "perf_counter", lambda: next(clock))
    before = metrics.WECHAT_LATE._value.get()

    def two_turns() -> None:  # in a context of their own, as each request has
        with metrics.observed_turn("wechat", "conv-a"):
            pass  # 4.0 s: in time
        with metrics.observed_turn("wechat", "conv-b"):
            pass  # 4.6 s: late

    contextvars.copy_context().run(two_turns)
    assert metrics.WECHAT_LATE._value.get() == before + 1


def _api_process(port: int, rasa_port: int, database: Path, multiproc_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
        "DATABASE_URL": f"sqlite:///{database}",
        "RASA_PORT": str(rasa_port),
        "CONVERSATION_SECRET": "m" * 40,
        "RATE_LIMITS": "false",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_until_up(base: str) -> None:
    wait_until_answering(f"{base}/api/health/live", timeout=60)


def test_several_worker_processes_add_up(tmp_path: Path, rasa: StandInRasa) -> None:
    """Two API processes sharing PROMETHEUS_MULTIPROC_DIR (as uvicorn's workers do): either one's
    scrape shows both processes' turns."""
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    ports = [free_port(), free_port()]
    workers = [_api_process(port, rasa.port, tmp_path / "api.db", multiproc_dir) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            _wait_until_up(base)
        for base, turns in zip(bases, (3, 4), strict=True):
            for n in range(turns):
                sender = f"web-3f6c2a8e-6a8e-4b0c-9d5e-0c7c1d2e4f{n:02d}"
                assert (
                    httpx.post(f"{base}/api/chat", json={"sender": sender, "message": "你好"}, timeout=10).status_code
                    == 200
                )
        for base in bases:
            text = httpx.get(f"{base}/metrics", timeout=10).text
            assert sample(text, "assistant_turns_total", channel="web") == 7
            assert sample(text, "assistant_turn_seconds_count", channel="web") == 7
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
