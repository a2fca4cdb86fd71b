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
route (`lamina build --profile` lists the slowest imports of each function). The garbage
collector is paused while this module imports: the imports build ~90,000 objects that live as long
as the function (modules, classes, pydantic schemas), and the collections they would trigger, each
walking that growing heap, cost ~15 % of the cold start. Then those objects are frozen (no later
collection walks them again) and the collector runs as usual for what requests allocate.
"""

import gc

gc.disable()

from mangum import Mangum  # noqa: E402

from app.main import app  # noqa: E402
from shared.observability import observe  # noqa: E402

asgi_handler = Mangum(app, lifespan="off")
handler = observe(asgi_handler)

gc.freeze()
gc.enable()
