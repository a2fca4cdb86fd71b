"""Structured logs, correlation ids, the cold-start metric and traces for a domain's `handler.py`.

`observe(handler)` gives a Lambda handler what Powertools' three decorators give
(`logger.inject_lambda_context`, `metrics.log_metrics(capture_cold_start_metric=True)` and
`tracer.capture_lambda_handler`), for a few microseconds per invocation instead of a few hundred:
what never changes in a running function is done once, on its first invocation.

- Every log line of `logger` (and of the `app`, `shared` and `mangum` loggers) is Powertools JSON
  with the function's name, memory and ARN, `cold_start`, `function_request_id`, and API Gateway's
  request id as `correlation_id`.
- The `ColdStart` metric is written once, after the first invocation (not under provisioned
  concurrency, where no request waits for the init). The app's own metrics (`metrics.add_metric`)
  are flushed after each invocation that added some; an invocation that added none writes none.
- The X-Ray SDK is imported, and the Powertools `tracer` created, only when tracing is on: in
  Lambda, unless `POWERTOOLS_TRACE_DISABLED` is set (`lamina dev` and the tests set it). Then each
  invocation is a `## handler` subsegment annotated with `ColdStart` and `Service`, and each
  library X-Ray traces (boto3/botocore, requests, httpx, SQLAlchemy, database drivers) is patched
  when the app imports it, not imported at cold start to be patched; `http.client`, which every
  function imports, when the function first sends a request with it. App code
  may use `tracer` freely: it is created on first use.

Mangum's line per request (`GET /user/health 200`) is left out: API Gateway's access log already
has one per request, and CloudWatch bills every line. Mangum's errors are still logged. For a line
per request from the function itself, `logging.getLogger("mangum.http").setLevel("INFO")`.

Service name, metrics namespace and log level come from `POWERTOOLS_SERVICE_NAME`,
`POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_LOG_LEVEL`, which `lamina` sets per function.
"""

import logging
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

Handler = Callable[[Any, Any], Any]

# Standard-library loggers whose records should come out as Powertools JSON, with the
# correlation id: our packages, and Mangum, which logs unhandled application errors.
STRUCTURED_LOGGERS = frozenset({"app", "shared", "mangum"})
_TRUE = frozenset({"1", "y", "yes", "t", "true", "on"})


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def tracing_enabled() -> bool:
    """Powertools' rule: traces in Lambda, unless `POWERTOOLS_TRACE_DISABLED` (or SAM local)."""
    return (
        "AWS_LAMBDA_FUNCTION_NAME" in os.environ
        and not _env_flag("POWERTOOLS_TRACE_DISABLED")
        and not _env_flag("AWS_SAM_LOCAL")
    )


# The libraries X-Ray can trace, by the module whose import makes each traceable, with X-Ray's
# name for it. Powertools' `auto_patch` imports every one that is installed at cold start, used or
# not (botocore's client alone takes ~80 ms); each is patched here when the app imports it instead.
XRAY_PATCHES = {
    # Powertools itself imports the (light) `botocore` package; clients come from botocore.client.
    "botocore.client": "botocore",
    "aiobotocore": "aiobotocore",
    "pynamodb": "pynamodb",
    "requests": "requests",
    "httpx": "httpx",
    "http.client": "httplib",
    "sqlite3": "sqlite3",
    "mysql.connector": "mysql",
    "pymysql": "pymysql",
    "psycopg2": "psycopg2",
    "psycopg": "psycopg",
    "pg8000": "pg8000",
    "sqlalchemy": "sqlalchemy_core",
    "pymongo": "pymongo",
}


def _patch_on_import() -> None:
    """Patch each library of `XRAY_PATCHES` now if it is loaded, else right after its import."""
    import sys

    import wrapt
    from aws_xray_sdk.core import patch

    def hook(name: str) -> Callable[[Any], None]:
        # Never fail the app's import because tracing could not patch a library.
        return lambda _module: patch([name], raise_errors=False)

    for module, name in XRAY_PATCHES.items():
        if name == "httplib":
            _patch_httplib_on_first_request()
        elif module in sys.modules:
            patch([name], raise_errors=False)
        else:
            wrapt.register_post_import_hook(hook(name), module)


def _patch_httplib_on_first_request() -> None:
    """Patch `http.client` when the function first sends a request with it, and trace that one.

    Starlette imports `http.client` in every function, so a post-import hook would patch it at cold
    start; X-Ray's patch imports urllib3 (~15 ms) to recognise its connections, for functions that
    may never call out over HTTP.
    """
    import http.client
    import threading

    from aws_xray_sdk.core import patch

    connection = http.client.HTTPConnection
    original = connection._send_request  # type: ignore[attr-defined]
    lock = threading.Lock()
    send: list[Any] = []  # what this hook forwards to, once it has patched

    def first_request(self: http.client.HTTPConnection, *args: Any, **kwargs: Any) -> Any:
        with lock:
            if not send:
                if connection._send_request is first_request:  # type: ignore[attr-defined]
                    connection._send_request = original  # type: ignore[attr-defined]
                    patch(["httplib"], raise_errors=False)
                    # X-Ray's wrapper of the original, for this request too.
                    send.append(connection._send_request)  # type: ignore[attr-defined]
                else:
                    # Another library wrapped this hook and calls it: X-Ray wraps that library's
                    # wrapper (later requests are traced), and this hook forwards to the original.
                    patch(["httplib"], raise_errors=False)
                    send.append(original)
        return send[0](self, *args, **kwargs)

    connection._send_request = first_request  # type: ignore[attr-defined]


class LazyTracer:
    """The Powertools `Tracer`, created (with the X-Ray SDK imported) on first use."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None

    def get(self) -> Tracer:
        if self._tracer is None:
            self._tracer = Tracer(auto_patch=False)
            if not self._tracer.disabled:
                _patch_on_import()
        return self._tracer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


logger = Logger()
metrics = Metrics()
tracer = LazyTracer()


def _named(name: str, handler: Handler) -> Handler:
    """`handler` as a function called `name` (the tracer names its subsegment `## <name>`)."""

    def call(event: Any, context: Any) -> Any:
        return handler(event, context)

    call.__name__ = call.__qualname__ = name
    return call


def observe(handler: Handler) -> Handler:
    """Wrap a Lambda handler with the logs, metrics and traces above. Call it after importing the
    app, so that the app's loggers exist and get the JSON formatter too."""
    copy_config_to_registered_loggers(source_logger=logger, include=set(STRUCTURED_LOGGERS))
    logging.getLogger("mangum.http").setLevel(logging.WARNING)
    if tracing_enabled():
        handler = tracer.get().capture_lambda_handler(_named("handler", handler))
    # A provisioned-concurrency init is not a cold start: no request waited for it.
    cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"
    log_event = _env_flag("POWERTOOLS_LOGGER_LOG_EVENT")
    append_keys = logger.append_keys
    first = True
    function_arn = None

    def observed(event: Any, context: Any) -> Any:
        nonlocal first, function_arn
        if first:
            append_keys(
                cold_start=cold_start,
                function_name=context.function_name,
                function_memory_size=context.memory_limit_in_mb,
            )
        # An alias or version in the invoked ARN may differ from one invocation to the next.
        if context.invoked_function_arn != function_arn:
            function_arn = context.invoked_function_arn
            append_keys(function_arn=function_arn)
        request = event.get("requestContext") if isinstance(event, dict) else None
        append_keys(
            function_request_id=context.aws_request_id,
            correlation_id=request.get("requestId") if isinstance(request, dict) else None,
        )
        if log_event:
            logger.info(event)
        if logger.sampling_rate and not first:
            logger.refresh_sample_rate_calculation()
        try:
            return handler(event, context)
        finally:
            if first:
                first = False
                append_keys(cold_start=False)
                if cold_start:
                    metrics.provider.add_cold_start_metric(context)
            if metrics.metric_set:
                metrics.flush_metrics()

    observed.__wrapped__ = handler  # type: ignore[attr-defined]
    return observed
