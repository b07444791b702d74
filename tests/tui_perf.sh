#!/usr/bin/env bash
# Measures `mlp tui` on a store with many runs: time to first paint and per-keystroke redraw.
#
#   tests/tui_perf.sh PATH/TO/mlp [RUNS]      (RUNS defaults to 10000)
#
# One real run is made with `mlp run`; it is then copied (runs, steps, params rows) in one SQL
# transaction until the store holds RUNS runs. The TUI runs in a 120x40 tmux window with
# MLP_TUI_TIMINGS set; the script sends keys one at a time (waiting for each to be drawn) and
# prints the figures from the timings file.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 PATH/TO/mlp [RUNS]" >&2; exit 2; }
MLP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
RUNS=${2:-10000}
SOCKET="mlp-tui-perf-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlp-tui-perf.XXXXXX")
T() { tmux -L "$SOCKET" -f /dev/null "$@"; }
trap 'T kill-server 2>/dev/null || true; sleep 0.3; rm -rf "$WORK" 2>/dev/null || true' EXIT

mkdir -p "$WORK/project"
cat > "$WORK/project/mlp.yaml" <<'YAML'
name: perf
steps:
  load: {uses: shell, with: {run: "echo a,b > $MLP_OUTPUTS/data"}, outputs: {data: dataset}}
  shard: {uses: shell, foreach: [a, b, c, d], with: {run: "echo $MLP_ITEM"}}
  train: {uses: shell, with: {data: "${{ steps.load.outputs.data }}", run: "printf '{\"auc\": 0.9}' > $MLP_OUTPUTS/metrics"}, outputs: {metrics: metrics}}
  report: {uses: shell, needs: [train, shard], with: {run: "echo done"}}
YAML
(cd "$WORK/project" && "$MLP" run > /dev/null)

python3 - "$WORK/project/.mlp/mlp.sqlite" "$RUNS" <<'PY'
import sqlite3, sys, time
path, total = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
run_columns = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
step_columns = [r[1] for r in db.execute("PRAGMA table_info(steps)") if r[1] != "id"]
param_columns = [r[1] for r in db.execute("PRAGMA table_info(params)")]
(seed,) = db.execute("SELECT id FROM runs").fetchone()
run = dict(zip(run_columns, db.execute("SELECT * FROM runs WHERE id = ?", (seed,)).fetchone()))
steps = [dict(zip(step_columns, row)) for row in db.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in step_columns)} FROM steps WHERE runID = ?", (seed,))]
params = [dict(zip(param_columns, row)) for row in db.execute("SELECT * FROM params WHERE runID = ?", (seed,))]
statuses = ["succeeded"] * 7 + ["failed", "cancelled", "rejected"]
start = time.time()
with db:
    for n in range(1, total):
        copy = dict(run, id=f"{seed[:9]}{n:06d}-perf", createdAt=run["createdAt"] - n * 60, pipeline="perf" if n % 3 else "perf-nightly")
        copy["startedAt"] = copy["createdAt"]
        copy["finishedAt"] = copy["createdAt"] + 42
        copy["status"] = statuses[n % len(statuses)]
        db.execute(f"INSERT INTO runs ({', '.join(run_columns)}) VALUES ({', '.join('?' * len(run_columns))})", [copy[c] for c in run_columns])
        for step in steps:
            values = dict(step, runID=copy["id"])
            db.execute(f"INSERT INTO steps ({', '.join(chr(34) + c + chr(34) for c in step_columns)}) VALUES ({', '.join('?' * len(step_columns))})", [values[c] for c in step_columns])
        for param in params:
            db.execute(f"INSERT INTO params ({', '.join(param_columns)}) VALUES ({', '.join('?' * len(param_columns))})", [dict(param, runID=copy["id"])[c] for c in param_columns])
(runs,) = db.execute("SELECT count(*) FROM runs").fetchone()
(step_rows,) = db.execute("SELECT count(*) FROM steps").fetchone()
print(f"# store: {runs} runs, {step_rows} step rows (filled in {time.time() - start:.1f}s)")
PY

TIMINGS="$WORK/timings.txt"
T new-session -d -s perf -x 120 -y 40 -c "$WORK/project" "env -i HOME=$WORK PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 PS1='PROMPT\$ ' bash --norc --noprofile"
sleep 0.5
T send-keys -t perf "date +%s.%N > $WORK/launched; MLP_TUI_TIMINGS=$TIMINGS $MLP tui" Enter
for _ in $(seq 200); do grep -q first_paint "$TIMINGS" 2>/dev/null && break; sleep 0.05; done
grep -q first_paint "$TIMINGS" || { echo "no first paint"; T capture-pane -p -t perf; exit 1; }
T capture-pane -p -t perf | grep -q "Runs ($RUNS)" || { echo "the runs view does not show $RUNS runs"; T capture-pane -p -t perf; exit 1; }

# Sends one key and waits until the TUI has recorded drawing it.
press() {
    local before
    before=$(grep -c '^key ' "$TIMINGS" || true)
    T send-keys -t perf "$1"
    for _ in $(seq 400); do
        [ "$(grep -c '^key ' "$TIMINGS" || true)" -gt "$before" ] && return
        sleep 0.005
    done
    echo "key $1 was not drawn within 2s" >&2
    exit 1
}
for _ in $(seq 100); do press j; done
for _ in $(seq 30); do press NPage; done
press G
for _ in $(seq 30); do press PPage; done
for _ in $(seq 50); do press k; done
press g
for _ in $(seq 8); do press s; done
press Enter
press Escape
T send-keys -t perf q

python3 - "$TIMINGS" "$WORK/launched" "$RUNS" <<'PY'
import sys, statistics
lines = [l.split() for l in open(sys.argv[1])]
launched = float(open(sys.argv[2]).read())
paint = next(l for l in lines if l[0] == "first_paint")
print(f"runs in store: {sys.argv[3]}")
print(f"first paint: {float(paint[1]):.1f} ms from the command's start; {1000 * (float(paint[2]) - launched):.1f} ms from the shell launching the process")
keys = {}
for l in lines:
    if l[0] == "key":
        keys.setdefault(l[1], []).append(float(l[2]))
every = [v for vs in keys.values() for v in vs]
def row(name, values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"{name:<10} {len(values):>5} {statistics.median(values):>9.2f} {p95:>9.2f} {values[-1]:>9.2f}"
print(f"{'key':<10} {'count':>5} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}")
for name in ["j", "k", "pageDown", "pageUp", "G", "g", "s", "enter", "escape"]:
    if name in keys: print(row(name, keys[name]))
print(row("all", every))
ticks = [float(l[1]) for l in lines if l[0] == "tick"]
if ticks: print(row("tick", ticks).replace("tick      ", "refresh   "))
PY
