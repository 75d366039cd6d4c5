"""Liveness of the API and of the dialogue engine behind it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import RasaDep

router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    api: str
    dialogue: str


@router.get("/health", response_model=Health)
async def health(rasa: RasaDep) -> Health:
    return Health(api="ok", dialogue="ok" if await rasa.healthy() else "unavailable")
