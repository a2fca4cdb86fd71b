"""The ride domain mounts health and rides."""

from fastapi import APIRouter

from app.api.routes import health, rides

# Each router is mounted on the app itself (`app/main.py`), not through one router that includes
# the others: FastAPI matches a request level by level, and every level costs each request.
routers: list[APIRouter] = [health.router, rides.router]
