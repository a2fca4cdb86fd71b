from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import handler
from app.repository import get_payment_repository
from tests.events import FakeLambdaContext, gateway_claims, http_event, response_json

PAYMENT = {"ride_id": "5f0c1a52-7d2e-4c1b-9d35-0a8f3f1c2b4e", "amount": "12.50", "currency": "EUR"}


@pytest.fixture(autouse=True)
def empty_repository() -> Iterator[None]:
    get_payment_repository.cache_clear()
    yield
    get_payment_repository.cache_clear()


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_payments_need_a_token(anonymous_client: TestClient, prefix: str) -> None:
    response = anonymous_client.post(f"{prefix}/payments", json=PAYMENT, headers=key("k1"))

    assert response.status_code == 401


def test_pay_then_list(client: TestClient, prefix: str) -> None:
    response = client.post(f"{prefix}/payments", json=PAYMENT, headers=key("k1"))

    assert response.status_code == 201
    payment = response.json()
    assert payment["amount"] == "12.50"
    assert payment["payer"] == "alice"
    assert payment["status"] == "succeeded"
    assert "idempotent-replayed" not in response.headers
    assert client.get(f"{prefix}/payments").json() == {"data": [payment], "count": 1}


def test_retry_with_same_key_is_not_charged_twice(client: TestClient, prefix: str) -> None:
    first = client.post(f"{prefix}/payments", json=PAYMENT, headers=key("k1"))
    retry = client.post(f"{prefix}/payments", json=PAYMENT, headers=key("k1"))

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert client.get(f"{prefix}/payments").json()["count"] == 1


def test_same_key_for_another_payment_is_422(client: TestClient, prefix: str) -> None:
    client.post(f"{prefix}/payments", json=PAYMENT, headers=key("k1"))

    response = client.post(
        f"{prefix}/payments", json={**PAYMENT, "amount": "99.00"}, headers=key("k1")
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "headers", "loc"),
    [
        (PAYMENT, {}, ["header", "Idempotency-Key"]),
        ({**PAYMENT, "amount": "0"}, key("k"), ["body", "amount"]),
        ({**PAYMENT, "amount": "1.005"}, key("k"), ["body", "amount"]),
        ({**PAYMENT, "currency": "eur"}, key("k"), ["body", "currency"]),
        ({**PAYMENT, "ride_id": "ride-1"}, key("k"), ["body", "ride_id"]),
    ],
)
def test_invalid_payment_is_422(
    client: TestClient, prefix: str, body: dict, headers: dict, loc: list
) -> None:
    response = client.post(f"{prefix}/payments", json=body, headers=headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == loc


def test_keys_are_per_payer(prefix: str, lambda_context: FakeLambdaContext) -> None:
    def pay(username: str) -> dict:
        event = http_event(
            "POST",
            f"{prefix}/payments",
            headers=key("shared-key"),
            json_body=PAYMENT,
            claims=gateway_claims(username),
        )
        return handler.handler(event, lambda_context)

    alice, bob = pay("alice"), pay("bob")

    assert alice["statusCode"] == bob["statusCode"] == 201
    assert "idempotent-replayed" not in bob["headers"]
    assert response_json(alice)["id"] != response_json(bob)["id"]
