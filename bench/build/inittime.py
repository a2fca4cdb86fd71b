"""Cold-start proxy: median import + first-event time of a handler over N fresh processes.

Usage: inittime.py N PREFIX PATH [PATH...]
Each run is a fresh `python -I -S -B` (no site-packages, no PYTHONPATH, no writing .pyc: Lambda's
/var/task is read-only) with PATHs first on sys.path: the function dir, then each layer's python/.
"""
import json, statistics, subprocess, sys

CODE = r'''
import json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
t0 = time.perf_counter()
import handler
t1 = time.perf_counter()
class C:
    function_name = "bench"; function_version = "$LATEST"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    def get_remaining_time_in_millis(self): return 10000
prefix = sys.argv[2]
event = {"version": "2.0", "routeKey": "GET " + prefix + "/health", "rawPath": prefix + "/health", "rawQueryString": "",
         "headers": {"host": "x.execute-api.us-east-1.amazonaws.com"},
         "requestContext": {"accountId": "123456789012", "apiId": "x", "domainName": "x.execute-api.us-east-1.amazonaws.com",
                            "domainPrefix": "x", "http": {"method": "GET", "path": prefix + "/health", "protocol": "HTTP/1.1",
                            "sourceIp": "127.0.0.1", "userAgent": "bench"}, "requestId": "r", "routeKey": "GET " + prefix + "/health",
                            "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0},
         "isBase64Encoded": False}
r = handler.handler(event, C())
t2 = time.perf_counter()
sys.stderr.write("BENCH " + json.dumps([(t1 - t0) * 1000, (t2 - t1) * 1000, r["statusCode"]]) + "\n")
'''

n, prefix, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
# Lambda's reserved variables matter: the X-Ray SDK, for one, takes its sampling decisions from the
# trace header when LAMBDA_TASK_ROOT is set, and otherwise builds a botocore client at import.
env = {"LAMBDA_TASK_ROOT": paths[0], "LAMBDA_RUNTIME_DIR": "/var/runtime",
       "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
       "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
       "LAMINA_PROJECT": "rides", "LAMINA_STAGE": "dev", "LAMINA_ROUTE_PREFIX": prefix,
       "POWERTOOLS_SERVICE_NAME": prefix.strip("/"), "POWERTOOLS_METRICS_NAMESPACE": "rides",
       "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
       "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "PATH": "/usr/bin:/bin"}
imports, invokes = [], []
for _ in range(n):
    p = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", CODE, json.dumps(paths), prefix],
                       env=env, capture_output=True, text=True, cwd=paths[0])
    line = [l for l in p.stderr.splitlines() if l.startswith("BENCH ")]
    if p.returncode or not line:
        sys.exit(p.stderr[-3000:])
    i, v, status = json.loads(line[-1][6:])
    assert status == 200, status
    imports.append(i); invokes.append(v)
print(f"{statistics.median(imports):.0f} {statistics.median(invokes):.0f}")
