"""The knowledge layer's front door: load once, then answer questions and explain services."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from knowledge.answering import Reply, compose_reply, entry_reply
from knowledge.entries import KnowledgeBase, Route
from knowledge.retrieval.retriever import RetrievalResult, Retriever

SERVICES_FILE = Path(__file__).parent / "data" / "services.yml"


class ServiceGuide(BaseModel):
    """Which knowledge-base entries explain each of the office's four services."""

    entries: dict[Route, str]
    related: dict[Route, list[str]] = {}


@cache
def load_service_guide(path: Path = SERVICES_FILE) -> ServiceGuide:
    return ServiceGuide.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Consultant:
    def __init__(self, kb: KnowledgeBase, retriever: Retriever, services: ServiceGuide):
        named = [*services.entries.values(), *(i for ids in services.related.values() for i in ids)]
        missing = [i for i in named if i not in kb]
        if missing:
            raise ValueError(f"services.yml names entries that do not exist: {missing}")
        self.kb, self.retriever, self.services = kb, retriever, services

    @classmethod
    def load(cls, index_dir: Path) -> Consultant:
        kb = KnowledgeBase.load()
        return cls(kb, Retriever.create(kb, index_dir), load_service_guide())

    def answer(
        self, question: str, area: str | None = None, area_confidence: float = 0.0
    ) -> tuple[Reply, RetrievalResult]:
        result = self.retriever.search(question, area=area, area_confidence=area_confidence)
        return compose_reply(self.kb, result), result

    def explain_service(self, service: Route) -> Reply:
        entry = self.kb.get(self.services.entries[service])
        related = [self.kb.get(i) for i in self.services.related.get(service, [])]
        return entry_reply(entry, related)
