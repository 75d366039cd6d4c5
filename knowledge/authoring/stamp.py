"""Recording a review on the entries of a YAML file, in place, keeping the writer's layout.

A review sets `reviewed_on`, `reviewed_by` and `relies_on` (the version of each cited text that
was read) on every entry of the file; the rest of the text is left as written.
"""

from __future__ import annotations

import re
from datetime import date

import yaml

from knowledge.statutes import StatuteLibrary

_REVIEW_KEYS = re.compile(r"^    (reviewed_on|reviewed_by|relies_on):.*\n", re.MULTILINE)
_ENTRY_START = re.compile(r"^  - id: ", re.MULTILINE)


def _relies_on(citations: list[dict[str, object]], library: StatuteLibrary) -> str:
    laws = sorted({str(citation["law"]) for citation in citations})
    return "{" + ", ".join(f"{law}: {library.versions[law]}" for law in laws if law in library.versions) + "}"


def stamp_review(text: str, reviewer: str, on: date, library: StatuteLibrary) -> str:
    """The file's text with every entry's review fields set; entries are blocks starting `  - id:`."""
    data = yaml.safe_load(text) or {}
    entries = data.get("entries") or []
    starts = [match.start() for match in _ENTRY_START.finditer(text)]
    if len(starts) != len(entries):
        raise ValueError("each entry must start with a line '  - id: …' (two spaces, dash, id)")
    pieces = [text[: starts[0]]] if starts else [text]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        block = _REVIEW_KEYS.sub("", text[start:end])
        body = block.rstrip("\n")
        trailing = block[len(body) :] or "\n"
        citations = entries[index].get("citations") or []
        body += (
            f"\n    reviewed_on: {on.isoformat()}"
            f"\n    reviewed_by: {reviewer}"
            f"\n    relies_on: {_relies_on(citations, library)}"
        )
        pieces.append(body + trailing)
    return "".join(pieces)
