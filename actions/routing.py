"""Where each intent sends a resident: the `route` reported to staff and by `make evaluate`."""

from __future__ import annotations

from typing import Final

from casebook.service_forms import service_forms
from knowledge.entries import Route


def service_forms_by_action() -> dict[str, Route]:
    """The form each service runs → its route, from the forms' spec (read on first use, not at import)."""
    return service_forms().service_routes()


# Messages about the conversation itself carry no consultation area.
CONVERSATION_INTENTS: Final = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "ask_capabilities",
        "bot_challenge",
        "chitchat",
        "stop",
        "start_consultation",
    }
)


def route_for_action(action: str | None, intent: str | None) -> str:
    """The route of the action the dialogue actually took."""
    if action == "action_answer_question":
        return "faq"
    if action in (forms := service_forms_by_action()):
        return forms[action]
    if action == "action_request_human":
        return "handoff"
    if action == "action_flag_danger":
        return "emergency"
    return "other"
