"""Issue 13, items 3, 4, 5 and 9 against the built binary: output collection never reaches outside
$MLP_OUTPUTS nor stores links or special files, code files are regular files, stored bytes are
verified when read (`mlp verify`, `mlp gc`), and only servable models are registered or deployed."""
import json
import os
import stat
import time
from pathlib import Path

from conftest import Project, lock_held


def shell_project(project, steps):
    project.write("mlp.yaml", "name: hardening\nsteps:\n" + steps)
    return project


def test_an_output_named_as_a_path_never_moves_a_file_outside_the_project(project):
    victim = project.root.parent / f"victim-{project.root.name}.txt"
    victim.write_text("outside the project")
    try:
        # .mlp/runs/RUN/a/attempt-1/outputs: seven levels below the project's parent.
        name = "../" * 7 + victim.name
        shell_project(project, f'  a: {{uses: shell, with: {{run: "true"}}, outputs: {{"{name}": file}}}}\n')
        result = project.mlp("run", check=False)
        assert result.returncode != 0, result.stdout
        assert victim.read_text() == "outside the project"
        assert stat.S_IMODE(victim.stat().st_mode) & stat.S_IWUSR, "the file outside was made read-only"
    finally:
        victim.unlink()


def test_a_linked_output_is_refused_and_its_target_stays_writable(project):
    project.write("target.txt", "mine")
    shell_project(project, """  a: {uses: shell, with: {run: 'ln -s "$MLP_PROJECT_DIR/target.txt" "$MLP_OUTPUTS/out"'}, outputs: {out: file}}\n""")
    result = project.mlp("run", check=False)
    assert result.returncode == 1
    assert "symbolic link" in result.stdout + result.stderr
    assert stat.S_IMODE((project.root / "target.txt").stat().st_mode) == 0o644


def test_a_fifo_output_fails_the_run_instead_of_hanging(project):
    shell_project(project, """  a: {uses: shell, with: {run: 'mkfifo "$MLP_OUTPUTS/out"'}, outputs: {out: file}}\n""")
    result = project.mlp("run", check=False, timeout=60)
    assert result.returncode == 1
    assert "FIFO" in result.stdout + result.stderr


def test_a_device_named_as_a_code_file_fails_at_once(project):
    shell_project(project, """  a: {uses: shell, with: {run: "true", files: [/dev/zero]}}\n""")
    started = time.monotonic()
    result = project.mlp("run", check=False, timeout=60)
    assert result.returncode != 0 and time.monotonic() - started < 30
    assert "device" in result.stdout + result.stderr


def tabular(project):
    project.mlp("init", "t", "--template", "tabular-classification")
    t = Project(project.root / "t")
    t.started = project.started
    t.mlp("run")
    return t


def test_a_changed_dataset_blob_stops_the_next_run_and_verify_lists_it(project):
    t = tabular(project)
    assert t.mlp("verify").returncode == 0
    datasets = [a for a in t.json("artifacts") if a["type"] == "dataset"]
    assert datasets
    for artifact in datasets:
        path = Path(artifact["path"])
        os.chmod(path, 0o644)
        data = bytearray(path.read_bytes())
        data[-2:-1] = b"9" if data[-2:-1] != b"9" else b"8"   # one byte, the same size
        path.write_bytes(bytes(data))
    result = t.mlp("run", "--param", "l2=1.0", check=False)
    assert result.returncode == 1
    assert "is damaged" in result.stdout + result.stderr

    checked = t.mlp("verify", "--json", check=False)
    assert checked.returncode == 1
    report = json.loads(checked.stdout)
    assert not report["ok"] and {d["digest"] for d in report["damaged"]} == {a["digest"] for a in datasets}
    assert "Check every stored artifact" in _help(t, "verify")

    # What the error says to do works: remove the damaged blobs and run again.
    for artifact in datasets:
        Path(artifact["path"]).unlink()
    t.mlp("run", "--param", "l2=1.0")
    assert t.mlp("verify").returncode == 0


def test_gc_removes_only_unreferenced_blobs_and_refuses_while_a_run_is_driven(project):
    # `a` is stored, then `b` fails to parse: a blob no run recorded.
    shell_project(project, """  a: {uses: shell, with: {run: 'echo orphan > "$MLP_OUTPUTS/a"; echo nope > "$MLP_OUTPUTS/b"'}, outputs: {a: file, b: int}}
  ok: {uses: shell, with: {run: 'echo kept > "$MLP_OUTPUTS/out"'}, outputs: {out: file}}
""")
    assert project.mlp("run", check=False).returncode == 1
    kept = {a["digest"] for a in project.json("artifacts")}
    assert len(kept) == 1
    assert project.json("gc", "--dry-run")["removed"] == 0, "a blob stored just now is kept by default"
    dry = project.json("gc", "--dry-run", "--min-age", "0")
    assert dry["removed"] == 1 and dry["bytes"] == len("orphan\n") and dry["dry_run"]
    assert project.json("gc", "--dry-run", "--min-age", "0")["removed"] == 1, "a dry run removed nothing"
    done = project.json("gc", "--min-age", "0")
    assert done["removed"] == 1 and done["kept"] == 1
    assert project.json("gc", "--min-age", "0")["removed"] == 0
    assert project.mlp("verify").returncode == 0
    assert {a["digest"] for a in project.json("artifacts")} == kept

    shell_project(project, """  slow: {uses: shell, with: {run: 'sleep 20'}}\n""")
    runner = project.start("run")
    project.wait_for(lambda: any(p.suffix == ".lock" and lock_held(p) for p in (project.root / ".mlp" / "locks").glob("*.lock"))
                     if (project.root / ".mlp" / "locks").exists() else False, what="the run's lock")
    refused = project.mlp("gc", "--min-age", "0", check=False)
    assert refused.returncode != 0 and "being driven" in refused.stderr + refused.stdout
    runner.kill()
    runner.communicate()
    assert "--dry-run" in _help(project, "gc")


def _help(project, *command):
    shown = project.mlp(*command, "--help", check=False)
    return shown.stdout + shown.stderr


def test_only_a_servable_model_is_registered_or_deployed(project):
    t = tabular(project)
    artifacts = t.json("artifacts")
    dataset = next(a for a in artifacts if a["type"] == "dataset")
    model = next(a for a in artifacts if a["type"] == "model")
    refused = t.mlp("models", "register", "by-hand", "--artifact", dataset["digest"][:16], check=False)
    assert refused.returncode != 0 and "not a model" in refused.stderr
    for bad in ["../x", "a/b", "x\x1b[2J", "", "a" * 200]:
        named = t.mlp("models", "register", bad, "--artifact", model["digest"][:16], check=False)
        assert named.returncode != 0 and "not a valid model name" in named.stderr, (bad, named.stderr)
    assert "1 to 128 characters" in _help(t, "models", "register")
    t.mlp("models", "register", "by-hand", "--artifact", model["digest"][:16])

    # A script's model that `mlp serve` cannot load: the `register` step records it, `deploy` refuses it.
    project.write("junk/mlp.yaml", """name: junk
steps:
  train: {uses: shell, with: {run: 'echo not-a-model > "$MLP_OUTPUTS/model"'}, outputs: {model: model}}
  register: {uses: register, with: {model: "${{ steps.train.outputs.model }}", name: junk}}
""")
    junk = Project(project.root / "junk")
    junk.mlp("run")
    deployed = junk.mlp("deploy", "junk:1", "--name", "j", check=False)
    assert deployed.returncode != 0 and "cannot be deployed" in deployed.stderr, deployed.stderr
    assert junk.json("deployments") == []
    t.mlp("deploy", "breast-cancer-logreg:1", "--name", "bc")
    for bad in ["../x", "a/b", "x\x1b[2J", ".."]:
        named = t.mlp("deploy", "breast-cancer-logreg:1", "--name", bad, check=False)
        assert named.returncode != 0 and "is not a valid name" in named.stderr, (bad, named.stderr)
    assert [d["name"] for d in t.json("deployments")] == ["bc"]
