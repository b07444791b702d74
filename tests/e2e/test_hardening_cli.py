"""Issue 13, the command line: `-o` writes through special files and links (7), what reaches a
terminal is sanitized (11), clear errors (12), and the rough edges a newcomer hit (13)."""
import json
import os
import signal
import stat
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import MLP, REPO

SERIES = """
name: curve
steps:
  train:
    uses: shell
    with: {run: 'for i in 1 2 3; do printf "{\\"key\\": \\"loss\\", \\"value\\": %s, \\"step\\": %s}\\n" "$i" "$i" >> "$MLP_METRICS"; done'}
"""

GATED = """
name: gated
steps:
  evaluate: {uses: shell, with: {run: 'echo evaluated'}}
  gate:
    uses: approval
    needs: [evaluate]
    with: {message: "ship it?"}
  deploy:
    uses: shell
    needs: [gate]
    with: {run: 'echo deployed > deployed.txt'}
"""

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred"


def with_series(project):
    project.write("mlp.yaml", SERIES)
    project.mlp("run")
    return project.json("runs")[0]["id"]


# --- 7: one way to write -o -------------------------------------------------------------------


def test_plot_o_dash_writes_the_svg_to_stdout_and_creates_no_file(project):
    run_id = with_series(project)
    result = project.mlp("plot", run_id, "loss", "-o", "-")
    assert result.stdout.startswith("<svg") and result.stdout.rstrip().endswith("</svg>")
    assert "wrote standard output" in result.stderr
    assert not (project.root / "-").exists()


def test_plot_o_writes_through_a_fifo_and_dev_null(project):
    run_id = with_series(project)
    fifo = project.root / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    project.mlp("plot", run_id, "loss", "-o", str(fifo), timeout=30)
    reader.join(timeout=30)
    assert received and received[0].startswith(b"<svg")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    project.mlp("plot", run_id, "loss", "-o", "/dev/null")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_plot_o_writes_through_a_symlink_and_replaces_a_regular_file(project):
    run_id = with_series(project)
    target = project.root / "real.svg"
    target.write_text("old")
    link = project.root / "link.svg"
    link.symlink_to(target)
    project.mlp("plot", run_id, "loss", "-o", str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("<svg")
    plain = project.root / "plain.svg"
    plain.write_text("old")
    project.mlp("plot", run_id, "loss", "-o", str(plain))
    assert plain.read_text().startswith("<svg") and not plain.is_symlink()
    assert not [p.name for p in project.root.iterdir() if p.name.startswith(".plain.svg")], "a temporary file was left behind"


@pytest.mark.parametrize("output, words", [("", "the path is empty"), (".", "is a folder"), ("missing/x.svg", "does not exist")])
def test_plot_o_empty_or_a_folder_is_a_clear_usage_error(project, output, words):
    run_id = with_series(project)
    result = project.mlp("plot", run_id, "loss", "-o", output, check=False)
    assert result.returncode == 64, result.stderr
    assert words in result.stderr and "NSCocoaErrorDomain" not in result.stderr


MINILM = Path(os.environ.get("MLP_MINILM_DIR") or REPO / ".cache" / "models" / "all-MiniLM-L6-v2")
needs_minilm = pytest.mark.skipif(not (MINILM / "model.safetensors").exists(), reason="all-MiniLM-L6-v2 not fetched (scripts/fetch-model.sh)")


@needs_minilm
def test_embed_o_writes_through_a_symlink_and_dash_is_stdout(project):
    target = project.root / "real.npy"
    target.write_bytes(b"old")
    link = project.root / "out.npy"
    link.symlink_to(target)
    project.mlp("embed", "--model", str(MINILM), "--threads", "2", "-o", str(link), "hello")
    assert link.is_symlink() and target.read_bytes()[:6] == b"\x93NUMPY"
    out = project.mlp("embed", "--model", str(MINILM), "--threads", "2", "-o", "-", "hello").stdout
    assert json.loads(out.splitlines()[0])["index"] == 0
    assert not (project.root / "-").exists()


# --- 11: terminal escapes -------------------------------------------------------------------


def test_a_steps_escape_sequences_are_shown_not_obeyed_by_run_and_show(project):
    project.write("mlp.yaml", """
name: hostile
steps:
  loud:
    uses: shell
    with: {run: 'printf "\\033]0;pwned\\007\\033[2Jboom\\n" >&2; exit 3'}
""")
    run = project.mlp("run", check=False)
    assert run.returncode == 1
    shown = project.mlp("show", "latest")
    for text in (run.stdout + run.stderr, shown.stdout):
        assert "\x1b" not in text and "\x07" not in text
    assert "^[]0;pwned^G" in shown.stdout or "^[]0;pwned^G" in run.stdout
    # `mlp logs` is the way to the raw bytes.
    raw = project.mlp("logs", "latest", "loud", "--stream", "stderr")
    assert "\x1b]0;pwned\x07" in raw.stderr + raw.stdout


def test_models_list_shows_a_hostile_name_on_one_visible_line(project):
    project.write("mlp.yaml", "name: m\nsteps:\n  a: {uses: noop}\n")
    model = project.root / "model.json"
    model.write_text("{}")
    # Registering may refuse such a name (issue 13 item 9); either way nothing raw reaches the terminal.
    project.mlp("models", "register", "evil\x1b[2J\nname", "--artifact", str(model), check=False)
    listed = project.mlp("models", "list", check=False)
    assert "\x1b" not in listed.stdout + listed.stderr


# --- 12: errors ---------------------------------------------------------------------------------


def test_init_with_an_empty_name_is_a_clear_error(tmp_path):
    result = subprocess.run([MLP, "init", ""], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 64
    assert "name is empty" in result.stderr and "NSCocoaErrorDomain" not in result.stderr


@pytest.mark.parametrize("name", ["back\\slash", 'quo"te', "true", "123", "-dash", "sp ace"])
def test_init_writes_a_pipeline_that_parses_whatever_the_folder_is_called(tmp_path, name):
    created = subprocess.run([MLP, "init", "--template", "shell-basics", "--", name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    checked = subprocess.run([MLP, "validate", "--json"], cwd=tmp_path / name, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    first = (tmp_path / name / "mlp.yaml").read_text().splitlines()
    assert any(line.startswith("name:") for line in first)


@needs_minilm
def test_embed_refuses_nan_embeddings_with_an_error_and_valid_json_never_holds_nan(project):
    broken = project.root / "broken"
    broken.mkdir()
    for name in os.listdir(MINILM):
        if (MINILM / name).is_file() and name != "model.safetensors":
            (broken / name).write_bytes((MINILM / name).read_bytes())
    data = bytearray((MINILM / "model.safetensors").read_bytes())
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    entry = next(v for k, v in header.items() if k.endswith("embeddings.LayerNorm.weight"))
    begin, end = entry["data_offsets"]
    start = 8 + length + begin
    data[start:8 + length + end] = struct.pack("<f", float("nan")) * ((end - begin) // 4)
    (broken / "model.safetensors").write_bytes(bytes(data))
    result = project.mlp("embed", "--model", str(broken), "--threads", "2", "hello", check=False)
    assert result.returncode == 1, result.stdout
    assert "nan" not in result.stdout.lower()
    assert "non-finite" in result.stderr


# --- 13: rough edges ------------------------------------------------------------------------------


def test_a_killed_run_shows_interrupted_with_a_resume_hint(project):
    project.write("mlp.yaml", """
name: long
steps:
  long: {uses: shell, with: {run: 'sleep 60'}}
""")
    runner = project.start("run")
    run = project.wait_for(lambda: (r := project.latest_run()) and r["steps"].get("running") and r, what="the step to start")
    runner.send_signal(signal.SIGKILL)
    runner.communicate()
    try:
        listed = project.mlp("runs").stdout
        line = next(line for line in listed.splitlines() if line.startswith(run["id"]))
        assert "interrupted" in line and "running" not in line
        assert f"mlp resume {run['id']}" in listed
        shown = project.mlp("show", run["id"]).stdout
        assert "status    interrupted" in shown and f"mlp resume {run['id']}" in shown
        assert project.json("show", run["id"])["run"]["interrupted"] is True
        assert project.json("runs")[0]["interrupted"] is True
        took = shown.split("took ")[1].split()[0]
        time.sleep(1.2)
        assert project.mlp("show", run["id"]).stdout.split("took ")[1].split()[0] == took, "the duration still grows"
    finally:
        project.mlp("cancel", run["id"], check=False)


def test_approve_continues_a_detached_run_in_the_background(project):
    project.write("mlp.yaml", GATED)
    run_id = json.loads(project.mlp("run", "--detach", "--json").stdout)["id"]
    project.wait_for(lambda: project.json("show", run_id)["run"]["status"] == "waiting", what="the detached run to reach its gate")
    lock = project.root / ".mlp" / "locks" / f"{run_id}.lock"

    def driven():
        import fcntl
        if not lock.exists():
            return False
        with open(lock, "r+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False

    project.wait_for(lambda: not driven(), what="the background driver to stop at the gate")
    out = project.mlp("approve", run_id, "gate", "-m", "go").stdout
    assert "continuing the run in the background" in out and f"mlp show {run_id}" in out
    project.wait_for(lambda: project.json("show", run_id)["run"]["status"] == "succeeded", timeout=60, what="the run to finish on its own")
    assert (project.root / "deployed.txt").exists()


def test_plot_takes_runs_as_separate_arguments_like_compare(project):
    first = with_series(project)
    project.mlp("run", "--no-cache")
    second = project.json("runs")[0]["id"]
    project.mlp("plot", first, second, "loss", "-o", "both.svg")
    assert (project.root / "both.svg").read_text().count("<polyline") == 2
    project.mlp("plot", f"{first},{second}", "loss", "-o", "alias.svg")
    assert (project.root / "alias.svg").read_text().count("<polyline") == 2


def test_usage_errors_exit_64_with_usage_and_runtime_errors_exit_1_without(project):
    run_id = with_series(project)
    for args in (["runs", "--status", "bogus"], ["show", "--no-such-flag"], ["plot", run_id]):
        result = project.mlp(*args, check=False)
        assert result.returncode == 64, (args, result.stderr)
        assert "Usage:" in result.stderr
    for args in (["logs", run_id, "nosuchstep"], ["plot", run_id, "nosuchmetric"], ["show", "nosuchrun"]):
        result = project.mlp(*args, check=False)
        assert result.returncode == 1, (args, result.returncode, result.stderr)
        assert "Usage:" not in result.stderr and "See 'mlp" not in result.stderr
        assert result.stderr.startswith("Error: ")


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["help", "run"], ["models", "list", "--help"], ["serve", "--help"]])
def test_help_goes_to_stdout_and_exits_0(project, args):
    result = project.mlp(*args, check=False)
    assert result.returncode == 0, (args, result.returncode, result.stderr)
    assert "USAGE:" in result.stdout and result.stderr == ""


def test_the_demos_final_hint_works_as_printed_and_install_puts_mlp_on_a_prefix(tmp_path):
    env = dict(os.environ, MLP=MLP, DEMO_DIR=str(tmp_path / "demo dir"), PATH="/usr/bin:/bin")
    demo = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh")], capture_output=True, text=True, env=env, timeout=600)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    hint = demo.stdout.rstrip().splitlines()[-1].strip()
    followed = subprocess.run(["bash", "-c", hint], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert followed.returncode == 0, hint + "\n" + followed.stderr
    assert "RUN" in followed.stdout

    prefix = tmp_path / "prefix"
    build = Path(MLP).parent
    installed = subprocess.run(["bash", str(REPO / "scripts" / "install.sh"), str(prefix)], capture_output=True, text=True,
                               env=dict(env, BUILD=str(build)), timeout=120)
    assert installed.returncode == 0, installed.stderr
    assert "export PATH=" in installed.stdout
    templates = subprocess.run(["mlp", "templates"], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                               env=dict(env, PATH=f"{prefix / 'bin'}:/usr/bin:/bin"))
    assert templates.returncode == 0 and "tabular-classification" in templates.stdout
