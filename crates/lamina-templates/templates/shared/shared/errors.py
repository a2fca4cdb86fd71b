"""RFC 9457 problem details (`application/problem+json`) for every error a domain returns.

One error shape across all domains lets the frontend handle failures in one place.
"""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.status import HTTP_422_UNPROCESSABLE_CONTENT, HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response; `type` is `about:blank`, so `title` is the status phrase."""
    body: dict[str, Any] = {"type": "about:blank", "title": _title(status), "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def http_exception_handler(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Render `HTTPException`s (ours and Starlette's 404/405), keeping headers such as
    `www-authenticate`."""
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, detail, headers=exc.headers)


async def validation_exception_handler(_: Request, exc: RequestValidationError) -> JSONResponse:
    """Render request validation failures as 422, listing where and why without echoing input."""
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return problem_response(
        HTTP_422_UNPROCESSABLE_CONTENT, "The request is not valid.", errors=errors
    )


async def unhandled_exception_handler(_: Request, __: Exception) -> JSONResponse:
    """Answer 500 without internals. Starlette re-raises the exception after this response is
    sent, so the traceback is still logged (by Mangum in Lambda, by uvicorn locally)."""
    return problem_response(HTTP_500_INTERNAL_SERVER_ERROR, "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error response of `app` problem+json."""
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)
