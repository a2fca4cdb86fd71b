"""The ride domain mounts health and rides."""

from fastapi import APIRouter

from app.api.routes import health, rides

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(rides.router)
