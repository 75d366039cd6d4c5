"""The two ways personal data goes: a conversation's rows deleted, a case's personal fields blanked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, inspect, text
from sqlmodel import Session, col, select

from api.privacy.personal_data import Rows, personal_data
from casebook.models import Case

# Conversation ids per statement: well under SQLite's limit on bound parameters.
BATCH = 500


def present(session: Session, tables: Iterable[Rows]) -> list[Rows]:
    """The tables that exist in this database (Rasa's `events` only once Rasa has run, say)."""
    inspector = inspect(session.connection())
    return [rows for rows in tables if inspector.has_table(rows.table)]


def delete_rows(session: Session, tables: Sequence[Rows], conversation_ids: Sequence[str]) -> Counter[str]:
    """Delete every row of these conversations from these tables; the count per table."""
    deleted: Counter[str] = Counter()
    if session.connection().dialect.name == "sqlite":
        # Zero what is deleted: otherwise the words stay readable in the file's free pages.
        session.connection().execute(text("PRAGMA secure_delete = ON"))
    for rows in present(session, tables):
        statement = text(f"DELETE FROM {rows.table} WHERE {rows.column} IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        for start in range(0, len(conversation_ids), BATCH):
            result = session.connection().execute(statement, {"ids": list(conversation_ids[start : start + BATCH])})
            deleted[rows.table] += result.rowcount or 0
    return +deleted  # tables with nothing deleted left out


def anonymise(case: Case) -> bool:
    """Blank the resident's data in a case, keeping what the office must record; True if anything went."""
    data = personal_data()
    changed = False
    for column in data.case_columns_cleared:
        if getattr(case, column) is not None:
            setattr(case, column, None)
            changed = True
    kept = {key: value for key, value in case.details.items() if key in data.case_details_kept}
    if kept != case.details:
        case.details = kept  # a new dict: SQLAlchemy sees the JSON column change
        changed = True
    return changed


def anonymise_cases(session: Session, conversation_id: str) -> int:
    cases = session.exec(select(Case).where(col(Case.conversation_id) == conversation_id)).all()
    changed = [case for case in cases if anonymise(case)]
    session.add_all(changed)
    return len(changed)
