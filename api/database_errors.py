"""The database unreachable (PostgreSQL restarting, a network blip): HTTP 503 with a Chinese
"please retry", never a 500 page. The pool's pre-ping and the next request's fresh connection
recover by themselves once the database is back, so nothing else is needed here."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from api.observability.metrics import record_error
from api.resident_texts import resident_texts

logger = logging.getLogger(__name__)

# Connection-level failures only: a wrong query (ProgrammingError) stays a bug, answered 500.
OUTAGE_ERRORS = (OperationalError, InterfaceError, DisconnectionError)


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    # The error's text can carry SQL parameters (residents' data): only its kind is logged.
    logger.warning("database unavailable at %s: %s", request.url.path, type(error).__name__)
    record_error(error)  # assistant_errors_total{kind="database"}
    return JSONResponse(
        status_code=503, content={"detail": resident_texts().database_unavailable}, headers={"Retry-After": "5"}
    )


def install(app: FastAPI) -> None:
    for error_class in OUTAGE_ERRORS:
        app.add_exception_handler(error_class, _database_unavailable)
