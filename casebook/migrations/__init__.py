"""Alembic migrations of the app's tables (not Rasa's): run by `casebook.schema.upgrade` (init_db)."""
