"""`observe(handler)` in a fresh interpreter, reading its stdout as CloudWatch would: JSON log
lines with the Lambda context and correlation id, the ColdStart metric once, the app's metrics
only when there are some, and no X-Ray SDK unless tracing is on."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1]

SCRIPT = """
import http.client  # as Starlette does in every function, before observe()
import json
import socket
import sys
from types import SimpleNamespace

from shared.observability import logger, metrics, observe


def app(event, context):
    logger.info("handled")
    if event.get("add_metric"):
        metrics.add_metric(name="Rides", unit="Count", value=1)
    return {"statusCode": 200}


handler = observe(app)
context = SimpleNamespace(
    function_name="rides-dev-ride",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:rides-dev-ride:live",
    aws_request_id="req-1",
)
for n, add_metric in enumerate([False, False, True, False], start=1):
    context.aws_request_id = f"req-{n}"
    event = {"requestContext": {"requestId": f"api-{n}"}, "add_metric": add_metric}
    assert handler(event, context) == {"statusCode": 200}
    print(f"--- end {n}", flush=True)
xray = sorted(m for m in sys.modules if m.startswith("aws_xray_sdk"))
botocore_at_cold_start = "botocore.client" in sys.modules
urllib3_at_cold_start = "urllib3" in sys.modules
import sqlite3  # noqa: E402,F401  (a library X-Ray traces, imported by the app after the start)


def patched_now():
    return sorted(sys.modules["aws_xray_sdk.core.patcher"]._PATCHED_MODULES) if xray else []


before_a_request = patched_now()
# Another instrumentation wraps what observe() hooked: the first request must go through both.
hooked_send = http.client.HTTPConnection._send_request
other_wrapper_calls = []


def other_wrapper(self, *args, **kwargs):
    other_wrapper_calls.append(1)
    return hooked_send(self, *args, **kwargs)


http.client.HTTPConnection._send_request = other_wrapper
with socket.socket() as s:  # a loopback port that nobody listens on
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
try:
    http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/")
except OSError:
    pass
print("state", json.dumps({
    "xray": xray,
    "botocore": botocore_at_cold_start,
    "urllib3": urllib3_at_cold_start,
    "before_a_request": before_a_request,
    "patched": patched_now(),
    "other_wrapper_calls": len(other_wrapper_calls),
}))
"""


def run(**env: str) -> tuple[list[list[dict[str, Any]]], dict[str, Any]]:
    """Four invocations (the third adds an app metric); per invocation, the JSON lines printed."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POWERTOOLS_", "AWS_LAMBDA_", "_X_AMZN"))
    }
    environ.update(
        {
            "PYTHONPATH": str(SHARED),
            "POWERTOOLS_SERVICE_NAME": "ride",
            "POWERTOOLS_METRICS_NAMESPACE": "rides",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "AWS_LAMBDA_FUNCTION_NAME": "rides-dev-ride",
            "POWERTOOLS_TRACE_DISABLED": "1",
            **env,
        }
    )
    # The test's own interpreter and script: no untrusted input.
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        env=environ,
        cwd=SHARED,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    invocations: list[list[dict[str, Any]]] = [[]]
    state: dict[str, Any] = {}
    for line in out.splitlines():
        if line.startswith("--- end"):
            invocations.append([])
        elif line.startswith("state "):
            state = json.loads(line.removeprefix("state "))
        else:
            invocations[-1].append(json.loads(line))
    return invocations[:4], state


def logs(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if "_aws" not in line]


def metric_names(lines: list[dict[str, Any]]) -> list[str]:
    return [
        metric["Name"]
        for line in lines
        if "_aws" in line
        for group in line["_aws"]["CloudWatchMetrics"]
        for metric in group["Metrics"]
    ]


def test_log_lines_carry_the_lambda_context_and_the_correlation_id() -> None:
    invocations, _ = run()

    for n, lines in enumerate(invocations, start=1):
        (log,) = logs(lines)
        assert log["message"] == "handled"
        assert log["level"] == "INFO"
        assert log["service"] == "ride"
        assert log["correlation_id"] == f"api-{n}"
        assert log["function_request_id"] == f"req-{n}"
        assert log["function_name"] == "rides-dev-ride"
        assert log["function_memory_size"] == 512
        assert log["function_arn"].endswith(":live")
        assert log["cold_start"] is (n == 1)


def test_the_cold_start_metric_once_and_app_metrics_only_when_added() -> None:
    invocations, _ = run()

    assert [metric_names(lines) for lines in invocations] == [["ColdStart"], [], ["Rides"], []]
    (cold,) = [line for line in invocations[0] if "_aws" in line]
    assert cold["function_name"] == "rides-dev-ride"
    assert cold["service"] == "ride"


def test_a_provisioned_concurrency_init_is_not_a_cold_start() -> None:
    invocations, _ = run(AWS_LAMBDA_INITIALIZATION_TYPE="provisioned-concurrency")

    assert [metric_names(lines) for lines in invocations] == [[], [], ["Rides"], []]
    assert logs(invocations[0])[0]["cold_start"] is False


@pytest.mark.parametrize("disabled", ["1", "true"])
def test_the_xray_sdk_is_not_imported_when_tracing_is_off(disabled: str) -> None:
    _, state = run(POWERTOOLS_TRACE_DISABLED=disabled)

    assert state["xray"] == []


def test_with_tracing_on_libraries_are_patched_when_the_app_imports_them() -> None:
    # As in Lambda (LAMBDA_TASK_ROOT), where the SDK takes sampling decisions from the trace header.
    invocations, state = run(
        POWERTOOLS_TRACE_DISABLED="0",
        LAMBDA_TASK_ROOT=str(SHARED),
        _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
    )

    assert "aws_xray_sdk" in state["xray"]
    assert [len(logs(lines)) for lines in invocations] == [1, 1, 1, 1]
    # Not imported at cold start just to be patched (Powertools' auto_patch would)...
    assert state["botocore"] is False
    # ...and patched once the app imports it.
    assert "sqlite3" in state["before_a_request"]
    # http.client is imported by Starlette in every function: X-Ray's patch of it (which imports
    # urllib3) waits for the first request the function sends, and traces that one.
    assert state["urllib3"] is False
    assert "httplib" not in state["before_a_request"]
    assert "httplib" in state["patched"]
    # A wrapper installed over the hook by another library still runs, without looping back.
    assert state["other_wrapper_calls"] == 1
