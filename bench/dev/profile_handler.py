"""Where a warm invocation of a generated domain's handler spends its CPU (in-process, no transport).

Usage (from the generated project root, with the dev venv's python):
  .lamina/dev/venv/bin/python /work/main/bench/dev/profile_handler.py backend/user /user/health [N]
"""

import cProfile
import json
import os
import pstats
import sys
import time

domain_dir, path = os.path.abspath(sys.argv[1]), sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
name = os.path.basename(domain_dir)
os.environ.update(
    {
        "AWS_LAMBDA_FUNCTION_NAME": f"rides-dev-{name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": name,
        "POWERTOOLS_METRICS_NAMESPACE": "rides",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "DEBUG"),
        "POWERTOOLS_TRACE_DISABLED": "1",
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
import handler  # noqa: E402

devnull = open(os.devnull, "w")
real_stdout = sys.stdout
for _ in range(200):
    sys.stdout = devnull
    handler.handler(event, Ctx())
sys.stdout = real_stdout


def loop(fn):
    sys.stdout = devnull
    t = time.process_time()
    for _ in range(n):
        fn(event, Ctx())
    sys.stdout = real_stdout
    return (time.process_time() - t) * 1e6 / n


print(f"handler.handler (Powertools decorators + Mangum): {loop(handler.handler):.0f} µs CPU/call")
print(f"handler.asgi_handler (Mangum only):               {loop(handler.asgi_handler):.0f} µs CPU/call")
print(f"json.loads+dumps of the event:                    {loop(lambda e, c: json.loads(json.dumps(e))):.1f} µs CPU/call")
prof = cProfile.Profile()
sys.stdout = devnull
prof.enable()
for _ in range(n):
    handler.handler(event, Ctx())
prof.disable()
sys.stdout = real_stdout
pstats.Stats(prof).sort_stats("tottime").print_stats(18)
