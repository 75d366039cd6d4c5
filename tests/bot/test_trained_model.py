"""The trained model's NLU on what residents really send, including bad input."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.core.agent import Agent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def agent() -> Agent:
    latest = ROOT / "models" / "LATEST"
    if not latest.exists():
        pytest.fail("no trained model: `make test` trains one first (scripts/build.sh)")
    return Agent.load(str(ROOT / "models" / latest.read_text().strip()))


def parse(agent: Agent, text: str) -> dict[str, Any]:
    return asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀",
        "欠钱" * 2500,
        "my boss 不给 salary 怎么办",
        "<script>alert('x')</script>",
        "'; DROP TABLE events; --",
        "離婚後孩子歸誰",
        "ＡＢＣ１２３",
        "\u200b\u200b",
        "?",
    ],
)
def test_bad_input_parses_without_error(agent: Agent, text: str) -> None:
    result = parse(agent, text)
    assert result["intent"]["name"]
    assert 0.0 <= result["intent"]["confidence"] <= 1.0


def test_a_long_mixed_story_is_a_consultation_with_its_facts(agent: Agent) -> None:
    result = parse(agent, "我在工地干了半年活，包工头跑了，还欠我三万二，我一个人在外地打工没钱请律师咋办")
    entities = {(e["entity"], e["value"]) for e in result["entities"]}
    assert {("money", 32000), ("duration", "P6M"), ("role", "包工头")} <= entities
    assert result["area"]["name"] in {"劳动纠纷", "建设工程"}
    assert result["intent"]["name"] in {"consult", "request_legal_aid"}


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("离婚了孩子归谁养", "婚姻家庭"),
        ("被电动车撞了对方不赔医药费", "交通事故"),
        ("借钱不还还拉黑我", "债权债务"),
        ("邻居盖房占了我家的宅基地", "房产纠纷"),
        ("公司不签劳动合同还不交社保", "劳动纠纷"),
    ],
)
def test_consultations_get_their_area(agent: Agent, text: str, area: str) -> None:
    result = parse(agent, text)
    assert result["area"]["name"] == area
    assert any(e["entity"] == "area" and e["value"] == area for e in result["entities"])


def test_greetings_are_not_consultations(agent: Agent) -> None:
    result = parse(agent, "你好")
    assert result["intent"]["name"] == "greet"
    assert not any(e["entity"] == "area" for e in result["entities"])


def test_the_sentence_vector_is_handed_on_so_the_retriever_does_not_encode_again(agent: Agent) -> None:
    sent = parse(agent, "老板拖欠我三个月工资一直不给，我该怎么办")["e5_vector"]
    assert isinstance(sent, str)  # one compact string, not 384 numbers in every stored event
    vector = np.frombuffer(base64.b64decode(sent), dtype="<f4")
    assert vector.shape == (384,)
    assert abs(float(vector @ vector) - 1.0) < 1e-3  # unit length, as the retriever's own
