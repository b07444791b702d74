#!/usr/bin/env bash
# Tabular training side by side: mlp's trainers (through the CLI) vs scikit-learn. One command:
#
#   Benchmarks/tabular/run.sh                        # REPS=3, all four datasets, all three trainers
#   MLP=/path/to/mlp REPS=1 DATASETS=digits,wine TRAINERS=gbt Benchmarks/tabular/run.sh
#
# Makes Benchmarks/.venv-tabular (git-ignored; pip install scikit-learn) if missing, the data
# under Benchmarks/tabular/data/ (git-ignored; prepare.py: scikit-learn's toy datasets exported
# by scripts/export_datasets.py, plus a generated 200,000 x 40 three-class problem, each split
# once into train.csv / test.csv), then runs bench.py: a Markdown table on stdout, progress and
# the load on stderr, every sample in Benchmarks/results/tabular.json (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
MLP="${MLP:-$REPO/.build/release/mlp}"
REPS="${REPS:-3}"
# Repetitions on the generated 200,000-row set (minutes per fit on a loaded 2-core machine).
REPS_LARGE="${REPS_LARGE:-$REPS}"
DATASETS="${DATASETS:-digits,breast_cancer,wine,generated}"
TRAINERS="${TRAINERS:-logistic,mlp,gbt}"
VENV="${TABULAR_VENV:-$BENCH/.venv-tabular}"
PYTHON="${PYTHON:-python3}"
DATA="${DATA:-$HERE/data}"
OUT="${OUT:-$BENCH/results/tabular.json}"

if [[ ! -x "$MLP" ]]; then
  echo "no mlp binary at $MLP (build it: swift build -c release --product mlp, or set MLP=...)" >&2
  exit 1
fi
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sklearn, threadpoolctl' 2>/dev/null; then
  echo "# installing scikit-learn into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet scikit-learn
fi
"$VENV/bin/python" "$HERE/prepare.py" "$DATA"

# OpenMP threads (scikit-learn's HistGradientBoosting) sleep instead of spinning while they wait:
# on a shared, loaded machine a spinning thread holds a CPU that the thread it waits for needs
# (digits, 2 threads, load 7-11: 77 s with GNU OpenMP's default, 14 s passive).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
echo "# load before: $(uptime)" >&2
exec "$VENV/bin/python" "$HERE/bench.py" --mlp "$MLP" --data "$DATA" --datasets "$DATASETS" \
  --reps "$REPS" --reps-large "$REPS_LARGE" --trainers "$TRAINERS" --out "$OUT" \
  --command "REPS=$REPS REPS_LARGE=$REPS_LARGE DATASETS=$DATASETS TRAINERS=$TRAINERS Benchmarks/tabular/run.sh"
