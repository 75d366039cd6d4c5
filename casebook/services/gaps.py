"""Recording questions the assistant could not answer confidently, and reading them back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from casebook.models import KnowledgeGap
from casebook.services.redaction import mask_personal_data


def record_knowledge_gap(
    session: Session,
    *,
    conversation_id: str,
    question: str,
    best_entry_id: str | None,
    best_score: float | None,
    point: str | None = None,
) -> KnowledgeGap:
    gap = KnowledgeGap(
        conversation_id=conversation_id,
        question=mask_personal_data(question)[:2000],
        point=mask_personal_data(point)[:500] if point else None,
        best_entry_id=best_entry_id,
        best_score=best_score,
    )
    session.add(gap)
    session.commit()
    session.refresh(gap)
    return gap


@dataclass(frozen=True)
class GapsPage:
    gaps: list[KnowledgeGap]  # newest first
    total: int  # of all pages


def newest_gaps(session: Session, *, limit: int, offset: int = 0) -> GapsPage:
    """One page of the recorded gaps, newest first, and how many there are in all."""
    total = int(session.exec(select(func.count()).select_from(KnowledgeGap)).one())
    statement = select(KnowledgeGap).order_by(col(KnowledgeGap.id).desc()).offset(offset).limit(limit)
    return GapsPage(list(session.exec(statement).all()), total)
