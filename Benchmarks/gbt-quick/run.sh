#!/usr/bin/env bash
# Quick side-by-side check of trainer/gbt against scikit-learn's HistGradientBoostingClassifier on
# the same train/test CSV files (breast_cancer from the template; a GENERATED 200,000 x 40 three-class
# problem). Not the official benchmark.
#
# usage: Benchmarks/gbt-quick/run.sh [DATA_DIR]   (from the repository root, after
#        `swift build -c release --product mlp`; scikit-learn in Benchmarks/.venv-gbt if present)
set -euo pipefail
root=$(pwd)
data=${1:-/tmp/gbt-data}
mlp="$root/.build/release/mlp"
[ -f "$data/generated_train.csv" ] || python3 "$root/Benchmarks/gbt-quick/make_data.py" "$data"
for name in breast_cancer generated; do
    project=$(mktemp -d /tmp/gbt-quick-XXXXXX)
    ln -s "$data" "$project/data"
    cat > "$project/mlp.yaml" <<YAML
name: gbt-quick-$name
steps:
  train_data: {uses: connector/csv, with: {path: data/${name}_train.csv}}
  test_data: {uses: connector/csv, with: {path: data/${name}_test.csv}}
  fit:
    uses: trainer/gbt
    with: {data: "\${{ steps.train_data.outputs.data }}", holdout: "\${{ steps.test_data.outputs.data }}", target: target}
YAML
    "$mlp" run -C "$project" > /dev/null
    "$mlp" metrics latest -C "$project" --json | python3 -c "
import json, sys
m = json.load(sys.stdin)
flat = {}
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (int, float)) and k in ('fit_seconds', 'accuracy', 'iterations'): flat[k] = x
            else: walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(m)
print('mlp trainer/gbt $name:', ', '.join(f'{k} {flat[k]:.4g}' for k in sorted(flat)))"
done
if [ -x "$root/Benchmarks/.venv-gbt/bin/python" ]; then
    "$root/Benchmarks/.venv-gbt/bin/python" "$root/Benchmarks/gbt-quick/sklearn_fit.py" "$data" breast_cancer generated
fi
