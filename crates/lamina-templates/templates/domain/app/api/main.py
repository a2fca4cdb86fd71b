"""The routers of the domain, in order; a domain overlay replaces this file to mount its own."""

from fastapi import APIRouter

from app.api.routes import health, items

# Each router is mounted on the app itself (`app/main.py`), not through one router that includes
# the others: FastAPI matches a request level by level, and every level costs each request.
routers: list[APIRouter] = [health.router, items.router]
