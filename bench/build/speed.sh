#!/usr/bin/env bash
# Issue 11's three goals on the generated example, side by side in one run:
#   1. builds: the first build ever (every lamina cache empty; uv's download cache warm), a cold
#      project build (empty .lamina, the per-user build cache warm), one without the per-user
#      cache (--no-cache), and a no-op build;
#   2. cold start: import + first event of each function from its artifacts (bench/build/inittime.py,
#      10 fresh processes each) against naive `pip install -t` of the same requirements and code;
#   3. per invocation: the template's handler against a bare FastAPI app behind Mangum, in-process
#      (bench/dev/profile_handler.py).
# The lamina dev side of goal 3 (worker CPU per request against uvicorn) is bench/dev/run.sh:
#   PARTS=ratio CONNS="1 16" DUR=5 ROUNDS=7 bench/dev/run.sh
#
# Usage: bench/build/speed.sh [path/to/lamina]     (default: target/release/lamina)
# BASELINE_LAMINA=path/to/an/earlier/lamina adds naive pip of the example that lamina generates
# (the template before issue 11, when it is a build of an earlier commit).
# Needs python3.11 with pip, and uv (PATH, else scripts/env.sh installs it). Prints a
# Markdown report on stdout. COLD_RUNS (default 5) cold project builds.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LAMINA=${1:-$REPO/target/release/lamina}
LAMINA=$(cd "$(dirname "$LAMINA")" && pwd)/$(basename "$LAMINA")   # the script changes directory
# uv from PATH, else what scripts/env.sh installs into .tools (a clean checkout has neither yet)
command -v uv >/dev/null || [ -x "$REPO/.tools/uv-pkg/bin/uv" ] || source "$REPO/scripts/env.sh" >/dev/null
command -v uv >/dev/null || export PATH="$REPO/.tools/uv-pkg/bin:$PATH"
PY=python3.11
W=$(mktemp -d /tmp/lamina-speed.XXXXXX)
trap 'rm -rf "$W"' EXIT
DOMAINS="user ride payment"
export LAMINA_NO_PROGRESS=1
secs() { # run "$@" quietly, print wall seconds
  local s=$EPOCHREALTIME; "$@" >/dev/null 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
  $PY -c "print(f'{$EPOCHREALTIME - $s:.3f}')"
}
median() { $PY -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "${BASELINE_LAMINA:-}" ] && ! [ -x "$BASELINE_LAMINA" ]; then
  echo "BASELINE_LAMINA=$BASELINE_LAMINA is not an executable lamina" >&2; exit 2
fi

"$LAMINA" new rides --path "$W/rides" --python 3.11 >/dev/null
cd "$W/rides"
"$LAMINA" lock >/dev/null 2>&1
export LAMINA_CACHE_DIR="$W/cache"
"$LAMINA" build >/dev/null 2>&1 # uv's download cache warm for what follows

# ---- 1. builds ----
first=(); for i in 1 2; do
  rm -rf .lamina "$LAMINA_CACHE_DIR"; first+=("$(secs "$LAMINA" build)")
done
cold=(); for i in $(seq "${COLD_RUNS:-5}"); do rm -rf .lamina; cold+=("$(secs "$LAMINA" build)"); done
rm -rf .lamina; nocache=$(secs "$LAMINA" build --no-cache)
noop=(); for i in 1 2 3; do noop+=("$(secs "$LAMINA" build)"); done
M=.lamina/build/dev

# ---- 2. cold start ----
naive() { # naive pip -t of each function's requirements and code, as a user without lamina would
  for d in $DOMAINS; do
    local out="$W/naive-$d" reqs=(-r backend/layers/deps/requirements.txt)
    grep -qv '^\s*#' "backend/$d/requirements.txt" 2>/dev/null && reqs+=(-r "backend/$d/requirements.txt")
    $PY -m pip install -q --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.11 \
      --implementation cp -t "$out" "${reqs[@]}"
    cp -r "backend/$d/handler.py" "backend/$d/app" backend/shared/shared "$out/"
  done
}
naive_s=$(secs naive)
if [ -n "${BASELINE_LAMINA:-}" ]; then
  "$BASELINE_LAMINA" new rides --path "$W/base" --python 3.11 >/dev/null
  (cd "$W/base" && for d in $DOMAINS; do
    reqs=(-r backend/layers/deps/requirements.txt)
    grep -qv '^\s*#' "backend/$d/requirements.txt" 2>/dev/null && reqs+=(-r "backend/$d/requirements.txt")
    $PY -m pip install -q --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.11 \
      --implementation cp -t "$W/base-$d" "${reqs[@]}" 2>/dev/null
    cp -r "backend/$d/handler.py" "backend/$d/app" backend/shared/shared "$W/base-$d/"
  done)
fi
RUNTIME=$($PY - "$("$LAMINA" cache dir)" <<'EOF'
import pathlib, sys
dirs = sorted(d for d in pathlib.Path(sys.argv[1]).glob("v1/runtime/*") if (d / ".complete").is_file())
print(dirs[0] if dirs else "")
EOF
)
[ -n "$RUNTIME" ] || { echo "no runtime stand-in in $("$LAMINA" cache dir)" >&2; exit 1; }
extract() { rm -rf "$2"; mkdir -p "$2"; $PY -m zipfile -e "$1" "$2"; }
for l in deps shared; do extract "$M/layers/$l.zip" "$W/opt-$l"; done
declare -A L_INIT N_INIT B_INIT
for d in $DOMAINS; do
  extract "$M/functions/$d.zip" "$W/task-$d"
done
for round in 1 2; do # interleaved, so that load hits every variant alike; the second round counts
  for d in $DOMAINS; do
    L_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/task-$d" "$W/opt-deps/python" "$W/opt-shared/python" "$RUNTIME")
    N_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/naive-$d")
    [ -n "${BASELINE_LAMINA:-}" ] && B_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/base-$d")
  done
done

# ---- 3. per invocation, in-process ----
per_call=$(PYTHONPATH="$W/opt-deps/python:$W/opt-shared/python" $PY "$REPO/bench/dev/profile_handler.py" backend/user /user/health 2000)

cat <<EOF
# Speed benchmark (issue 11), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores

Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg). lamina $("$LAMINA" --version | cut -d' ' -f2), $(uv --version).

## Builds of the example (3 functions, 2 layers)

| build | seconds | runs |
|---|---|---|
| first ever (every lamina cache empty, uv downloads cached) | $(median "${first[@]}") | ${first[*]} |
| cold project (empty .lamina, per-user build cache warm), median of ${COLD_RUNS:-5} | **$(median "${cold[@]}")** | ${cold[*]} |
| cold project without the per-user cache (\`--no-cache\`) | $nocache | |
| no-op | $(median "${noop[@]}") | ${noop[*]} |

## Cold start: import + first event, ms (median of 10 fresh processes; tracing on, as on Lambda)

| function | lamina import / first event | naive pip, same code | lamina vs naive | naive pip, template before${BASELINE_LAMINA:+ ($("$BASELINE_LAMINA" --version | cut -d' ' -f2))} | lamina vs that |
|---|---|---|---|---|---|
EOF
pct() { $PY -c "print(f'{100*(($1+$2)/($3+$4)-1):+.0f} %')"; }
for d in $DOMAINS; do
  read li le <<<"${L_INIT[$d]}"; read ni ne <<<"${N_INIT[$d]}"
  if [ -n "${BASELINE_LAMINA:-}" ]; then read bi be <<<"${B_INIT[$d]}"; base="$bi / $be | $(pct "$li" "$le" "$bi" "$be")"; else base="n/a | n/a"; fi
  echo "| $d | $li / $le | $ni / $ne | $(pct "$li" "$le" "$ni" "$ne") | $base |"
done
cat <<EOF

(naive pip install of the three functions: ${naive_s} s, not part of any figure above)

## Per invocation, in-process (\`GET /user/health\`, bench/dev/profile_handler.py)

\`\`\`
$per_call
\`\`\`
EOF
