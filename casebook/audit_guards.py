"""The audit log's guards in the database: append-only as well as in code.

A stray UPDATE, DELETE or TRUNCATE of `console_audit` (a script, a future route) fails instead of
rewriting history, and the chain's head row cannot be deleted. Unlike tables, the guards are
(re)installed on every start (`casebook.schema.upgrade`), so a database whose triggers someone
dropped gets them back when it is next opened; the hash chain (casebook/audit_chain.py)
catches what happened in between.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_GUARDS = {
    "sqlite": [
        *(
            f"CREATE TRIGGER IF NOT EXISTS console_audit_no_{verb.lower()} BEFORE {verb} ON console_audit "
            "BEGIN SELECT RAISE(ABORT, 'console_audit is append-only'); END"
            for verb in ("UPDATE", "DELETE")
        ),
        "CREATE TRIGGER IF NOT EXISTS console_audit_head_no_delete BEFORE DELETE ON console_audit_head "
        "BEGIN SELECT RAISE(ABORT, 'console_audit_head is kept'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION console_audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'console_audit is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE ON console_audit "
        "FOR EACH ROW EXECUTE FUNCTION console_audit_append_only()",
        # Row triggers never see a TRUNCATE: it needs a statement trigger of its own.
        "CREATE OR REPLACE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only()",
        "CREATE OR REPLACE TRIGGER console_audit_head_no_delete BEFORE DELETE OR TRUNCATE ON console_audit_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only()",
    ],
}
_REMOVAL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS console_audit_no_update",
        "DROP TRIGGER IF EXISTS console_audit_no_delete",
        "DROP TRIGGER IF EXISTS console_audit_head_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS console_audit_append_only ON console_audit",
        "DROP TRIGGER IF EXISTS console_audit_no_truncate ON console_audit",
        "DROP TRIGGER IF EXISTS console_audit_head_no_delete ON console_audit_head",
    ],
}
# The chain's one head row, which every audit write updates first.
_HEAD_ROW = (
    "INSERT INTO console_audit_head (id, rows, last_hash) "
    "SELECT 1, 0, '' WHERE NOT EXISTS (SELECT 1 FROM console_audit_head WHERE id = 1)"
)


def install(connection: Connection) -> None:
    """Idempotent: creates what is missing, replaces what is there."""
    for statement in [*_GUARDS.get(connection.dialect.name, []), _HEAD_ROW]:
        connection.execute(text(statement))


def remove(connection: Connection) -> None:
    """What someone with direct access to the database can do (the tests play that part)."""
    for statement in _REMOVAL.get(connection.dialect.name, []):
        connection.execute(text(statement))
