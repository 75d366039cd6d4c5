"""Creating cases for staff. Idempotent: a repeated request returns the open case."""

from __future__ import annotations

import logging
import re
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from casebook.clock import utc_now
from casebook.models import Case, CaseCreate, CaseKind

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
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# With the reference and the phone a resident may look a case up and cancel a booking, so the
# reference alone must not be guessable: 8 random characters are 31**8 ≈ 8.5e11 values (and
# lookups lock after a few failures, actions/forms/lookups.py). No date: it adds no secrecy.
REFERENCE = re.compile(rf"(RG|JJ|TJ|FY|GZ|LS)-([{REFERENCE_ALPHABET}]{{4}})-([{REFERENCE_ALPHABET}]{{4}})")


def new_reference(kind: CaseKind) -> str:
    """For example RG-7KQ4-M9XP: the service's prefix and two groups of four random characters."""
    random = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{_REFERENCE_PREFIX[kind]}-{random[:4]}-{random[4:]}"


def _open_key(kind: CaseKind, conversation_id: str) -> str:
    return f"{kind.value}:{conversation_id}"


def find_open_case(session: Session, *, kind: CaseKind, conversation_id: str) -> Case | None:
    statement = select(Case).where(Case.open_key == _open_key(kind, conversation_id))
    return session.exec(statement).first()


def open_case(session: Session, *, data: CaseCreate) -> tuple[Case, bool]:
    """Return (case, created). An open case of the same kind for the conversation is reused."""
    existing = find_open_case(session, kind=data.kind, conversation_id=data.conversation_id)
    if existing is not None:
        return _repeated(session, existing), False
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


def _repeated(session: Session, case: Case) -> Case:
    """Another alert for an open case adds to it (a count staff see, the case moves up) rather
    than opening a second one: one conversation makes one danger case and one handoff case."""
    case.details = {**case.details, "repeats": int(case.details.get("repeats", 0)) + 1}
    case.updated_at = utc_now()
    session.add(case)
    session.commit()
    session.refresh(case)
    return case


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
