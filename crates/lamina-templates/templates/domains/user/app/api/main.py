"""The user domain mounts health and `me` only: it has no storage of its own."""

from fastapi import APIRouter

from app.api.routes import health, me

# Each router is mounted on the app itself (`app/main.py`), not through one router that includes
# the others: FastAPI matches a request level by level, and every level costs each request.
routers: list[APIRouter] = [health.router, me.router]
