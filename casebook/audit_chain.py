"""The audit log's hash chain: each row stores the hash of the row before it and the hash of its
own content with that link, and console_audit_head keeps the last hash and the count. Editing a
row breaks its own hash; deleting or inserting one breaks the next row's link; deleting the
newest rows breaks the head. Without a secret key someone able to rewrite the whole table could
rebuild the chain, so each new hash is also written to the log (audit.record), a copy outside
the database to compare with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, select, update

from casebook.clock import as_utc
from casebook.console_tables import AuditEntry, AuditHead

GENESIS = ""  # the link of the first chained row


def row_hash(entry: AuditEntry, prev_hash: str) -> str:
    """SHA-256 of the row's content (everything but its id) and the previous row's hash."""
    content: dict[str, Any] = {
        "prev": prev_hash,
        "at": as_utc(entry.at).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "case_id": entry.case_id,
        "case_reference": entry.case_reference,
        "detail": entry.detail,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def link(session: Session, entry: AuditEntry) -> None:
    """Chain a new entry (in the caller's transaction). Updating the head first takes the write
    lock (SQLite) or the row lock (PostgreSQL) until commit, so writers chain one after another."""
    claimed = session.exec(update(AuditHead).where(col(AuditHead.id) == 1).values(rows=col(AuditHead.rows) + 1))
    if claimed.rowcount != 1:  # a database whose head row was never made (init_db makes it)
        session.add(AuditHead(id=1, rows=1))
        session.flush()
    head = session.get(AuditHead, 1, populate_existing=True)
    assert head is not None
    entry.prev_hash = head.last_hash
    entry.row_hash = row_hash(entry, head.last_hash)
    head.last_hash = entry.row_hash
    session.add(head)


Reason = Literal["content", "link", "unchained", "tail"]


@dataclass(frozen=True)
class ChainReport:
    rows: int  # every row of the log
    unchained: int  # the oldest rows, written before the chain existed
    broken_at: int | None = None  # the id of the first row that does not check out
    reason: Reason | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _check(entries: Iterable[AuditEntry], head: AuditHead | None) -> ChainReport:
    rows = unchained = chained = 0
    previous, last_id = GENESIS, 0
    for entry in entries:
        rows += 1
        last_id = entry.id or 0
        if entry.row_hash is None:
            if chained:
                return ChainReport(rows, unchained, last_id, "unchained")
            unchained += 1
            continue
        chained += 1
        if entry.prev_hash != previous:
            return ChainReport(rows, unchained, last_id, "link")
        if row_hash(entry, previous) != entry.row_hash:
            return ChainReport(rows, unchained, last_id, "content")
        previous = entry.row_hash
    if head is None or head.last_hash != previous or head.rows != chained:
        return ChainReport(rows, unchained, last_id + 1, "tail")
    return ChainReport(rows, unchained)


def verify(session: Session, *, batch: int = 1000) -> ChainReport:
    """Walk the whole log in id order; the first row that does not check out is reported."""

    def entries() -> Iterable[AuditEntry]:
        after = 0
        while True:
            page = session.exec(
                select(AuditEntry).where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id)).limit(batch)
            ).all()
            if not page:
                return
            yield from page
            after = page[-1].id or after
            session.expunge_all()

    return _check(entries(), session.get(AuditHead, 1))
