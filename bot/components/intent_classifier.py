"""Intent classification with the shared linear text classifier (replaces DIET; see linear_text.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_text import LinearTextClassifier, dense_vector


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"dense_alias": "e5", "dense_weight": 4.0, "C": 8.0, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: LinearTextClassifier | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource, LinearTextClassifier.restore(model_storage, resource))

    def train(self, training_data: TrainingData) -> Resource:
        alias = self._config["dense_alias"] or None
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        model = LinearTextClassifier(C=float(self._config["C"]), dense_weight=float(self._config["dense_weight"]))
        model.fit(
            [e.get(TEXT) for e in examples],
            [dense_vector(e, alias) for e in examples],
            [e.get(INTENT) for e in examples],
        )
        model.persist(self._storage, self._resource)
        self._model = model
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        alias = self._config["dense_alias"] or None
        for message in messages:
            text = message.get(TEXT)
            if self._model is None or not self._model.trained or not text:
                # Nothing to read (an emoji alone, say): no intent, so the fallback takes the turn.
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            ranking = self._model.ranking(text, dense_vector(message, alias), int(self._config["ranking_length"]))
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if float(config.get("C", 1.0)) <= 0:
            raise ValueError("C must be positive")
