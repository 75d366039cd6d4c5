"""Moving around inside a form: asking consent, the summary, correcting an answer, stopping."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.forms.checked import record_checked
from actions.forms.display import describe
from actions.forms.validators import phone_number
from actions.guard import guarded
from actions.nlu_values import entity_text, latest_text
from casebook.service_forms import service_forms


def filled_fields(tracker: Tracker) -> list[tuple[str, str]]:
    """(slot, label) of the active form's answered fields, in the form's order."""
    labelled = service_forms().labelled(tracker.active_loop_name)
    return [(slot, label) for slot, label in labelled if tracker.get_slot(slot) is not None]


def utter_choose_field(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    buttons = [
        {"title": label, "payload": f'/correct_previous{{"correction_field":"{slot}"}}'}
        for slot, label in filled_fields(tracker)
    ]
    dispatcher.utter_message(text=service_forms().texts.choose_field, buttons=buttons)


def utter_intro(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """What the service is and the law behind it, right after the resident asked for it."""
    form = service_forms().form(tracker.active_loop_name)
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if form is None or form.service is None or intent != form.activated_by:
        return
    if form.service == "mediation":
        dispatcher.utter_message(text=runtime.mediation().info_text())
        return
    reply = runtime.consultant().explain_service(form.service)
    dispatcher.utter_message(text=reply.text, json_message=reply.custom())


class ActionAskPrivacyConsent(Action):
    """The consent question, with what the data is for; a service's introduction comes first."""

    def name(self) -> str:
        return "action_ask_privacy_consent"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        form = service_forms().form(tracker.active_loop_name)
        if form is None or form.consent is None:
            return []
        utter_intro(dispatcher, tracker)
        titles = service_forms().buttons
        dispatcher.utter_message(
            text=form.consent,
            buttons=[{"title": titles.agree, "payload": "/affirm"}, {"title": titles.disagree, "payload": "/deny"}],
        )
        return []


class ActionAskFormConfirmed(Action):
    """Everything the resident gave, to check before it is submitted."""

    def name(self) -> str:
        return "action_ask_form_confirmed"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        texts, titles = service_forms().texts, service_forms().buttons
        lines = [texts.summary_heading]
        lines += [f"· {label}：{describe(slot, tracker.get_slot(slot))}" for slot, label in filled_fields(tracker)]
        lines.append(texts.confirm_question)
        dispatcher.utter_message(
            text="\n".join(lines),
            buttons=[
                {"title": titles.submit, "payload": "/affirm"},
                {"title": titles.change, "payload": "/deny"},
                {"title": titles.stop, "payload": "/stop"},
            ],
        )
        return []


def correction_target(tracker: Tracker) -> str | None:
    """Which answer the resident wants to change: a button's entity, or a word like 电话."""
    fields = dict(filled_fields(tracker))
    chosen = entity_text(tracker, "correction_field")
    if chosen in fields:
        return chosen
    text = latest_text(tracker)
    for slot, words in service_forms().correction_keywords.items():
        if slot in fields and any(word in text for word in words):
            return slot
    return None


class ActionCorrectForm(Action):
    """ "电话填错了": forget that answer so the form asks it again (or take the new one given)."""

    def name(self) -> str:
        return "action_correct_form"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        slot = correction_target(tracker)
        if slot is None:
            utter_choose_field(dispatcher, tracker)
            return []
        events: list[EventType] = [SlotSet("form_confirmed", None)]
        new_phone = phone_number(entity_text(tracker, "phone") or "")
        if slot == "applicant_phone" and new_phone:  # "电话填错了，是139…": take it at once
            return [
                *events,
                SlotSet("applicant_phone", new_phone),
                record_checked(tracker, {"applicant_phone": new_phone}),
            ]
        dispatcher.utter_message(text=service_forms().texts.reenter_field.format(field=service_forms().label(slot)))
        return [*events, SlotSet(slot, None), SlotSet("requested_slot", slot)]


class ActionStopForm(Action):
    """Stop at once; the answers stay in the conversation so the resident can resume later."""

    def name(self) -> str:
        return "action_stop_form"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_form_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


def leave_form(tracker: Tracker) -> list[EventType]:
    """Events that end an active form (for danger and hand-over, which override any form)."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)] if tracker.active_loop_name else []
