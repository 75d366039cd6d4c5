"""The knowledge layer's front door: load once, then read, retrieve, judge and reply.

One consultation: cues and the asking clause are read from the message; the message is encoded
once and that vector serves both the entry retriever and the article retriever; the verdict
decides between answering, asking which entry was meant, and deferring honestly.

The entries answered from are the shipped knowledge base and the office's own approved entries,
which the caller hands over as they change (`use_office_entries`, plain entries: the knowledge
layer reads no database). The entries, their retriever and their features are one `Shelf`,
replaced as a whole, so a consultation reads one consistent set from start to end.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from knowledge.answering import Reply, entry_reply, reply_for, unsure_reply, with_cues, with_more_questions
from knowledge.datafile import DATA_DIR, load_yaml_model
from knowledge.entries import Entry, KnowledgeBase, Route
from knowledge.offices import Offices
from knowledge.reading.cues import CueBook, SafetyCue, ServiceCue, load_cues
from knowledge.reading.question import asking_clauses
from knowledge.retrieval.articles import ArticleHit, ArticleRetriever
from knowledge.retrieval.encoder import BUNDLED
from knowledge.retrieval.retriever import RetrievalResult, Retriever
from knowledge.statutes import StatuteLibrary
from knowledge.verdict import CandidateFeatures, Verdict, VerdictModel, load_verdict_model

SERVICES_FILE = DATA_DIR / "services.yml"
# Entries the verdict weighs for one question (the retriever's best by fused rank).
CANDIDATES = 6
# Articles quoted in a deferral: one, since a blind grading found the second often beside the point.
QUOTED_ARTICLES = 1
# Laws whose articles a deferral never quotes on its own: criminal provisions out of context mislead.
NEVER_QUOTED = frozenset({"刑法", "刑事诉讼法"})
# Other questions in one message looked up for buttons, and how much of an entry's own phrasing
# (IDF-weighted key terms) such a question must contain for the entry to be offered.
MORE_QUESTIONS = 2
PHRASING_MATCH = 0.4


class ServiceGuide(BaseModel):
    """Which knowledge-base entries explain each of the office's four services."""

    entries: dict[Route, str]
    related: dict[Route, list[str]] = {}


def load_service_guide(path: Path = SERVICES_FILE) -> ServiceGuide:
    return load_yaml_model(ServiceGuide, path)


@dataclass(frozen=True)
class Shelf:
    """The entries a consultation can answer with, with their retriever and candidate features."""

    kb: KnowledgeBase
    retriever: Retriever
    features: CandidateFeatures


@dataclass(frozen=True)
class Consultation:
    reply: Reply
    result: RetrievalResult
    verdict: Verdict
    question: str  # the asking clause: what a knowledge gap records as the point
    safety: list[SafetyCue]
    services: list[ServiceCue]


class Consultant:
    def __init__(
        self,
        kb: KnowledgeBase,
        retriever: Retriever,
        services: ServiceGuide,
        articles: ArticleRetriever,
        verdict: VerdictModel,
        cues: CueBook,
        *,
        offices: Offices | None = None,
    ):
        """`offices`: the process's shared offices (OfficeData.offices), whose addresses and hours
        replies show; read from offices.yml when not given (scripts, tests)."""
        named = [*services.entries.values(), *(i for ids in services.related.values() for i in ids)]
        missing = [i for i in named if i not in kb]
        if missing:
            raise ValueError(f"services.yml names entries that do not exist: {missing}")
        self.services, self.articles, self.verdict_model, self.cues = services, articles, verdict, cues
        self.offices = offices if offices is not None else Offices.load()
        self._shipped = frozenset(entry.id for entry in kb.entries)
        self._shelf = Shelf(kb, retriever, CandidateFeatures(kb, retriever))
        self._changing = threading.Lock()

    @classmethod
    def load(cls, index_dir: Path, offices: Offices | None = None) -> Consultant:
        kb = KnowledgeBase.load()
        retriever = Retriever.create(kb, index_dir)
        articles = ArticleRetriever.create(StatuteLibrary.load(), index_dir / "articles", retriever.encoder)
        guide, verdict, cues = load_service_guide(), load_verdict_model(), load_cues()
        return cls(kb, retriever, guide, articles, verdict, cues, offices=offices)

    @property
    def kb(self) -> KnowledgeBase:
        return self._shelf.kb

    @property
    def retriever(self) -> Retriever:
        return self._shelf.retriever

    @property
    def features(self) -> CandidateFeatures:
        return self._shelf.features

    def use_office_entries(self, entries: list[Entry]) -> None:
        """Answer from exactly these office entries beside the shipped ones, from now on.

        Only what changed is indexed (an entry new or different is encoded; one gone is dropped);
        consultations under way finish with the entries they started with."""
        clash = sorted(entry.id for entry in entries if entry.id in self._shipped)
        if clash:
            raise ValueError(f"office entries take ids of shipped entries: {clash}")
        with self._changing:
            shelf = self._shelf
            current = {entry.id: entry for entry in shelf.kb.entries if entry.id not in self._shipped}
            wanted = {entry.id: entry for entry in entries}
            removed = {entry_id for entry_id, entry in current.items() if wanted.get(entry_id) != entry}
            added = [entry for entry_id, entry in wanted.items() if current.get(entry_id) != entry]
            if not removed and not added:
                return
            retriever = shelf.retriever.removing(removed).adding(added)
            features = shelf.features.removing(removed, retriever).adding(added, retriever)
            self._shelf = Shelf(retriever.kb, retriever, features)

    def consult(
        self, message: str, area: str | None = None, area_confidence: float = 0.0, vector: np.ndarray | None = None
    ) -> Consultation:
        """`vector`: the NLU's e5 encoding of the message, reused when the retriever runs the same
        bundled e5 (one encoding per turn); with another encoder the message is encoded here."""
        safety, services = self.cues.safety_in(message), self.cues.services_in(message)
        asked = asking_clauses(message)
        question = asked[-1] if asked else message.strip()
        if not message.strip():
            empty = Verdict("defer", [])
            return Consultation(unsure_reply(), RetrievalResult([], False), empty, question, safety, services)
        shelf = self._shelf
        if vector is None or shelf.retriever.config.model != BUNDLED or vector.shape != (shelf.retriever.dimension,):
            vector = shelf.retriever.encode(message)
        result = self.search(message, area, area_confidence, vector, shelf=shelf)
        verdict = self.verdict_model.decide(shelf.features(message, question, result, area, area_confidence))
        if not result.confident and not safety and not services:
            reply = unsure_reply()
        else:
            shown_area = self._shown_area(shelf, verdict, area, area_confidence)
            articles = self._articles(shelf, message, vector, verdict) if verdict.kind == "defer" else []
            reply = reply_for(shelf.kb, self.offices, verdict, shown_area, articles)
            if len(asked) > 1:
                reply = with_more_questions(reply, self._other_answers(shelf, asked[:-1]))
        return Consultation(with_cues(reply, message, safety, services), result, verdict, question, safety, services)

    def search(
        self,
        message: str,
        area: str | None,
        area_confidence: float,
        vector: np.ndarray | None = None,
        *,
        shelf: Shelf | None = None,
    ) -> RetrievalResult:
        """The candidates the verdict weighs: more than the reply shows, so it can re-rank them."""
        return (shelf or self._shelf).retriever.search(
            message, top_k=CANDIDATES, area=area, area_confidence=area_confidence, vector=vector
        )

    def _other_answers(self, shelf: Shelf, clauses: list[str]) -> list[Entry]:
        """Entries for the message's other questions, as buttons under the main reply.

        Found without encoding the clauses (one encoding per turn): the entry whose own phrasing
        the clause covers best by words, among the lexical retriever's best, when it covers most
        of it. A button is a suggestion the resident can ignore, so words alone are enough.
        """
        found: list[Entry] = []
        for clause in clauses[-MORE_QUESTIONS:] if MORE_QUESTIONS else []:
            scores = shelf.retriever.lexical_scores(clause)
            best = [shelf.kb.entries[i] for i in np.argsort(-scores)[:3] if scores[i] > 0]
            match = max(best, key=lambda e: shelf.features.phrasing_match(e.id, clause), default=None)
            if match and shelf.features.phrasing_match(match.id, clause) >= PHRASING_MATCH:
                found.append(match)
        return found

    def _shown_area(self, shelf: Shelf, verdict: Verdict, area: str | None, area_confidence: float) -> str | None:
        if area and area_confidence >= shelf.retriever.config.min_area_confidence:
            return area
        return shelf.kb.get(verdict.candidates[0].entry_id).area if verdict.candidates else None

    def _articles(self, shelf: Shelf, message: str, vector: np.ndarray, verdict: Verdict) -> list[ArticleHit]:
        """The article to quote in a deferral: one the nearest entries cite (reviewed as on their
        topic), ranked by the retriever against the message — and only when the nearest entry is
        at least half as likely as a confirmation needs, so the topic itself is probably right.
        Blind grading found articles picked from all statutes often beside the point, and
        criminal provisions quoted out of context misleading (告诉的才处理 for a child's abuse)."""
        if not verdict.candidates or verdict.candidates[0].probability < self.verdict_model.clarify_at / 2:
            return []
        near = [shelf.kb.get(c.entry_id) for c in verdict.candidates[:3]]
        reviewed = {c.label for e in near for c in e.citations if c.law not in NEVER_QUOTED}
        if not reviewed:
            return []
        return self.articles.search(message, vector, limit=QUOTED_ARTICLES, only=reviewed)

    def explain_service(self, service: Route) -> Reply:
        entry = self.kb.get(self.services.entries[service])
        related = [self.kb.get(i) for i in self.services.related.get(service, [])]
        return entry_reply(entry, self.offices, related)
