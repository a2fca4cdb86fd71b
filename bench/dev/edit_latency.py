"""Edit-to-new-code through a running `lamina dev` (or `uvicorn --reload`): rewrite the health route so
it answers a new marker, then poll GET <url> until the marker is served. Prints each round in ms.

    python edit_latency.py <project>/backend/user/app/api/routes/health.py http://127.0.0.1:3100/user/health [rounds]
"""

import http.client
import statistics
import sys
import time
import urllib.parse

path, url = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
u = urllib.parse.urlsplit(url)
original = open(path).read()
assert "service=settings.service" in original, "unexpected health.py"


def get(conn):
    conn.request("GET", u.path)
    r = conn.getresponse()
    return r.status, r.read()


times = []
try:
    for i in range(rounds):
        marker = f"edit-{time.time_ns()}"
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        get(conn)  # warm
        src = original.replace("service=settings.service", f'service="{marker}"')
        t0 = time.perf_counter()
        with open(path, "w") as f:
            f.write(src)
        while True:
            try:
                status, body = get(conn)
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                time.sleep(0.005)
                continue
            if marker.encode() in body:
                break
            if time.perf_counter() - t0 > 20:
                raise SystemExit(f"round {i}: the edit was not served within 20 s")
            time.sleep(0.005)
        times.append((time.perf_counter() - t0) * 1000)
        conn.close()
        time.sleep(1.5)
finally:
    with open(path, "w") as f:
        f.write(original)
print("edit-to-new-code ms:", " ".join(f"{t:.0f}" for t in times), f"| median {statistics.median(times):.0f}")
