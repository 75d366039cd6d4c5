"""Shared resources of the action server, created once: at start (actions/server.py builds the
office data and the consultant before the port opens), or on first use in tests; never at import."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from actions.office_knowledge import OfficeKnowledge
from casebook.db import create_db_engine, init_db
from casebook.settings import get_settings
from knowledge.consultant import Consultant
from knowledge.legal_aid.rules import LegalAidRules
from knowledge.mediation import MediationRules
from knowledge.notarization.rules import NotarizationRules
from knowledge.office_data import OfficeData
from knowledge.offices import Offices
from knowledge.roster import Roster


@cache
def consultant() -> Consultant:
    return Consultant.load(get_settings().index_dir, offices=office_data().offices)


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


@cache
def office_data() -> OfficeData:
    """The office's service data (knowledge/data), validated together; every engine shares one
    gazetteer and one list of offices."""
    return OfficeData.load()


def mediation() -> MediationRules:
    return office_data().mediation


def legal_aid() -> LegalAidRules:
    return office_data().legal_aid


def notary() -> NotarizationRules:
    return office_data().notarization


def offices() -> Offices:
    return office_data().offices


def roster() -> Roster:
    return office_data().roster


@cache
def office_timezone() -> ZoneInfo:
    return ZoneInfo(get_settings().office_timezone)


def office_now() -> datetime:
    """The office's wall-clock time to the minute (the data's hours are local time in China): the
    one clock of the forms' bookings, which tests replace here and nowhere else."""
    return datetime.now(office_timezone()).replace(tzinfo=None, second=0, microsecond=0)
