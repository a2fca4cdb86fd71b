#!/usr/bin/env bash
# Side-by-side build benchmark: lamina vs naive `pip install -t` + zip vs uv into 3 dirs + zip
# vs `sam build` vs `serverless package` (the last two in peers.sh; templates in peers/).
# Usage: bench/build/run.sh [path/to/lamina]   (default: target/release/lamina)
# Prints a Markdown report on stdout. Needs uv (PATH or LAMINA_UV), python3.11, pip, zip, unzip, npm.
# NAIVE_RUNS (default 3) timed runs of naive pip/uv; NAIVE_WARMUP=0 skips their warm-up run;
# peers.sh documents LAMINA_BENCH_PEER_TOOLS and PEER_COLD/PEER_NOOP/PEER_TOUCHED.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LAMINA=${1:-$REPO/target/release/lamina}
command -v uv >/dev/null || export PATH="$REPO/.tools/uv-pkg/bin:$PATH"
PY=python3.11
W=$(mktemp -d /tmp/lamina-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
DOMAINS="user ride payment"
source "$HERE/peers.sh"
export LAMINA_NO_PROGRESS=1

secs() { # run "$@" quietly, print wall seconds
  local s=$EPOCHREALTIME; "$@" >/dev/null 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
  $PY -c "print(f'{$EPOCHREALTIME - $s:.3f}')"
}
median() { $PY -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
zipinfo_sizes() { $PY -c "
import sys, zipfile, os
z = sys.argv[1]; print(os.path.getsize(z), sum(i.file_size for i in zipfile.ZipFile(z).infolist()))" "$1"; }

"$LAMINA" new rides --path "$W/rides" >/dev/null 2>&1
cd "$W/rides"
lock_s=$(secs "$LAMINA" lock)

# ---- lamina ----
"$LAMINA" build >/dev/null 2>&1            # warm uv's download cache
cold=(); for i in 1 2 3; do rm -rf .lamina; cold+=("$(secs "$LAMINA" build)"); done
noop=(); for i in 1 2 3 4 5; do noop+=("$(secs "$LAMINA" build)"); done
touched=(); for i in 1 2 3; do echo "# touched $i" >> backend/ride/app/main.py; touched+=("$(secs "$LAMINA" build)"); done
rm -rf .lamina; nocompile=$(secs "$LAMINA" build --no-compile)
M=.lamina/build/dev

# ---- naive pip / uv into 3 dirs ----
naive() { # $1 = pip|uv
  rm -rf "$W/$1"; mkdir -p "$W/$1"
  for d in $DOMAINS; do
    local out="$W/$1/$d" reqs=(-r backend/layers/deps/requirements.txt)
    grep -qv '^\s*#' "backend/$d/requirements.txt" 2>/dev/null && reqs+=(-r "backend/$d/requirements.txt")
    if [ "$1" = pip ]; then
      $PY -m pip install -q --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.11 \
        --implementation cp -t "$out" "${reqs[@]}"
    else
      uv pip install -q --python-platform x86_64-manylinux2014 --python-version 3.11 --only-binary :all: \
        --target "$out" "${reqs[@]}"
    fi
    cp -r "backend/$d/handler.py" "backend/$d/app" "$out/"
    cp -r backend/shared/shared "$out/"
    (cd "$out" && zip -qr "../$d.zip" .)
  done
}
for tool in pip uv; do
  [ "${NAIVE_WARMUP:-1}" = 1 ] && naive "$tool"   # warm the download cache
  runs=(); for i in $(seq "${NAIVE_RUNS:-3}"); do runs+=("$(secs naive "$tool")"); done
  eval "${tool}_runs=(\"\${runs[@]}\")"
done

# ---- SAM and Serverless (peers.sh) ----
peers_build

# ---- sizes ----
declare -A L_Z L_U N_Z N_U
layers_z=0; layers_u=0
for l in deps shared; do read z u < <(zipinfo_sizes "$M/layers/$l.zip"); layers_z=$((layers_z+z)); layers_u=$((layers_u+u)); done
l_total=$layers_z; n_total=0
for d in $DOMAINS; do
  read z u < <(zipinfo_sizes "$M/functions/$d.zip"); L_Z[$d]=$((z+layers_z)); L_U[$d]=$((u+layers_u)); l_total=$((l_total+z))
  read z u < <(zipinfo_sizes "$W/pip/$d.zip"); N_Z[$d]=$z; N_U[$d]=$u; n_total=$((n_total+z))
done

# ---- init time: median of 10 fresh processes each ----
"$LAMINA" build --profile --profile-runs 1 >/dev/null 2>&1   # makes the runtime stand-in (boto3/botocore)
# the stand-in lives in the per-user build cache (`lamina cache dir`)
RUNTIME=$(ls -d "$("$LAMINA" cache dir)"/v1/runtime/*/ | head -1)
extract() { rm -rf "$2"; mkdir -p "$2"; unzip -q "$1" -d "$2"; }
declare -A L_INIT N_INIT NC_INIT
for l in deps shared; do extract "$M/layers/$l.zip" "$W/opt-$l"; done
for d in $DOMAINS; do
  extract "$M/functions/$d.zip" "$W/task-$d"
  L_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/task-$d" "$W/opt-deps/python" "$W/opt-shared/python" "$RUNTIME")
  extract "$W/pip/$d.zip" "$W/naive-$d"
  N_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/naive-$d")
done
"$LAMINA" build --no-compile >/dev/null 2>&1
for l in deps shared; do extract "$M/layers/$l.zip" "$W/opt-$l"; done
for d in $DOMAINS; do
  extract "$M/functions/$d.zip" "$W/task-$d"
  NC_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/task-$d" "$W/opt-deps/python" "$W/opt-shared/python" "$RUNTIME")
done

peers_measure

mb() { $PY -c "print(f'{$1/1048576:.1f}')"; }
echo "## Build benchmark, $(date -u +%Y-%m-%d) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "lamina $("$LAMINA" --version | cut -d' ' -f2), $(uv --version), $($PY -m pip --version | cut -d' ' -f1-2)"
echo
echo "| tool | cold s (median of 3) | no-op s | one domain touched s |"
echo "|---|---|---|---|"
echo "| lamina build | $(median "${cold[@]}") (${cold[*]}) | $(median "${noop[@]}") (${noop[*]}) | $(median "${touched[@]}") (${touched[*]}) |"
echo "| lamina build --no-compile (cold, once) | $nocompile | | |"
echo "| naive pip -t + zip (every run rebuilds all; runs: ${pip_runs[*]}) | ${pip_runs[0]} | ${pip_runs[1]:-=cold} | ${pip_runs[2]:-=cold} |"
echo "| uv --target into 3 dirs + zip (runs: ${uv_runs[*]}) | ${uv_runs[0]} | ${uv_runs[1]:-=cold} | ${uv_runs[2]:-=cold} |"
peers_report_builds
echo
echo "\`lamina lock\` (once, not in the build times): ${lock_s} s"
echo
echo "| function | lamina zipped MB (fn+layers) | naive zipped MB | lamina unzipped MB (fn+layers) | naive unzipped MB | lamina init ms (import / first event) | lamina --no-compile init ms | naive init ms |"
echo "|---|---|---|---|---|---|---|---|"
for d in $DOMAINS; do
  echo "| $d | $(mb ${L_Z[$d]}) | $(mb ${N_Z[$d]}) | $(mb ${L_U[$d]}) | $(mb ${N_U[$d]}) | ${L_INIT[$d]/ / / } | ${NC_INIT[$d]/ / / } | ${N_INIT[$d]/ / / } |"
done
echo
echo "Total uploaded: lamina $(mb $l_total) MB (3 functions + 2 layers once), naive $(mb $n_total) MB: $($PY -c "print(f'{100*(1-$l_total/$n_total):.0f}')") % fewer."
peers_report_sizes
