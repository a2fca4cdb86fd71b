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


@router.get("/health")
def read_health() -> Health:
    return Health(status="ok", service=settings.service, stage=settings.stage)
