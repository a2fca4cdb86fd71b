from http import HTTPStatus

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.errors import install_error_handlers


class Payload(BaseModel):
    name: str = Field(min_length=1)


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(418, "Short and stout.", headers={"x-extra": "1"})

    @app.post("/things/{thing_id}")
    def create(thing_id: int, payload: Payload) -> dict[str, str]:
        return {"name": payload.name}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    return app


client = TestClient(build_app(), raise_server_exceptions=False)


def test_http_exception_is_problem_json() -> None:
    response = client.get("/teapot")

    assert response.status_code == 418
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-extra"] == "1"
    assert response.json() == {
        "type": "about:blank",
        "title": "I'm a Teapot",
        "status": 418,
        "detail": "Short and stout.",
    }


def test_unknown_route_is_problem_json() -> None:
    response = client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def test_validation_error_lists_fields() -> None:
    response = client.post("/things/abc", json={"name": ""})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == HTTPStatus(422).phrase
    assert {tuple(error["loc"]) for error in body["errors"]} == {
        ("path", "thing_id"),
        ("body", "name"),
    }


def test_unhandled_exception_leaks_nothing() -> None:
    response = client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text
    assert response.json()["title"] == "Internal Server Error"
