"""Entity extraction as a Rasa component: a spaCy pipeline (spacy.blank("zh"), character tokens)
with phrase matchers for the other party's role and the district's places, and the rules of
entity_rules.py for money, durations, dates, phone and ID numbers and near deadlines.
Overlaps are resolved by spaCy (the longest span wins); every entity carries a normalized value.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.entity_rules import Value, find_all

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXTRACTOR = "LegalEntityExtractor"


def load_phrases(roles_file: Path, gazetteer_file: Path) -> Dict[str, Dict[str, str]]:
    """label → {phrase as written → canonical value}."""
    roles = yaml.safe_load(roles_file.read_text(encoding="utf-8"))["roles"]
    phrases: Dict[str, Dict[str, str]] = {"role": {}, "place": {}}
    for canonical, written in roles.items():
        for phrase in written:
            phrases["role"][str(phrase).lower()] = canonical
    gazetteer = yaml.safe_load(gazetteer_file.read_text(encoding="utf-8"))
    for division in gazetteer["divisions"]:
        for name in [division["name"], *division.get("aliases", [])]:
            phrases["place"][name] = division["name"]
        for place in division.get("places", []):
            for name in [place["name"], *place.get("aliases", [])]:
                phrases["place"][name] = place["name"]
    return phrases


class EntityPipeline:
    """The spaCy side: a blank Chinese pipeline and its matchers, built once."""

    def __init__(self, phrases: Dict[str, Dict[str, str]]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self._nlp = spacy.blank("zh")  # character segmenter: no dictionary to load
        self._values: Dict[Tuple[str, str], str] = {}
        self._matcher = PhraseMatcher(self._nlp.vocab)
        for label, table in phrases.items():
            self._matcher.add(label, [self._nlp.make_doc(p) for p in table])
            self._values.update({(label, p): v for p, v in table.items()})

    def extract(self, text: str, today: date) -> List[Tuple[str, int, int, Value]]:
        from spacy.util import filter_spans

        doc = self._nlp.make_doc(text)
        values: Dict[Tuple[int, int, str], Value] = {}
        spans = []
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            label = self._nlp.vocab.strings[match_id]
            value = self._values.get((label, span.text))
            if value is None:  # matched across a space (儿子 女儿 is not 子女)
                continue
            span.label_ = label
            spans.append(span)
            values[(span.start_char, span.end_char, label)] = value
        for found in find_all(text, today):
            span = doc.char_span(found.start, found.end, label=found.label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
                values[(span.start_char, span.end_char, found.label)] = found.value
        doc.ents = filter_spans(spans)
        return [(e.label_, e.start_char, e.end_char, values[(e.start_char, e.end_char, e.label_)]) for e in doc.ents]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LegalEntityExtractor(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"roles_file": "bot/roles.yml", "gazetteer_file": "knowledge/data/district/gazetteer.yml"}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = config
        self._pipeline: EntityPipeline | None = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LegalEntityExtractor":
        return cls(config)

    @property
    def pipeline(self) -> EntityPipeline:
        if self._pipeline is None:
            self._pipeline = EntityPipeline(
                load_phrases(PROJECT_ROOT / self._config["roles_file"], PROJECT_ROOT / self._config["gazetteer_file"])
            )
        return self._pipeline

    def process(self, messages: List[Message]) -> List[Message]:
        today = date.today()
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            entities = [
                {
                    "entity": label,
                    "start": start,
                    "end": end,
                    "value": value,
                    "text": text[start:end],
                    "confidence_entity": 1.0,
                    "extractor": EXTRACTOR,
                }
                for label, start, end, value in self.pipeline.extract(text, today)
            ]
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        for key in ("roles_file", "gazetteer_file"):
            if not (PROJECT_ROOT / config.get(key, "")).is_file():
                raise ValueError(f"LegalEntityExtractor: {key} not found: {config.get(key)}")
