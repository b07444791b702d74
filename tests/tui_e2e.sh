#!/usr/bin/env bash
# End-to-end test of `mlp tui`: drives the real TUI inside tmux (send-keys, capture-pane)
# against real `mlp run` processes.
#
#   tests/tui_e2e.sh PATH/TO/mlp
#
# Scenarios: open a run; follow a log while the step writes, and search it; approve a waiting
# gate with a comment and see the run finish; reject another and see it stop; approve the gate
# of a detached run (no process drives it) and see the TUI resume it; filter the runs; resize
# the window (80x24 and large); `?`; quit with `q`, Ctrl-C and a crash (SIGSEGV), each time with
# the terminal restored; NO_COLOR. Builds nothing itself; about 10-25 s.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/mlp" >&2; exit 2; }
MLP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$MLP" ] || { echo "not an executable: $1" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tmux is needed (apt-get install tmux)" >&2; exit 2; }

SOCKET="mlp-tui-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlp-tui-e2e.XXXXXX")
PROJECT="$WORK/project"
PIDS=()
T() { tmux -L "$SOCKET" -f /dev/null "$@"; }

cleanup() {
    T kill-server 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    # `mlp run` stops its steps' process groups on SIGTERM; give it a moment before removing the project.
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

screen() { T capture-pane -p -t e2e; }
fail() {
    echo "FAIL: $*" >&2
    echo "--- screen ---" >&2
    screen >&2 || true
    echo "--------------" >&2
    exit 1
}
ok() { echo "ok - $*"; }

# Waits (30 s unless told: generous, for a loaded machine) until the screen shows a line matching
# the (grep -E) pattern.
wait_for() {
    local pattern=$1 seconds=${2:-30} waited=0
    while ! screen | grep -Eq -- "$pattern"; do
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt $((seconds * 10)) ] || fail "timed out after ${seconds}s waiting for /$pattern/"
    done
}

# Waits (60 s unless told) for a background process of this shell to end; sets EXIT_STATUS.
wait_exit() {
    local pid=$1 seconds=${2:-60} waited=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt $((seconds * 10)) ] || { EXIT_STATUS=timeout; return; }
    done
    EXIT_STATUS=0
    wait "$pid" || EXIT_STATUS=$?
}

json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

keys() { T send-keys -t e2e "$@"; }

# The terminal is back to normal: the shell prompt shows, the alternate screen is off, and the
# tty settings are what they were before the TUI started.
check_restored() {
    local how=$1
    wait_for "^PROMPT\\$"
    [ "$(T display -p -t e2e '#{alternate_on}')" = 0 ] || fail "$how: the alternate screen is still on"
    [ "$(T display -p -t e2e '#{cursor_flag}')" = 1 ] || fail "$how: the cursor is still hidden"
    # The shell writes the settings to a temporary file and renames it, so the file exists only once
    # complete; wait for it (up to 30 s) rather than a fixed pause a loaded machine can outlast.
    rm -f "$WORK/stty.after"
    keys "stty -g > $WORK/stty.tmp && mv $WORK/stty.tmp $WORK/stty.after; clear" Enter
    local waited=0
    until [ -e "$WORK/stty.after" ]; do
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt 300 ] || fail "$how: the shell did not write its tty settings within 30 s"
    done
    cmp -s "$WORK/stty.before" "$WORK/stty.after" || fail "$how: tty settings differ: $(cat "$WORK/stty.before") vs $(cat "$WORK/stty.after")"
    ok "$how restores the terminal"
}

start_tui() {
    keys "clear; $* $MLP tui --refresh 0.3; echo \"tui-exit=\$?\"" Enter
    wait_for "mlp · Runs"
}

# --- a project with a step that writes while the test watches, and an approval gate -----------
mkdir -p "$PROJECT"
cat > "$PROJECT/mlp.yaml" <<'YAML'
name: e2e
params:
  marker: {type: string, default: none}
steps:
  train:
    uses: shell
    with:
      marker: ${{ params.marker }}
      run: |
        echo "training started"
        if [ "$MLP_INPUT_MARKER" != none ]; then
          while [ ! -e "$MLP_INPUT_MARKER" ]; do sleep 0.1; done
          echo "marker seen: epoch 2 done"
        fi
        printf '{"auc": 0.93, "loss": 0.21}' > "$MLP_OUTPUTS/metrics"
    outputs: {metrics: metrics}
  gate:
    uses: approval
    with: {show: "${{ steps.train.outputs.metrics }}"}
  publish:
    uses: shell
    needs: [gate]
    with: {run: "echo published"}
YAML

# Run A waits for the marker inside `train`, then at the gate; run B goes straight to the gate.
(cd "$PROJECT" && exec "$MLP" run --no-cache --param "marker=$WORK/go" > "$WORK/a.out" 2>&1) &
PIDS+=($!); PID_A=$!
deadline=$((SECONDS + 60))
until "$MLP" runs -C "$PROJECT" --json 2>/dev/null | grep -q '"id"' || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.1; done
RUN_A=$("$MLP" show latest -C "$PROJECT" --json | json_field 'd["run"]["id"]')
(cd "$PROJECT" && exec "$MLP" run --no-cache > "$WORK/b.out" 2>&1) &
PIDS+=($!); PID_B=$!
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
    RUN_B=$("$MLP" show latest -C "$PROJECT" --json | json_field 'd["run"]["id"]')
    [ "$RUN_B" != "$RUN_A" ] && break
    sleep 0.1
done
[ "$RUN_B" != "$RUN_A" ] || fail "run B did not start"
echo "# run A $RUN_A (follows a marker), run B $RUN_B"

# --- the TUI in a 100x30 tmux window -----------------------------------------------------------
T new-session -d -s e2e -x 100 -y 30 -c "$PROJECT" "env -i HOME=$WORK PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 MLP_USER=e2e-tester PS1='PROMPT\$ ' bash --norc --noprofile"
wait_for '^PROMPT\$'
keys "stty -g > $WORK/stty.before" Enter
start_tui ""
wait_for "Runs \\(2\\)"
wait_for "$RUN_B"
ok "runs view lists both runs"

# Open run A (the older one, second row).
keys j Enter
wait_for "Run $RUN_A"
wait_for "train +shell +running"
ok "opened run A: train is running"

# Follow train's log while it writes.
keys Enter
wait_for "train · attempt 1/1 running"
wait_for "^training started"
wait_for "following"
touch "$WORK/go"
wait_for "^marker seen: epoch 2 done"
ok "log view followed the step's output as it grew"
keys /
wait_for "^search: "
keys -l "epoch 2"
keys Enter
wait_for "paused \\(G follows\\) · /epoch 2"
keys G
wait_for "· following · /epoch 2"
ok "log search, and G follows again"

# Back to the run: the gate waits.
keys Escape
wait_for "⏸ gate +approval +waiting"
ok "run view shows the gate waiting"

# --- approvals: approve A with a comment, reject B ---------------------------------------------
keys A
wait_for "Approvals \\(2 waiting\\)"
wait_for "auc"
if screen | grep -q "─ gate of $RUN_B"; then keys j; fi
wait_for "─ gate of $RUN_A"
keys a
wait_for "approve gate of $RUN_A"
keys -l "looks good from e2e"
keys Enter
wait_for "approved gate of run $RUN_A as e2e-tester"
wait_exit "$PID_A"
[ "$EXIT_STATUS" = 0 ] || fail "mlp run A ended with status $EXIT_STATUS: $(cat "$WORK/a.out")"
[ "$("$MLP" show "$RUN_A" -C "$PROJECT" --json | json_field 'd["run"]["status"]')" = succeeded ] || fail "run A did not succeed"
"$MLP" approvals --all --json -C "$PROJECT" | json_field "[a for a in d if a['run']=='$RUN_A'][0]" > "$WORK/a.decision"
grep -q "'comment': 'looks good from e2e'" "$WORK/a.decision" || fail "comment not stored: $(cat "$WORK/a.decision")"
grep -q "'decided_by': 'e2e-tester'" "$WORK/a.decision" || fail "decider not stored: $(cat "$WORK/a.decision")"
grep -q "'status': 'approved'" "$WORK/a.decision" || fail "not approved: $(cat "$WORK/a.decision")"
ok "approved A in the TUI: comment stored as \`mlp approve\` stores it, run A finished (succeeded)"

wait_for "Approvals \\(1 waiting\\)"
wait_for "─ gate of $RUN_B"
keys r
wait_for "reject gate of $RUN_B"
keys -l "auc below the bar"
keys Enter
wait_for "rejected gate of run $RUN_B as e2e-tester"
wait_exit "$PID_B"
[ "$EXIT_STATUS" = 3 ] || fail "mlp run B ended with status $EXIT_STATUS (3 means rejected): $(cat "$WORK/b.out")"
[ "$("$MLP" show "$RUN_B" -C "$PROJECT" --json | json_field 'd["run"]["status"]')" = rejected ] || fail "run B is not rejected"
"$MLP" approvals --all --json -C "$PROJECT" | json_field "[a for a in d if a['run']=='$RUN_B'][0]['comment']" | grep -qx "auc below the bar" || fail "reject comment not stored"
ok "rejected B in the TUI: run B stopped (rejected), comment stored"

# A detached run stops at its gate with no process driving it: approving it in the TUI
# starts a driver in the background, and the run finishes.
"$MLP" run --detach --no-cache -C "$PROJECT" > "$WORK/c.out"
RUN_C=$(sed -n 's/^started run \([^ ]*\) in the background.*/\1/p' "$WORK/c.out")
[ -n "$RUN_C" ] || fail "no detached run: $(cat "$WORK/c.out")"
wait_for "Approvals \\(1 waiting\\)"
wait_for "─ gate of $RUN_C"
# The detached driver stops at the gate and then exits. A decision made while it still holds the
# run's lock is left to it (the TUI starts no driver), and it is exiting; wait up to 60 s for the
# lock to be free (the TUI shows the gate as soon as it is stored, before the driver is gone).
deadline=$((SECONDS + 60))
until python3 -c 'import fcntl, sys; fcntl.flock(open(sys.argv[1], "r+"), fcntl.LOCK_EX | fcntl.LOCK_NB)' "$PROJECT/.mlp/locks/$RUN_C.lock" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the detached driver of run $RUN_C still holds its lock after 60 s"
    sleep 0.1
done
keys a
wait_for "approve gate of $RUN_C"
keys -l "detached and approved"
keys Enter
wait_for "approved gate of run $RUN_C as e2e-tester; continuing the run in the background"
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$("$MLP" show "$RUN_C" -C "$PROJECT" --json | json_field 'd["run"]["status"]')" = succeeded ] && break
    sleep 0.2
done
[ "$("$MLP" show "$RUN_C" -C "$PROJECT" --json | json_field 'd["run"]["status"]')" = succeeded ] || fail "detached run C did not finish after its approval"
ok "approved a detached run's gate: the TUI resumed it and it succeeded"

# The runs view shows every outcome (live refresh from the other processes).
keys R
wait_for "✓ succeeded +$RUN_A"
wait_for "✗ rejected +$RUN_B"
wait_for "✓ succeeded +$RUN_C"
ok "runs view refreshed: A and C succeeded, B rejected"

# Filters: s cycles the status (all, running, waiting, succeeded, …); c clears.
keys s s s
wait_for "Runs \\(2\\)  status=succeeded"
screen | grep -q "$RUN_B" && fail "the succeeded filter still lists rejected run B"
keys c p
wait_for "^pipeline \\(empty for all\\): "
keys -l "no-such-pipeline"
keys Enter
wait_for "no runs match the filters"
keys c
wait_for "Runs \\(3\\)"
ok "status and pipeline filters"

# --- resize ------------------------------------------------------------------------------------
# What is wrong with the layout at WIDTH x HEIGHT; nothing once it is right.
layout_problem() {
    local width=$1 height=$2 lines
    lines=$(screen | wc -l)
    [ "$lines" -eq "$height" ] || { echo "the pane shows $lines lines"; return; }
    screen | head -1 | grep -q "mlp · Runs (3)" || { echo "no title bar on the first line"; return; }
    screen | tail -1 | grep -q "? help" || { echo "no help bar on the last line"; return; }
    screen | grep -q "$RUN_A" || { echo "run A is not listed"; return; }
    [ "$(screen | python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))')" -le "$width" ] || echo "a line is wider than the window"
}

check_layout() {
    local width=$1 height=$2 problem waited=0
    T resize-window -t e2e -x "$width" -y "$height"
    # The TUI redraws when told of the new size; wait for that (up to 30 s) rather than a fixed
    # pause a loaded machine can outlast.
    while problem=$(layout_problem "$width" "$height"); [ -n "$problem" ]; do
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt 300 ] || fail "${width}x${height}: $problem"
    done
    ok "resized to ${width}x${height}: title, runs and help bar in place"
}
check_layout 80 24
check_layout 180 50
check_layout 100 30

# Help page.
keys '?'
wait_for "Everywhere"
keys x
wait_for "STATUS +RUN"
ok "? shows every key"

# --- leaving: q, Ctrl-C, a crash -----------------------------------------------------------------
keys q
wait_for "tui-exit=0"
check_restored "q"

start_tui ""
keys C-c
wait_for "tui-exit=130"
check_restored "Ctrl-C"

start_tui ""
TUI_PID=$(pgrep -P "$(T display -p -t e2e '#{pane_pid}')" -f "mlp tui")
kill -SEGV "$TUI_PID"
wait_for "tui-exit=139"
check_restored "a crash (SIGSEGV)"

# --- NO_COLOR ------------------------------------------------------------------------------------
# Each capture waits for the runs to be listed: the title bar is written first, so a capture
# taken as soon as it shows can miss the rest of the frame (and its colours).
start_tui ""
wait_for "✓ succeeded +$RUN_A"
T capture-pane -e -p -t e2e > "$WORK/colour.screen"
keys q
wait_for "tui-exit=0"
start_tui "NO_COLOR=1"
wait_for "✓ succeeded +$RUN_A"
T capture-pane -e -p -t e2e > "$WORK/nocolour.screen"
keys q
wait_for "tui-exit=0"
grep -Eq $'\e\\[([0-9;]*;)?3[1-6](;[0-9;]*)?m' "$WORK/colour.screen" || fail "no colours without NO_COLOR"
! grep -Eq $'\e\\[([0-9;]*;)?3[1-6](;[0-9;]*)?m' "$WORK/nocolour.screen" || fail "colours despite NO_COLOR"
grep -q "✓ succeeded" "$WORK/nocolour.screen" || fail "NO_COLOR: states must still read by symbol"
ok "NO_COLOR: no colours, states read by symbol"

echo "all tui e2e scenarios passed"
