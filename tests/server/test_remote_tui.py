"""`mlp tui --server`: the real TUI in tmux, from an empty folder, over a run that reports to a server.

It lists the run, follows a running step's log as the server receives it, and approves the gate:
the decision is stored under the token's user (not $MLP_USER) and the run, driven elsewhere, finishes.
"""
import os
import shutil
import signal
import subprocess
import time

import pytest

from serverproc import MLP

PIPELINE = """name: e2e
steps:
  train:
    uses: shell
    with:
      marker: "MARKER"
      run: |
        echo "training started"
        while [ ! -e "$MLP_INPUT_MARKER" ]; do sleep 0.1; done
        echo "marker seen: epoch 2 done"
        printf '{"auc": 0.93}' > "$MLP_OUTPUTS/metrics"
    outputs: {metrics: metrics}
  gate:
    uses: approval
    with: {show: "${{ steps.train.outputs.metrics }}"}
"""


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tui_over_a_server_follows_logs_and_approves_as_the_tokens_user(mlp_server, tmp_path):
    if mlp_server.kind != "sqlite":
        pytest.skip("the TUI reads through the same API whatever the database; once is enough")
    runner = mlp_server.tokens.create("rita", "runner")
    approver = mlp_server.tokens.create("alice", "approver")
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "go"
    (project / "mlp.yaml").write_text(PIPELINE.replace("MARKER", str(marker)))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLP_")}
    environment.update({"MLP_TOKEN": runner, "XDG_CONFIG_HOME": str(tmp_path / "no-config")})
    driver = subprocess.Popen([MLP, "run", "--server", mlp_server.url], cwd=project, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    socket = f"mlp-remote-tui-{os.getpid()}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def tmux(*arguments, check=True):
        return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *arguments], capture_output=True, text=True, timeout=30, check=check)

    def screen():
        return tmux("capture-pane", "-p", "-t", "tui").stdout

    def wait_for(text, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in screen():
                return
            time.sleep(0.1)
        raise AssertionError(f"the screen never showed {text!r}:\n{screen()}")

    try:
        deadline = time.monotonic() + 60
        run_id = None
        while run_id is None and time.monotonic() < deadline:
            answer = mlp_server.get("/projects/e2e/runs", token=runner)
            if answer.status == 200 and answer.json():
                run_id = answer.json()[0]["id"]
            time.sleep(0.1)
        assert run_id, driver.communicate(timeout=5)
        command = (f"env -i HOME={tmp_path} PATH={os.environ['PATH']} TERM=tmux-256color LANG=C.UTF-8 MLP_USER=e2e-tester "
                   f"MLP_TOKEN={approver} XDG_CONFIG_HOME={tmp_path}/no-config "
                   f"{MLP} tui --server {mlp_server.url} --server-project e2e --refresh 0.3")
        tmux("new-session", "-d", "-s", "tui", "-x", "110", "-y", "30", "-c", str(elsewhere), command)
        wait_for("mlp · Runs")
        wait_for(run_id)
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(f"Run {run_id}")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for("train · attempt 1/1 running")
        wait_for("training started")
        marker.touch()
        wait_for("marker seen: epoch 2 done")
        tmux("send-keys", "-t", "tui", "Escape")
        tmux("send-keys", "-t", "tui", "A")
        wait_for("Approvals (1 waiting)")
        tmux("send-keys", "-t", "tui", "a")
        wait_for(f"approve gate of {run_id}")
        tmux("send-keys", "-t", "tui", "-l", "fine from the tui")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(f"approved gate of run {run_id} as alice")
        stdout, stderr = driver.communicate(timeout=120)
        assert driver.returncode == 0, f"{stdout}\n{stderr}"
        decision = next(a for a in mlp_server.get("/projects/e2e/approvals", token=runner).json() if a["runID"] == run_id)
        assert decision["decidedBy"] == "alice" and decision["comment"] == "fine from the tui"
        tmux("send-keys", "-t", "tui", "q")
    finally:
        tmux("kill-server", check=False)
        if driver.poll() is None:
            os.kill(driver.pid, signal.SIGKILL)
            driver.wait(timeout=30)
