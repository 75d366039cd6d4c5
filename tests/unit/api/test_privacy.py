"""Forgetting a conversation and purging what is past its retention period, against a database
whose `events` table Rasa's own SQLTrackerStore created and filled."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.privacy import forget_conversation, purge
from api.privacy.personal_data import PersonalData
from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseKind, CaseStatus, KnowledgeGap, Rating
from casebook.settings import PROJECT_ROOT

BOT_PYTHON = PROJECT_ROOT / ".venv-bot" / "bin" / "python"
NOW = datetime.now(UTC)
DAY = 86400.0


def rasa_conversations(path: Path, conversations: dict[str, tuple[str, datetime]]) -> None:
    spec = {sender: [said, at.timestamp()] for sender, (said, at) in conversations.items()}
    subprocess.run(
        [str(BOT_PYTHON), str(Path(__file__).with_name("make_rasa_events.py")), str(path), json.dumps(spec)],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "assistant.db"
    rasa_conversations(
        path,
        {
            "web-forget": ("我叫张三，电话13812345678", NOW - timedelta(days=1)),
            "web-other": ("邻居漏水怎么办", NOW - timedelta(days=1)),
            "web-old": ("我的身份证号110101199003071234", NOW - timedelta(days=200)),
            "web-old-open-case": ("我要转人工", NOW - timedelta(days=200)),
            "web-old-closed-case": ("我要申请调解", NOW - timedelta(days=200)),
        },
    )
    engine = create_db_engine(f"sqlite:///{path}")
    init_db(engine)
    yield engine
    engine.dispose()


def add_case(engine: Engine, conversation_id: str, *, status: CaseStatus, updated_days_ago: int) -> str:
    at = NOW - timedelta(days=updated_days_ago)
    case = Case(
        kind=CaseKind.mediation,
        conversation_id=conversation_id,
        reference=f"TJ-{conversation_id}",
        status=status,
        applicant_name="张三",
        phone="13812345678",
        details={
            "dispute_type": "邻里纠纷",
            "other_party": "李四",
            "dispute_summary": "楼上漏水",
            "committee": "东街调委会",
        },
        created_at=at,
        updated_at=at,
    )
    with Session(engine) as session:
        session.add(case)
        session.commit()
    return f"TJ-{conversation_id}"


def events_of(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all()
    return {sender: count for sender, count in rows}


def case(engine: Engine, reference: str) -> Case:
    with Session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


def test_forgetting_deletes_the_conversation_everywhere_and_keeps_its_case_without_personal_data(db: Engine) -> None:
    reference = add_case(db, "web-forget", status=CaseStatus.new, updated_days_ago=1)
    with Session(db) as session:
        session.add(KnowledgeGap(conversation_id="web-forget", question="我叫张三，邻居漏水"))
        session.add(KnowledgeGap(conversation_id="web-other", question="邻居漏水怎么办"))
        session.add(Rating(conversation_id="web-forget", score=3))
        session.commit()

    forgotten = forget_conversation(db, "web-forget")

    assert "web-forget" not in events_of(db) and events_of(db)["web-other"] == 2
    with Session(db) as session:
        assert [gap.conversation_id for gap in session.exec(select(KnowledgeGap)).all()] == ["web-other"]
        assert session.exec(select(Rating)).all() == []
    kept = case(db, reference)
    assert (kept.applicant_name, kept.phone) == (None, None)
    assert kept.details == {"dispute_type": "邻里纠纷", "committee": "东街调委会"}
    assert kept.status == CaseStatus.new and kept.kind == CaseKind.mediation
    assert forgotten.rows == {"events": 2, "knowledge_gaps": 1, "ratings": 1} and forgotten.cases_anonymised == 1
    # Gone from the file too, not only from the rows read through SQL (no free page keeps them).
    with db.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert b"13812345678" not in Path(db.url.database or "").read_bytes()
    assert forget_conversation(db, "web-forget").cases_anonymised == 0  # repeating is harmless


def test_purge_deletes_idle_conversations_no_case_needs_and_anonymises_long_closed_cases(db: Engine) -> None:
    add_case(db, "web-old-open-case", status=CaseStatus.in_progress, updated_days_ago=150)
    closed_long_ago = add_case(db, "web-old-closed-case", status=CaseStatus.closed, updated_days_ago=1200)
    closed_lately = add_case(db, "web-other", status=CaseStatus.closed, updated_days_ago=10)
    with Session(db) as session:
        session.add(KnowledgeGap(conversation_id="web-gone", question="旧问题", created_at=NOW - timedelta(days=100)))
        session.add(KnowledgeGap(conversation_id="web-other", question="新问题", created_at=NOW - timedelta(days=1)))
        session.commit()

    dry = purge(db, retention_days=90, closed_case_retention_days=1095, now=NOW, dry_run=True)
    assert set(events_of(db)) == {"web-forget", "web-other", "web-old", "web-old-open-case", "web-old-closed-case"}
    assert case(db, closed_long_ago).phone == "13812345678"

    done = purge(db, retention_days=90, closed_case_retention_days=1095, now=NOW)

    assert done == dry
    # Idle for 200 days: "web-old" had no case, the closed case's conversation no longer needs it.
    assert set(events_of(db)) == {"web-forget", "web-other", "web-old-open-case"}
    assert (done.conversations, done.rows["events"], done.knowledge_gaps) == (2, 4, 1)
    assert case(db, closed_long_ago).applicant_name is None and case(db, closed_long_ago).phone is None
    assert case(db, closed_lately).phone == "13812345678"
    assert done.cases_anonymised == 1
    with Session(db) as session:
        assert [gap.question for gap in session.exec(select(KnowledgeGap)).all()] == ["新问题"]


def test_the_purge_command_reports_counts_and_no_conversation(
    db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from api.privacy.__main__ import main
    from casebook.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", str(db.url))
    get_settings.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            assert main(["purge", "--dry-run"]) == 0
    finally:
        get_settings.cache_clear()
    assert "would purge: 3 conversations" in caplog.text  # idle 200 days, no case
    assert "web-" not in caplog.text and "13812345678" not in caplog.text
    assert set(events_of(db)) >= {"web-old"}


def test_the_table_list_refuses_names_that_are_not_plain_sql() -> None:
    with pytest.raises(ValidationError):
        PersonalData.model_validate(
            {
                "conversation_rows": [{"table": "events; DROP TABLE cases", "column": "sender_id"}],
                "forgotten_rows": [],
                "case_columns_cleared": ["phone"],
                "case_details_kept": [],
            }
        )
