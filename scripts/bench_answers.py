"""Answer benchmark: the team's labels (eval/answer_labels.jsonl) against the assistant's first replies.

`questions OUT` writes the labelled questions (read from ../shared/eval) for bot.predict;
`packet STAGE OUT` writes 50 blind questions with their first replies for a blind grader;
`report STAGE` replies to each as `make evaluate` would and prints, for the blind part and the
tune part separately, overall and per area: answered right, answered wrong, clarified,
deferred (honestly, or although an entry answers), routed to a service or a person; safety-cue
and service-cue recall and precision; the NLU's area accuracy.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from casebook.settings import get_settings
from knowledge.answer_labels import AnswerLabel, load_labels, load_questions
from knowledge.consultant import Consultant
from knowledge.domain_responses import domain_responses
from knowledge.entries import KnowledgeBase
from scripts.evaluate import evaluate_one

DEFERRALS = {"defer", "unsure", "handoff", "emergency"}


def verdict_of(output: dict[str, Any], label: AnswerLabel) -> str:
    """One word for what the resident got, judged against the label."""
    outcome = output["outcome"]
    if outcome == "answer":
        return "right" if output["entry_id"] in label.entries else "wrong"
    if outcome == "clarify":
        return "clarified_hit" if set(output["options"]) & set(label.entries) else "clarified_miss"
    if outcome in DEFERRALS:
        return "deferred_missed" if label.entries else "deferred_honest"
    if outcome == "service":
        return "service"
    return "other"


def _pct(count: int, total: int) -> str:
    return f"{count:>4} ({count / total:5.1%})" if total else "   0"


def cue_scores(pairs: list[tuple[set[str], set[str]]]) -> tuple[int, int, int]:
    """(labelled cues found, labelled cues, cues raised that were not labelled)."""
    found = sum(len(want & got) for want, got in pairs)
    wanted = sum(len(want) for want, _ in pairs)
    extra = sum(len(got - want) for want, got in pairs)
    return found, wanted, extra


def report_part(name: str, rows: list[tuple[AnswerLabel, dict[str, Any]]]) -> list[str]:
    total = len(rows)
    counts = Counter(verdict_of(o, label) for label, o in rows)
    answerable = sum(1 for label, _ in rows if label.entries)
    lines = [
        f"== {name}: {total} questions ({answerable} with an entry that answers the point) ==",
        f"answered right        {_pct(counts['right'], total)}",
        f"answered wrong        {_pct(counts['wrong'], total)}",
        f"clarified, hit        {_pct(counts['clarified_hit'], total)}",
        f"clarified, miss       {_pct(counts['clarified_miss'], total)}",
        f"deferred honestly     {_pct(counts['deferred_honest'], total)}",
        f"deferred, had entry   {_pct(counts['deferred_missed'], total)}",
        f"routed to a service   {_pct(counts['service'], total)}",
        f"other                 {_pct(counts['other'], total)}",
    ]
    safety = cue_scores([(set(label.safety), _safety_heard(o, label)) for label, o in rows])
    services = cue_scores([(set(label.services), set(o["services"]) | _routed(o)) for label, o in rows])
    for title, (found, wanted, extra) in (("safety cues ", safety), ("service cues", services)):
        recall = f"{found / wanted:.1%}" if wanted else "n/a"
        lines.append(f"{title}          recall {found}/{wanted} ({recall}), raised without a label {extra}")
    area_right = sum(1 for label, o in rows if o["area"] == label.area)
    lines.append(f"area accuracy (NLU)   {area_right}/{total} ({area_right / total:.1%})")
    lines.append("per area: n, right, wrong, clarified, deferred (honest/had entry), NLU area right")
    by_area: dict[str, list[tuple[AnswerLabel, dict[str, Any]]]] = defaultdict(list)
    for label, o in rows:
        by_area[label.area].append((label, o))
    for area, items in sorted(by_area.items(), key=lambda kv: -len(kv[1])):
        c = Counter(verdict_of(o, label) for label, o in items)
        lines.append(
            f"  {area:<6} {len(items):>4} {c['right']:>4} {c['wrong']:>4} "
            f"{c['clarified_hit'] + c['clarified_miss']:>4} {c['deferred_honest']:>4}/{c['deferred_missed']:<4} "
            f"{sum(1 for label, o in items if o['area'] == label.area):>4}"
        )
    return lines


def _safety_heard(output: dict[str, Any], label: AnswerLabel) -> set[str]:
    """The cues the reply acted on; the NLU's emergency route counts for whatever cue the label names."""
    return set(output["safety"]) | (set(label.safety) if output["route"] == "emergency" else set())


def _routed(output: dict[str, Any]) -> set[str]:
    return {output["route"]} if output["outcome"] == "service" else set()


def report(stage_path: str) -> int:
    kb = KnowledgeBase.load()
    labels = {label.id: label for label in load_labels(kb)}
    consultant = Consultant.load(get_settings().index_dir)
    responses = domain_responses()
    rows = [json.loads(line) for line in Path(stage_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    scored: dict[str, list[tuple[AnswerLabel, dict[str, Any]]]] = {"blind": [], "tune": []}
    for row in rows:
        label = labels[row["id"]]
        scored[label.part].append((label, evaluate_one(consultant, responses, row)))
    for part in ("blind", "tune"):
        print("\n".join(report_part(part, scored[part])) + "\n")
    return 0


def write_packet(stage_path: str, out_path: str, count: int = 50) -> int:
    """A blind grader's packet: `count` questions of the blind part and the first reply to each,
    nothing else (no labels, no entry ids). Write it outside the project: it holds the questions."""
    kb = KnowledgeBase.load()
    labels = {label.id: label for label in load_labels(kb)}
    consultant = Consultant.load(get_settings().index_dir)
    responses = domain_responses()
    rows = [json.loads(line) for line in Path(stage_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    blind = sorted((row for row in rows if labels[row["id"]].part == "blind"), key=lambda row: row["id"])
    chosen = blind[:: max(1, len(blind) // count)][:count]
    with open(out_path, "w", encoding="utf-8") as sink:
        for number, row in enumerate(chosen, start=1):
            reply = evaluate_one(consultant, responses, row)
            sink.write(f"## {number}\n\n问：{row['query']}\n\n答：\n{reply['answer']}\n\n")
    return 0


def write_questions(out_path: str) -> int:
    kb = KnowledgeBase.load()
    questions = load_questions()
    with open(out_path, "w", encoding="utf-8") as sink:
        for label in load_labels(kb):
            sink.write(json.dumps({"id": label.id, "query": questions[label.id]}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "packet":
        sys.exit(write_packet(sys.argv[2], sys.argv[3]))
    commands = {"questions": write_questions, "report": report}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit("usage: python -m scripts.bench_answers {questions OUT | report STAGE | packet STAGE OUT}")
    sys.exit(commands[sys.argv[1]](sys.argv[2]))
