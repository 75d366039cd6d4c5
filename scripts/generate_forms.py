"""Writes the service forms' domain (bot/domain/forms.yml) and rules (bot/data/forms.yml).

Every form has the same unhappy paths (a legal question, a correction, stop, danger, a person),
and every form slot the same kind of mapping, so they are generated here rather than repeated
by hand. Usage: python scripts/generate_forms.py   (the output is committed)
"""

import sys
from collections.abc import Mapping

import yaml


class NoAlias(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


CONTROL = ["stop", "cancel_booking", "emergency", "request_human", "correct_previous"]
CHAT = ["affirm", "deny", "greet", "goodbye", "thank", "ask_capabilities", "bot_challenge", "complaint", "check_status"]
SERVICES = ["request_mediation", "request_legal_aid", "request_notarization", "request_lawyer"]
# Which intents a typed answer must NOT have for a slot to take it (the form then rejects the
# message and a rule handles it). Measured on the trained model: names, numbers and times read
# as nlu_fallback; places, parties and dispute types as consult; "以上都不是", "不紧急" and
# "没有收入" as deny; a reference number as check_status.
FREE = CONTROL + CHAT
STRICT = CONTROL + CHAT + SERVICES + ["consult", "start_consultation", "chitchat", "out_of_scope"]
PROFILES = {
    "free": FREE,  # descriptions: any message that is not a control intent
    "strict": STRICT,  # names, numbers, times: a legal question in their place interrupts
    "choice": [i for i in FREE if i != "deny"],  # "none of these" is a valid answer
    "amount": [i for i in STRICT if i != "deny"],  # "没有收入" is a valid answer
    "lookup": CONTROL,  # a reference number reads as check_status
}

FORMS = {
    "mediation_form": [
        "privacy_consent",
        "applicant_name",
        "applicant_phone",
        "other_party",
        "dispute_type",
        "dispute_place",
        "dispute_summary",
        "mediation_request",
        "form_confirmed",
    ],
    "legal_aid_form": [
        "privacy_consent",
        "legal_aid_matter",
        "legal_aid_status",
        "has_lawyer",
        "household_size",
        "monthly_income",
        "legal_aid_urgent",
        "applicant_name",
        "applicant_phone",
        "form_confirmed",
    ],
    "notarization_form": [
        "notary_matter",
        "notary_booking",
        "privacy_consent",
        "applicant_name",
        "applicant_phone",
        "notary_slot",
        "form_confirmed",
    ],
    "lawyer_form": [
        "privacy_consent",
        "lawyer_topic",
        "lawyer_slot",
        "applicant_name",
        "applicant_phone",
        "form_confirmed",
    ],
    "status_form": ["status_reference", "status_phone"],
}
SUBMIT = {
    "mediation_form": "action_submit_mediation",
    "legal_aid_form": "action_submit_legal_aid",
    "notarization_form": "action_submit_notarization",
    "lawyer_form": "action_submit_lawyer",
    "status_form": "action_check_status",
}
ACTIVATE = {
    "mediation_form": "request_mediation",
    "legal_aid_form": "request_legal_aid",
    "notarization_form": "request_notarization",
    "lawyer_form": "request_lawyer",
    "status_form": "check_status",
}
BOOL = {"privacy_consent", "has_lawyer", "notary_booking", "form_confirmed"}
# slot -> (profile, entity to take first)
TEXT = {
    "applicant_name": ("strict", None),
    "applicant_phone": ("strict", "phone"),
    "other_party": ("free", None),
    "dispute_type": ("free", None),
    "dispute_place": ("free", None),  # the whole text: 桃源镇杏花村 is two place entities
    "dispute_summary": ("free", None),
    "mediation_request": ("free", None),
    "legal_aid_matter": ("free", None),
    "legal_aid_status": ("choice", None),
    "household_size": ("strict", None),
    "monthly_income": ("amount", "money"),
    "legal_aid_urgent": ("choice", None),
    "notary_matter": ("free", None),
    "notary_slot": ("strict", None),
    "lawyer_topic": ("free", None),
    "lawyer_slot": ("strict", None),
    "status_reference": ("lookup", None),
    "status_phone": ("lookup", "phone"),
}


def conditions(slot: str) -> list[dict[str, str]]:
    return [{"active_loop": f, "requested_slot": slot} for f, slots in FORMS.items() if slot in slots]


slots = {}
for slot in dict.fromkeys(s for ss in FORMS.values() for s in ss):
    cond = conditions(slot)
    if slot in BOOL:
        slots[slot] = {
            "type": "bool",
            "influence_conversation": False,
            "mappings": [
                {"type": "from_intent", "intent": "affirm", "value": True, "conditions": cond},
                {"type": "from_intent", "intent": "deny", "value": False, "conditions": cond},
            ],
        }
    else:
        profile, entity = TEXT[slot]
        maps = []
        if entity:
            # Never from a control message: `/cancel_booking{"phone": …}` must not fill the phone.
            maps.append({"type": "from_entity", "entity": entity, "not_intent": CONTROL, "conditions": cond})
        maps.append({"type": "from_text", "not_intent": PROFILES[profile], "conditions": cond})
        slots[slot] = {"type": "text", "influence_conversation": False, "mappings": maps}
# status_verified: the reference a lookup just found a live booking for (only it can be cancelled).
for extra in ["submitted_reference", "mediation_excluded", "lawyer_area", "status_verified"]:
    slots[extra] = {"type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}
# The answers the forms' validation let through (actions/forms/checked.py).
slots["form_checked"] = {"type": "any", "influence_conversation": False, "mappings": [{"type": "custom"}]}

forms = {f: {"required_slots": s} for f, s in FORMS.items()}
dynamic_ask = [
    "privacy_consent",
    "dispute_type",
    "legal_aid_matter",
    "legal_aid_status",
    "legal_aid_urgent",
    "notary_matter",
    "notary_slot",
    "lawyer_slot",
    "form_confirmed",
]
actions = (
    [f"validate_{f}" for f in FORMS]
    + [f"action_ask_{s}" for s in dynamic_ask]
    + list(SUBMIT.values())
    + ["action_cancel_booking", "action_correct_form", "action_stop_form"]
)
domain = {
    "version": "3.1",
    "intents": ["cancel_booking"],
    "entities": ["correction_field"],
    "slots": slots,
    "forms": forms,
    "actions": actions,
}

rules = []
for form, submit in SUBMIT.items():
    title = form.replace("_form", "")
    rules.append(
        {"rule": f"{title}: start", "steps": [{"intent": ACTIVATE[form]}, {"action": form}, {"active_loop": form}]}
    )
    rules.append(
        {
            "rule": f"{title}: submit",
            "condition": [{"active_loop": form}],
            "steps": [
                {"action": form},
                {"active_loop": None},
                {"slot_was_set": [{"requested_slot": None}]},
                {"action": submit},
            ],
        }
    )
    for intent in ["consult", "nlu_fallback"]:
        rules.append(
            {
                "rule": f"{title}: a legal question ({intent}) in the middle, then back to the form",
                "condition": [{"active_loop": form}],
                "steps": [
                    {"intent": intent},
                    {"action": "action_answer_question"},
                    {"action": form},
                    {"active_loop": form},
                ],
            }
        )
    rules.append(
        {
            "rule": f"{title}: correct an earlier answer",
            "condition": [{"active_loop": form}],
            "steps": [
                {"intent": "correct_previous"},
                {"action": "action_correct_form"},
                {"action": form},
                {"active_loop": form},
            ],
        }
    )
    for intent, action in [
        ("stop", "action_stop_form"),
        ("cancel_booking", "action_stop_form"),
        ("deny", "action_stop_form"),
        ("emergency", "action_flag_danger"),
        ("request_human", "action_request_human"),
    ]:
        rules.append(
            {
                "rule": f"{title}: {intent} leaves the form at once",
                "condition": [{"active_loop": form}],
                "steps": [{"intent": intent}, {"action": action}, {"active_loop": None}],
            }
        )
rules.append({"rule": "cancel a booking", "steps": [{"intent": "cancel_booking"}, {"action": "action_cancel_booking"}]})

HEAD_DOMAIN = "# Generated by scripts/generate_forms.py: the service forms' slots, mappings and actions.\n"
HEAD_RULES = "# Generated by scripts/generate_forms.py: start, submit and the unhappy paths of each form.\n"


def write(path: str, head: str, data: Mapping[str, object]) -> None:
    text = yaml.dump(data, Dumper=NoAlias, allow_unicode=True, sort_keys=False, width=120)
    with open(path, "w", encoding="utf-8") as sink:
        sink.write(head + text)


if __name__ == "__main__":
    domain_path, rules_path = sys.argv[1:3] if len(sys.argv) == 3 else ("bot/domain/forms.yml", "bot/data/forms.yml")
    write(domain_path, HEAD_DOMAIN, domain)
    write(rules_path, HEAD_RULES, {"version": "3.1", "rules": rules})
