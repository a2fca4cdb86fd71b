from fastapi.testclient import TestClient

import handler
from tests.events import FakeLambdaContext, gateway_claims, http_event, response_json


def test_me_needs_a_token(anonymous_client: TestClient, prefix: str) -> None:
    response = anonymous_client.get(f"{prefix}/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_me_returns_the_caller(client: TestClient, prefix: str) -> None:
    response = client.get(f"{prefix}/me")

    assert response.json() == {
        "username": "alice",
        "email": "alice@example.com",
        "groups": ["rider"],
    }


def test_me_through_lambda_reads_gateway_claims(
    prefix: str, lambda_context: FakeLambdaContext
) -> None:
    claims = gateway_claims("bob", email=None, groups=("admin", "driver"))

    response = handler.handler(http_event("GET", f"{prefix}/me", claims=claims), lambda_context)

    assert response["statusCode"] == 200
    assert response_json(response) == {
        "username": "bob",
        "email": None,
        "groups": ["admin", "driver"],
    }


def test_items_are_not_mounted(client: TestClient, prefix: str) -> None:
    assert client.get(f"{prefix}/items").status_code == 404
