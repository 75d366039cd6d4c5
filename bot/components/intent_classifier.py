"""Intent classification with the shared linear text classifier (replaces DIET; see linear_text.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_text import LinearClassifierComponent, dense_vector


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LinearClassifierComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"dense_alias": "e5", "dense_weight": 4.0, "C": 8.0, "ranking_length": 10}

    def train(self, training_data: TrainingData) -> Resource:
        alias = self._config["dense_alias"] or None
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        self._fit(
            [e.get(TEXT) for e in examples],
            [dense_vector(e, alias) for e in examples],
            [e.get(INTENT) for e in examples],
        )
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
