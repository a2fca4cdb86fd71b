from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import handler
from app.repository import get_item_repository
from tests.events import FakeLambdaContext, gateway_claims, http_event, response_json


@pytest.fixture(autouse=True)
def empty_repository() -> Iterator[None]:
    get_item_repository.cache_clear()
    yield
    get_item_repository.cache_clear()


def test_items_need_a_token(anonymous_client: TestClient, prefix: str) -> None:
    response = anonymous_client.get(f"{prefix}/items")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_create_read_list_delete(client: TestClient, prefix: str) -> None:
    created = client.post(f"{prefix}/items", json={"title": "Helmet", "description": "size M"})
    assert created.status_code == 201
    item = created.json()
    assert item["title"] == "Helmet"
    assert item["owner"] == "alice"

    assert client.get(f"{prefix}/items/{item['id']}").json() == item
    assert client.get(f"{prefix}/items").json() == {"data": [item], "count": 1}

    assert client.delete(f"{prefix}/items/{item['id']}").status_code == 204
    missing = client.get(f"{prefix}/items/{item['id']}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_invalid_item_is_422(client: TestClient, prefix: str) -> None:
    response = client.post(f"{prefix}/items", json={"title": ""})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "title"]


def test_list_is_paged(client: TestClient, prefix: str) -> None:
    for title in ("a", "b", "c"):
        client.post(f"{prefix}/items", json={"title": title})

    page = client.get(f"{prefix}/items", params={"offset": 1, "limit": 1}).json()

    assert [item["title"] for item in page["data"]] == ["b"]
    assert client.get(f"{prefix}/items", params={"limit": 0}).status_code == 422


def test_items_through_lambda_are_per_user(prefix: str, lambda_context: FakeLambdaContext) -> None:
    alice, bob = gateway_claims("alice"), gateway_claims("bob", "bob@example.com")
    event = http_event("POST", f"{prefix}/items", json_body={"title": "Helmet"}, claims=alice)
    created = handler.handler(event, lambda_context)
    assert created["statusCode"] == 201
    item_id = response_json(created)["id"]

    as_bob = handler.handler(
        http_event("GET", f"{prefix}/items/{item_id}", claims=bob), lambda_context
    )
    as_alice = handler.handler(
        http_event("GET", f"{prefix}/items/{item_id}", claims=alice), lambda_context
    )

    assert as_bob["statusCode"] == 404
    assert response_json(as_alice)["owner"] == "alice"


def test_lambda_without_claims_or_token_is_401(
    prefix: str, lambda_context: FakeLambdaContext
) -> None:
    response = handler.handler(http_event("GET", f"{prefix}/items"), lambda_context)

    assert response["statusCode"] == 401
    assert response["headers"]["www-authenticate"] == "Bearer"
