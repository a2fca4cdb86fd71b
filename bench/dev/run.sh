#!/usr/bin/env bash
# Reproduces the load table of bench/dev/RESULTS.md in one run, side by side:
#   lamina dev (release build)  GET /user/health, GET /ride/rides with a JWT, a do-nothing domain
#   uvicorn, 1 and 2 workers    the same two routes, same FastAPI apps (bench/dev/asgi_entry.py)
#   serverless-offline          GET /user/health (serverless@3 + serverless-offline@13, python3.11)
# then edit-to-new-code through lamina dev (zygote on, then LAMINA_ZYGOTE=0) and uvicorn --reload.
#
# Needs: wrk (apt-get install -y wrk), `cargo build --release -p lamina`, and for serverless-offline
# `npm install serverless@3 serverless-offline@13` in $SLS (outside the repo). Loopback only; every
# load run is bounded (wrk -d, timeouts on every server).
#
#   bench/dev/run.sh                 # DUR=15 CONNS="16 64" WORK=/tmp/lbench SLS=/tmp/slsoff
#   PARTS=ratio CONNS="1 16" DUR=5 ROUNDS=7 bench/dev/run.sh   # issue 11's goal 3b: worker CPU per
#                                    # request against uvicorn ×1, alternating runs, median ratio
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/lbench}
SLS=${SLS:-/tmp/slsoff}
DUR=${DUR:-15}
CONNS=${CONNS:-"16 64"}
UV=$REPO/.tools/uv-pkg/bin/uv
LAMINA=$REPO/target/release/lamina
LOAD="python3 $REPO/bench/dev/load.py"
P=$WORK/rides
VENV=$P/.lamina/dev/venv
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_http() { for _ in $(seq 1 600); do curl -sf -m 2 "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
warm() { wrk -t "$(( $1 < 2 ? $1 : 2 ))" -c "$1" -d 3s ${3:+-H "$3"} "$2" >/dev/null; }
header() {
  echo
  echo "| setup | conns | req/s | p50 ms | p99 ms | CPU µs/req | load avg | notes |"
  echo "|---|---:|---:|---:|---:|---|---:|---|"
}

# --- the project: the generated example plus a `noop` domain whose handler returns a constant ---
if [ ! -f "$P/lamina.toml" ]; then
  mkdir -p "$WORK" && (cd "$WORK" && "$LAMINA" new rides --python 3.11 >/dev/null)
fi
if [ ! -f "$P/backend/noop/handler.py" ]; then
  mkdir -p "$P/backend/noop"
  printf '%s\n' '"""Does nothing: measures the gateway and the runtime, not an app."""' '' \
    'RESPONSE = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{\"ok\":true}"}' '' '' \
    'def handler(event, context):' '    return RESPONSE' > "$P/backend/noop/handler.py"
  printf '\n[domains.noop]\npath = "backend/noop"\nprefix = "/noop"\npublic = ["GET /noop/ping"]\n' >> "$P/lamina.toml"
fi

start_dev() { # $1: extra env assignment (e.g. LAMINA_ZYGOTE=0)
  (cd "$P" && env LAMINA_UV="$UV" ${1:-} timeout 3600 "$LAMINA" dev --no-frontend --port 3100 --auth-port 3101 >"$WORK/dev.log" 2>&1) &
  DEV_SH=$!
  PIDS+=("$DEV_SH")
  wait_http http://127.0.0.1:3100/user/health
  LPID=$(pgrep -f -n "^$LAMINA dev --no-frontend --port 3100")
  PIDS+=("$LPID")
}
stop_dev() { kill "$LPID" 2>/dev/null || true; wait "$DEV_SH" 2>/dev/null || true; }

echo "# lamina dev benchmark, $(date -u +%FT%TZ), $(nproc) cores, DUR=${DUR}s"
echo "# lamina $("$LAMINA" --version), $(wrk --version 2>&1 | head -1)"
start_dev
TOKEN=$(cd "$P" && "$LAMINA" token --user alice --port 3101)
AUTH="Authorization: Bearer $TOKEN"
curl -sf -H "$AUTH" http://127.0.0.1:3100/ride/rides >/dev/null
curl -sf http://127.0.0.1:3100/noop/ping >/dev/null
# uvicorn goes into the dev venv (ensure_env only re-syncs it when the requirements change).
"$VENV/bin/python" -c "import uvicorn" 2>/dev/null || "$UV" pip install -q --python "$VENV/bin/python" uvicorn

# The domains' environment, as lamina gives it to their workers (for uvicorn and serverless-offline).
domain_env() { # $1: route prefix -> KEY=VALUE lines (LAMINA_*, POWERTOOLS_*)
  python3 - "$LPID" "$1" <<'PY'
import os, sys
root, prefix = int(sys.argv[1]), sys.argv[2]
kids = {}
for n in os.listdir("/proc"):
    if n.isdigit():
        try:
            ppid = int(open(f"/proc/{n}/stat").read().rsplit(") ", 1)[1].split()[1])
        except OSError:
            continue
        kids.setdefault(ppid, []).append(int(n))
todo, tree = [root], []
while todo:
    p = todo.pop(); tree.append(p); todo += kids.get(p, [])
internal = {"LAMINA_SYS_PATH", "LAMINA_SITE_PACKAGES", "LAMINA_MODULES_FILE", "LAMINA_PARENT_PID"}
for p in tree[1:]:
    try:
        env = dict(l.split("=", 1) for l in open(f"/proc/{p}/environ").read().split("\0") if "=" in l)
    except OSError:
        continue
    if env.get("LAMINA_ROUTE_PREFIX") == prefix:
        for k, v in sorted(env.items()):
            if (k.startswith("LAMINA_") and k not in internal) or k.startswith("POWERTOOLS_"):
                print(f"{k}={v}")
        break
PY
}
USER_ENV=$(domain_env /user)
RIDE_ENV=$(domain_env /ride)

PARTS=${PARTS:-"lamina uvicorn sls edit"}   # and "ratio" (see below)
has() { case " $PARTS " in *" $1 "*) return 0;; *) return 1;; esac; }
header
for c in $CONNS; do
  has lamina || break
  warm "$c" http://127.0.0.1:3100/user/health
  $LOAD "lamina dev: GET /user/health" http://127.0.0.1:3100/user/health "$c" "$DUR" "$LPID" --split
  warm "$c" http://127.0.0.1:3100/ride/rides "$AUTH"
  $LOAD "lamina dev: GET /ride/rides (JWT)" http://127.0.0.1:3100/ride/rides "$c" "$DUR" "$LPID" --split --header "$AUTH"
  warm "$c" http://127.0.0.1:3100/noop/ping
  $LOAD "lamina dev: do-nothing worker" http://127.0.0.1:3100/noop/ping "$c" "$DUR" "$LPID" --split
done

uvicorn_run() { # $1 workers, $2 domain, $3 env lines. uvicorn_n.py = `uvicorn --workers N` with
  # TCP_NODELAY (see its docstring: --workers' own socket costs ~44 ms per response).
  (cd "$P/backend/$2" && env $3 LAMINA_BENCH_PROJECT="$P" timeout 600 "$VENV/bin/python" \
     "$REPO/bench/dev/uvicorn_n.py" "$1" 3200) &
  UV_SH=$!
  PIDS+=("$UV_SH")
  wait_http "http://127.0.0.1:3200/$2/health"
  # The oldest match is the `timeout` wrapper: its tree holds the launcher and every server.
  UPID=$(pgrep -o -f "$REPO/bench/dev/uvicorn_n.py $1 3200")
}
for w in 1 2; do
  has uvicorn || break
  uvicorn_run "$w" user "$USER_ENV"
  for c in $CONNS; do
    warm "$c" http://127.0.0.1:3200/user/health
    $LOAD "uvicorn ×$w: GET /user/health" http://127.0.0.1:3200/user/health "$c" "$DUR" "$UPID"
  done
  kill "$UPID"; wait "$UV_SH" 2>/dev/null || true
  uvicorn_run "$w" ride "$RIDE_ENV"
  curl -sf -H "$AUTH" http://127.0.0.1:3200/ride/rides >/dev/null
  for c in $CONNS; do
    warm "$c" http://127.0.0.1:3200/ride/rides "$AUTH"
    $LOAD "uvicorn ×$w: GET /ride/rides (JWT)" http://127.0.0.1:3200/ride/rides "$c" "$DUR" "$UPID" --header "$AUTH"
  done
  kill "$UPID"; wait "$UV_SH" 2>/dev/null || true
done

# --- ratio: lamina dev's workers against uvicorn ×1 on GET /user/health, alternating ---
# Both servers stay up; ROUNDS runs of each alternate, so drift in the machine's speed (which moves
# single runs by ±20 % here) hits both alike; prints every run and the median ratio.
if has ratio; then
  uvicorn_run 1 user "$USER_ENV"
  for c in $CONNS; do
    warm "$c" http://127.0.0.1:3100/user/health
    warm "$c" http://127.0.0.1:3200/user/health
    rows=$WORK/ratio-$c.md
    : > "$rows"
    for _ in $(seq 1 "${ROUNDS:-7}"); do
      $LOAD "lamina dev: GET /user/health" http://127.0.0.1:3100/user/health "$c" "$DUR" "$LPID" --split | tee -a "$rows"
      $LOAD "uvicorn ×1: GET /user/health" http://127.0.0.1:3200/user/health "$c" "$DUR" "$UPID" | tee -a "$rows"
    done
    python3 - "$rows" "$c" <<'PY'
import re, statistics, sys
lamina, uvicorn = [], []
for row in open(sys.argv[1]):
    cells = [x.strip() for x in row.strip().strip("|").split("|")]
    m = re.search(r"workers (\d+)", cells[5])
    (lamina if m else uvicorn).append(int(m.group(1)) if m else int(cells[5]))
l, u = statistics.median(lamina), statistics.median(uvicorn)
print(f"\n{sys.argv[2]} connections, {len(lamina)} rounds: lamina dev workers {l:.0f} µs/request, "
      f"uvicorn ×1 {u:.0f} µs/request (medians): **{l / u:.2f}×**\n")
PY
  done
  kill "$UPID"; wait "$UV_SH" 2>/dev/null || true
fi

# --- serverless-offline: the user domain's handler.py, python3.11 from the dev venv ---
if ! has sls; then
  :
elif [ -x "$SLS/node_modules/.bin/serverless" ]; then
  S=$SLS/svc-user
  mkdir -p "$S"
  ln -sfn "$P/backend/user/handler.py" "$S/handler.py"
  ln -sfn "$P/backend/user/app" "$S/app"
  ln -sfn "$P/backend/shared/shared" "$S/shared"
  ln -sfn ../node_modules "$S/node_modules"
  {
    printf 'service: rides-bench\nframeworkVersion: "3"\nplugins:\n  - serverless-offline\n'
    printf 'provider:\n  name: aws\n  runtime: python3.11\n  region: us-east-1\n  stage: dev\n  environment:\n'
    echo "$USER_ENV" | while IFS='=' read -r k v; do [ -n "$k" ] && printf '    %s: "%s"\n' "$k" "$v"; done
    printf 'functions:\n  user:\n    handler: handler.handler\n    events:\n      - httpApi:\n          path: /user/health\n          method: GET\n'
  } > "$S/serverless.yml"
  (cd "$S" && SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off VIRTUAL_ENV="$VENV" timeout 900 \
     node_modules/.bin/serverless offline start --httpPort 3300 --lambdaPort 3302 >"$WORK/sls.log" 2>&1) &
  SLS_SH=$!
  PIDS+=("$SLS_SH")
  wait_http http://127.0.0.1:3300/user/health
  SPID=$(pgrep -n -f "serverless offline start --httpPort 3300")
  for c in $CONNS; do
    # serverless-offline starts a Python process per concurrent request: let it start them all first.
    wrk -t 2 -c "$c" -d 15s --timeout 10s http://127.0.0.1:3300/user/health >/dev/null
    $LOAD "serverless-offline: GET /user/health" http://127.0.0.1:3300/user/health "$c" "$DUR" "$SPID"
  done
  kill "$SPID" 2>/dev/null || true; pkill -P "$SPID" 2>/dev/null || true; wait "$SLS_SH" 2>/dev/null || true
else
  echo "(serverless-offline not installed in $SLS: skipped)"
fi

# --- edit-to-new-code: save health.py -> first response with the new code ---
has edit || exit 0
echo
EDIT="$VENV/bin/python $REPO/bench/dev/edit_latency.py $P/backend/user/app/api/routes/health.py"
sleep 2
echo "lamina dev (zygote): $($EDIT http://127.0.0.1:3100/user/health 7)"
stop_dev
start_dev LAMINA_ZYGOTE=0
echo "lamina dev (LAMINA_ZYGOTE=0): $($EDIT http://127.0.0.1:3100/user/health 7)"
stop_dev
(cd "$P/backend/user" && env $USER_ENV LAMINA_BENCH_PROJECT="$P" timeout 300 "$VENV/bin/python" -m uvicorn \
   --app-dir "$REPO/bench/dev" asgi_entry:app --host 127.0.0.1 --port 3200 --reload \
   --reload-dir "$P/backend/user" --log-level warning --no-access-log) &
UV_SH=$!
PIDS+=("$UV_SH")
wait_http http://127.0.0.1:3200/user/health
echo "uvicorn --reload: $($EDIT http://127.0.0.1:3200/user/health 7)"
kill "$(pgrep -n -f "uvicorn --app-dir $REPO/bench/dev")" 2>/dev/null || true
