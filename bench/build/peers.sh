# Peers for bench/build/run.sh: `sam build` (aws-sam-cli) and `serverless package` (Serverless v3 +
# serverless-python-requirements), on copies of run.sh's `lamina new rides` project. Sourced by
# run.sh (uses its W, PY, HERE, DOMAINS, secs, median, extract, zipinfo_sizes, mb). Build/package
# only: no deploy, no AWS endpoint (AWS config and credential files point at /dev/null).
#   LAMINA_BENCH_PEER_TOOLS  where the tools live / get installed (default /tmp/lamina-bench-peer-tools):
#                            sam-venv/ (uv venv + `uv pip install aws-sam-cli`),
#                            sls/node_modules (`npm install serverless@3 serverless-python-requirements`)
#   PEER_COLD (default 3), PEER_NOOP (3), PEER_TOUCHED (3): number of timed runs of each kind.
PT=${LAMINA_BENCH_PEER_TOOLS:-/tmp/lamina-bench-peer-tools}
SAM=$PT/sam-venv/bin/sam
SLS=$PT/sls/node_modules/.bin/serverless
export SAM_CLI_TELEMETRY=0 SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_DEPRECATION_DISABLE='*' \
  SLS_INTERACTIVE_SETUP_DISABLE=1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

peers_install() {
  mkdir -p "$PT"
  if [ ! -x "$SAM" ]; then
    uv venv -q -p python3.11 "$PT/sam-venv" && VIRTUAL_ENV="$PT/sam-venv" uv pip install -q aws-sam-cli >&2
  fi
  if [ ! -x "$SLS" ]; then
    mkdir -p "$PT/sls" && (cd "$PT/sls" && { [ -f package.json ] || npm init -y >/dev/null; } &&
      npm install -s --no-audit --no-fund serverless@3 serverless-python-requirements >&2)
  fi
}

copy_project() { # $1 = dest: the generated project without lamina's build output
  rm -rf "$1"; mkdir -p "$1"; (cd "$W/rides" && tar --exclude=./.lamina -cf - .) | tar -xf - -C "$1"
}

touch_ride() { echo "# touched $1" >> backend/ride/app/main.py; }

peers_build() {
  peers_install
  # ---- SAM: one function per domain + deps and shared layers (bench/build/peers/template.yaml) ----
  copy_project "$W/sam"; cp "$HERE/peers/template.yaml" "$W/sam/"
  cd "$W/sam"
  sam_cold=(); for i in $(seq "${PEER_COLD:-3}"); do rm -rf .aws-sam; sam_cold+=("$(secs "$SAM" build --cached --parallel)"); done
  sam_noop=(); for i in $(seq "${PEER_NOOP:-3}"); do sam_noop+=("$(secs "$SAM" build --cached --parallel)"); done
  sam_touched=(); for i in $(seq "${PEER_TOUCHED:-3}"); do touch_ride "$i"; sam_touched+=("$(secs "$SAM" build --cached --parallel)"); done
  # `sam package` needs S3: zip .aws-sam/build/* ourselves (timed separately)
  sam_zip() { rm -rf "$W/sam-zips"; mkdir -p "$W/sam-zips"
    for a in DepsLayer SharedLayer UserFunction RideFunction PaymentFunction; do (cd ".aws-sam/build/$a" && zip -qr "$W/sam-zips/$a.zip" .); done; }
  sam_zip_s=$(secs sam_zip)
  sam_version=$("$SAM" --version)
  # ---- Serverless v3: individually packaged modules (bench/build/peers/serverless.yml) ----
  copy_project "$W/sls"; cp "$HERE/peers/serverless.yml" "$W/sls/"
  cd "$W/sls"
  ln -s "$PT/sls/node_modules" node_modules
  for d in $DOMAINS; do
    { grep -v '^\s*#' backend/layers/deps/requirements.txt || true; grep -v '^\s*#' "backend/$d/requirements.txt" || true; } > "$W/req.tmp"
    mv "$W/req.tmp" "backend/$d/requirements.txt"
    ln -s ../shared/shared "backend/$d/shared"
  done
  export BENCH_SLS_CACHE="$W/sls-cache"   # plugin cache: downloads kept, per-requirements static cache cleared for cold
  sls_cold=(); for i in $(seq "${PEER_COLD:-3}"); do rm -rf .serverless "$BENCH_SLS_CACHE"/*_slspyc; sls_cold+=("$(secs "$SLS" package)"); done
  sls_noop=(); for i in $(seq "${PEER_NOOP:-3}"); do sls_noop+=("$(secs "$SLS" package)"); done
  sls_touched=(); for i in $(seq "${PEER_TOUCHED:-3}"); do touch_ride "$i"; sls_touched+=("$(secs "$SLS" package)"); done
  sls_version=$("$SLS" --version 2>&1 | tr '\n' ' ' | sed 's/  */ /g')
  cd "$W/rides"
}

peers_measure() { # after run.sh has set RUNTIME (the boto3/botocore runtime stand-in)
  declare -gA S_Z S_U S_INIT V_Z V_U V_INIT
  local z u lz=0 lu=0
  for l in DepsLayer SharedLayer; do read z u < <(zipinfo_sizes "$W/sam-zips/$l.zip"); lz=$((lz+z)); lu=$((lu+u)); done
  sam_total=$lz; sls_total=0
  extract "$W/sam-zips/DepsLayer.zip" "$W/sam-opt-deps"; extract "$W/sam-zips/SharedLayer.zip" "$W/sam-opt-shared"
  for d in $DOMAINS; do
    local F="$(tr '[:lower:]' '[:upper:]' <<< "${d:0:1}")${d:1}Function"
    read z u < <(zipinfo_sizes "$W/sam-zips/$F.zip"); S_Z[$d]=$((z+lz)); S_U[$d]=$((u+lu)); sam_total=$((sam_total+z))
    extract "$W/sam-zips/$F.zip" "$W/sam-task-$d"
    S_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/sam-task-$d" "$W/sam-opt-deps/python" "$W/sam-opt-shared/python" "$RUNTIME")
    local sz="$W/sls/.serverless/backend/$d-rides-dev-$d.zip"
    read z u < <(zipinfo_sizes "$sz"); V_Z[$d]=$z; V_U[$d]=$u; sls_total=$((sls_total+z))
    extract "$sz" "$W/sls-task-$d"
    V_INIT[$d]=$($PY "$HERE/inittime.py" 10 "/$d" "$W/sls-task-$d" "$RUNTIME")
  done
}

peers_report_builds() {
  echo "| sam build --cached --parallel (+ zip: ${sam_zip_s} s) | $(median "${sam_cold[@]}") (${sam_cold[*]}) | $(median "${sam_noop[@]}") (${sam_noop[*]}) | $(median "${sam_touched[@]}") (${sam_touched[*]}) |"
  echo "| serverless package | $(median "${sls_cold[@]}") (${sls_cold[*]}) | $(median "${sls_noop[@]}") (${sls_noop[*]}) | $(median "${sls_touched[@]}") (${sls_touched[*]}) |"
}

peers_report_sizes() {
  echo
  echo "$sam_version; $sls_version"
  echo
  echo "| function | sam zipped MB (fn+layers) | sam unzipped MB | sam init ms | serverless zipped MB | serverless unzipped MB | serverless init ms |"
  echo "|---|---|---|---|---|---|---|"
  for d in $DOMAINS; do
    echo "| $d | $(mb ${S_Z[$d]}) | $(mb ${S_U[$d]}) | ${S_INIT[$d]/ / / } | $(mb ${V_Z[$d]}) | $(mb ${V_U[$d]}) | ${V_INIT[$d]/ / / } |"
  done
  echo
  echo "Total uploaded: sam $(mb $sam_total) MB (3 functions + 2 layers once), serverless $(mb $sls_total) MB."
}
