"""Retention and forgetting of residents' personal data (docs/privacy.md, issue 13)."""

from api.privacy.forget import Forgotten, forget_conversation
from api.privacy.retention import Purged, purge

__all__ = ["Forgotten", "Purged", "forget_conversation", "purge"]
