"""Every table of casebook's, imported together: SQLModel.metadata then knows them all, so
foreign keys between modules resolve and the schema comparison sees each one."""

from __future__ import annotations

from casebook import console_tables, models, office_entries

__all__ = ["console_tables", "models", "office_entries"]
