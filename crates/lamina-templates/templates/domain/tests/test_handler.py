"""The Lambda entry point end to end: event → Powertools → Mangum → FastAPI → proxy response."""

import importlib
import json

import pytest

import handler
from tests.events import FakeLambdaContext, http_event, response_json


def test_health_through_lambda(prefix: str, lambda_context: FakeLambdaContext) -> None:
    response = handler.handler(http_event("GET", f"{prefix}/health"), lambda_context)

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert response_json(response)["status"] == "ok"


def emf_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if '"_aws"' in line]


def test_the_cold_start_metric_comes_once(
    prefix: str, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fresh import is a fresh cold start, whichever test invoked the handler before.
    fresh = importlib.reload(handler)
    capsys.readouterr()

    event = http_event("GET", f"{prefix}/health")

    assert fresh.handler(event, lambda_context)["statusCode"] == 200
    # Metrics are flushed as CloudWatch EMF on stdout.
    first = [json.loads(line) for line in emf_lines(capsys.readouterr().out)]
    names = [m["Name"] for line in first for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == ["ColdStart"]

    assert fresh.handler(event, lambda_context)["statusCode"] == 200
    # A warm invocation that adds no metric of its own writes none.
    assert emf_lines(capsys.readouterr().out) == []


def test_unknown_route_through_lambda(prefix: str, lambda_context: FakeLambdaContext) -> None:
    response = handler.handler(http_event("GET", f"{prefix}/nowhere"), lambda_context)

    assert response["statusCode"] == 404
    assert response["headers"]["content-type"] == "application/problem+json"
    assert response_json(response)["status"] == 404
