"""The user domain mounts health and `me` only: it has no storage of its own."""

from fastapi import APIRouter

from app.api.routes import health, me

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(me.router)
