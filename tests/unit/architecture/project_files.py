"""The project's own Python files as git sees them: tracked or new, not ignored, still present."""

from __future__ import annotations

import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]


def python_files() -> list[str]:
    """Paths relative to the project root."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [name for name in listed if (PROJECT / name).exists()]
