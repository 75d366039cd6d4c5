"""The office's own approved entries, kept in step with the database for the consultant.

Approving or withdrawing an entry in the console changes a row; before a consultation the action
server looks (at most once every REFRESH_SECONDS, one cheap query) whether any entry changed
since it last looked, and if so hands the consultant the approved entries as they are now. No
restart: the consultant indexes only what changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from casebook import office_entries
from knowledge.consultant import Consultant

logger = logging.getLogger(__name__)

# How stale the office's entries may be in this process: an approval reaches residents this soon.
REFRESH_SECONDS = 3.0


class OfficeKnowledge:
    def __init__(self, engine: Engine, consultant: Consultant, *, clock: Callable[[], float] = time.monotonic):
        self._engine, self._consultant, self._clock = engine, consultant, clock
        self._checked: float | None = None
        self._seen: tuple[int, datetime | None] | None = None
        self._looking = threading.Lock()

    def refresh(self) -> None:
        """Bring the consultant's office entries up to date, if it is time to look.

        A consultation never waits for another's look, and a database that cannot be read leaves
        the entries as they were: residents are still answered, from what was approved before."""
        if not self._looking.acquire(blocking=False):
            return
        try:
            now = self._clock()
            if self._checked is not None and now - self._checked < REFRESH_SECONDS:
                return
            self._checked = now
            with Session(self._engine) as session:
                marker = office_entries.changes_marker(session)
                if marker == self._seen:
                    return
                entries = office_entries.live_entries(session)
            self._consultant.use_office_entries(entries)
            self._seen = marker
            logger.info("answering from %d office entries", len(entries))
        except (SQLAlchemyError, ValidationError, ValueError):
            logger.exception("could not bring the office's knowledge entries up to date")
        finally:
            self._looking.release()
