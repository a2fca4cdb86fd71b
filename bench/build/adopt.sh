#!/usr/bin/env bash
# What adopting an app costs and saves: the shopapi fixture (tests/fixtures/shopapi) adopted into
# a new project, then `lamina build` cold (locks, two-pass installs for Amazon Linux 2, the import
# check of every handler), with the import check already cached (`.lamina/cache/v1/imports`
# kept, artifacts rebuilt), no-op, and `--profile` of the adopted function; then the dev venvs
# (`lamina run -- true`: one per set of locks) cold and current.
# Usage: bench/build/adopt.sh [path/to/lamina]   (default: target/release/lamina)
# Prints a Markdown table on stdout. Needs python3.11 and network access to the package index
# (uv is obtained by lamina itself when absent). Run it on a quiet machine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LAMINA=${1:-$REPO/target/release/lamina}
PY=python3.11
W=$(mktemp -d /tmp/lamina-bench-adopt.XXXXXX)
trap 'rm -rf "$W"' EXIT
export LAMINA_NO_PROGRESS=1 NO_COLOR=1

secs() { # run "$@" quietly, print wall seconds
  local s=$EPOCHREALTIME; "$@" >/dev/null 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
  $PY -c "print(f'{$EPOCHREALTIME - $s:.3f}')"
}
median() { $PY -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }

"$LAMINA" new shop --path "$W/shop" --python 3.11 --domains user >/dev/null 2>&1
cd "$W/shop"
"$LAMINA" add domain api --from "$REPO/crates/lamina/tests/fixtures/shopapi" >/dev/null 2>&1
"$LAMINA" build >/dev/null 2>&1            # warm uv's download cache and the locks

cold=(); for i in 1 2 3; do rm -rf .lamina/cache .lamina/build; cold+=("$(secs "$LAMINA" build)"); done
checked=(); for i in 1 2 3; do rm -rf .lamina/cache/v1/store .lamina/cache/v1/index; checked+=("$(secs "$LAMINA" build)"); done
noop=(); for i in 1 2 3 4 5; do noop+=("$(secs "$LAMINA" build)"); done
profile=$(secs "$LAMINA" build --profile --profile-runs 3)
rm -rf .lamina/dev
venv_cold=$(secs "$LAMINA" run -d api -- true)
venv_noop=(); for i in 1 2 3; do venv_noop+=("$(secs "$LAMINA" run -d api -- true)"); done

cat <<MD
| step (shopapi + a template domain, python3.11 / Amazon Linux 2) | seconds |
|---|---|
| \`lamina build\`, cold (median of 3) | $(median "${cold[@]}") |
| \`lamina build\`, artifacts rebuilt, import check cached (median of 3) | $(median "${checked[@]}") |
| \`lamina build\`, nothing changed (median of 5) | $(median "${noop[@]}") |
| \`lamina build --profile\` (3 runs per function) | $profile |
| dev venvs made (\`lamina run -- true\`, cold) | $venv_cold |
| \`lamina run -- true\`, venvs current (median of 3) | $(median "${venv_noop[@]}") |
MD
