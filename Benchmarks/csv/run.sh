#!/usr/bin/env bash
# CSV reader throughput side by side: mlp's connector/csv vs pandas.read_csv. One command:
#
#   Benchmarks/csv/run.sh                     # REPS=5, a 200 MB file
#   MLP=/path/to/mlp REPS=3 MB=50 Benchmarks/csv/run.sh
#
# Makes Benchmarks/.venv-csv (git-ignored; pip install pandas pyarrow) if missing, the input
# Benchmarks/csv/data/mixed-<MB>mb-seed<SEED>.csv (git-ignored; generate.py, seeded) if missing,
# then runs bench.py (stdlib only): a Markdown table on stdout, progress and the load on
# stderr, every sample in Benchmarks/results/csv.json (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
MLP="${MLP:-$REPO/.build/release/mlp}"
REPS="${REPS:-5}"
MB="${MB:-200}"
SEED="${SEED:-42}"
VENV="${CSV_VENV:-$BENCH/.venv-csv}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$BENCH/results/csv.json}"
CSV="$HERE/data/mixed-${MB}mb-seed${SEED}.csv"

if [[ ! -x "$MLP" ]]; then
  echo "no mlp binary at $MLP (build it: swift build -c release --product mlp, or set MLP=...)" >&2
  exit 1
fi
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import pandas, pyarrow' 2>/dev/null; then
  echo "# installing pandas and pyarrow into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet pandas pyarrow
fi
if [[ ! -f "$CSV" ]]; then
  mkdir -p "$HERE/data"
  "$VENV/bin/python" "$HERE/generate.py" "$CSV" --mb "$MB" --seed "$SEED" >&2
fi

echo "# load before: $(uptime)" >&2
exec "$PYTHON" "$HERE/bench.py" --mlp "$MLP" --pandas-python "$VENV/bin/python" --csv "$CSV" \
  --reps "$REPS" --out "$OUT" \
  --command "MLP=$MLP REPS=$REPS MB=$MB SEED=$SEED Benchmarks/csv/run.sh"
