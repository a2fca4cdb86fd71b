"""The domain's FastAPI app: routers mounted under the route prefix API Gateway sends here."""

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.api.main import routers
from app.core.config import settings
from shared.errors import install_error_handlers


def custom_generate_unique_id(route: APIRoute) -> str:
    """Name operations `<tag>-<function>` so generated frontend clients get short method names."""
    return f"{route.tags[0]}-{route.name}"


# CORS is answered by API Gateway (the stage's `cors_origins`), so there is no CORS middleware.
app = FastAPI(
    title=f"{settings.project} {settings.service}",
    openapi_url=f"{settings.route_prefix}/openapi.json",
    docs_url=f"{settings.route_prefix}/docs",
    redoc_url=None,
    generate_unique_id_function=custom_generate_unique_id,
)
install_error_handlers(app)
for router in routers:
    app.include_router(router, prefix=settings.route_prefix)
