"""Lambda entry point: the FastAPI app behind Mangum, with structured logs, correlation ids, the
cold-start metric and X-Ray traces (`shared.observability`, built on Powertools).

Mangum caveats:
- `lifespan="off"`: Mangum would run startup *and* shutdown on every invocation, so there are no
  startup events. Do one-time work (clients, connection pools) at import time, which Lambda runs
  once per cold start.
- FastAPI `BackgroundTasks` run before Mangum returns the response to API Gateway: they delay the
  response and count toward the function and the 30 s gateway timeouts. Send real background work
  to SQS or EventBridge instead.

Cold starts: import here only what most requests need; import what one route needs inside that
route (`lamina build --profile` lists the slowest imports of each function).
"""

from mangum import Mangum

from app.main import app
from shared.observability import observe

asgi_handler = Mangum(app, lifespan="off")
handler = observe(asgi_handler)
