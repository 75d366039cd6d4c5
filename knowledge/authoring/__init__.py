"""Writing and reviewing knowledge-base entries: the checks a batch passes before it goes live."""
