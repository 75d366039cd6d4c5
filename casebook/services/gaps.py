"""Recording questions the assistant could not answer confidently."""

from __future__ import annotations

from sqlmodel import Session

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
