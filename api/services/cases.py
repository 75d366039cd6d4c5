"""Creating cases for staff. Idempotent: a repeated request returns the open case."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.models import Case, CaseCreate, CaseKind, utc_now

logger = logging.getLogger(__name__)

_REFERENCE_PREFIX = {
    CaseKind.handoff: "RG",  # 人工
    CaseKind.danger: "JJ",  # 紧急
    CaseKind.mediation: "TJ",  # 调解
    CaseKind.legal_aid: "FY",  # 法援
    CaseKind.notarization: "GZ",  # 公证
    CaseKind.lawyer: "LS",  # 律师
}
# No 0/O, 1/I/L: references are read aloud on the phone and typed by elderly residents.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(kind: CaseKind, now: datetime | None = None) -> str:
    """For example RG20261122-7KQ4: service prefix, date, four random characters."""
    day = (now or datetime.now(UTC)).strftime("%Y%m%d")
    suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(4))
    return f"{_REFERENCE_PREFIX[kind]}{day}-{suffix}"


def _open_key(kind: CaseKind, conversation_id: str) -> str:
    return f"{kind.value}:{conversation_id}"


def find_open_case(session: Session, *, kind: CaseKind, conversation_id: str) -> Case | None:
    statement = select(Case).where(Case.open_key == _open_key(kind, conversation_id))
    return session.exec(statement).first()


def open_case(session: Session, *, data: CaseCreate) -> tuple[Case, bool]:
    """Return (case, created). An open case of the same kind for the conversation is reused."""
    existing = find_open_case(session, kind=data.kind, conversation_id=data.conversation_id)
    if existing is not None:
        return existing, False
    for _attempt in range(5):
        case = Case.model_validate(
            data,
            update={"reference": new_reference(data.kind), "open_key": _open_key(data.kind, data.conversation_id)},
        )
        session.add(case)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            # Either another request opened the same case a moment ago, or the reference collided.
            existing = find_open_case(session, kind=data.kind, conversation_id=data.conversation_id)
            if existing is not None:
                return existing, False
            continue
        session.refresh(case)
        logger.info("opened %s case %s", case.kind.value, case.reference)
        return case, True
    raise RuntimeError("could not allocate a unique case reference")


def record_contact(session: Session, *, reference: str, name: str | None, phone: str) -> Case | None:
    """Put the contact details a resident agreed to leave on their case; None if no such case."""
    case = session.exec(select(Case).where(Case.reference == reference)).first()
    if case is None:
        return None
    case.phone = phone
    case.applicant_name = name or case.applicant_name
    case.updated_at = utc_now()
    session.add(case)
    session.commit()
    session.refresh(case)
    return case
