"""kill -9 of `mlp run` at random moments of a 30-step pipeline, then `mlp resume`.

After every trial: no step that had finished before the kill ran again, every stored artifact
still hashes to its name, no temporary file is left, the database passes integrity_check, and the
run's final outputs are the ones an uninterrupted run produces.
"""
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import time

STEPS = 30


def pipeline() -> str:
    lines = ["name: thirty", "steps:"]
    for i in range(STEPS):
        inputs = {}
        if i >= 1:
            inputs["a"] = f"${{{{ steps.s{i - 1:02d}.outputs.value }}}}"
        if i >= 3:
            inputs["b"] = f"${{{{ steps.s{i - 3:02d}.outputs.blob }}}}"
        with_ = ", ".join([f"script: steps/step.sh", f"n: {i}"] + [f'{k}: "{v}"' for k, v in inputs.items()])
        lines.append(f"  s{i:02d}: {{uses: shell, with: {{{with_}}}, outputs: {{value: int, blob: file}}}}")
    return "\n".join(lines) + "\n"


# Each step logs its start to a ledger, works a little, and writes an int and a file.
STEP_SCRIPT = """
echo "$MLP_STEP $$" >> ledger.txt
sleep 0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 6 ))
a=${MLP_INPUT_A:-0}
b=0; [ -n "${MLP_INPUT_B:-}" ] && b=$(wc -c < "$MLP_INPUT_B")
echo $(( a + MLP_INPUT_N + b % 7 )) > "$MLP_OUTPUTS/value"
head -c $(( 1000 + MLP_INPUT_N * 37 )) /dev/zero | tr '\\\\0' x > "$MLP_OUTPUTS/blob"
"""


def db_state(root):
    path = root / ".mlp" / "mlp.sqlite"
    if not path.exists():
        return None, {}
    with sqlite3.connect(path) as db:
        run = db.execute("SELECT id FROM runs ORDER BY createdAt DESC LIMIT 1").fetchone()
        if run is None:
            return None, {}
        statuses = dict(db.execute("SELECT name, status FROM steps WHERE runID = ?", run).fetchall())
        return run[0], statuses


def check_store(root):
    with sqlite3.connect(root / ".mlp" / "mlp.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    blobs = root / ".mlp" / "artifacts" / "sha256"
    count = 0
    for folder in blobs.iterdir() if blobs.exists() else []:
        for blob in folder.iterdir():
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name, f"artifact {blob.name} does not match its digest"
            count += 1
    leftovers = list((root / ".mlp" / "artifacts" / "tmp").iterdir())
    assert leftovers == [], f"temporary files left: {leftovers}"
    return count


def expected_values():
    values, blob = [], lambda n: 1000 + n * 37
    for i in range(STEPS):
        a = values[i - 1] if i >= 1 else 0
        b = blob(i - 3) if i >= 3 else 0
        values.append(a + i + b % 7)
    return values


def run_status(root, run_id):
    with sqlite3.connect(root / ".mlp" / "mlp.sqlite") as db:
        return db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()[0]


def test_kill_minus_nine_at_random_points_then_resume(project):
    from conftest import MLP

    rng = random.Random(int(os.environ.get("MLP_DURABILITY_SEED", "20261122")))
    expected = expected_values()

    trials = int(os.environ.get("MLP_DURABILITY_TRIALS", "12"))
    killed_mid_run = 0
    for trial in range(trials):
        root = project.root / f"trial-{trial}"
        (root / "steps").mkdir(parents=True)
        (root / "mlp.yaml").write_text(pipeline())
        (root / "steps" / "step.sh").write_text(STEP_SCRIPT)
        run_id = None
        checkpoints = []  # (steps finished at a kill, ledger length then)
        for _ in range(rng.choice([1, 2])):
            command = [MLP, "run"] if run_id is None else [MLP, "resume", run_id]
            process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # A random point of the pipeline: once k steps have started, plus a random instant.
            ledger = root / "ledger.txt"
            target = rng.randint(0, STEPS - 1)
            deadline = time.time() + 60
            while process.poll() is None and time.time() < deadline:
                if (len(ledger.read_text().splitlines()) if ledger.exists() else 0) >= target:
                    break
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.05))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                killed_mid_run += 1
            process.wait()
            run_id, statuses = db_state(root)
            with sqlite3.connect(root / ".mlp" / "mlp.sqlite") as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            checkpoints.append(({n for n, s in statuses.items() if s in ("succeeded", "cached")},
                                len(ledger.read_text().splitlines()) if ledger.exists() else 0))
        if run_id is None:
            project.mlp("run", "--project", str(root))
        elif run_status(root, run_id) != "succeeded":
            result = subprocess.run([MLP, "resume", run_id], cwd=root, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stdout + result.stderr

        run_id, statuses = db_state(root)
        assert set(statuses.values()) == {"succeeded"}, f"trial {trial}: {statuses}"
        ledger = (root / "ledger.txt").read_text().splitlines()
        for finished, length in checkpoints:
            rerun = {line.split()[0] for line in ledger[length:]} & finished
            assert not rerun, f"trial {trial}: steps that had finished ran again after kill -9: {sorted(rerun)}"
        shown = project.json("show", run_id, "--project", str(root))
        values = {s["name"]: s["outputs"]["value"] for s in shown["steps"]}
        assert [values[f"s{i:02d}"] for i in range(STEPS)] == expected
        assert check_store(root) >= STEPS
    assert killed_mid_run >= trials // 2, f"only {killed_mid_run} kills landed mid-run"


def test_kill_minus_nine_during_a_group_committed_fan_out_then_resume(project):
    """In-process items (`noop`) are committed in groups; a kill between groups must lose no
    committed item and re-run none: after resume, every item that was succeeded at the kill keeps
    its finish time, and every item is succeeded exactly once."""
    from conftest import MLP

    items = 6000
    rng = random.Random(int(os.environ.get("MLP_DURABILITY_SEED", "20261122")))
    killed_mid_fan_out = 0
    for trial in range(3):
        root = project.root / f"fan-{trial}"
        root.mkdir()
        (root / "mlp.yaml").write_text(
            "name: fan\nsteps:\n  fan: {uses: noop, foreach: {range: %d}}\n" % items)
        process = subprocess.Popen([MLP, "run"], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        database = root / ".mlp" / "mlp.sqlite"
        target = rng.randint(1, items // 2)
        finished_at_kill = {}
        deadline = time.time() + 60
        while process.poll() is None and time.time() < deadline:
            try:
                with sqlite3.connect(database) as db:
                    done = db.execute("SELECT count(*) FROM steps WHERE \"index\" IS NOT NULL AND status = 'succeeded'").fetchone()[0]
            except sqlite3.Error:
                done = 0
            if done >= target:
                break
            time.sleep(0.001)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed_mid_fan_out += 1
        process.wait()
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            finished_at_kill = dict(db.execute(
                "SELECT \"index\", finishedAt FROM steps WHERE \"index\" IS NOT NULL AND status = 'succeeded'").fetchall())
            run_id = db.execute("SELECT id FROM runs").fetchone()[0]
        if process.returncode != 0:
            result = subprocess.run([MLP, "resume", run_id], cwd=root, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stdout + result.stderr
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            rows = dict(db.execute("SELECT \"index\", finishedAt FROM steps WHERE \"index\" IS NOT NULL AND status = 'succeeded'").fetchall())
            attempts = {a for (a,) in db.execute("SELECT DISTINCT attempts FROM steps WHERE \"index\" IS NOT NULL")}
            assert db.execute("SELECT status FROM runs").fetchone()[0] == "succeeded"
        assert len(rows) == items, f"trial {trial}: {len(rows)} of {items} items succeeded"
        assert attempts == {1}, f"trial {trial}: an item ran more than once ({attempts})"
        changed = [i for i, at in finished_at_kill.items() if rows[i] != at]
        assert not changed, f"trial {trial}: items committed before the kill ran again: {changed[:5]}"
    assert killed_mid_fan_out >= 2, f"only {killed_mid_fan_out} kills landed mid-fan-out"
