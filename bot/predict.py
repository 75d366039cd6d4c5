"""Run the trained NLU and dialogue policies over questions, offline (bot environment).

Usage: python -m bot.predict MODEL IN.jsonl OUT.jsonl
Each input line has "id" and "query"; each output line adds the classifier's intent and
confidence, the first action the dialogue would take, and the time it took. No server needed:
custom actions are named here and carried out by the app environment's evaluator.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

from rasa.core.agent import Agent
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog

FALLBACK_INTENT = "nlu_fallback"


def classifier_intent(parse: dict[str, Any]) -> tuple[str | None, float]:
    """The top intent of the classifier itself, beneath any nlu_fallback placed over it."""
    for ranked in parse.get("intent_ranking") or [parse.get("intent") or {}]:
        if ranked.get("name") and ranked["name"] != FALLBACK_INTENT:
            return ranked["name"], float(ranked.get("confidence") or 0.0)
    return None, 0.0


async def predict_one(agent: Agent, text: str) -> dict[str, Any]:
    started = time.perf_counter()
    parse = await agent.parse_message(text)
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(text, parse.get("intent"), parse.get("entities"), parse_data=parse),
    ]
    assert agent.processor is not None and agent.domain is not None
    tracker = DialogueStateTracker.from_events("evaluation", events, slots=agent.domain.slots)
    prediction = agent.processor.predict_next_with_tracker(tracker) or {"scores": []}
    best = max(prediction["scores"], key=lambda s: s["score"], default={"action": None})
    intent, confidence = classifier_intent(parse)
    area = parse.get("area") or {}
    return {
        "intent": intent,
        "intent_confidence": round(confidence, 4),
        "dialogue_intent": (parse.get("intent") or {}).get("name"),
        "area": area.get("name"),
        "area_confidence": round(float(area.get("confidence") or 0.0), 4) if area else None,
        "entities": [
            {k: e.get(k) for k in ("entity", "value", "start", "end")}
            for e in parse.get("entities") or []
            if e.get("entity") not in {"id_card", "phone"}  # personal data stays out of reports
        ],
        "action": best["action"],
        "nlu_ms": round((time.perf_counter() - started) * 1000, 2),
    }


async def main(model: str, in_path: str, out_path: str) -> int:
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    count = 0
    with open(in_path, encoding="utf-8") as source, open(out_path, "w", encoding="utf-8") as sink:
        for line in source:
            if not line.strip():
                continue
            item = json.loads(line)
            result = await predict_one(agent, str(item.get("query") or ""))
            passed_on = {key: item[key] for key in ("id", "query", "cited") if key in item}
            sink.write(json.dumps({**passed_on, **result}, ensure_ascii=False) + "\n")
            count += 1
    logging.info("predicted %d questions", count)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="[predict] %(message)s")
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
