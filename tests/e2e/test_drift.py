"""Request logging and drift: `mlp serve --log-requests` logs answered requests as dataset artifacts, and
`mlp drift` flags a shifted feature (exit 1) but not a fresh sample of the training distribution (exit 0)."""
import json
import random
import signal
import urllib.request

PIPELINE = """name: drift
steps:
  load: {uses: connector/csv, with: {path: data/train.csv}}
  train:
    uses: trainer/logistic
    with: {data: "${{ steps.load.outputs.data }}", target: churned}
  register:
    uses: register
    with: {model: "${{ steps.train.outputs.model }}", name: churn}
"""

FEATURES = ["tenure", "spend", "calls"]


def sample(rows, seed, shift=None):
    """Rows of three standard-normal features; `shift` adds to one feature's values."""
    rng = random.Random(seed)
    data = []
    for _ in range(rows):
        row = {name: rng.gauss(0, 1) for name in FEATURES}
        if shift:
            row[shift[0]] += shift[1]
        data.append(row)
    return data


def write_training_csv(path, rows, seed):
    rng = random.Random(seed + 1)
    lines = [",".join(FEATURES + ["churned"])]
    for row in sample(rows, seed):
        score = 1.5 * row["tenure"] - row["spend"] + 0.5 * row["calls"] + rng.gauss(0, 0.5)
        lines.append(",".join(f"{row[name]:.6f}" for name in FEATURES) + ("," + ("yes" if score > 0 else "no")))
    path.write_text("\n".join(lines) + "\n")


def infer(port, model, rows):
    body = {"inputs": [{"name": "features", "shape": [len(rows), len(FEATURES)], "datatype": "FP64",
                        "data": [[row[name] for name in FEATURES] for row in rows]}]}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/models/{model}/infer", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_drift_is_flagged_on_shifted_requests_but_not_on_a_fresh_sample(project):
    (project.root / "data").mkdir()
    write_training_csv(project.root / "data" / "train.csv", 2000, seed=11)
    project.write("mlp.yaml", PIPELINE)
    project.mlp("run", timeout=300)

    # One server, the registered model under two names: each name is its own deployment and log.
    server = project.start("serve", "--port", "0", "--json", "--log-requests", "--log-segment-rows", "250",
                           "--model", "fresh=churn", "--model", "shifted=churn")
    port = json.loads(server.stdout.readline())["port"]
    fresh, shifted = sample(600, seed=99), sample(600, seed=123, shift=("spend", 2.0))
    for start in range(0, 600, 50):
        answer = infer(port, "fresh", fresh[start:start + 50])
        assert len(answer["outputs"][0]["data"]) == 50
        infer(port, "shifted", shifted[start:start + 50])
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    assert 'mlp_request_log_rows_total{model="fresh",outcome="dropped"} 0' in metrics, metrics
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0, server.stderr.read()

    # 600 rows at 250 per segment: two full segments while serving, the last 100 sealed on shutdown.
    same = project.mlp("drift", "fresh", "--reference", "data/train.csv", check=False)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "no drift" in same.stdout and "600 logged rows in 3 segment(s)" in same.stdout, same.stdout

    moved = project.mlp("drift", "shifted", "--reference", "data/train.csv", "--json", check=False)
    assert moved.returncode == 1, moved.stdout + moved.stderr
    report = json.loads(moved.stdout)
    assert report["verdict"] == "drift" and report["drifted"] == ["spend"], report
    by_name = {feature["name"]: feature for feature in report["features"]}
    assert set(by_name) == set(FEATURES) and by_name["spend"]["psi"] > 1 and by_name["spend"]["ksPValue"] < 1e-6, report
    assert by_name["spend"]["currentCount"] == 600 and by_name["spend"]["referenceCount"] == 2000

    unknown = project.mlp("drift", "nope", "--reference", "data/train.csv", check=False)
    assert unknown.returncode == 2 and "no logged requests for deployment 'nope'" in unknown.stderr, unknown.stderr
    few = project.mlp("drift", "fresh", "--reference", "data/train.csv", "--min-rows", "1000", check=False)
    assert few.returncode == 2 and "only 600 logged rows" in few.stderr, few.stderr

    # A logged segment whose bytes changed after it was stored is refused, not read (issue 13, item 5).
    segments = [path for path in (project.root / ".mlp" / "artifacts" / "sha256").glob("*/*")
                if path.is_file() and not path.read_bytes().startswith(b"MLPDS") and b"spend" in path.read_bytes()[:200]]
    assert len(segments) >= 3, segments
    for path in segments:
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(b"\n", b"\n9", 1))
    damaged = project.mlp("drift", "fresh", "--reference", "data/train.csv", check=False)
    assert damaged.returncode == 2 and "is damaged" in damaged.stderr, damaged.stdout + damaged.stderr
