"""The audit log: append and read, nothing else. There is deliberately no function that updates
or deletes an entry, the database refuses both (triggers: casebook/audit_guards.py), and every entry is
hash-chained to the one before it (audit_chain.py, `python -m api.console.admin verify-audit`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from casebook.audit_chain import link
from casebook.console_tables import AuditEntry, StaffUser
from casebook.models import Case
from casebook.services.redaction import mask_personal_data

logger = logging.getLogger(__name__)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)[:500]
    if isinstance(value, Mapping):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_masked(v) for v in value]
    return value


def record(
    session: Session,
    *,
    action: str,
    at: datetime,
    user: StaffUser | None = None,
    actor: str | None = None,
    case: Case | None = None,
    detail: Mapping[str, Any] | None = None,
    commit: bool = True,
) -> AuditEntry:
    """Add one entry. `detail` must not carry names; phone and ID numbers in it are masked anyway.

    With commit=False the entry joins the caller's transaction, so a change and its audit row
    are written together or not at all.
    """
    entry = AuditEntry(
        at=at,
        actor_id=user.id if user else None,
        # A typed-in name of an unknown account may be anything, even a phone number.
        actor=(user.username if user else mask_personal_data(actor or ""))[:32],
        action=action,
        case_id=case.id if case else None,
        case_reference=case.reference if case else None,
        detail=_masked(dict(detail or {})),
    )
    link(session, entry)
    session.add(entry)
    if commit:
        session.commit()
    # The chain's new end, outside the database too: a rebuilt chain would not match the log.
    logger.info("audit %s by %s on %s chain %s", action, entry.actor, entry.case_reference or "-", entry.row_hash)
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int


def entries(
    session: Session, *, case_reference: str = "", actor: str = "", limit: int = 100, offset: int = 0
) -> AuditPage:
    """Newest first, optionally for one case or one person."""
    statement = select(AuditEntry)
    if case_reference:
        statement = statement.where(AuditEntry.case_reference == case_reference)
    if actor:
        statement = statement.where(AuditEntry.actor == actor)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(statement.order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)).all()
    return AuditPage(entries=list(rows), total=int(total))
