"""Where each intent sends a resident: the `route` reported to staff and by `make evaluate`."""

from __future__ import annotations

from typing import Final

from knowledge.entries import Route

SERVICE_BY_INTENT: Final[dict[str, Route]] = {
    "request_mediation": "mediation",
    "request_legal_aid": "legal_aid",
    "request_notarization": "notarization",
    "request_lawyer": "lawyer",
}

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
    if action == "action_explain_service":
        return SERVICE_BY_INTENT.get(intent or "", "other")
    if action == "action_request_human":
        return "handoff"
    if action == "action_flag_danger":
        return "emergency"
    return "other"
