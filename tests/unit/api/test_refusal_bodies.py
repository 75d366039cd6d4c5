"""Refusals have the documented shape (api/routes/problems.py), whatever layer refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.observability.request_ids import HEADER
from api.resident_texts import resident_texts
from api.routes.problems import InvalidRequest, Problem
from casebook.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", rasa_port=1))) as test_client:
        yield test_client


def test_a_json_body_that_is_not_utf8_is_the_chinese_422_not_fastapis_english_400(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert InvalidRequest.model_validate(response.json()).detail == resident_texts().invalid_request


def test_validation_errors_list_the_fields(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "你好"})
    body = InvalidRequest.model_validate(response.json())
    assert response.status_code == 422 and body.detail == resident_texts().invalid_request
    assert [error.loc for error in body.errors] == [["body", "sender"]]


def test_a_refusal_from_a_route_has_the_problem_shape(client: TestClient) -> None:
    response = client.get("/api/statutes", params={"cite": "民法典第九千条"})
    assert response.status_code == 404
    assert Problem.model_validate(response.json()).detail == resident_texts().statute_not_found


def test_every_answer_carries_a_request_id_and_a_plain_one_is_kept(client: TestClient) -> None:
    assert client.get("/api/health/live", headers={HEADER: "lb-42.a_b"}).headers[HEADER] == "lb-42.a_b"
    fresh = client.get("/api/health/live", headers={HEADER: "<script>alert(1)</script>"}).headers[HEADER]
    assert fresh != "<script>alert(1)</script>" and len(fresh) == 32
    assert client.get("/api/nowhere").headers[HEADER]  # refusals too
