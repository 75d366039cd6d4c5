"""Check a batch of entries, or record its review and move it into the knowledge base.

python -m knowledge.authoring check FILE...        # a writer: schema, citations, ids
python -m knowledge.authoring publish FILE --reviewer NAME
                                                 # a reviewer, after reading every entry
                                                 # against its articles: stamps the review
                                                 # and moves the file to data/entries/
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import yaml

from knowledge.authoring.citations import entry_problems
from knowledge.authoring.stamp import stamp_review
from knowledge.datafile import read_yaml
from knowledge.entries import ENTRIES_DIR, EntryFile, KnowledgeBase
from knowledge.statutes import StatuteLibrary


def _problems(path: Path, text: str, library: StatuteLibrary, live_ids: set[str]) -> list[str]:
    try:
        batch = EntryFile.model_validate(yaml.safe_load(text))
    except ValueError as error:
        return [f"{path.name}: {error}"]
    problems = [problem for entry in batch.entries for problem in entry_problems(entry, library)]
    ids = [entry.id for entry in batch.entries]
    problems += [f"{path.name}: id {i} is already used" for i in sorted(set(ids) & live_ids)]
    problems += [f"{path.name}: id {i} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.authoring")
    parser.add_argument("command", choices=["check", "publish"])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--reviewer", default="", help="who reviewed the batch (publish)")
    args = parser.parse_args(argv)
    library = StatuteLibrary.load()
    failed = False
    live = [entry.id for entry in KnowledgeBase.load().entries]
    for path in args.files:
        # A file already in the knowledge base is checked against the others, not against itself.
        own = _ids(path) if path.resolve().parent == ENTRIES_DIR.resolve() else set()
        live_ids = set(live) - own
        text = path.read_text(encoding="utf-8")
        if args.command == "publish":
            if not args.reviewer.strip():
                parser.error("publish needs --reviewer")
            text = stamp_review(text, args.reviewer.strip(), date.today(), library)
        else:
            text = stamp_review(text, "draft", date.today(), library)  # a draft is checked as if reviewed
        problems = _problems(path, text, library, live_ids)
        for problem in problems:
            print(problem)
        if problems:
            failed = True
            continue
        if args.command == "publish":
            target = ENTRIES_DIR / path.name
            target.write_text(text, encoding="utf-8")
            if path.resolve() != target.resolve():
                path.unlink()
            print(f"{path.name}: {len(yaml.safe_load(text)['entries'])} entries published to {target}")
        else:
            print(f"{path.name}: {len(yaml.safe_load(text)['entries'])} entries, no problems")
    return 1 if failed else 0


def _ids(path: Path) -> set[str]:
    return {str(e["id"]) for e in (read_yaml(path) or {}).get("entries", [])}


if __name__ == "__main__":
    sys.exit(main())
