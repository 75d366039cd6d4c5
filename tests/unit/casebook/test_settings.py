"""Settings and the Rasa endpoints derived from them."""

from __future__ import annotations

from pathlib import Path

import yaml

from casebook.settings import PROJECT_ROOT, Settings
from scripts.stack import tracker_store, write_endpoints


def test_relative_sqlite_paths_are_taken_from_the_project_root() -> None:
    settings = Settings(database_url="sqlite:///var/x.db")
    assert settings.database_url_absolute == f"sqlite:///{PROJECT_ROOT / 'var' / 'x.db'}"
    assert Settings(database_url="sqlite:////tmp/y.db").database_url_absolute == "sqlite:////tmp/y.db"


def test_environment_variables_override_defaults(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("API_PORT", "9100")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/assistant")
    settings = Settings()
    assert settings.api_port == 9100
    assert settings.database_url_absolute.startswith("postgresql://")


def test_rasa_shares_the_sqlite_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", action_port=6055)
    endpoints = yaml.safe_load(write_endpoints(settings, tmp_path / "endpoints.yml").read_text())
    assert endpoints["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "a.db")}
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"


def test_rasa_uses_postgresql_when_configured() -> None:
    store = tracker_store("postgresql://bot:secret@db.local:5433/assistant")
    assert store == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.local",
        "port": 5433,
        "db": "assistant",
        "username": "bot",
        "password": "secret",
    }
