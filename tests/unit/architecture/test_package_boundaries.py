"""The packages and the imports allowed between them (docs/architecture.md).

bot and knowledge import nothing of ours; casebook (the office's records) only knowledge;
telemetry (logs, metrics) only casebook; actions and api import casebook, knowledge and
telemetry, never each other. scripts and tests may import anything. Every import counts, also
one inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from package_rules import ALLOWED, OURS
from project_files import PROJECT, python_files


def imported_packages(source: str) -> set[str]:
    """The top-level packages of ours a module imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


def package_modules() -> list[Path]:
    return [PROJECT / name for name in python_files() if name.split("/")[0] in ALLOWED]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_it_is_allowed(package: str) -> None:
    broken = {
        str(module.relative_to(PROJECT)): sorted(imported - ALLOWED[package] - {package})
        for module in package_modules()
        if module.parts[len(PROJECT.parts)] == package
        for imported in [imported_packages(module.read_text(encoding="utf-8"))]
        if imported - ALLOWED[package] - {package}
    }
    assert broken == {}


def test_the_check_sees_an_import_hidden_in_a_function() -> None:
    source = "import json\n\ndef later():\n    from api.settings import x\n    import actions.cases\n"
    assert imported_packages(source) == {"api", "actions"}


def test_the_check_covers_every_package() -> None:
    seen = {module.parts[len(PROJECT.parts)] for module in package_modules()}
    assert seen == set(ALLOWED)
