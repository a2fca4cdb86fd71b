"""Lambda entry point: the FastAPI app behind Mangum, with Powertools logging, tracing and metrics.

Mangum caveats:
- `lifespan="off"`: Mangum would run startup *and* shutdown on every invocation, so there are no
  startup events. Do one-time work (clients, connection pools) at import time, which Lambda runs
  once per cold start.
- FastAPI `BackgroundTasks` run before Mangum returns the response to API Gateway: they delay the
  response and count toward the function and the 30 s gateway timeouts. Send real background work
  to SQS or EventBridge instead.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from app.main import app
from shared.observability import init_observability

observability = init_observability()
logger, tracer, metrics = observability.logger, observability.tracer, observability.metrics
asgi_handler = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return asgi_handler(event, context)
