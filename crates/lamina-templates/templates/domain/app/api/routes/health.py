"""Public liveness check; `lamina` routes `GET <prefix>/health` without the JWT authorizer."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from app.core.config import settings

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    service: str
    stage: str


# `async def`: it does no blocking I/O, so it runs on the event loop. A sync `def` route runs in a
# worker thread, and under Mangum that thread is started anew on every invocation (~0.3-0.5 ms).
@router.get("/health")
async def read_health() -> Health:
    return Health(status="ok", service=settings.service, stage=settings.stage)
