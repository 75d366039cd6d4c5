"""Rasa's own `restart` and `back`, when a resident sends them, change nothing.

Rasa maps these intents to `action_restart` and `action_back` above every rule, and handles a
`/restart` even while staff have paused the bot: it would end the takeover and hide everything
said before from staff (review H1). The API never passes them on (api/security/typed_text.py);
these actions, which replace Rasa's own of the same names, keep the conversation as it is if one
arrives anyway (Rasa's REST channel on loopback, a future channel).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import guarded

logger = logging.getLogger(__name__)


class KeepConversation(Action, ABC):
    """Log the attempt (no text), and outside a takeover answer as to any unclear message."""

    intent: ClassVar[str]

    @abstractmethod
    def name(self) -> str:
        """action_<intent>: abstract, so the action server does not register this base."""

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        logger.warning("ignored a typed /%s", self.intent)
        if not tracker.is_paused():  # during a takeover staff answer, not the bot
            dispatcher.utter_message(response="utter_anything_else")
        # Listen next: no rule follows these intents, and the fallback Rasa would predict instead
        # rewinds the message together with a takeover's pause event just before it.
        return [FollowupAction("action_listen")]


class ActionRestart(KeepConversation):
    intent: ClassVar[str] = "restart"

    def name(self) -> str:
        return "action_restart"


class ActionBack(KeepConversation):
    intent: ClassVar[str] = "back"

    def name(self) -> str:
        return "action_back"
