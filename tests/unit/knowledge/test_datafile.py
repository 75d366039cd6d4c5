"""A wrong data file is refused at load with its name in the message, whichever loader reads it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from knowledge.answering import load_messages
from knowledge.areas import load_taxonomy
from knowledge.consultant import load_service_guide
from knowledge.datafile import DataFileError, unique_ids
from knowledge.entries import KnowledgeBase
from knowledge.legal_aid.rules import LegalAidRules
from knowledge.mediation import MediationRules
from knowledge.notarization.rules import NotarizationRules
from knowledge.offices import Gazetteer, Offices
from knowledge.reading.cues import CueBook
from knowledge.retrieval.retriever import RetrievalConfig
from knowledge.roster import Roster
from knowledge.statutes import load_interpretation_names
from knowledge.verdict import VerdictModel

LOADERS: dict[str, Callable[[Path], Any]] = {
    "cues": CueBook.load,
    "verdict": VerdictModel.load,
    "messages": load_messages,
    "areas": load_taxonomy,
    "services": load_service_guide,
    "retrieval": RetrievalConfig.load,
    "gazetteer": Gazetteer.load,
    "offices": Offices.load,
    "roster": Roster.load,
    "mediation": MediationRules.load,
    "legal_aid": LegalAidRules.load,
    "notarization": NotarizationRules.load,
    "entries": lambda path: KnowledgeBase.load(path.parent),
}


@pytest.mark.parametrize("load", LOADERS.values(), ids=LOADERS.keys())
@pytest.mark.parametrize("content", ["safety: [unclosed", "{}", "features: 3"])
def test_a_broken_or_incomplete_file_is_named_in_the_error(
    tmp_path: Path, load: Callable[[Path], Any], content: str
) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^broken\.yml: ") as raised:
        load(path)
    assert raised.value.path == path


def test_a_file_that_does_not_parse_is_named_even_where_no_schema_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "interpretations.yml"
    path.write_text("a: [unclosed", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^interpretations\.yml: "):
        load_interpretation_names(path)


def test_an_id_used_twice_is_refused() -> None:
    unique_ids("matter", ["a", "b"])
    with pytest.raises(ValueError, match="duplicate matter id: a"):
        unique_ids("matter", ["a", "b", "a"])
