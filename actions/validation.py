"""Slots filled outside any form, checked as Rasa fills them (`action_validate_slot_mappings`).

`area` comes from an entity: the NLU's area classifier, or a typed `/greet{"area": …}`. It is
carried into new sessions and written on every case, so only an area of the taxonomy is kept.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.guard import guarded
from actions.nlu_values import area_or_none


class ValidateSlotMappings(ValidationAction):
    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        return events

    def validate_area(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"area": area_or_none(value)}
