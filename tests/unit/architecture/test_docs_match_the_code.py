"""The docs name what the code has: a renamed intent or package shows up here, not in a reader's confusion."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[3]


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for part in sorted((PROJECT / "bot" / "domain").glob("*.yml")):
        for intent in yaml.safe_load(part.read_text(encoding="utf-8")).get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


def documented_intents() -> set[str]:
    text = (PROJECT / "docs" / "nlu.md").read_text(encoding="utf-8")
    section = text.split("## Intents", 1)[1].split("\n\n", 2)[1]  # the paragraph under the heading
    return set(re.findall(r"[a-z_]+", section))


def test_docs_nlu_lists_exactly_the_domains_intents() -> None:
    assert len(domain_intents()) > 10
    assert documented_intents() == domain_intents()


def test_docs_architecture_names_every_package_the_boundary_test_knows() -> None:
    text = (PROJECT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for package in ("bot", "knowledge", "casebook", "telemetry", "actions", "api", "scripts"):
        assert f"`{package}/`" in text, package
