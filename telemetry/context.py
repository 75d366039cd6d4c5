"""What a log line may say about where it came from: the request's id and the conversation's
keyed hash (never a resident's token, OpenID or words). Set by the request middleware and by the
turn, read by the JSON log formatter."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The conversation id as Rasa and the database know it: a keyed hash (api/security/conversation_ids.py).
conversation: ContextVar[str | None] = ContextVar("conversation", default=None)
