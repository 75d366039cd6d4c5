"""Shared resources of the action server, created on first use (never at import)."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from actions.office_knowledge import OfficeKnowledge
from casebook.db import create_db_engine, init_db
from casebook.settings import get_settings
from knowledge.consultant import Consultant
from knowledge.legal_aid.rules import LegalAidRules
from knowledge.mediation import MediationRules
from knowledge.notarization.rules import NotarizationRules as NotaryCatalogue
from knowledge.offices import Offices
from knowledge.roster import Roster


@cache
def consultant() -> Consultant:
    return Consultant.load(get_settings().index_dir)


@cache
def office_knowledge(db_engine: Engine, chosen: Consultant) -> OfficeKnowledge:
    return OfficeKnowledge(db_engine, chosen)


def current_consultant() -> Consultant:
    """The consultant, answering from the office's entries as approved a few seconds ago at most."""
    chosen = consultant()
    office_knowledge(engine(), chosen).refresh()
    return chosen


@cache
def engine() -> Engine:
    db_engine = create_db_engine(get_settings().database_url_absolute)
    init_db(db_engine)
    return db_engine


# The office's service data (knowledge/data): loaded and validated on first use.


@cache
def mediation() -> MediationRules:
    return MediationRules.load()


@cache
def legal_aid() -> LegalAidRules:
    return LegalAidRules.load()


@cache
def notary() -> NotaryCatalogue:
    return NotaryCatalogue.load()


@cache
def offices() -> Offices:
    return Offices.load()


@cache
def roster() -> Roster:
    return Roster.load()


@cache
def office_timezone() -> ZoneInfo:
    return ZoneInfo(get_settings().office_timezone)
