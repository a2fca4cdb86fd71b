"""The template's per-invocation overhead, in-process (no transport): CPU per call of the domain's
`handler.handler` against a bare FastAPI app behind Mangum serving the same route, side by side.

Usage (from the generated project root, with a Python that has the deps layer installed, such as
the domain's dev venv):
  python bench/dev/profile_handler.py backend/user /user/health [N] [--cprofile]

Each of ROUNDS rounds times N calls of every handler in turn (CPU time, `time.process_time`), so
load from other processes hits all of them alike; the medians over rounds are printed, and the
overhead is `handler.handler` minus the bare app. The bare app is `FastAPI()` with one `async def`
route at the same path returning the same pydantic model as the template's health route, behind
`Mangum(app, lifespan="off")`: what any FastAPI-on-Lambda app pays. `--cprofile` adds a profile of
the template handler. The environment is a deployed stage's (log level INFO, tracing disabled as
in `lamina dev`; set POWERTOOLS_LOG_LEVEL or POWERTOOLS_TRACE_DISABLED to change it).
"""

import cProfile
import io
import os
import pstats
import statistics
import sys
import time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
domain_dir, path = os.path.abspath(args[0]), args[1]
n = int(args[2]) if len(args) > 2 else 2000
ROUNDS = int(os.environ.get("ROUNDS", "7"))
name = os.path.basename(domain_dir)
os.environ.update(
    {
        "AWS_LAMBDA_FUNCTION_NAME": f"rides-dev-{name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": name,
        "POWERTOOLS_METRICS_NAMESPACE": "rides",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
        "POWERTOOLS_TRACE_DISABLED": os.environ.get("POWERTOOLS_TRACE_DISABLED", "1"),
        "LAMINA_PROJECT": "rides",
        "LAMINA_STAGE": "dev",
        "LAMINA_ROUTE_PREFIX": f"/{name}",
    }
)
sys.path[:0] = [domain_dir, os.path.join(os.path.dirname(domain_dir), "shared")]
os.chdir(domain_dir)


class Ctx:
    function_name = f"rides-dev-{name}"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:rides-dev-{name}"
    memory_limit_in_mb = "512"
    aws_request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
    log_group_name = f"/aws/lambda/rides-dev-{name}"
    log_stream_name = "2026/11/27/[$LATEST]0"

    def get_remaining_time_in_millis(self):
        return 10000


event = {
    "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
    "headers": {"host": "127.0.0.1:3000", "x-forwarded-proto": "http", "x-forwarded-port": "3000"},
    "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": "127.0.0.1:3000",
                       "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "x"},
                       "requestId": "abc=", "routeKey": "$default", "stage": "$default", "timeEpoch": 1795000000000},
    "isBase64Encoded": False,
}

# Anything the handlers print (EMF metrics, log lines) goes to /dev/null while they are timed.
devnull = open(os.devnull, "w")
real_stdout = sys.stdout
sys.stdout = devnull
import handler  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from mangum import Mangum  # noqa: E402
from pydantic import BaseModel  # noqa: E402


class Health(BaseModel):
    status: str
    service: str
    stage: str


bare_app = FastAPI()


@bare_app.get(path)
async def read_health() -> Health:
    return Health(status="ok", service=name, stage="dev")


bare = Mangum(bare_app, lifespan="off")
handlers = {
    "handler.handler (template)": handler.handler,
    "handler.asgi_handler (Mangum + template app)": handler.asgi_handler,
    "bare FastAPI + Mangum": bare,
}
ctx = Ctx()
for fn in handlers.values():
    assert fn(event, ctx)["statusCode"] == 200
    for _ in range(200):
        fn(event, ctx)
times = {label: [] for label in handlers}
for _ in range(ROUNDS):
    for label, fn in handlers.items():
        t = time.process_time()
        for _ in range(n):
            fn(event, ctx)
        times[label].append((time.process_time() - t) * 1e6 / n)
sys.stdout = real_stdout

median = {label: statistics.median(v) for label, v in times.items()}
for label, m in median.items():
    print(f"{label:46} {m:7.1f} µs CPU/call (rounds: {' '.join(f'{x:.0f}' for x in times[label])})")
overhead = median["handler.handler (template)"] - median["bare FastAPI + Mangum"]
wrapper = median["handler.handler (template)"] - median["handler.asgi_handler (Mangum + template app)"]
print(f"template overhead over the bare app: {overhead:.1f} µs/call (of which the handler wrapper: {wrapper:.1f})")
print(f"load average {os.getloadavg()[0]:.2f}; {ROUNDS} rounds of {n} calls; POWERTOOLS_LOG_LEVEL={os.environ['POWERTOOLS_LOG_LEVEL']}")

if "--cprofile" in sys.argv:
    prof = cProfile.Profile()
    sys.stdout = devnull
    prof.enable()
    for _ in range(n):
        handler.handler(event, ctx)
    prof.disable()
    sys.stdout = real_stdout
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(20)
    print(out.getvalue())
