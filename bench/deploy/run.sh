#!/usr/bin/env bash
# Deploy benchmark on moto: lamina's first deploy, no-op deploy, one-domain code change,
# frontend-only change and destroy of the example, then plain Terraform on a copy of the same
# stage root with the same variables (`terraform apply -auto-approve`, `destroy`) in the same run,
# so that Lamina's own overhead over Terraform's time is visible.
#
# Usage: bench/deploy/run.sh [path/to/lamina]      (default: target/release/lamina)
# Needs what scripts/env.sh provides (uv, moto), terraform, npm, openssl and curl. Prints a
# Markdown report on stdout; progress on stderr. RUNS (default 3) repeats of each small change.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
source "$REPO/scripts/env.sh" >/dev/null
LAMINA=${1:-$REPO/target/release/lamina}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/lamina-deploy-bench.XXXXXX)
MOTO_PID=
cleanup() { [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
say() { echo "==> $*" >&2; }
now() { python3 -c 'import time; print(time.monotonic())'; }
secs() { # run "$@" with output to $W/last.log, print wall seconds
  local s; s=$(now)
  "$@" >"$W/last.log" 2>&1 || { cat "$W/last.log" >&2; exit 1; }
  python3 -c "print(f'{$(now) - $s:.2f}')"
}
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- moto over TLS, with a CA made for this run ----
cd "$W"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=bench-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in req.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile ext.cnf 2>/dev/null
cat "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" ca.pem > bundle.pem
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LAMINA_MOTO_PYTHON" "$REPO/scripts/moto_server.py" --host 127.0.0.1 --port "$PORT" \
  --ssl-cert cert.pem --ssl-key key.pem >"$W/moto.log" 2>&1 &
MOTO_PID=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem "https://127.0.0.1:$PORT/moto-api/")" = 200 ]; do sleep 0.3; done
export AWS_ENDPOINT_URL="https://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true AWS_S3_USE_PATH_STYLE=true \
  SSL_CERT_FILE="$W/bundle.pem" AWS_CA_BUNDLE="$W/bundle.pem" LAMINA_NO_PROGRESS=1
if [ -d "${LAMINA_TF_MIRROR:-/opt/tf-plugins}" ]; then
  cat > "$W/terraform.rc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "${LAMINA_TF_MIRROR:-/opt/tf-plugins}"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
EOF
  export TF_CLI_CONFIG_FILE="$W/terraform.rc"
fi

# ---- wrappers that time each terraform and npm process lamina starts (tools.log) ----
mkdir -p "$W/wrap"
for tool in terraform npm; do
  real=$(command -v "$tool")
  cat > "$W/wrap/$tool" <<EOF
#!/usr/bin/env bash
s=\$(date +%s.%N); "$real" "\$@"; rc=\$?
sub=; for a in "\$@"; do case \$a in -*) ;; *) sub=\$a; break ;; esac; done
echo "$tool \$sub \$s \$(date +%s.%N)" >> "$W/tools.log"; exit \$rc
EOF
  chmod +x "$W/wrap/$tool"
done
touch "$W/tools.log"
mark() { wc -l < "$W/tools.log"; }
# seconds spent in `$2` processes (all of them, or only subcommand $3) since mark $1
inside() {
  tail -n +"$(($1 + 1))" "$W/tools.log" |
    awk -v t="$2" -v c="${3:-}" '$1 == t && (c == "" || $2 == c) { s += $4 - $3 } END { printf "%.2f", s }'
}
# a lamina deploy step: wall seconds, then seconds inside terraform and npm, space-separated
step() {
  local m; m=$(mark)
  local wall; wall=$(PATH="$W/wrap:$PATH" LAMINA_TERRAFORM="$W/wrap/terraform" secs "$@")
  echo "$wall $(inside "$m" terraform) $(inside "$m" npm)"
}
col() { cut -d' ' -f"$1" <<<"$2"; }
own() { python3 -c "print(f'{$1 - $2 - $3:.2f}')"; }

# ---- the example, built and with its frontend dependencies (not part of the deploy timings) ----
"$LAMINA" new bench --path "$W/bench" --python 3.11 --region eu-west-1 --owner bench >/dev/null 2>&1
cd "$W/bench"
printf 'module "app" {\n  create_response_headers_policy = false # not in moto\n}\n' > infra/terraform/dev/moto_override.tf
git init -q -b main && git add -A && git -c user.name=b -c user.email=b@x commit -qm bench
build_s=$(secs "$LAMINA" build)
npm --prefix frontend ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1

# ---- lamina ----
say "lamina: first deploy"
first_all=$(step "$LAMINA" deploy --stage dev --yes); first=$(col 1 "$first_all")
cp infra/terraform/dev/lamina.auto.tfvars.json "$W/tfvars-first.json"
say "lamina: no-op deploys"
noop=(); for i in 1 2 3 4 5; do noop+=("$(secs "$LAMINA" deploy --stage dev --yes)"); done
grep -q "Up to date" "$W/last.log" || { echo "the no-op deploy was not a no-op" >&2; cat "$W/last.log" >&2; exit 1; }
say "lamina: one-domain changes"
one=(); one_all=(); for i in $(seq "$RUNS"); do
  echo "# change $i" >> backend/user/app/main.py
  one_all+=("$(step "$LAMINA" deploy --stage dev --yes)"); one+=("$(col 1 "${one_all[-1]}")")
  [ "$i" = 1 ] && cp infra/terraform/dev/lamina.auto.tfvars.json "$W/tfvars-one.json"
done
say "lamina: frontend-only changes"
fe=(); for i in $(seq "$RUNS"); do
  echo "change $i" > frontend/public/robots.txt
  fe+=("$(secs "$LAMINA" deploy --stage dev --yes)")
done
say "lamina: destroy"
destroy_all=$(step "$LAMINA" destroy --stage dev --yes); destroy=$(col 1 "$destroy_all")

# ---- Terraform alone: a copy of the same stage root and modules, local state, same variables ----
say "terraform alone"
mkdir -p "$W/tf/terraform"
cp -r infra/terraform/modules "$W/tf/terraform/modules"
mkdir "$W/tf/terraform/dev"
cp infra/terraform/dev/*.tf "$W/tf/terraform/dev/"
rm "$W/tf/terraform/dev/backend.tf"
cd "$W/tf/terraform/dev"
cp "$W/tfvars-first.json" lamina.auto.tfvars.json
tf_init=$(secs terraform init -input=false)
tf_first=$(secs terraform apply -input=false -auto-approve)
tf_noop=$(secs terraform apply -input=false -auto-approve)
cp "$W/tfvars-one.json" lamina.auto.tfvars.json
tf_one=$(secs terraform apply -input=false -auto-approve)
tf_destroy=$(secs terraform destroy -input=false -auto-approve)

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF
# Deploy benchmark (moto over TLS, $(date -u +%Y-%m-%d), $(nproc) cores)

Load average before: $load_before; after: $load_after. Example project (user, ride, payment, 2 layers,
frontend), moto $("$LAMINA_MOTO_PYTHON" -c 'import importlib.metadata as m; print(m.version("moto"))'),
$(terraform version | head -1). Build beforehand: ${build_s} s (not counted below).

| step | lamina s | Terraform alone s | what Terraform alone did |
|---|---|---|---|
| first deploy | $first | $tf_first (+ init $tf_init) | \`apply -auto-approve\` of the same variables |
| no-op deploy (median of 5) | $(median "${noop[@]}") | $tf_noop | \`apply\` with nothing to change |
| one-domain code change (median of $RUNS) | $(median "${one[@]}") | $tf_one | \`apply\` of the same change |
| frontend-only change (median of $RUNS) | $(median "${fe[@]}") | n/a | (Terraform does not deploy a frontend) |
| destroy | $destroy | $tf_destroy | \`destroy -auto-approve\` |

Where lamina's time went (wall s = inside terraform + inside npm + lamina's own), from wrappers that
time every terraform and npm process lamina starts:

| step | wall | terraform | npm (frontend build) | lamina's own |
|---|---|---|---|---|
| first deploy | $first | $(col 2 "$first_all") | $(col 3 "$first_all") | $(own "$first" "$(col 2 "$first_all")" "$(col 3 "$first_all")") |
| one-domain change (run 1 of $RUNS) | $(col 1 "${one_all[0]}") | $(col 2 "${one_all[0]}") | $(col 3 "${one_all[0]}") | $(own "$(col 1 "${one_all[0]}")" "$(col 2 "${one_all[0]}")" "$(col 3 "${one_all[0]}")") |
| destroy | $destroy | $(col 2 "$destroy_all") | $(col 3 "$destroy_all") | $(own "$destroy" "$(col 2 "$destroy_all")" "$(col 3 "$destroy_all")") |

terraform and npm processes by subcommand over the whole lamina part (count, seconds):
$(awk '{ n[$1" "$2]++; s[$1" "$2] += $4 - $3 } END { for (k in n) printf "- %s: %d, %.2f s\n", k, n[k], s[k] }' "$W/tools.log" | sort)

lamina's first deploy also bootstraps the account, uploads the artifacts, builds and publishes the frontend
and records the release; its one-domain change also uploads the new zip and records the release.
Raw: no-op ${noop[*]}; one-domain ${one[*]}; frontend ${fe[*]}.
EOF
