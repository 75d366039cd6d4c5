"""Health of the API for load balancers and people (docs/operations.md).

- `/api/health/live`: the process answers. Nothing else is asked, so a slow database or a
  restarting Rasa never gets a working API process killed.
- `/api/health/ready`: this process can serve residents now: the database answers a query and
  the dialogue engine answers, each within READY_TIMEOUT_SECONDS; else 503 naming what is not.
- `/api/health`: the summary shown to people and older checks: 200 while the process answers,
  and whether the dialogue engine does.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from api.deps import RasaDep
from api.rasa_client import RasaClient

router = APIRouter(prefix="/api", tags=["health"])

# A balancer checks every few seconds; an answer slower than this is as good as none.
READY_TIMEOUT_SECONDS = 2.0

CheckState = Literal["ok", "unavailable"]


class Health(BaseModel):
    api: Literal["ok"]
    dialogue: CheckState = Field(description="whether the dialogue engine (Rasa) answers")


class Liveness(BaseModel):
    status: Literal["alive"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, CheckState] = Field(description="each dependency: database, dialogue")
    not_ready: list[str] = Field(default_factory=list, description="the checks that failed")


@router.get("/health", response_model=Health, summary="Summary: the API answers; does the dialogue engine?")
async def health(rasa: RasaDep) -> Health:
    return Health(api="ok", dialogue="ok" if await _answers(rasa) else "unavailable")


@router.get("/health/live", response_model=Liveness, summary="Liveness: the process answers")
async def live() -> Liveness:
    return Liveness(status="alive")


@router.get(
    "/health/ready",
    response_model=Readiness,
    summary="Readiness: database and dialogue engine answer",
    responses={503: {"model": Readiness, "description": "Not ready: `not_ready` names the failing checks"}},
)
async def ready(request: Request, rasa: RasaDep) -> Readiness | JSONResponse:
    database, dialogue = await asyncio.gather(_database_answers(request.app.state.engine), _answers(rasa))
    checks: dict[str, CheckState] = {
        "database": "ok" if database else "unavailable",
        "dialogue": "ok" if dialogue else "unavailable",
    }
    failing = [name for name, state in checks.items() if state != "ok"]
    if not failing:
        return Readiness(status="ready", checks=checks)
    body = Readiness(status="not ready", checks=checks, not_ready=failing)
    return JSONResponse(body.model_dump(), status_code=503, headers={"Cache-Control": "no-store"})


async def _answers(rasa: RasaClient) -> bool:
    try:
        return await asyncio.wait_for(rasa.healthy(), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return False


def _select_one(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


async def _database_answers(engine: Engine) -> bool:
    # The query runs in a worker thread; past the timeout it is abandoned, not waited for.
    try:
        return await asyncio.wait_for(run_in_threadpool(_select_one, engine), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return False
