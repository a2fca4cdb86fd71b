"""The Lambda entry point end to end: event → Powertools → Mangum → FastAPI → proxy response."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

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


# Runs handler.py as Lambda's init imports it, counting the garbage collections its code triggers
# (compiling it, which a deployed function never does: it ships bytecode, comes first).
COLLECTIONS_DURING_IMPORT = """
import gc, importlib.util, sys
spec = importlib.util.find_spec("handler")
code = spec.loader.get_code("handler")
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
module = sys.modules["handler"] = importlib.util.module_from_spec(spec)
exec(code, module.__dict__)
print(len(collections), gc.isenabled(), gc.get_freeze_count())
"""


def test_the_cold_start_imports_without_garbage_collection() -> None:
    # A fresh interpreter: the import that Lambda's init runs, with nothing imported before it.
    here = Path(__file__).resolve().parents[1]
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(here), str(here.parent / "shared")]))
    # The test's own interpreter and script: no untrusted input.
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", COLLECTIONS_DURING_IMPORT],
        env=environ,
        cwd=here,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()

    collections, enabled, frozen = int(out[-3]), out[-2], int(out[-1])
    assert collections == 0
    # The collector is back on for what invocations allocate; what the import built is frozen.
    assert enabled == "True"
    assert frozen > 10_000
