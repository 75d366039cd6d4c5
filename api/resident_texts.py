"""What the API itself says to residents of the web chat and the kiosk (resident_texts.yml):
input problems, outages, notes on statutes, and staff joining or leaving a conversation.

The danger advice is the assistant's own, `utter_emergency` of the bot's domain, read from there
so that it exists once. Both files are read and checked on first use, which the API's start-up
makes (api/main.py), so a broken file stops the start rather than a resident's request.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import model_validator

from knowledge.datafile import Frozen, naming, placeholders, read_yaml
from knowledge.domain_responses import DOMAIN_DIR, domain_response

TEXTS_FILE = Path(__file__).with_name("resident_texts.yml")
EMERGENCY_RESPONSE = "utter_emergency"
# The placeholders each text is filled with; any other text has none.
PLACEHOLDERS = {
    "message_too_long": {"limit"},
    "statute_superseded": {"note"},
    "takeover_joined": {"name"},
}


class ResidentTexts(Frozen):
    empty_message: str
    message_too_long: str
    dialogue_unavailable: str
    no_reply: str
    database_unavailable: str
    bad_sender: str
    invalid_request: str
    statute_superseded: str
    statute_not_found: str
    takeover_joined: str
    takeover_left: str
    takeover_waiting: str
    takeover_seen: str
    emergency: str  # not in resident_texts.yml: the domain's utter_emergency

    @model_validator(mode="after")
    def _placeholders(self) -> ResidentTexts:
        for name, text in self.model_dump().items():
            wanted = PLACEHOLDERS.get(name, set())
            if placeholders(text) != wanted:
                raise ValueError(f"{name} needs exactly the placeholders {sorted(wanted)}")
        return self

    @property
    def takeover_emergency(self) -> str:
        """Said at once to a resident who may be in danger while staff hold the conversation."""
        return self.emergency + self.takeover_seen

    @classmethod
    def load(cls, path: Path = TEXTS_FILE, domain: Path = DOMAIN_DIR) -> ResidentTexts:
        emergency = domain_response(EMERGENCY_RESPONSE, domain)
        data = read_yaml(path)
        with naming(path):
            if not isinstance(data, dict) or "emergency" in data:
                raise ValueError("expected a mapping of texts; the danger advice is the domain's utter_emergency")
            return cls.model_validate({**data, "emergency": emergency})


@cache
def resident_texts() -> ResidentTexts:
    return ResidentTexts.load()
