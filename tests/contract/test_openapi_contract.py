"""The API answers what its OpenAPI document says, for any request the document allows or not.

schemathesis generates requests for every operation of `app.openapi()` (the document /openapi.json
serves when API_DOCS=true) and sends them over HTTP to the real app under uvicorn, with a fresh
SQLite database, in two worlds:

- dialogue down: nothing listens where Rasa should be, WeChat is off, rate limits are on. The
  documented answers are then the Chinese 503 and 429; a 503 is the designed outage answer here,
  so it is the one 5xx `not_a_server_error` accepts, and only where the document lists it.
- dialogue up: a stand-in Rasa answers over HTTP as Rasa does (plain-text root page, JSON turns),
  WeChat is on (plain mode, so every fuzzed signature is refused), rate limits are off so the
  turns themselves are exercised; no 5xx at all is accepted.

Checks: not a server error, status code conformance, content type conformance, response schema
conformance. The examples are derandomized, so a run is repeatable. The staff console (HTML
forms with CSRF tokens, `include_in_schema=False`) and /metrics (Prometheus's text format) are
outside the document and not fuzzed here; they have their own tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from api.security.limit_rules import limit_rules
from casebook.settings import Settings
from scripts.stack import free_port
from tests.live_servers import serving, stand_in_rasa

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 25
# Headers that frame the HTTP message rather than carry the API's input. Invalid-input mode adds
# random extra headers, and one named content-length with a non-number value makes a message no
# HTTP server accepts: uvicorn (or the balancer) answers 400 before the app sees anything, which is
# HTTP's contract, not this document's. Such cases are dropped, not their answers excused.
FRAMING_HEADERS = {"content-length", "transfer-encoding", "host", "connection", "expect", "upgrade", "te"}
SECRET = "contract-secret-" + "k" * 24


def contract_settings(tmp_path: Path, *, rasa_port: int, dialogue_up: bool) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        conversation_secret=SECRET,
        rasa_port=rasa_port,
        rasa_timeout_seconds=2,
        rate_limits=not dialogue_up,
        wechat_token="contract-wechat-token" if dialogue_up else "",
        wechat_allow_plain=dialogue_up,
    )


def document() -> dict[str, object]:
    return create_app(contract_settings(Path("/nonexistent"), rasa_port=1, dialogue_up=False)).openapi()


OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in document()["paths"].items()
    for method in item  # type: ignore[attr-defined]
]


@dataclass
class World:
    name: str
    base_url: str
    schema: schemathesis.BaseSchema
    statuses: Counter[tuple[str, int]]


@pytest.fixture(scope="module", params=["dialogue down", "dialogue up"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    dialogue_up = request.param == "dialogue up"
    with ExitStack() as stack:
        rasa_port = stack.enter_context(stand_in_rasa()).port if dialogue_up else free_port()
        app = create_app(
            contract_settings(tmp_path_factory.mktemp("contract"), rasa_port=rasa_port, dialogue_up=dialogue_up)
        )
        base_url = stack.enter_context(serving(app))
        expected = ["2xx", "3xx", "4xx"] if dialogue_up else ["2xx", "3xx", "4xx", "503"]
        config = schemathesis.config.SchemathesisConfig.from_dict(
            {"checks": {"not_a_server_error": {"expected-statuses": expected}}}
        )
        schema = schemathesis.openapi.from_dict(app.openapi(), config=config)
        yield World(request.param, base_url, schema, Counter())


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_answer_is_the_documented_one(world: World, operation: str) -> None:
    method, path = operation.split(" ", 1)
    api_operation = world.schema[path][method]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    # Valid requests and invalid ones (wrong types, missing fields, bad patterns) alike.
    @given(case=st.one_of(*(api_operation.as_strategy(generation_mode=mode) for mode in GenerationMode)))
    def answers_as_documented(case: schemathesis.Case) -> None:
        assume(not FRAMING_HEADERS & {name.lower() for name in case.headers or {}})
        response = case.call_and_validate(base_url=world.base_url, checks=CHECKS)
        world.statuses[(operation, response.status_code)] += 1

    answers_as_documented()
    assert any(op == operation for op, _ in world.statuses), "no request reached the operation"


# What each world's run must have produced, so a pass is never vacuous.
CHARACTERISTIC_ANSWERS = {
    "dialogue down": [("POST /api/chat", 503), ("GET /api/health/ready", 503), ("POST /wechat", 503)],
    "dialogue up": [
        ("POST /api/chat", 200),
        ("POST /api/chat", 422),
        ("GET /api/health", 200),
        ("GET /api/health/ready", 200),
        ("POST /wechat", 403),
    ],
}


def test_the_fuzzing_reached_the_answers_that_matter(world: World) -> None:
    """Runs after the fuzzing of its world (pytest keeps a module-scoped fixture's tests together)."""
    for operation, status in CHARACTERISTIC_ANSWERS[world.name]:
        assert world.statuses[(operation, status)] > 0, (operation, status, dict(world.statuses))


def test_no_operation_documents_fastapis_own_422_shape() -> None:
    """Our 422 body is {detail: Chinese text, errors: [...]}, never FastAPI's {detail: [...]}."""
    doc = document()
    schemas = doc["components"]["schemas"]  # type: ignore[index]
    assert "HTTPValidationError" not in schemas
    for path, item in doc["paths"].items():  # type: ignore[attr-defined]
        for method, operation in item.items():
            invalid = operation["responses"].get("422")
            if invalid is not None:
                assert set(invalid["content"]) == {"application/json"}, f"{method} {path}"
                ref = invalid["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/InvalidRequest"), f"{method} {path}"


def test_every_rate_limited_route_documents_its_429() -> None:
    doc = document()
    for path, item in doc["paths"].items():  # type: ignore[attr-defined]
        for method in item:
            if limit_rules().for_request(method.upper(), path) is not None:
                assert "429" in item[method]["responses"], f"{method.upper()} {path} is rate-limited"
