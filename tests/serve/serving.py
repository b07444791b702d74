"""What the serve tests share: the tabular-classification template trained by the real `mlp`, and
`mlp serve` started on a free loopback port that it announces as its first line of JSON."""
import json
import os
import subprocess
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MLP = os.environ.get("MLP", str(REPO / ".build" / "debug" / "mlp"))


def trained_template(root: Path) -> Path:
    """A tabular-classification project in `root / "bc"`, its pipeline run once."""
    assert Path(MLP).exists(), f"build mlp first (looked for {MLP})"
    project = root / "bc"
    subprocess.run([MLP, "init", str(project), "--template", "tabular-classification"], check=True, capture_output=True, timeout=120)
    subprocess.run([MLP, "run"], cwd=project, check=True, capture_output=True, timeout=600)
    return project


def start_serve(*arguments):
    """Starts `mlp serve --port 0 --json ARGUMENTS…`; returns the process and what it announced."""
    process = subprocess.Popen([MLP, "serve", "--port", "0", "--json", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    announced = {}

    def read_first_line():
        line = process.stdout.readline()
        if line:
            announced.update(json.loads(line))

    reader = threading.Thread(target=read_first_line, daemon=True)
    reader.start()
    reader.join(timeout=120)
    if "port" not in announced or "url" not in announced:
        process.kill()
        raise AssertionError(f"mlp serve did not announce its port:\n{process.stderr.read()}")
    return process, announced
