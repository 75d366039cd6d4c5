"""People's mediation intake: who, against whom, what happened, what is asked, where."""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.forms.base import ServiceFormValidation, Slots
from actions.forms.submit import SubmitServiceForm
from actions.guard import guarded
from actions.replies import title_buttons
from casebook.case_details import MediationDetails
from casebook.models import Booking, Case, CaseKind
from knowledge.mediation import Committee


def committee_for(tracker: Tracker) -> Committee:
    """The committee for the dispute type and the most specific place the resident named."""
    place = runtime.offices().gazetteer.find_in(tracker.get_slot("dispute_place") or "")
    return runtime.mediation().route(tracker.get_slot("dispute_type"), place.name if place else None)


class ValidateMediationForm(ServiceFormValidation):
    form: ClassVar[str] = "mediation_form"

    def stops_early(self, tracker: Tracker) -> bool:
        return super().stops_early(tracker) or tracker.get_slot("mediation_excluded") is not None

    def validate_other_party(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.text_slot("other_party", value, dispatcher, 1, 60)

    def validate_dispute_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        type_id = runtime.mediation().match_dispute_type(str(value))
        if type_id is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {"dispute_type": type_id}

    def validate_dispute_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.text_slot("dispute_place", value, dispatcher, 2, 60)

    def validate_dispute_summary(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        slots = self.text_slot("dispute_summary", value, dispatcher, 5, 800)
        if slots["dispute_summary"] is None:
            return slots
        exclusion = runtime.mediation().check_exclusion(slots["dispute_summary"])
        if exclusion is not None:
            # Not a matter for people's mediation: say why and where to go; the form ends.
            dispatcher.utter_message(text=runtime.mediation().exclusion_text(exclusion))
            return {**slots, "mediation_excluded": exclusion.id}
        return slots

    def validate_mediation_request(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.text_slot("mediation_request", value, dispatcher, 2, 300)


class ActionAskDisputeType(Action):
    def name(self) -> str:
        return "action_ask_dispute_type"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        buttons = title_buttons(runtime.mediation().dispute_types)
        dispatcher.utter_message(response="utter_ask_dispute_type", buttons=buttons)
        return []


class ActionSubmitMediation(SubmitServiceForm):
    form: ClassVar[str] = "mediation_form"
    kind: ClassVar[CaseKind] = CaseKind.mediation

    def without_record(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        # The exclusion was explained when it was recognised; nothing goes to a committee.
        return tracker.get_slot("mediation_excluded") is not None

    def details(self, tracker: Tracker) -> MediationDetails:
        rules = runtime.mediation()
        committee = committee_for(tracker)
        return MediationDetails(
            other_party=tracker.get_slot("other_party"),
            dispute_type=rules.dispute_type(tracker.get_slot("dispute_type")).title,
            dispute_place=tracker.get_slot("dispute_place"),
            dispute_summary=tracker.get_slot("dispute_summary"),
            request=tracker.get_slot("mediation_request"),
            committee_id=committee.id,
            committee=committee.name,
            came_in_by="application",  # 当事人申请 (not the committee's own initiative or a referral)
        )

    def utter_next_steps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, case: Case, booking: Booking | None
    ) -> None:
        rules = runtime.mediation()
        committee = committee_for(tracker)
        dispatcher.utter_message(text=rules.routing_text(committee, tracker.get_slot("dispute_type")))
        dispatcher.utter_message(response="utter_mediation_next_steps", days=rules.timeline_days)
