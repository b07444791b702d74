#!/usr/bin/env bash
# Two builds of `mlp serve` side by side in one run: the same tabular model, the same request, wrk on
# loopback, rounds interleaved (A then B at each connection count, ROUNDS times) so drift of the
# machine falls on both alike. Reports the median requests/s and p99 per build and connection
# count, the ratio B/A, and the server CPU per request (from /proc) — less sensitive to other load.
#
# Usage: MLP_A=<before>/mlp MLP_B=<after>/mlp bash Benchmarks/serve/ab.sh
#   ROUNDS=5 DURATION=8 CONNECTIONS="2 4 16"
#   MODE=model (default: `--model`) | direct | canary | shadow (a deployment of the template's model,
#   version 2 retrained with another L2 penalty as a 50% canary or a shadow; both servers read it)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
MLP_A="${MLP_A:?MLP_A: the build before}"
MLP_B="${MLP_B:-$root/.build/release/mlp}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-8}"
CONNECTIONS="${CONNECTIONS:-2 4 16}"
MODE="${MODE:-model}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
for binary in "$MLP_A" "$MLP_B"; do [ -x "$binary" ] || { echo "no mlp binary at $binary" >&2; exit 1; }; done

source "$here/common.sh"
train_template "$MLP_B"
serving=(--model "bc=$model")
if [ "$MODE" != model ]; then
  (cd "$work/bc" && "$MLP_B" run --param l2=1.0 >/dev/null && "$MLP_B" deploy breast-cancer-logreg:1 --name bc >/dev/null)
  case "$MODE" in
    canary) (cd "$work/bc" && "$MLP_B" deploy breast-cancer-logreg:2 --name bc --canary 50 >/dev/null) ;;
    shadow) (cd "$work/bc" && "$MLP_B" deploy breast-cancer-logreg:2 --name bc --shadow >/dev/null) ;;
  esac
  serving=(--deployment bc)
fi
declare -A port pid
for side in A B; do
  binary="$MLP_A"; [ "$side" = B ] && binary="$MLP_B"
  port[$side]="$(free_port)"
  (cd "$work/bc" && exec "$binary" serve --port "${port[$side]}" "${serving[@]}") >"$work/$side.log" 2>&1 &
  pid[$side]=$!
  pids+=($!)
done
answer() { curl -sf -X POST -H 'Content-Type: application/json' --data-binary "@$work/body.json" "http://127.0.0.1:$1/v2/models/bc/infer"; }
for side in A B; do
  for _ in $(seq 200); do answer "${port[$side]}" >/dev/null 2>&1 && break; sleep 0.1; done
  answer "${port[$side]}" >/dev/null || { echo "server $side did not start:"; cat "$work/$side.log"; exit 1; }
done
[ "$(answer "${port[A]}")" = "$(answer "${port[B]}")" ] || { echo "A and B answer differently" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "mode: $MODE"
echo "A: $MLP_A"
echo "B: $MLP_B"
echo "load before: $(uptime)"
results="$work/results.tsv"
for side in A B; do BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t1 -c2 -d2s -s "$here/post.lua" "http://127.0.0.1:${port[$side]}" >/dev/null; done
for round in $(seq "$ROUNDS"); do
  for c in $CONNECTIONS; do
    for side in A B; do
      threads=$(( c < 2 ? c : 2 ))
      before="$(cpu_ticks "${pid[$side]}")"
      out="$(BODY_FILE="$work/body.json" INFER_PATH=/v2/models/bc/infer wrk -t"$threads" -c"$c" -d"${DURATION}s" --latency -s "$here/post.lua" "http://127.0.0.1:${port[$side]}")"
      after="$(cpu_ticks "${pid[$side]}")"
      rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
      p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
      n="$(grep -oE '[0-9]+ requests in' <<<"$out" | awk '{print $1}')"
      errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)"
      printf 'round %s  %s  connections %3s  %9s req/s  p99 %8s  %s\n' "$round" "$side" "$c" "$rps" "$p99" "$errors"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$c" "$rps" "$p99" "$((after - before))" "$n" >>"$results"
    done
  done
done
echo "load after: $(uptime)"
python3 - "$results" <<'PY'
import collections, os, statistics, sys
def ms(text):
    return float(text[:-2]) if text.endswith("ms") else float(text[:-2]) / 1000 if text.endswith("us") else float(text[:-1]) * 1000
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    side, c, rps, p99, ticks, n = line.split("\t")
    rows[(side, int(c))].append((float(rps), ms(p99), int(ticks) / os.sysconf("SC_CLK_TCK") / int(n) * 1e6))
for c in sorted({c for _, c in rows}):
    med = {side: [statistics.median(x[i] for x in rows[(side, c)]) for i in range(3)] for side in "AB"}
    print(f"connections {c:3d}: A {med['A'][0]:9.0f} req/s p99 {med['A'][1]:.3f} ms cpu {med['A'][2]:.1f} us/req | "
          f"B {med['B'][0]:9.0f} req/s p99 {med['B'][1]:.3f} ms cpu {med['B'][2]:.1f} us/req | B/A {med['B'][0] / med['A'][0]:.3f}")
PY
