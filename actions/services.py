"""The office's four services. Until their full flows exist, explain each from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.replies import utter_reply
from actions.routing import SERVICE_BY_INTENT


class ActionExplainService(Action):
    def name(self) -> str:
        return "action_explain_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        service = SERVICE_BY_INTENT.get(intent or "")
        if service is None:  # only reachable by a misconfigured rule
            dispatcher.utter_message(response="utter_default")
            return []
        utter_reply(dispatcher, runtime.consultant().explain_service(service))
        return [SlotSet("route", service)]
