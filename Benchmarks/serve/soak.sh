#!/usr/bin/env bash
# The serve soak (issue 13's acceptance): a real `mlp serve` on loopback serving the
# tabular-classification template's model (trained here by `mlp run`), driven for DURATION seconds
# by soak.py with valid requests (every answer checked) and hostile ones (bad shapes, malformed
# JSON and HTTP, half bodies then disconnect, idle and byte-at-a-time connections up to the
# connection cap), sampling the server's RSS and open fds. It ends by sending SIGTERM with a half
# body open (shutdown must finish within the grace period) and prints a summary; the exit status
# is non-zero when the server crashed, a valid request got a wrong answer or failed, a hostile one
# got a 5xx, or RSS or open fds grew more than 10 % after warm-up (the first 10 % of the run).
#
# Usage: make soak-serve      (or MLP=.build/release/mlp bash Benchmarks/serve/soak.sh)
#   DURATION=600 MAX_CONNECTIONS=128 IDLE_TIMEOUT=10 READ_TIMEOUT=5 VALID_CLIENTS=2
# Loopback only; it kills only the server it started, and removes its temporary project.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
MLP="${MLP:-$root/.build/release/mlp}"
DURATION="${DURATION:-600}"
MAX_CONNECTIONS="${MAX_CONNECTIONS:-128}"
IDLE_TIMEOUT="${IDLE_TIMEOUT:-10}"
READ_TIMEOUT="${READ_TIMEOUT:-5}"
VALID_CLIENTS="${VALID_CLIENTS:-2}"
[ -x "$MLP" ] || { echo "no mlp binary at $MLP (swift build -c release, or set MLP)" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$MLP" init "$work/bc" --template tabular-classification >/dev/null
(cd "$work/bc" && "$MLP" run >/dev/null)
model="$(cd "$work/bc" && "$MLP" models show breast-cancer-logreg --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["path"])')"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

"$MLP" serve --host 127.0.0.1 --port "$port" --model "bc=$model" --max-connections "$MAX_CONNECTIONS" \
  --idle-timeout "$IDLE_TIMEOUT" --read-timeout "$READ_TIMEOUT" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "mlp serve exited at start:"; cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
echo "mlp serve (pid $server) on 127.0.0.1:$port, $MLP"

status=0
python3 "$here/soak.py" --port "$port" --pid "$server" --csv "$root/templates/tabular-classification/data/breast_cancer.csv" \
  --duration "$DURATION" --max-connections "$MAX_CONNECTIONS" --valid-clients "$VALID_CLIENTS" || status=$?
if [ "$status" -ne 0 ]; then echo "--- server log (last 40 lines)"; tail -n 40 "$work/serve.log"; fi
exit "$status"
