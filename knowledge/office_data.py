"""The office's service data, built and validated once when a process starts, shared by every engine.

The action server calls `OfficeData.load()` once at start (actions/runtime.py `office_data`) and
keeps the result (the API uses none of this data): one `Gazetteer` and one `Offices`, which the roster and the mediation rules are built
on, so every engine reads the same places and offices. A wrong file fails the start with the
file's name (`DataFileError`), not a resident's first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge.datafile import DATA_DIR, DataFileError
from knowledge.legal_aid.rules import LegalAidRules
from knowledge.legal_aid.schema import LEGAL_AID_FILE
from knowledge.mediation import MEDIATION_FILE, MediationRules
from knowledge.notarization.rules import NotarizationRules
from knowledge.notarization.schema import NOTARIZATION_FILE
from knowledge.offices import GAZETTEER_FILE, OFFICES_FILE, Gazetteer, Offices
from knowledge.roster import ROSTER_FILE, Roster


def _in(directory: Path, shipped: Path) -> Path:
    """The file at the same place under `directory` as the shipped one is under knowledge/data."""
    return directory / shipped.relative_to(DATA_DIR)


@dataclass(frozen=True)
class OfficeData:
    gazetteer: Gazetteer
    offices: Offices
    roster: Roster
    mediation: MediationRules
    legal_aid: LegalAidRules
    notarization: NotarizationRules

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> OfficeData:
        """Every service data file under `directory` (laid out as knowledge/data), checked together."""
        gazetteer = Gazetteer.load(_in(directory, GAZETTEER_FILE))
        offices = Offices.load(_in(directory, OFFICES_FILE), gazetteer)
        legal_aid_file = _in(directory, LEGAL_AID_FILE)
        legal_aid = LegalAidRules.load(legal_aid_file)
        for office_id in (legal_aid.apply_office_id, legal_aid.helper_office_id):
            if office_id not in offices:
                raise DataFileError(legal_aid_file, ValueError(f"apply: unknown office {office_id!r}"))
        return cls(
            gazetteer=gazetteer,
            offices=offices,
            roster=Roster.load(_in(directory, ROSTER_FILE), gazetteer),
            mediation=MediationRules.load(_in(directory, MEDIATION_FILE), offices),
            legal_aid=legal_aid,
            notarization=NotarizationRules.load(_in(directory, NOTARIZATION_FILE)),
        )
