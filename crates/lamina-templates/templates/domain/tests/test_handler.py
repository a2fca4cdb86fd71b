"""The Lambda entry point end to end: event → Powertools → Mangum → FastAPI → proxy response."""

import json

import pytest

import handler
from tests.events import FakeLambdaContext, http_event, response_json


def test_health_through_lambda(
    prefix: str, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    response = handler.handler(http_event("GET", f"{prefix}/health"), lambda_context)

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert response_json(response)["status"] == "ok"
    # Metrics are flushed as CloudWatch EMF on stdout, with the cold start metric.
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any("ColdStart" in metric for metric in emf)


def test_unknown_route_through_lambda(prefix: str, lambda_context: FakeLambdaContext) -> None:
    response = handler.handler(http_event("GET", f"{prefix}/nowhere"), lambda_context)

    assert response["statusCode"] == 404
    assert response["headers"]["content-type"] == "application/problem+json"
    assert response_json(response)["status"] == 404
