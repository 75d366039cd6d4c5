"""Legal-aid pre-check: the rule engine in knowledge/legal_aid/rules.py decides, this form asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.forms import validators
from actions.forms.base import ServiceFormValidation, Slots
from actions.forms.display import describe
from actions.forms.submit import SubmitServiceForm
from actions.guard import guarded
from actions.replies import title_buttons
from casebook.case_details import LegalAidDetails, LegalAidReason
from casebook.models import Booking, Case, CaseKind
from casebook.service_forms import service_forms
from knowledge.legal_aid.reply import PrecheckResult
from knowledge.legal_aid.rules import PrecheckAnswers

NONE = "none"
FINANCE_SLOTS = ("household_size", "monthly_income")


def _ids(value: str | None) -> frozenset[str]:
    return frozenset() if not value or value == NONE else frozenset(value.split(","))


def answers_from(slots: Mapping[str, Any]) -> PrecheckAnswers:
    """The pre-check's answers in these slot values (the tracker's, or with an answer just given)."""
    # Read leniently: a value the resident just typed may not have been validated yet.
    income = validators.money(str(slots.get("monthly_income") or ""))
    size = validators.count(str(slots.get("household_size") or ""), 1, 30)
    matter: Any = slots.get("legal_aid_matter")  # None fails validation: no pre-check without a matter
    return PrecheckAnswers(
        matter=matter,
        statuses=_ids(slots.get("legal_aid_status")),
        household_size=size,
        monthly_household_income=income,
        has_lawyer=bool(slots.get("has_lawyer")),
        urgent=_ids(slots.get("legal_aid_urgent")),
    )


def precheck(slots: Mapping[str, Any]) -> PrecheckResult:
    return runtime.legal_aid().precheck(answers_from(slots))


def _choice(value: str, items: list[Any], match: Any) -> str | None:
    """A button's title, "none of these", or the resident's own words matched by the engine."""
    text = value.strip()
    if text in service_forms().none_answers:
        return NONE
    by_title = {item.title: item.id for item in items}
    if text in by_title:
        return str(by_title[text])
    found = match(text)
    if isinstance(found, (set, frozenset)):
        return ",".join(sorted(found)) or None
    return found  # type: ignore[no-any-return]


class ValidateLegalAidForm(ServiceFormValidation):
    form: ClassVar[str] = "legal_aid_form"

    def wanted(self, slot: str, tracker: Tracker) -> bool:
        if slot in FINANCE_SLOTS and tracker.get_slot("legal_aid_matter"):
            # Art. 32 grounds and art. 42 statuses make the income questions unnecessary.
            partial = answers_from(tracker.slots).model_copy(
                update={"household_size": None, "monthly_household_income": None}
            )
            return runtime.legal_aid().needs_finances(partial)
        return True

    def validate_legal_aid_matter(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        rules = runtime.legal_aid()
        matter = _choice(str(value), rules.matters, rules.match_matter)
        if matter in (None, NONE):
            dispatcher.utter_message(response="utter_invalid_choice")
            matter = None
        return {"legal_aid_matter": matter}

    def validate_legal_aid_status(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        rules = runtime.legal_aid()
        status = _choice(str(value), [*rules.exemptions, *rules.presumed_statuses], rules.match_statuses)
        if status is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {"legal_aid_status": status}

    def validate_household_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        size = validators.count(str(value), 1, 30)
        if size is None:
            dispatcher.utter_message(response="utter_invalid_household_size")
        return {"household_size": size}

    def validate_monthly_income(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        amount = validators.money(str(value))
        if amount is None:
            dispatcher.utter_message(response="utter_invalid_income")
        return {"monthly_income": None if amount is None else str(amount)}

    def validate_legal_aid_urgent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        rules = runtime.legal_aid()
        urgent = _choice(str(value), rules.urgent_situations, lambda text: rules.match_urgent(text))
        if urgent is None:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"legal_aid_urgent": None}
        # The pre-check's result comes as soon as the last question is answered.
        dispatcher.utter_message(text=precheck({**tracker.slots, "legal_aid_urgent": urgent}).text())
        dispatcher.utter_message(response="utter_legal_aid_pass_on")
        return {"legal_aid_urgent": urgent}


def _item_buttons(items: list[Any], none_title: str) -> list[dict[str, str]]:
    return [*title_buttons(items), {"title": none_title, "payload": none_title}]


class ActionAskLegalAidMatter(Action):
    def name(self) -> str:
        return "action_ask_legal_aid_matter"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        buttons = title_buttons(runtime.legal_aid().matters)
        dispatcher.utter_message(response="utter_ask_legal_aid_matter", buttons=buttons)
        return []


class ActionAskLegalAidStatus(Action):
    def name(self) -> str:
        return "action_ask_legal_aid_status"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        rules = runtime.legal_aid()
        buttons = _item_buttons([*rules.presumed_statuses, *rules.exemptions], service_forms().buttons.none_of_these)
        dispatcher.utter_message(response="utter_ask_legal_aid_status", buttons=buttons)
        return []


class ActionAskLegalAidUrgent(Action):
    def name(self) -> str:
        return "action_ask_legal_aid_urgent"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        buttons = _item_buttons(runtime.legal_aid().urgent_situations, service_forms().buttons.not_urgent)
        dispatcher.utter_message(response="utter_ask_legal_aid_urgent", buttons=buttons)
        return []


class ActionSubmitLegalAid(SubmitServiceForm):
    form: ClassVar[str] = "legal_aid_form"
    kind: ClassVar[CaseKind] = CaseKind.legal_aid

    def details(self, tracker: Tracker) -> LegalAidDetails:
        result = precheck(tracker.slots)
        return LegalAidDetails(
            # In words for staff (the ids stay in `answers` for the engine to re-run).
            matter=describe("legal_aid_matter", tracker.get_slot("legal_aid_matter")),
            status=describe("legal_aid_status", tracker.get_slot("legal_aid_status") or NONE),
            urgency=describe("legal_aid_urgent", tracker.get_slot("legal_aid_urgent") or NONE),
            answers=answers_from(tracker.slots).model_dump(mode="json"),
            verdict=result.verdict,
            reasons=[LegalAidReason(text=reason.text, citation=reason.citation) for reason in result.reasons],
            urgent=result.urgent_help,
            hardship_rule=result.hardship_rule,
        )

    def utter_next_steps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, case: Case, booking: Booking | None
    ) -> None:
        result = precheck(tracker.slots)
        materials = "\n".join(f"· {item}" for item in result.materials)
        dispatcher.utter_message(
            response="utter_legal_aid_next_steps",
            where=result.where_to_apply,
            timeline=result.timeline,
            materials=materials,
        )
