"""The office's records, shared by the API and the action server: cases and bookings, the staff's
casework and audit log, knowledge gaps, lookups, the office's own knowledge entries, the settings
and the database they live in (schema under Alembic).

Nothing here imports `api` or `actions`: both import it (docs/architecture.md).
"""
