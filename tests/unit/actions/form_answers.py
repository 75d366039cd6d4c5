"""Forms filled in the way a resident fills them, for the tests that submit or read them back."""

from __future__ import annotations

from typing import Any

from action_harness import validated

from actions import runtime

MEDIATION = {
    "privacy_consent": True,
    "applicant_name": "王秀兰",
    "applicant_phone": "13800138000",
    "other_party": "隔壁邻居张某",
    "dispute_type": None,
    "dispute_place": "桃源镇杏花村",
    "dispute_summary": "邻居家盖房把排水沟堵了，下雨水流进我家院子，说了几次不改",
    "mediation_request": "把排水沟恢复原样",
    "form_confirmed": True,
}


def mediation_filled() -> dict[str, Any]:
    slots = dict(MEDIATION)
    slots["dispute_type"] = runtime.mediation().match_dispute_type("邻里纠纷")
    assert slots["dispute_type"] is not None
    return validated(slots)


def lawyer_filled(slot: str, phone: str = "13600136000") -> dict[str, Any]:
    return validated(
        {
            "privacy_consent": True,
            "lawyer_topic": "公司拖欠三个月工资，想问怎么仲裁",
            "lawyer_slot": slot,
            "applicant_name": "陈师傅",
            "applicant_phone": phone,
            "form_confirmed": True,
        }
    )
