"""What staff do with cases: the queue a role sees, opening a case, moving it through the
workflow, assigning it and adding notes. Every change writes its audit entry in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, or_, update
from sqlmodel import Session, col, func, select

from api.console.roles import Role, Roles
from api.console.workflow import OPEN_STATUSES, TransitionRefused, Workflow, check_outcome, check_transition
from casebook import audit
from casebook.console_tables import CaseEvent, CaseNote, CaseWork, StaffUser
from casebook.models import Case, CaseKind, CaseStatus
from casebook.services.applications import digits, normalize_reference

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
NOTE_MAX_CHARS = 2000


class CaseworkRefused(Exception):
    """A change that cannot be made; `code` names the message in texts.yml."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class QueueFilters:
    kind: CaseKind | None = None
    status: CaseStatus | None = None
    include_finished: bool = False  # with status None: True lists every case, False only open ones
    q: str = ""
    assignee_id: int | None = None


@dataclass(frozen=True)
class QueueRow:
    case: Case
    work: CaseWork | None
    assignee: StaffUser | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int


def _search(role: Role, q: str) -> ColumnElement[bool]:
    """Reference for everyone; name and phone only for roles that see personal data."""
    conditions: list[ColumnElement[bool]] = []
    reference = normalize_reference(q)
    if reference:
        conditions.append(col(Case.reference).contains(reference, autoescape=True))
    if role.personal_data:
        name = q.strip()
        if name:
            conditions.append(col(Case.applicant_name).contains(name, autoescape=True))
        number = digits(q)
        if len(number) >= 3:
            conditions.append(col(Case.phone).contains(number, autoescape=True))
    return or_(*conditions) if conditions else false()


def _urgency(workflow: Workflow, now: datetime) -> Any:
    """0 danger, 1 deadline near or passed, 2 new, 3 other open, 4 finished."""
    is_open = col(Case.status).in_(list(OPEN_STATUSES))
    due_soon: list[ColumnElement[bool]] = []
    for kind, rule in workflow.deadlines.items():
        since = workflow.urgent_since(kind, now)
        start = col(Case.created_at) if rule.starts == "created" else col(CaseWork.accepted_at)
        running = [status for status in OPEN_STATUSES if status not in rule.met_by]
        due_soon.append(and_(col(Case.kind) == kind, col(Case.status).in_(running), start <= since))
    return case(
        (and_(col(Case.kind) == CaseKind.danger, is_open), 0),
        (or_(*due_soon) if due_soon else false(), 1),
        (col(Case.status) == CaseStatus.new, 2),
        (is_open, 3),
        else_=4,
    )


def _filtered(role: Role, filters: QueueFilters) -> Any:
    statement = (
        select(Case, CaseWork, StaffUser)
        .outerjoin(CaseWork, col(CaseWork.case_id) == col(Case.id))
        .outerjoin(StaffUser, col(StaffUser.id) == col(CaseWork.assignee_id))
        .where(col(Case.kind).in_(sorted(role.kinds)))
    )
    if filters.kind is not None:
        statement = statement.where(Case.kind == filters.kind)
    if filters.status is not None:
        statement = statement.where(Case.status == filters.status)
    elif not filters.include_finished:
        statement = statement.where(col(Case.status).in_(list(OPEN_STATUSES)))
    if filters.q.strip():
        statement = statement.where(_search(role, filters.q))
    if filters.assignee_id is not None:
        statement = statement.where(CaseWork.assignee_id == filters.assignee_id)
    return statement


def queue(
    session: Session,
    *,
    role: Role,
    workflow: Workflow,
    filters: QueueFilters,
    now: datetime,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> QueuePage:
    """The cases a role may see, most urgent first (danger, deadlines, new), then newest."""
    if filters.kind is not None and not role.sees(filters.kind):
        raise CaseworkRefused("kind_not_allowed")
    statement = _filtered(role, filters)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    ordered = statement.order_by(_urgency(workflow, now), col(Case.created_at).desc(), col(Case.id).desc())
    rows = [QueueRow(c, w, u) for c, w, u in session.exec(ordered.offset(offset).limit(limit)).all()]
    return QueuePage(rows=rows, total=int(total))


def visible_case(session: Session, *, role: Role, reference: str) -> Case | None:
    """The case, if it exists and the role may see its kind (otherwise None, as if it did not exist)."""
    found = session.exec(select(Case).where(Case.reference == normalize_reference(reference))).first()
    return found if found is not None and role.sees(found.kind) else None


def work_of(session: Session, case_: Case) -> CaseWork:
    assert case_.id is not None
    return session.get(CaseWork, case_.id) or CaseWork(case_id=case_.id)


def change_status(
    session: Session,
    *,
    case_: Case,
    user: StaffUser,
    target: CaseStatus,
    reason: str,
    workflow: Workflow,
    now: datetime,
    outcome: str = "",
    expected: CaseStatus | None = None,
) -> Case:
    """Move a case on; a finished case frees its open_key so the resident's next request opens a new one.

    Closing a kind with outcomes in workflow.yml (mediation, legal aid) must say which one.
    `expected` is the status the staff member saw: a change made by a colleague since is never
    overwritten, and the write itself only succeeds if the status is still what was read.
    """
    if expected is not None and case_.status != expected:
        raise CaseworkRefused("status_changed")
    try:
        cleaned = check_transition(workflow, case_.status, target, reason)
        chosen = check_outcome(workflow, case_.kind, target, outcome)
    except TransitionRefused as error:
        raise CaseworkRefused(error.code) from error
    assert user.id is not None and case_.id is not None
    before = case_.status
    # Compare and set in one statement: two changes read at once cannot both pass.
    claimed = session.exec(
        update(Case).where(col(Case.id) == case_.id, col(Case.status) == before).values(status=target, updated_at=now)
    )
    if claimed.rowcount != 1:
        raise CaseworkRefused("status_changed")
    work = work_of(session, case_)
    if target == CaseStatus.accepted:
        work.accepted_at = now
    if target not in OPEN_STATUSES:
        work.closed_at = now
        case_.open_key = None
    if target == CaseStatus.not_accepted:
        work.not_accepted_reason = cleaned
    if chosen is not None:
        work.outcome = chosen
    case_.status, case_.updated_at = target, now
    session.add_all([case_, work])
    session.add(
        CaseEvent(
            case_id=case_.id,
            actor_id=user.id,
            action="status",
            from_value=before.value,
            to_value=target.value,
            reason=cleaned,
            at=now,
        )
    )
    detail: dict[str, Any] = {"from": before.value, "to": target.value}
    if cleaned:
        detail["reason"] = cleaned
    if chosen is not None:
        detail["outcome"] = chosen
    audit.record(session, action="status", at=now, user=user, case=case_, detail=detail, commit=False)
    session.commit()
    session.refresh(case_)
    return case_


def eligible_assignees(session: Session, *, roles: Roles, kind: CaseKind) -> list[StaffUser]:
    """Active colleagues whose role sees this kind of case."""
    users = session.exec(select(StaffUser).where(col(StaffUser.active).is_(True)).order_by(StaffUser.username)).all()
    return [u for u in users if (role := roles.get(u.role)) is not None and role.sees(kind)]


def assign(
    session: Session,
    *,
    case_: Case,
    user: StaffUser,
    role: Role,
    assignee: StaffUser | None,
    roles: Roles,
    now: datetime,
) -> Case:
    """Give a case to a colleague (roles with assign_others), or take or give back one's own."""
    assert user.id is not None and case_.id is not None
    work = work_of(session, case_)
    current = work.assignee_id
    if not role.assign_others:
        taking = assignee is not None and assignee.id == user.id and current is None
        giving_back = assignee is None and current == user.id
        if not (taking or giving_back):
            raise CaseworkRefused("assign_not_allowed")
    if assignee is not None and assignee.id not in {
        u.id for u in eligible_assignees(session, roles=roles, kind=case_.kind)
    }:
        raise CaseworkRefused("assignee_invalid")
    new_id = assignee.id if assignee is not None else None
    if new_id == current:
        return case_
    previous = session.get(StaffUser, current) if current is not None else None
    work.assignee_id = new_id
    case_.updated_at = now
    session.add_all([case_, work])
    session.add(
        CaseEvent(
            case_id=case_.id,
            actor_id=user.id,
            action="assign",
            from_value=previous.username if previous else None,
            to_value=assignee.username if assignee else None,
            at=now,
        )
    )
    detail = {"from": previous.username if previous else None, "to": assignee.username if assignee else None}
    audit.record(session, action="assign", at=now, user=user, case=case_, detail=detail, commit=False)
    session.commit()
    session.refresh(case_)
    return case_


def add_note(session: Session, *, case_: Case, user: StaffUser, text: str, now: datetime) -> CaseNote:
    cleaned = text.strip()
    if not cleaned:
        raise CaseworkRefused("note_empty")
    if len(cleaned) > NOTE_MAX_CHARS:
        raise CaseworkRefused("note_too_long")
    assert user.id is not None and case_.id is not None
    note = CaseNote(case_id=case_.id, author_id=user.id, text=cleaned, created_at=now)
    session.add(note)
    session.flush()
    # The audit entry says that a note was added, not what it says (it may name people).
    audit.record(session, action="note", at=now, user=user, case=case_, detail={"note_id": note.id}, commit=False)
    session.commit()
    session.refresh(note)
    return note


@dataclass(frozen=True)
class Entry:
    """A note or a history step with its author, for the case page."""

    at: datetime
    author: str
    note: CaseNote | None = None
    event: CaseEvent | None = None


def notes_of(session: Session, case_: Case) -> list[Entry]:
    statement = (
        select(CaseNote, StaffUser)
        .join(StaffUser, col(StaffUser.id) == col(CaseNote.author_id))
        .where(CaseNote.case_id == case_.id)
        .order_by(col(CaseNote.id))
    )
    return [Entry(at=n.created_at, author=u.display_name, note=n) for n, u in session.exec(statement).all()]


def history_of(session: Session, case_: Case) -> list[Entry]:
    statement = (
        select(CaseEvent, StaffUser)
        .join(StaffUser, col(StaffUser.id) == col(CaseEvent.actor_id))
        .where(CaseEvent.case_id == case_.id)
        .order_by(col(CaseEvent.id))
    )
    return [Entry(at=e.at, author=u.display_name, event=e) for e, u in session.exec(statement).all()]


def export_rows(session: Session, *, role: Role, filters: QueueFilters, workflow: Workflow, now: datetime) -> QueuePage:
    return queue(session, role=role, workflow=workflow, filters=filters, now=now, limit=EXPORT_LIMIT)
