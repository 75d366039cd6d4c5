"""Alembic's environment: always on the connection `casebook.schema.upgrade` hands over, inside its
transaction (which holds the migration lock), and blind to tables the app does not own."""

from __future__ import annotations

from alembic import context

from casebook.schema import app_metadata, owned_by_app

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=app_metadata(),
    include_name=owned_by_app,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
