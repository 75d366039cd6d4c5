"""The resident-facing edge: who a conversation belongs to, what typed text may do, limits."""
