from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import handler
from app.repository import get_ride_repository
from tests.events import FakeLambdaContext, gateway_claims, http_event, response_json

TRIP = {"pickup": {"lat": 52.37, "lng": 4.89}, "dropoff": {"lat": 52.31, "lng": 4.76}}


@pytest.fixture(autouse=True)
def empty_repository() -> Iterator[None]:
    get_ride_repository.cache_clear()
    yield
    get_ride_repository.cache_clear()


def test_rides_need_a_token(anonymous_client: TestClient, prefix: str) -> None:
    assert anonymous_client.post(f"{prefix}/rides", json=TRIP).status_code == 401


def test_request_list_and_read_a_ride(client: TestClient, prefix: str) -> None:
    created = client.post(f"{prefix}/rides", json={**TRIP, "passengers": 2})
    assert created.status_code == 201
    ride = created.json()
    assert ride["rider"] == "alice"
    assert ride["status"] == "requested"
    assert ride["passengers"] == 2

    assert client.get(f"{prefix}/rides").json() == {"data": [ride], "count": 1}
    assert client.get(f"{prefix}/rides/{ride['id']}").json() == ride


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**TRIP, "passengers": 0}, ["body", "passengers"]),
        ({**TRIP, "pickup": {"lat": 91, "lng": 0}}, ["body", "pickup", "lat"]),
        ({**TRIP, "dropoff": TRIP["pickup"]}, ["body"]),
        ({"pickup": TRIP["pickup"]}, ["body", "dropoff"]),
    ],
)
def test_invalid_ride_is_422(client: TestClient, prefix: str, body: dict, loc: list) -> None:
    response = client.post(f"{prefix}/rides", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == loc


def test_unknown_ride_is_404(client: TestClient, prefix: str) -> None:
    response = client.get(f"{prefix}/rides/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_rides_through_lambda_are_per_rider(prefix: str, lambda_context: FakeLambdaContext) -> None:
    alice, bob = gateway_claims("alice"), gateway_claims("bob")
    created = handler.handler(
        http_event("POST", f"{prefix}/rides", json_body=TRIP, claims=alice), lambda_context
    )
    ride_id = response_json(created)["id"]

    as_bob = handler.handler(
        http_event("GET", f"{prefix}/rides/{ride_id}", claims=bob), lambda_context
    )
    bobs_rides = handler.handler(http_event("GET", f"{prefix}/rides", claims=bob), lambda_context)

    assert created["statusCode"] == 201
    assert as_bob["statusCode"] == 404
    assert response_json(bobs_rides) == {"data": [], "count": 0}
