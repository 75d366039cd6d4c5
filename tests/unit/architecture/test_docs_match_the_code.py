"""The docs name what the code has: a renamed intent or package shows up here, not in a reader's confusion."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from package_rules import ALLOWED

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


def documented_imports() -> dict[str, set[str]]:
    """docs/architecture.md's table: each package's row and what its last column lets it import."""
    text = (PROJECT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows: dict[str, set[str]] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        named = re.fullmatch(r"`([a-z]+)/`", cells[0]) if len(cells) == 3 else None
        if named:
            rows[named.group(1)] = set(re.findall(r"`([a-z]+)/`", cells[2]))
    return rows


def test_docs_architecture_tables_the_imports_the_boundary_test_enforces() -> None:
    documented = documented_imports()
    assert documented.pop("scripts") == set()  # "anything": scripts are not checked
    assert documented == ALLOWED
