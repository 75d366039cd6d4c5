"""Fit the answer verdict (knowledge/verdict.py) on the tune part of eval/answer_labels.jsonl.

Each of a question's top candidates is one example: does this entry answer the labelled point?
A logistic regression over FEATURES is fitted; the thresholds (answer, clarify) are chosen on
five-fold cross-validated probabilities so that answered-wrong stays within WRONG_BUDGET of the
questions while as many as possible are answered right. Writes knowledge/data/verdict.yml and
prints the cross-validated figures beside the previous rule (answer whenever retrieval is
"confident"). The blind part is never read here.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from casebook.settings import get_settings
from knowledge.answer_labels import AnswerLabel, load_labels
from knowledge.consultant import Consultant
from knowledge.entries import KnowledgeBase
from knowledge.reading.question import question_part
from knowledge.verdict import FEATURES, VERDICT_FILE, Candidate, VerdictModel

WRONG_BUDGET = 0.04  # of all questions; the ceiling is 5 % on the blind part
CONSULTED = {"action_answer_question", "action_flag_danger"}


def _examples(consultant: Consultant, rows: list[dict[str, Any]], labels: dict[str, AnswerLabel]) -> list[Any]:
    """Per question: (label, candidates, confident) for the questions the retriever sees."""
    out = []
    for row in rows:
        if row.get("action") not in CONSULTED:
            continue
        message = row.get("query") or ""
        area, confidence = row.get("area"), float(row.get("area_confidence") or 0.0)
        result = consultant.search(message, area, confidence)
        candidates = consultant.features(message, question_part(message), result, area, confidence)
        out.append((labels[row["id"]], candidates, result.confident))
    return out


def _outcome(model: VerdictModel, candidates: list[Candidate], label: AnswerLabel) -> str:
    verdict = model.decide(candidates)
    if verdict.kind == "answer":
        return "right" if verdict.entry_ids[0] in label.entries else "wrong"
    if verdict.kind == "clarify":
        return "clarify_hit" if set(verdict.entry_ids) & set(label.entries) else "clarify_miss"
    return "defer"


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float], list[float], float]:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    lr = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    return mean.tolist(), scale.tolist(), lr.coef_[0].tolist(), float(lr.intercept_[0])


def _model(
    params: tuple[list[float], list[float], list[float], float], answer_at: float, clarify_at: float
) -> VerdictModel:
    mean, scale, weights, bias = params
    return VerdictModel(
        features=list(FEATURES),
        mean=mean,
        scale=scale,
        weights=weights,
        bias=bias,
        answer_at=answer_at,
        clarify_at=clarify_at,
        clarify_max=3,
        fitted_on="cv",
    )


def main(stage_path: str) -> int:
    kb = KnowledgeBase.load()
    labels = {label.id: label for label in load_labels(kb)}
    rows = [json.loads(line) for line in Path(stage_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    tune_rows = [row for row in rows if labels[row["id"]].part == "tune"]
    consultant = Consultant.load(get_settings().index_dir)
    examples = _examples(consultant, tune_rows, labels)
    total = len(tune_rows)

    def stack(items: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        x = np.array([c.features for _, cands, _ in items for c in cands])
        y = np.array([c.entry_id in label.entries for label, cands, _ in items for c in cands], dtype=int)
        return x, y

    # Cross-validated outcomes for every threshold pair.
    # Answer thresholds stop at 0.9: above it the verdict would only ever ask back, even for a
    # resident who used an entry's own words (cross-validated precision is already ~80 % there).
    grid = [(a, c) for a in np.arange(0.30, 0.901, 0.025) for c in np.arange(0.15, 0.90, 0.025) if c <= a]
    tallies = {pair: {"right": 0, "wrong": 0, "clarify_hit": 0, "clarify_miss": 0, "defer": 0} for pair in grid}
    folds = KFold(n_splits=5, shuffle=True, random_state=7)
    for train_index, test_index in folds.split(examples):
        params = _fit(*stack([examples[i] for i in train_index]))
        for pair in grid:
            model = _model(params, *pair)
            for i in test_index:
                label, candidates, _ = examples[i]
                tallies[pair][_outcome(model, candidates, label)] += 1

    def utility(pair: tuple[float, float]) -> tuple[bool, float]:
        t = tallies[pair]
        within = t["wrong"] <= WRONG_BUDGET * total
        # A choice that holds the answer helps nearly as much; one that doesn't costs a tap.
        return within, t["right"] + 0.5 * t["clarify_hit"] - 0.5 * t["clarify_miss"] - 2 * t["wrong"]

    best = max(grid, key=utility)
    params = _fit(*stack(examples))
    model = _model(params, round(float(best[0]), 3), round(float(best[1]), 3))
    data = model.model_dump()
    data["fitted_on"] = f"tune part of eval/answer_labels.jsonl ({len(examples)} questions), {date.today().isoformat()}"
    header = "# Fitted by `make train-verdict` (scripts/train_verdict.py); do not edit by hand.\n"
    VERDICT_FILE.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    previous = {"right": 0, "wrong": 0}
    for label, candidates, confident in examples:
        if confident and candidates:
            previous["right" if candidates[0].entry_id in label.entries else "wrong"] += 1
    t = tallies[best]
    print(f"tune part, {total} questions ({len(examples)} reach the retriever), five-fold cross-validated:")
    print(f"  previous rule (answer when confident): right {previous['right']}, wrong {previous['wrong']}")
    print(
        f"  verdict (answer ≥ {best[0]:.3f}, clarify ≥ {best[1]:.3f}): right {t['right']}, wrong {t['wrong']}, "
        f"clarified {t['clarify_hit']} hit / {t['clarify_miss']} miss, deferred {t['defer']}"
    )
    print("  answer threshold → right / wrong (cross-validated, clarify threshold as chosen):")
    for pair in sorted(p for p in grid if abs(p[1] - best[1]) < 1e-9 and round(p[0] * 40) % 2 == 0):
        print(f"    {pair[0]:.2f} → {tallies[pair]['right']:>3} / {tallies[pair]['wrong']:>3}")
    print("  weights: " + ", ".join(f"{f} {w:+.2f}" for f, w in zip(FEATURES, params[2], strict=True)))
    print(f"wrote {VERDICT_FILE}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m scripts.train_verdict STAGE.jsonl")
    sys.exit(main(sys.argv[1]))
