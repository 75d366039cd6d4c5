"""The bot's own responses (bot/domain/*.yml), read as data: where another process must say what
the bot says (the API's takeover notice carries the danger advice, the evaluator the first reply
of each service), it reads the sentence from the domain rather than keep a copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from knowledge.datafile import naming, read_yaml

DOMAIN_DIR = Path(__file__).resolve().parents[1] / "bot" / "domain"


def domain_responses(directory: Path = DOMAIN_DIR) -> dict[str, str]:
    """Each response's first text variant by name, from every domain file ("" for one without
    text, such as a response made only of a custom payload)."""
    found: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        data = read_yaml(path) or {}
        with naming(path):
            if not isinstance(data, dict):
                raise ValueError("a domain file is a mapping")
            responses: dict[str, Any] = data.get("responses") or {}
            for name, variants in responses.items():
                if not isinstance(variants, list) or not variants or not isinstance(variants[0], dict):
                    raise ValueError(f"{name}: a response is a list of variants")
                found[name] = str(variants[0].get("text") or "")
    return found


def domain_response(name: str, directory: Path = DOMAIN_DIR) -> str:
    """One response's first text, whichever domain file holds it; a missing or empty one is an error."""
    text = domain_responses(directory).get(name, "")
    if not text.strip():
        raise ValueError(f"no text for {name} in {directory}")
    return text
