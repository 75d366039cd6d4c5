"""The FastAPI application: channels, case database and (later) the staff console."""
