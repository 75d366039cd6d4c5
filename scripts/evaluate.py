"""Second stage of `make evaluate`: the resident's first reply, area and citations per question.

Reads bot.predict's output and writes one JSON line per question (see README). Prints a summary,
and when the input carries weak labels (`cited`), how often the answer cites one of them.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from actions.routing import CONVERSATION_INTENTS, route_for_action, service_forms_by_action
from casebook.settings import get_settings
from knowledge.consultant import Consultant
from knowledge.domain_responses import domain_responses

REFERENCE_PLACEHOLDER = "（登记编号）"


def evaluate_one(consultant: Consultant, responses: dict[str, str], item: dict[str, Any]) -> dict[str, Any]:
    """The resident's first reply to one question, as the action server would give it.

    Beyond the output contract (README), `outcome` says what kind of reply it was (answer,
    clarify, defer, unsure, a service form, handoff), with the entry answered or offered and the
    cues read from the message, for the answer benchmark.
    """
    started = time.perf_counter()
    action, intent = item.get("action"), item.get("dialogue_intent")
    area, area_confidence = item.get("area"), item.get("area_confidence")
    if intent in CONVERSATION_INTENTS or item.get("intent") in CONVERSATION_INTENTS:
        area = area_confidence = None
    citations: list[str] = []
    outcome, entry_id, options = action or "other", None, []
    safety: list[str] = []
    services: list[str] = []
    if action in ("action_answer_question", "action_flag_danger"):
        consultation = consultant.consult(item.get("query") or "", area, area_confidence or 0.0)
        reply = consultation.reply
        safety, services = list(consultation.safety), list(consultation.services)
        answer, citations = reply.text, reply.citations
        outcome, entry_id, options = reply.kind, reply.entry_id, reply.options
        if action == "action_flag_danger":
            # The emergency advice goes first; a question inside the message is answered after it.
            if reply.kind not in ("answer", "clarify"):
                answer, citations, outcome, entry_id, options = responses["utter_emergency"], [], "emergency", None, []
            else:
                answer = responses["utter_emergency"] + "\n\n" + answer
    elif action in (service_forms := service_forms_by_action()):
        # A service form opens with the service's explanation from the knowledge base (the
        # mediation form with the mediation rules' summary), then its first question.
        reply = consultant.explain_service(service_forms[action])
        answer, citations, outcome = reply.text, reply.citations, "service"
    elif action == "action_request_human":
        answer, outcome = responses["utter_handoff_recorded"].format(reference=REFERENCE_PLACEHOLDER), "handoff"
    else:
        answer = responses.get(action or "", "")
    return {
        "id": item.get("id"),
        "intent": item.get("intent"),
        "intent_confidence": item.get("intent_confidence"),
        "area": area,
        "area_confidence": area_confidence,
        "route": route_for_action(action, intent),
        "answer": answer,
        "citations": citations,
        "latency_ms": round(item.get("nlu_ms", 0.0) + (time.perf_counter() - started) * 1000, 2),
        "outcome": outcome,
        "entry_id": entry_id,
        "options": options,
        "safety": safety,
        "services": services,
    }


def main(stage_path: str, out_path: str) -> int:
    consultant = Consultant.load(get_settings().index_dir)
    responses = domain_responses()
    rows = [json.loads(line) for line in Path(stage_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    outputs = [evaluate_one(consultant, responses, row) for row in rows]
    with open(out_path, "w", encoding="utf-8") as sink:
        for output in outputs:
            sink.write(json.dumps(output, ensure_ascii=False) + "\n")
    print(summary(outputs, labels_of(rows)))
    return 0


def labels_of(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Weak labels (`cited`) from the original questions file, when bot.predict passed them on."""
    return {row["id"]: row["cited"] for row in rows if row.get("cited")}


def summary(outputs: list[dict[str, Any]], cited: dict[str, list[str]]) -> str:
    if not outputs:
        return "没有问题可评估 / no questions"
    latencies = sorted(o["latency_ms"] for o in outputs)
    routes: dict[str, int] = {}
    for o in outputs:
        routes[o["route"]] = routes.get(o["route"], 0) + 1
    lines = [
        f"questions: {len(outputs)}",
        "routes: " + ", ".join(f"{k}={v}" for k, v in sorted(routes.items(), key=lambda kv: -kv[1])),
        "replies: " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes(outputs).items(), key=lambda kv: -kv[1])),
        f"latency ms: median {statistics.median(latencies):.1f}, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f}",
    ]
    if cited:
        judged = [o for o in outputs if o["id"] in cited]
        hits = sum(1 for o in judged if set(o["citations"]) & set(cited[o["id"]]))
        lines.append(f"answers citing a labelled article: {hits}/{len(judged)} ({hits / len(judged):.1%})")
        # As the hidden evaluation scores it: F1 between the answer's and the reference's sets.
        article_f1 = statistics.mean(f1(set(o["citations"]), set(cited[o["id"]])) for o in judged)
        law_f1 = statistics.mean(f1(laws(o["citations"]), laws(cited[o["id"]])) for o in judged)
        lines.append(f"citation F1 against the labels: laws {law_f1:.3f}, articles {article_f1:.3f}")
    return "\n".join(lines)


def outcomes(outputs: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outputs:
        counts[o["outcome"]] = counts.get(o["outcome"], 0) + 1
    return counts


def laws(labels: list[str] | set[str]) -> set[str]:
    """民法典第一千零七十七条 → 民法典."""
    return {label.split("第")[0] for label in labels}


def f1(predicted: set[str], expected: set[str]) -> float:
    if not predicted or not expected:
        return float(predicted == expected)
    overlap = len(predicted & expected)
    return 0.0 if overlap == 0 else 2 * overlap / (len(predicted) + len(expected))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m scripts.evaluate STAGE.jsonl OUT.jsonl")
    sys.exit(main(sys.argv[1], sys.argv[2]))
