"""Shared helpers for the end-to-end tests: they run the real `mlp` binary in throwaway projects."""
import fcntl
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MLP = os.environ.get("MLP", str(REPO / ".build" / "debug" / "mlp"))


def lock_held(path) -> bool:
    """Whether some process holds `path` with flock, as `mlp` holds `.mlp/locks/RUN.lock` while it drives a run."""
    path = Path(path)
    if not path.exists():
        return False
    with open(path, "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False

class Project:
    """A project folder and a way to run `mlp` in it."""

    def __init__(self, root: Path):
        self.root = root
        self.started = []

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def mlp(self, *args, check=True, timeout=120):
        result = subprocess.run([MLP, *args], cwd=self.root, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"mlp {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def json(self, *args):
        return json.loads(self.mlp(*args, "--json").stdout)

    def start(self, *args, **kwargs):
        process = subprocess.Popen([MLP, *args], cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
        self.started.append(process)
        return process

    def wait_for(self, predicate, timeout=30, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def latest_run(self):
        runs = self.json("runs")
        return runs[0] if runs else None


@pytest.fixture
def project(tmp_path):
    assert Path(MLP).exists(), f"build mlp first (looked for {MLP})"
    project = Project(tmp_path)
    yield project
    for process in project.started:
        if process.poll() is None:
            process.kill()
            process.communicate()
