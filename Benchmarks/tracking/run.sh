#!/usr/bin/env bash
# Metric tracking side by side: mlp vs MLflow's SQLite backend, 200 runs x 100 points. One command:
#
#   Benchmarks/tracking/run.sh                # REPS=5 mlp fan-out, SEPARATE_REPS=3, MLFLOW_REPS=3
#   MLP=/path/to/mlp MLFLOW_REPS=5 Benchmarks/tracking/run.sh
#
# Makes Benchmarks/.venv-tracking (git-ignored; pip install mlflow) if missing, then runs
# bench.py (stdlib only): a Markdown table on stdout, progress and the load on stderr, every
# sample in Benchmarks/results/tracking.json (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
MLP="${MLP:-$REPO/.build/release/mlp}"
REPS="${REPS:-5}"
SEPARATE_REPS="${SEPARATE_REPS:-3}"
MLFLOW_REPS="${MLFLOW_REPS:-3}"
# Runs per MLflow sample (x 100 points). 200 is the workload; fewer only where MLflow is too slow
# for the time at hand (its per-point cost does not depend on how many runs there are).
MLFLOW_RUNS="${MLFLOW_RUNS:-200}"
VENV="${TRACKING_VENV:-$BENCH/.venv-tracking}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$BENCH/results/tracking.json}"

if [[ ! -x "$MLP" ]]; then
  echo "no mlp binary at $MLP (build it: swift build -c release --product mlp, or set MLP=...)" >&2
  exit 1
fi
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import mlflow' 2>/dev/null; then
  echo "# installing MLflow into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet mlflow
fi

echo "# load before: $(uptime)" >&2
exec "$PYTHON" "$HERE/bench.py" --mlp "$MLP" --mlflow-python "$VENV/bin/python" \
  --reps "$REPS" --separate-reps "$SEPARATE_REPS" --mlflow-reps "$MLFLOW_REPS" --mlflow-runs "$MLFLOW_RUNS" --out "$OUT" \
  --command "MLP=$MLP REPS=$REPS SEPARATE_REPS=$SEPARATE_REPS MLFLOW_REPS=$MLFLOW_REPS MLFLOW_RUNS=$MLFLOW_RUNS Benchmarks/tracking/run.sh"
