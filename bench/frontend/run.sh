#!/usr/bin/env bash
# The frontend's numbers, on the generated example (`lamina new rides`):
#   1. `lamina openapi`: first run (dev venv and generator installed), then warm runs (median);
#   2. a route edited while `lamina dev` runs → the new path in frontend/src/api/schema.d.ts;
#   3. the first page's JavaScript, gzipped (bench/frontend/js_size.mjs);
#   4. the browser test's driver (crates/lamina/tests/e2e/rides.mjs) against a running `lamina dev`.
# Needs `cargo build --release -p lamina`, uv (scripts/env.sh), node + npm, and Debian's chromium.
# Loopback only; ports 3200-3202 (lamina dev) must be free.
#
#   bench/frontend/run.sh            # WORK=/tmp/fbench RUNS=5
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
source "$REPO/scripts/env.sh"
WORK=${WORK:-/tmp/fbench}
RUNS=${RUNS:-5}
LAMINA=$REPO/target/release/lamina
P=$WORK/rides
API=3200 AUTH=3201 WEB=3202
DEV_PID=
cleanup() { [ -n "$DEV_PID" ] && kill -TERM "$DEV_PID" 2>/dev/null || true; }
trap cleanup EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rm -rf "$WORK" && mkdir -p "$WORK"
(cd "$WORK" && "$LAMINA" new rides --python 3.11 >/dev/null)
sed -i "s/:5173/:$WEB/g" "$P/lamina.toml"
echo "# frontend benchmark, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$LAMINA" --version), node $(node --version), $(chromium --version 2>/dev/null)"

echo "## lamina openapi"
t=$(now); (cd "$P" && "$LAMINA" -q openapi); echo "first run (venv + generator install): $(since "$t") s"
for _ in $(seq "$RUNS"); do t=$(now); (cd "$P" && "$LAMINA" -q openapi); since "$t"; done | median | sed 's/^/warm run, median: /; s/$/ s/'

echo "## route edit → typed client (lamina dev)"
npm --prefix "$P/frontend" ci --no-audit --no-fund --loglevel=error
(cd "$P" && exec "$LAMINA" dev --port $API --auth-port $AUTH --frontend-port $WEB >"$WORK/dev.log" 2>&1) &
DEV_PID=$!
for _ in $(seq 600); do curl -sf -m 2 "http://127.0.0.1:$WEB/" >/dev/null && break; sleep 0.2; done
sleep 5 # the start-up generation
for i in $(seq "$RUNS"); do
  me=$P/backend/user/app/api/routes/me.py
  printf '\n\n@router.get("/me/bench%s")\ndef read_bench%s() -> str:\n    return "x"\n' "$i" "$i" >>"$me"
  t=$(now)
  until grep -q "\"/user/me/bench$i\"" "$P/frontend/src/api/schema.d.ts"; do sleep 0.05; done
  since "$t"
done | median | sed 's/^/median: /; s/$/ s (400 ms of it is the debounce)/'

echo "## the browser test's driver"
E2E=$WORK/e2e && mkdir -p "$E2E" && cp "$REPO"/crates/lamina/tests/e2e/{package.json,package-lock.json,rides.mjs} "$E2E"
npm --prefix "$E2E" ci --no-audit --no-fund --loglevel=error
for _ in $(seq "$RUNS"); do
  APP_URL=http://127.0.0.1:$WEB AUTH_ORIGIN=http://127.0.0.1:$AUTH CLIENT_ID=$(grep -o 'client id [a-z0-9]*' "$WORK/dev.log" | awk '{print $3}') \
    CHROMIUM=$(command -v chromium) ARTIFACTS=$WORK/artifacts USERNAME=alice PASSWORD='Alice-local-1!' ACCESS_MINUTES=60 \
    node "$E2E/rides.mjs" | sed -n 's/^\[e2e\] passed in \([0-9.]*\) s$/\1/p'
done | median | sed 's/^/median: /; s/$/ s/'
kill -TERM "$DEV_PID"; wait "$DEV_PID" 2>/dev/null || true; DEV_PID=

echo "## first page's JavaScript, gzipped"
npm --prefix "$P/frontend" run build >/dev/null
node "$REPO/bench/frontend/js_size.mjs" "$P/frontend/dist"
