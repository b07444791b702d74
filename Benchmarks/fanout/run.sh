#!/usr/bin/env bash
# Side-by-side fan-out benchmark: mlp vs Prefect 3. One command:
#
#   Benchmarks/fanout/run.sh                      # REPS=5 mlp repetitions, PREFECT_REPS=3
#   MLP=/path/to/mlp REPS=10 PREFECT_REPS=5 Benchmarks/fanout/run.sh
#
# Installs Prefect 3 into Benchmarks/.venv-prefect (git-ignored) if it is missing, then
# runs bench.py, which writes Benchmarks/results/fanout.json (git-ignored) and prints a
# Markdown table. Progress and the machine load go to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"

MLP="${MLP:-$REPO/.build/release/mlp}"
REPS="${REPS:-5}"
# A Prefect repetition takes a minute or more (server start-up, then ~1,000 tasks), so it
# gets its own, smaller default. The acceptance size (1,000 tasks) is never reduced.
PREFECT_REPS="${PREFECT_REPS:-3}"
VENV="${PREFECT_VENV:-$BENCH/.venv-prefect}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$BENCH/results/fanout.json}"

if [[ ! -x "$MLP" ]]; then
  echo "no mlp binary at $MLP (build it: swift build -c release, or set MLP=...)" >&2
  exit 1
fi

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import prefect, sys; sys.exit(0 if prefect.__version__.startswith("3.") else 1)' 2>/dev/null; then
  echo "# installing Prefect 3 into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  # fastapi is pinned to the oldest release Prefect 3.8 allows: newer fastapi releases
  # reject the `min_items=` that Prefect's server still passes to Body(), so its
  # ephemeral API server fails to import (TypeError: Body() got an unexpected keyword
  # argument 'min_items').
  "$VENV/bin/pip" install --quiet "prefect>=3,<4" "fastapi>=0.139,<0.140"
fi

export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
unset PREFECT_API_URL || true

echo "# load before: $(uptime)" >&2
exec "$PYTHON" "$HERE/bench.py" \
  --mlp "$MLP" --prefect-python "$VENV/bin/python" \
  --reps "$REPS" --prefect-reps "$PREFECT_REPS" --out "$OUT" \
  --command "MLP=$MLP REPS=$REPS PREFECT_REPS=$PREFECT_REPS Benchmarks/fanout/run.sh"
