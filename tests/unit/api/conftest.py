"""An API with a recording stand-in for Rasa, for behaviour that lives in the API itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from recording_rasa import RecordingRasa

from api.main import create_app
from casebook.settings import Settings


@pytest.fixture
def rasa() -> RecordingRasa:
    return RecordingRasa()


@pytest.fixture
def api(tmp_path: Path, rasa: RecordingRasa) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", conversation_secret="k" * 40)
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.rasa = rasa
        yield client
