"""The team's labels of residents' questions (eval/answer_labels.jsonl), validated at load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from knowledge.entries import KnowledgeBase
from knowledge.reading.cues import SafetyCue, ServiceCue

LABELS_FILE = Path(__file__).resolve().parents[1] / "eval" / "answer_labels.jsonl"
QUESTIONS_FILE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_consultations.jsonl"


class AnswerLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    part: Literal["blind", "tune"]
    point: str = Field(min_length=2)
    entries: list[str]
    related: list[str] = Field(default_factory=list)
    area: str
    safety: list[SafetyCue] = Field(default_factory=list)
    services: list[ServiceCue] = Field(default_factory=list)


def load_labels(kb: KnowledgeBase, path: Path = LABELS_FILE) -> list[AnswerLabel]:
    labels = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            label = AnswerLabel.model_validate_json(line)
        except ValueError as error:
            raise ValueError(f"{path.name}:{number}: {error}") from error
        unknown = [e for e in [*label.entries, *label.related] if e not in kb]
        if unknown:
            raise ValueError(f"{path.name}:{number}: unknown entries {unknown}")
        labels.append(label)
    return labels


def load_questions(path: Path = QUESTIONS_FILE) -> dict[str, str]:
    """Question id → text, read from ../shared/eval (never copied into the project)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is not here: the answer benchmark needs ../shared/eval")
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row["query"] for row in rows}
