"""`mlp run --server` and the read commands against a real `mlp server` (SQLite and PostgreSQL).

- The tabular template run with `--server` appears from a second, empty folder (`mlp runs/show/metrics/
  artifacts/lineage --server`) with the metrics, lineage and artifact digests that the same run stored
  locally has; its artifacts download byte-identical to the local run's blobs.
- A shell step's logs reach the server (`mlp logs --server`).
- `mlp approve --server` with a viewer's token fails clearly (403, the role it needs); with an
  approver's token the decision is stored under the token's user, whatever `--by` claims.
- `kill -9` of the server while a run reports a fan-out of shell steps, a restart on the same port and
  database: the client retries and finishes, and the run's record is whole, nothing stored twice.
"""
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from serverproc import MLP

# Timings differ from run to run; everything else the template records is deterministic.
TIMING_METRICS = {"fit_seconds", "fit_cpu_seconds"}


def mlp(*arguments, cwd, token=None, check=True, timeout=300, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLP_")}
    environment["XDG_CONFIG_HOME"] = str(Path(cwd) / ".no-config")  # no profile of the person running the tests
    environment["XDG_CACHE_HOME"] = str(Path(cwd) / ".cache")
    if token is not None:
        environment["MLP_TOKEN"] = token
    environment.update(env or {})
    result = subprocess.run([MLP, *arguments], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"mlp {' '.join(arguments)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def as_json(result):
    return json.loads(result.stdout)


def template_project(root: Path, name: str) -> Path:
    project = root / name
    subprocess.run([MLP, "init", str(project), "--template", "tabular-classification"], check=True, capture_output=True, timeout=120)
    return project


def run_view(cwd, run, server_args=(), token=None):
    """What the read commands say of a run: its final metrics, its artifacts with their producers, lineage of each."""
    show = as_json(mlp("show", run, "--json", *server_args, cwd=cwd, token=token))
    metrics = as_json(mlp("metrics", run, "--json", *server_args, cwd=cwd, token=token))
    artifacts = as_json(mlp("artifacts", "--run", run, "--json", *server_args, cwd=cwd, token=token))
    finals = {(m["step"], m["key"]): m["value"] for m in metrics["final"] if m["key"] not in TIMING_METRICS}
    produced = {a["digest"]: (a["type"], a["size"], a["produced_by"]["step"], a["produced_by"]["port"]) for a in artifacts}
    lineage = {}
    for digest in produced:
        tree = as_json(mlp("lineage", digest, "--json", *server_args, cwd=cwd, token=token))
        lineage[digest] = json.dumps(strip_runs(tree), sort_keys=True)
    steps = {s["name"]: (s["status"], json.dumps(s["outputs"], sort_keys=True)) for s in show["steps"] if s["name"] not in ("train", "gate")}  # their outputs hold timings
    return show, finals, produced, lineage, steps


def strip_runs(value):
    """A lineage tree without run ids and timestamps (two runs of the same pipeline differ only there)."""
    if isinstance(value, dict):
        return {k: strip_runs(v) for k, v in value.items() if k not in ("run", "runs", "run_id", "created_at", "stored_at")}
    if isinstance(value, list):
        return [strip_runs(v) for v in value]
    return value


def test_template_run_reported_to_the_server_reads_the_same_from_another_folder(mlp_server, tmp_path):
    runner = mlp_server.tokens.create("rita", "runner")
    viewer = mlp_server.tokens.create("vera", "viewer")
    local = template_project(tmp_path, "local")
    mlp("run", cwd=local)
    remote = template_project(tmp_path, "bc")
    ran = mlp("run", "--server", mlp_server.url, "--json", cwd=remote, token=runner)
    run_id = json.loads(ran.stdout)["id"]
    assert not (remote / ".mlp" / "mlp.sqlite").exists() or not mlp("runs", "--json", cwd=remote).stdout.strip("[]\n ")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = ("--server", mlp_server.url, "--server-project", "bc")
    runs = as_json(mlp("runs", "--json", *server, cwd=elsewhere, token=viewer))
    assert [r["id"] for r in runs] == [run_id]
    assert runs[0]["status"] == "succeeded" and runs[0]["interrupted"] is False
    assert runs[0]["steps"] == {"succeeded": 6}

    local_run = as_json(mlp("runs", "--json", cwd=local))[0]["id"]
    _, local_finals, local_artifacts, local_lineage, local_steps = run_view(local, local_run)
    show, finals, artifacts, lineage, steps = run_view(elsewhere, run_id, server, viewer)
    assert show["run"]["id"] == run_id and show["run"]["status"] == "succeeded"
    assert finals == local_finals and finals
    assert artifacts == local_artifacts and len(artifacts) >= 4
    assert lineage == local_lineage
    assert steps == local_steps

    # The bytes: each artifact downloads (into this folder's cache) identical to the local run's blob.
    paths = mlp("artifacts", "--run", run_id, "--paths", *server, cwd=elsewhere, token=viewer).stdout.split()
    assert len(paths) == len(artifacts)
    for digest, (kind, *_rest) in artifacts.items():
        path = next(p for p in paths if digest in p)
        if Path(path).is_file():
            data = Path(path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest
            shard = local / ".mlp" / "artifacts" / "sha256" / digest[:2] / digest
            assert data == shard.read_bytes()
        else:  # a folder artifact (the model): rebuilt from its manifest, every file as the local one's
            local_tree = Path(next(p for p in mlp("artifacts", "--run", local_run, "--paths", cwd=local).stdout.split() if digest in p))
            files = sorted(p.relative_to(path) for p in Path(path).rglob("*") if p.is_file())
            assert files == sorted(p.relative_to(local_tree) for p in local_tree.rglob("*") if p.is_file()) and files
            for relative in files:
                assert (Path(path) / relative).read_bytes() == (local_tree / relative).read_bytes()

    # The same through the environment instead of flags, and the same text output as the local view.
    by_environment = mlp("models", "list", cwd=elsewhere, token=viewer, env={"MLP_SERVER": mlp_server.url, "MLP_SERVER_PROJECT": "bc"})
    assert "breast-cancer-logreg" in by_environment.stdout


SHELL_PIPELINE = """name: chatty
steps:
  speak:
    uses: shell
    with:
      run: |
        echo "hello from stdout"
        echo "and from stderr" >&2
        echo '{"key": "loss", "value": 0.5, "step": 1}' >> "$MLP_METRICS"
"""


def test_logs_of_a_reported_run_are_read_from_the_server(mlp_server, tmp_path):
    runner = mlp_server.tokens.create("rita", "runner")
    project = tmp_path / "chatty"
    project.mkdir()
    (project / "mlp.yaml").write_text(SHELL_PIPELINE)
    run_id = json.loads(mlp("run", "--server", mlp_server.url, "--json", cwd=project, token=runner).stdout)["id"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = ("--server", mlp_server.url, "--server-project", "chatty")
    out = mlp("logs", run_id, "speak", *server, cwd=elsewhere, token=runner)
    assert out.stdout == "hello from stdout\n"
    assert out.stderr == "and from stderr\n"
    followed = mlp("logs", run_id, "speak", "-f", "--stream", "stdout", *server, cwd=elsewhere, token=runner, timeout=30)
    assert followed.stdout == "hello from stdout\n"

    # A profile of the config file names the server, its token and the project.
    config = elsewhere / ".no-config" / "mlp"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text(f"default: team\nprofiles:\n  team: {{server: '{mlp_server.url}', token: '{runner}', project: chatty}}\n")
    assert [r["id"] for r in as_json(mlp("runs", "--json", cwd=elsewhere))] == [run_id]
    # A token the server does not know: a clear error naming the server and what to do.
    refused = mlp("runs", "--token", "mlp_" + "x" * 43, cwd=elsewhere, check=False)
    assert refused.returncode != 0
    assert f"the server at {mlp_server.url} refused the token" in refused.stderr and "MLP_TOKEN" in refused.stderr


def test_approve_needs_an_approvers_token_and_records_its_user(mlp_server, tmp_path):
    runner = mlp_server.tokens.create("rita", "runner")
    viewer = mlp_server.tokens.create("vera", "viewer")
    approver = mlp_server.tokens.create("alice", "approver")
    project = template_project(tmp_path, "bc")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLP_")}
    environment.update({"MLP_TOKEN": runner, "XDG_CONFIG_HOME": str(tmp_path / "no-config")})
    # A weak model: the gate waits for a person, and the run's driver waits with it.
    driver = subprocess.Popen([MLP, "run", "--server", mlp_server.url, "--param", "l2=100"], cwd=project, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        server = ("--server", mlp_server.url, "--server-project", "bc")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            listed = mlp("approvals", "--json", *server, cwd=elsewhere, token=viewer, check=False)
            waiting = json.loads(listed.stdout) if listed.returncode == 0 else []  # before the run's first write: no project yet
            if waiting:
                break
            assert driver.poll() is None, driver.communicate()
            time.sleep(0.2)
        assert waiting and waiting[0]["step"] == "gate"
        run_id = waiting[0]["run"]

        refused = mlp("approve", run_id, "gate", "-m", "ok", *server, cwd=elsewhere, token=viewer, check=False)
        assert refused.returncode != 0
        assert f"the token for {mlp_server.url} is a viewer's (user vera): approving needs an approver's token" in refused.stderr
        assert as_json(mlp("approvals", "--json", *server, cwd=elsewhere, token=viewer))[0]["status"] == "pending"

        decided = as_json(mlp("approve", run_id, "gate", "-m", "checked", "--by", "mallory", "--json", *server, cwd=elsewhere, token=approver))
        assert decided["status"] == "approved" and decided["decided_by"] == "alice"
        stdout, stderr = driver.communicate(timeout=120)
        assert driver.returncode == 0, stderr
        assert "approved by alice" in stderr + stdout
        show = as_json(mlp("show", run_id, "--json", *server, cwd=elsewhere, token=viewer))
        assert show["run"]["status"] == "succeeded"
        audit = mlp_server.get("/audit").json()
        assert any(event["user"] == "alice" and event["action"] == "approval.approve" for event in audit), audit
    finally:
        if driver.poll() is None:
            os.kill(driver.pid, signal.SIGKILL)
            driver.wait(timeout=30)


ITEMS = 120


def fan_out_pipeline(items: int) -> str:
    return f"""name: fanout
steps:
  many:
    uses: shell
    foreach: {{range: {items}}}
    with:
      run: |
        echo "item $MLP_INDEX"
        for i in 1 2 3; do echo "{{\\"key\\": \\"loss\\", \\"value\\": $MLP_INDEX.$i, \\"step\\": $i}}" >> "$MLP_METRICS"; done
        echo "$MLP_INDEX" > "$MLP_OUTPUTS/n"
        echo "blob of item $MLP_INDEX" > "$MLP_OUTPUTS/blob"
    outputs: {{n: int, blob: file}}
  total:
    uses: shell
    with:
      values: ${{{{ steps.many.outputs.n }}}}
      run: echo "$MLP_INPUT_VALUES" | tr -cd ',' | wc -c > "$MLP_OUTPUTS/commas"
    outputs: {{commas: int}}
"""


def test_a_run_outlives_a_kill_9_of_the_server_and_is_stored_once(mlp_server, tmp_path):
    runner = mlp_server.tokens.create("rita", "runner")
    project = tmp_path / "fanout"
    project.mkdir()
    (project / "mlp.yaml").write_text(fan_out_pipeline(ITEMS))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLP_")}
    environment.update({"MLP_TOKEN": runner, "XDG_CONFIG_HOME": str(tmp_path / "no-config")})
    client = subprocess.Popen([MLP, "run", "--server", mlp_server.url, "-j", "4", "--json"], cwd=project, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Wait until the run is reporting: some items done, most not.
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and client.poll() is None:
            runs = mlp_server.get("/projects/fanout/runs", token=runner)
            if runs.status == 200 and runs.json():
                steps = mlp_server.get(f"/projects/fanout/runs/{runs.json()[0]['id']}/steps", token=runner).json()
                done = sum(1 for s in steps if s["status"] == "succeeded" and s.get("index") is not None)
                if done >= 10:
                    break
            time.sleep(0.05)
        assert client.poll() is None, f"the run ended before the server could be killed: {client.communicate()}"
        assert done < ITEMS - 10, "the run went too fast to kill the server while it reported"
        mlp_server.kill()
        time.sleep(1.5)  # the client meets a closed port for a while
        mlp_server.start()
        stdout, stderr = client.communicate(timeout=240)
        assert client.returncode == 0, f"{stdout}\n{stderr}"
    finally:
        if client.poll() is None:
            os.kill(client.pid, signal.SIGKILL)
            client.wait(timeout=30)

    run_id = json.loads(stdout)["id"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = ("--server", mlp_server.url, "--server-project", "fanout")
    runs = as_json(mlp("runs", "--json", *server, cwd=elsewhere, token=runner))
    assert [r["id"] for r in runs] == [run_id], "one run, recorded once"
    assert runs[0]["status"] == "succeeded" and runs[0]["steps"] == {"succeeded": ITEMS + 1}
    show = as_json(mlp("show", run_id, "--all", "--json", *server, cwd=elsewhere, token=runner))
    items = [s for s in show["steps"] if s["name"] == "many" and s["index"] is not None]
    assert sorted(s["index"] for s in items) == list(range(ITEMS)), "every item once"
    assert all(s["status"] == "succeeded" and s["attempts"] == 1 for s in items)
    total = next(s for s in show["steps"] if s["name"] == "total")
    assert total["status"] == "succeeded" and total["outputs"]["commas"] == ITEMS - 1
    metrics = as_json(mlp("metrics", run_id, "--json", *server, cwd=elsewhere, token=runner))
    points = [(series, p["step"], p["value"]) for series, values in metrics["series"].items() for p in values]
    assert len(points) == 3 * ITEMS, "each metric point stored exactly once"
    assert len(set(points)) == 3 * ITEMS
    # Every item's file output: recorded once, its bytes on the server (uploaded before its commit).
    artifacts = as_json(mlp("artifacts", "--run", run_id, "--limit", "1000", "--json", *server, cwd=elsewhere, token=runner))
    files = [a for a in artifacts if a["produced_by"]["step"] == "many"]
    assert len(files) == ITEMS and len({a["digest"] for a in files}) == ITEMS
    for artifact in files[:: ITEMS // 6]:
        blob = mlp_server.get(f"/blobs/sha256/{artifact['digest']}", token=runner)
        assert blob.status == 200 and hashlib.sha256(blob.body).hexdigest() == artifact["digest"]
        assert blob.body.startswith(b"blob of item ")
    for step in (3, 57, ITEMS - 1):
        assert mlp("logs", run_id, f"many[{step}]", *server, cwd=elsewhere, token=runner).stdout == f"item {step}\n"


SLOW_PIPELINE = """name: slow
steps:
  tick:
    uses: shell
    with:
      run: |
        for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 0.3; done
"""


def test_a_killed_client_run_shows_interrupted_here_and_resumes_to_the_server(mlp_server, tmp_path):
    runner = mlp_server.tokens.create("rita", "runner")
    project = tmp_path / "slow"
    project.mkdir()
    (project / "mlp.yaml").write_text(SLOW_PIPELINE)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLP_")}
    environment.update({"MLP_TOKEN": runner, "XDG_CONFIG_HOME": str(tmp_path / "no-config")})
    client = subprocess.Popen([MLP, "run", "--server", mlp_server.url], cwd=project, env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = mlp_server.get("/projects/slow/runs", token=runner)
            if runs.status == 200 and runs.json():
                steps = mlp_server.get(f"/projects/slow/runs/{runs.json()[0]['id']}/steps", token=runner).json()
                if steps and steps[0]["status"] == "running":  # its first attempt has started
                    break
            time.sleep(0.05)
        os.kill(client.pid, signal.SIGKILL)
        client.wait(timeout=30)
    finally:
        if client.poll() is None:
            os.kill(client.pid, signal.SIGKILL)
            client.wait(timeout=30)
    # On the machine that drove it, the server's run reads as a local one would: interrupted.
    runs = as_json(mlp("runs", "--json", "--server", mlp_server.url, cwd=project, token=runner))
    assert runs[0]["status"] == "running" and runs[0]["interrupted"] is True
    # `mlp resume` with the server in the environment (as a background driver gets it) finishes it there.
    mlp("resume", runs[0]["id"], cwd=project, token=runner, env={"MLP_SERVER": mlp_server.url}, timeout=120)
    show = as_json(mlp("show", runs[0]["id"], "--json", "--server", mlp_server.url, cwd=project, token=runner))
    assert show["run"]["status"] == "succeeded" and show["steps"][0]["attempts"] == 2
    log = mlp("logs", runs[0]["id"], "tick", "--server", mlp_server.url, cwd=project, token=runner).stdout
    assert log.splitlines()[-1] == "tick 10"
