# What the serve benchmarks share (sourced by run.sh and ab.sh, with $root set): a temporary folder
# whose servers are stopped on exit, the tabular-classification template trained by an mlp binary,
# the Open Inference Protocol request every server gets (one row of 30 FP64 features), free ports.
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# train_template MLP: runs the template in $work/bc with that binary; sets $model to the registered
# model's folder and writes the request to $work/body.json.
train_template() {
  "$1" init "$work/bc" --template tabular-classification >/dev/null
  (cd "$work/bc" && "$1" run >/dev/null)
  model="$(cd "$work/bc" && "$1" models show breast-cancer-logreg --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["path"])')"
  python3 - "$root/templates/tabular-classification/data/breast_cancer.csv" > "$work/body.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
row = [float(v) for k, v in rows[0].items() if k != "target"]
print(json.dumps({"inputs": [{"name": "features", "shape": [1, len(row)], "datatype": "FP64", "data": row}]}))
PY
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
