"""Build manifests: the JSON file beside a built artefact that records what it was built from.

The knowledge index (`index.py`) and the static model (`static_model.py`) are each rebuilt only
when their manifest no longer describes their inputs; both read it here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest at `path`, or None when there is none (nothing built, or a build under way)."""
    if not path.exists():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def write_manifest(path: Path, manifest: dict[str, Any], *, indent: int | None = None) -> None:
    """Written last: until it is, the artefact does not look current (see read_manifest)."""
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=indent), encoding="utf-8")
