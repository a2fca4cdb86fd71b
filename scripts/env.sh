# Sourced by the other scripts: puts the tools Lamina's tests need on PATH, installing what is
# missing into .tools/ (never system-wide), and says what it did.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"

# uv: pip install into a project-local target once; later runs find it there.
if ! command -v uv >/dev/null 2>&1; then
  if [ ! -x "$TOOLS/uv-pkg/bin/uv" ]; then
    echo "==> installing uv into .tools/uv-pkg" >&2
    python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS/uv-pkg" uv
  fi
  export PATH="$TOOLS/uv-pkg/bin:$PATH"
fi
export LAMINA_UV="$(command -v uv)"
# uv's own cache survives between runs; the mirror sends no cache headers, so pip would not.
export UV_CACHE_DIR="${UV_CACHE_DIR:-$HOME/.cache/uv}"

# checkov in its own venv: its pins clash with other tools'. It scans the generated Terraform.
CHECKOV_VERSION=3.3.30
# The version is read from the venv's metadata: `checkov --version` takes ~8 s to start.
if [ ! -x "$TOOLS/checkov/bin/checkov" ] || ! "$TOOLS/checkov/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('checkov') != '$CHECKOV_VERSION')" 2>/dev/null; then
  echo "==> installing checkov $CHECKOV_VERSION into .tools/checkov" >&2
  uv venv -q --allow-existing --python python3 "$TOOLS/checkov"
  uv pip install -q --python "$TOOLS/checkov/bin/python" "checkov==$CHECKOV_VERSION"
fi
export LAMINA_CHECKOV="$TOOLS/checkov/bin/checkov"

# moto (server mode) in its own venv: the AWS the deploy tests run against, started through
# scripts/moto_server.py, whose patches are written against exactly this version.
MOTO_VERSION=5.2.5
if [ ! -x "$TOOLS/moto/bin/python" ] || ! "$TOOLS/moto/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null; then
  echo "==> installing moto $MOTO_VERSION into .tools/moto" >&2
  uv venv -q --allow-existing --python python3 "$TOOLS/moto"
  uv pip install -q --python "$TOOLS/moto/bin/python" "moto[server]==$MOTO_VERSION"
fi
export LAMINA_MOTO_PYTHON="$TOOLS/moto/bin/python"

# Operations (issue 10): the generated workflows are validated offline against GitHub's workflow
# schema (check-jsonschema's vendored copy) and audited by zizmor; pre-commit runs the generated
# project's hooks. (actionlint's PyPI package downloads its binary at install: not offline.)
CILINT_PACKAGES="check-jsonschema==0.39.0 zizmor==1.32.0 pre-commit==4.7.0"
if [ ! -x "$TOOLS/cilint/bin/zizmor" ] || [ "$(cat "$TOOLS/cilint/.packages" 2>/dev/null)" != "$CILINT_PACKAGES" ]; then
  echo "==> installing $CILINT_PACKAGES into .tools/cilint" >&2
  uv venv -q --allow-existing --python python3 "$TOOLS/cilint"
  # shellcheck disable=SC2086
  uv pip install -q --python "$TOOLS/cilint/bin/python" $CILINT_PACKAGES
  echo "$CILINT_PACKAGES" > "$TOOLS/cilint/.packages"
fi
export LAMINA_CILINT="$TOOLS/cilint/bin"

for tool in cargo python3 node npm terraform; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: \`$tool\` is not installed" >&2; exit 1; }
done
# The browser test drives Debian's Chromium (.ci/run installs it); say so early when it is missing.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  echo "warning: \`chromium\` is not installed: the browser test will fail (apt-get install chromium, or set CHROMIUM)" >&2
fi
