#!/usr/bin/env bash
# `mlp server` side by side with MLflow's tracking server. One command:
#
#   Benchmarks/server/run.sh                       # REPS=3, FANOUT=10000 (noop items), POINTS=2000 (shell items, one metric each)
#   MLP=/path/to/mlp REPS=5 Benchmarks/server/run.sh
#
# Needs a release mlp (default .build/release/mlp), the Debian postgresql package (a throw-away
# PostgreSQL is started on loopback by scripts/postgres.sh and stopped at the end) and Python 3;
# makes Benchmarks/.venv-tracking (git-ignored; pip install mlflow) if missing. Markdown on stdout,
# progress and the load on stderr, every sample in Benchmarks/results/server.json (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
MLP="${MLP:-$REPO/.build/release/mlp}"
REPS="${REPS:-3}"
FANOUT="${FANOUT:-10000}"
POINTS="${POINTS:-2000}"
MLFLOW_POINTS="${MLFLOW_POINTS:-2000}"
SEED_RUNS="${SEED_RUNS:-1000}"
SEED_STEPS="${SEED_STEPS:-1000}"
READS="${READS:-300}"
VENV="${TRACKING_VENV:-$BENCH/.venv-tracking}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$BENCH/results/server.json}"

if [[ ! -x "$MLP" ]]; then
  echo "no mlp binary at $MLP (build it: swift build -c release --product mlp, or set MLP=...)" >&2
  exit 1
fi
MLP="$(cd "$(dirname "$MLP")" && pwd)/$(basename "$MLP")"  # the runs start in their own folders
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
fi
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import mlflow' 2>/dev/null; then
  echo "# installing MLflow into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet mlflow
fi

echo "# load before: $(uptime)" >&2
exec "$PYTHON" "$HERE/bench.py" --mlp "$MLP" --mlflow-python "$VENV/bin/python" --reps "$REPS" \
  --fanout "$FANOUT" --points "$POINTS" --mlflow-points "$MLFLOW_POINTS" \
  --seed-runs "$SEED_RUNS" --seed-steps "$SEED_STEPS" --reads "$READS" --out "$OUT" \
  --command "MLP=$MLP REPS=$REPS FANOUT=$FANOUT POINTS=$POINTS Benchmarks/server/run.sh"
