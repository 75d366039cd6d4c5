"""Text normalization before tokenization: what residents type, in the form the model learned.

Traditional → simplified (OpenCC), full-width → half-width (NFKC), emoji and control characters
dropped, whitespace collapsed, and very long messages cut to what the classifiers need.
Only the NLU sees the normalized text; the tracker keeps what the resident wrote.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Symbols and pictographs, dingbats, variation selectors, zero-width joiners, flags.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0000fe00-\U0000fe0f\U0000200d\U000020e3\U0001f1e6-\U0001f1ff]+"
)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc  # opencc-python-reimplemented: pure Python, dictionaries bundled

    return opencc.OpenCC("t2s")


def normalize_text(text: str, max_chars: int = 512) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in text)
    text = _EMOJI.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > max_chars:
        # Residents state the problem first; the tail of a very long story adds little.
        text = text[:max_chars]
    if not text.startswith("/"):  # button payloads such as /request_human stay as they are
        text = _converter().convert(text)
    return text.lower()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ChineseTextNormalizer(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"max_chars": 512}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ChineseTextNormalizer":
        return cls(config)

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(TEXT, normalize_text(text, self._max_chars))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if int(config.get("max_chars", 512)) < 16:
            raise ValueError("max_chars must be at least 16")
