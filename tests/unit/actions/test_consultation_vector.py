"""The action server reuses the NLU's sentence vector, and ignores one it cannot trust."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
from rasa_sdk import Tracker

from actions.consultation import NLU_VECTOR_KEY, nlu_vector
from knowledge.consultant import Consultant


def latest(values: Any) -> Tracker:
    return Tracker("r", {}, {"text": "x", NLU_VECTOR_KEY: values}, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("values", [None, [], "0.1,0.2", [0.0, 0.0], [[0.1, 0.2]], ["a", "b"], [float("nan"), 1.0]])
def test_a_missing_or_malformed_vector_is_not_used(values: Any) -> None:
    assert nlu_vector(latest(values)) is None


def test_a_vector_is_normalised_to_unit_length() -> None:
    vector = nlu_vector(latest([3.0, 4.0]))
    assert vector is not None and np.allclose(vector, [0.6, 0.8])


def test_the_reused_vector_gives_the_reply_the_retriever_would_give_itself(consultant: Consultant) -> None:
    message = "老板拖欠我三个月工资一直不给，我该怎么办"
    own = consultant.consult(message)
    reused = consultant.consult(message, vector=consultant.retriever.encode(message))
    wrong_size = consultant.consult(message, vector=np.ones(7, dtype=np.float32))
    assert own.reply == reused.reply == wrong_size.reply


def as_sent_by_the_nlu(values: list[float]) -> str:
    """What bot/components/e5_featurizer.py's vector_text puts in the parse result."""
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def test_the_nlus_compact_vector_is_read_exactly() -> None:
    values = [0.6, -0.8, 0.0]
    vector = nlu_vector(latest(as_sent_by_the_nlu(values)))
    assert vector is not None and vector.dtype == np.float32
    assert np.array_equal(vector, np.asarray(values, dtype=np.float32))


@pytest.mark.parametrize(
    "text", ["", "not base64!", base64.b64encode(b"\x00\x00\x80").decode(), as_sent_by_the_nlu([0.0])]
)
def test_a_compact_vector_that_is_malformed_or_empty_is_not_used(text: str) -> None:
    assert nlu_vector(latest(text)) is None
