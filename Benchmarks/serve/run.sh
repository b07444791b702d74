#!/usr/bin/env bash
# wrk on loopback, side by side in one run: `mlp serve` against FastAPI + ONNX Runtime serving the
# same tabular model (the tabular-classification template's logistic model, trained by `mlp run`
# and exported to ONNX by export_onnx.py). Both get the same Open Inference Protocol request (one
# row of 30 FP64 features). For each server, wrk sweeps the connection count; the figure reported
# is the highest requests/s whose p99 latency stays under 10 ms. The load average is printed
# before and after (the machine may be shared).
#
# Usage: make bench-serve      (or MLP=.build/release/mlp bash Benchmarks/serve/run.sh)
#   DURATION=10 CONNECTIONS="1 2 4 8 16 32 64" WORKERS=2 MAX_BATCH=32 BATCH_DELAY_MS=0 ROUTING_REPS=5 ROUTING_CONNECTIONS=4
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
MLP="${MLP:-$root/.build/release/mlp}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-1 2 4 8 16 32 64}"
WORKERS="${WORKERS:-2}"
MAX_BATCH="${MAX_BATCH:-32}"
BATCH_DELAY_MS="${BATCH_DELAY_MS:-0}"
venv="$root/Benchmarks/.venv-serve"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
[ -x "$MLP" ] || { echo "no mlp binary at $MLP (swift build -c release)" >&2; exit 1; }

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q fastapi 'uvicorn[standard]' onnx onnxruntime numpy

source "$here/common.sh"
train_template "$MLP"
"$venv/bin/python" "$here/export_onnx.py" "$model" "$work/model.onnx"
mlp_port="$(free_port)"
base_port="$(free_port)"

"$MLP" serve --port "$mlp_port" --model "bc=$model" --max-batch "$MAX_BATCH" --batch-delay-ms "$BATCH_DELAY_MS" >"$work/mlp.log" 2>&1 &
pids+=($!)
(cd "$here" && MODEL_ONNX="$work/model.onnx" exec "$venv/bin/uvicorn" baseline_server:app --host 127.0.0.1 --port "$base_port" \
  --workers "$WORKERS" --log-level warning --no-access-log) >"$work/baseline.log" 2>&1 &
pids+=($!)

answer() { curl -sf -X POST -H 'Content-Type: application/json' --data-binary "@$work/body.json" "http://127.0.0.1:$1/v2/models/bc/infer"; }
for port in "$mlp_port" "$base_port"; do
  for _ in $(seq 200); do answer "$port" >/dev/null 2>&1 && break; sleep 0.1; done
  answer "$port" >/dev/null || { echo "server on port $port did not start:"; cat "$work/mlp.log" "$work/baseline.log"; exit 1; }
done
# Both servers must give the same answer before their speed means anything.
python3 - "$(answer "$mlp_port")" "$(answer "$base_port")" <<'PY'
import json, sys
a, b = (json.loads(text)["outputs"] for text in sys.argv[1:3])
pa = next(o for o in a if o["name"] == "probabilities")["data"]
pb = next(o for o in b if o["name"] == "probabilities")["data"]
assert next(o for o in a if o["name"] == "label")["data"] == next(o for o in b if o["name"] == "label")["data"], (a, b)
assert max(abs(x - y) for x, y in zip(pa, pb)) < 1e-9, (pa, pb)
print(f"same answer from both servers: probabilities {pa}")
PY

echo "load before: $(uptime)"
declare -A best
for name in mlp baseline; do
  port="$mlp_port"; [ "$name" = baseline ] && port="$base_port"
  BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t1 -c4 -d2s -s "$here/post.lua" "http://127.0.0.1:$port" >/dev/null   # warm-up
  best[$name]=0
  for c in $CONNECTIONS; do
    threads=$(( c < 2 ? c : 2 ))
    out="$(BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t"$threads" -c"$c" -d"${DURATION}s" --latency -s "$here/post.lua" "http://127.0.0.1:$port")"
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)"
    p99_ms="$(python3 -c 'import sys; v = sys.argv[1]; print(float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000)' "$p99")"
    printf '%-8s connections %3s  %9s req/s  p99 %8s ms  %s\n' "$name" "$c" "$rps" "$p99_ms" "$errors"
    if [ -z "$errors" ] && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 10 and float(sys.argv[2]) > float(sys.argv[3]) else 1)' "$p99_ms" "$rps" "${best[$name]}"; then
      best[$name]="$rps"
    fi
  done
done
# Server CPU per request (user + system time of the server and its worker processes, from /proc,
# around one wrk run at 4 connections): less sensitive to other load on the machine than req/s.
cpu_ticks() { local total=0 t; for p in "$1" $(pgrep -P "$1"); do t="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)"; total=$((total + t)); done; echo "$total"; }
cpu_per_request() {  # $1: server pid, $2: port; prints microseconds of server CPU per request
  local before after out n
  before="$(cpu_ticks "$1")"
  out="$(BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t2 -c4 -d"${DURATION}s" -s "$here/post.lua" "http://127.0.0.1:$2")"
  after="$(cpu_ticks "$1")"
  n="$(grep -oE '[0-9]+ requests in' <<<"$out" | awk '{print $1}')"
  python3 -c 'import os, sys; t, n = (int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf("SC_CLK_TCK"), int(sys.argv[3]); print(f"{t / n * 1e6:.1f}")' "$before" "$after" "$n"
}
mlp_cpu="$(cpu_per_request "${pids[0]}" "$mlp_port")"
base_cpu="$(cpu_per_request "${pids[1]}" "$base_port")"
echo "server CPU per request at 4 connections: mlp serve ${mlp_cpu} us, FastAPI + ONNX Runtime ${base_cpu} us (all its processes)"
# The floor under any handler: the same server answering GET /v2/health/live (no body, no model).
health="$(wrk -t2 -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$mlp_port/v2/health/live")"
echo "mlp serve GET /v2/health/live (an empty handler), 32 connections: $(awk '/^Requests\/sec:/ {print $2}' <<<"$health") req/s, p99 $(awk '$1 == "99%" {print $2}' <<<"$health")"
echo "requests/s at p99 < 10 ms: mlp serve ${best[mlp]}, FastAPI + ONNX Runtime (${WORKERS} uvicorn workers) ${best[baseline]}"
python3 -c 'import sys; a, b = map(float, sys.argv[1:3]); print(f"ratio: {a / b:.2f}x" if b else "ratio: baseline never met p99 < 10 ms")' "${best[mlp]}" "${best[baseline]}"

# The cost of routing: the same model behind a deployment, served directly (one version), as a 50%
# canary (version 2 is the same pipeline run with another L2 penalty: the same 30-feature logistic
# model, so both sides do the same work) and as a shadow (every request runs on both versions; the caller gets
# the stable one's answer). Each mode is measured ROUTING_REPS times at ROUTING_CONNECTIONS, the
# modes interleaved, against `--model` serving in the same rounds; medians are reported.
kill "${pids[0]}" 2>/dev/null || true
wait "${pids[0]}" 2>/dev/null || true
(cd "$work/bc" && "$MLP" run --param l2=1.0 >/dev/null && "$MLP" deploy breast-cancer-logreg:1 --name bc >/dev/null)
route_port="$(free_port)"
serve_mode() {   # $1: model | direct | canary | shadow
  case "$1" in
    direct) (cd "$work/bc" && "$MLP" rollback bc >/dev/null 2>&1 || true) ;;
    canary) (cd "$work/bc" && "$MLP" deploy breast-cancer-logreg:2 --name bc --canary 50 >/dev/null) ;;
    shadow) (cd "$work/bc" && "$MLP" deploy breast-cancer-logreg:2 --name bc --shadow >/dev/null) ;;
  esac
  if [ "$1" = model ]; then
    (cd "$work/bc" && exec "$MLP" serve --port "$route_port" --model "bc=$model" --max-batch "$MAX_BATCH" --batch-delay-ms "$BATCH_DELAY_MS") >"$work/route.log" 2>&1 &
  else
    (cd "$work/bc" && exec "$MLP" serve --port "$route_port" --deployment bc --max-batch "$MAX_BATCH" --batch-delay-ms "$BATCH_DELAY_MS") >"$work/route.log" 2>&1 &
  fi
  route_pid=$!
  for _ in $(seq 200); do answer "$route_port" >/dev/null 2>&1 && break; sleep 0.1; done
}
ROUTING_REPS="${ROUTING_REPS:-5}"
ROUTING_CONNECTIONS="${ROUTING_CONNECTIONS:-4}"
declare -A samples cpu_samples
for rep in $(seq "$ROUTING_REPS"); do
  for mode in model direct canary shadow; do
    serve_mode "$mode"
    BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t1 -c2 -d1s -s "$here/post.lua" "http://127.0.0.1:$route_port" >/dev/null
    out="$(BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t2 -c"$ROUTING_CONNECTIONS" -d"${DURATION}s" --latency -s "$here/post.lua" "http://127.0.0.1:$route_port")"
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)"
    printf 'routing  round %s  %-7s %9s req/s  p99 %8s  %s\n' "$rep" "$mode" "$rps" "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$errors"
    samples[$mode]="${samples[$mode]:-} $rps"
    cpu_samples[$mode]="${cpu_samples[$mode]:-} $(cpu_per_request "$route_pid" "$route_port")"
    kill "$route_pid"; wait "$route_pid" 2>/dev/null || true
  done
done
python3 - "${samples[model]}" "${samples[direct]}" "${samples[canary]}" "${samples[shadow]}" \
  "${cpu_samples[model]}" "${cpu_samples[direct]}" "${cpu_samples[canary]}" "${cpu_samples[shadow]}" <<'PY'
import statistics, sys
names = ["--model", "deployment, one version", "deployment, 50% canary", "deployment, shadow"]
rounds = [[float(x) for x in arg.split()] for arg in sys.argv[1:5]]
medians = [statistics.median(r) for r in rounds]
cpu = [statistics.median(float(x) for x in arg.split()) for arg in sys.argv[5:9]]
for name, median, us, samples in zip(names, medians, cpu, rounds):
    # Each round measures every mode back to back, so the loss within a round is the least
    # touched by the machine's drift; its median over the rounds is the figure to quote.
    paired = statistics.median(1 - s / m for s, m in zip(samples, rounds[0]))
    print(f"routing median: {name:26s} {median:9.1f} req/s  ({(1 - median / medians[0]) * 100:+.1f}% throughput loss vs --model;"
          f" median of per-round losses {paired * 100:+.1f}%)  server CPU {us:6.1f} us/request ({(us / cpu[0] - 1) * 100:+.1f}%)")
PY
echo "load after: $(uptime)"
