"""Shared resources of the action server, created on first use (never at import)."""

from __future__ import annotations

from functools import cache

from sqlalchemy.engine import Engine

from api.db import create_db_engine, init_db
from api.settings import get_settings
from knowledge.consultant import Consultant


@cache
def consultant() -> Consultant:
    return Consultant.load(get_settings().index_dir)


@cache
def engine() -> Engine:
    db_engine = create_db_engine(get_settings().database_url_absolute)
    init_db(db_engine)
    return db_engine
