"""Built-in trainers as pipeline steps: connector/csv → split → trainer/mlp (and trainer/linear) → evaluate."""
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BREAST_CANCER = REPO / "templates" / "tabular-classification" / "data" / "breast_cancer.csv"

PIPELINE = """name: trainers
params:
  seed: {type: int, default: 7}
steps:
  load: {uses: connector/csv, with: {path: data/breast_cancer.csv}}
  split:
    uses: split
    with: {data: "${{ steps.load.outputs.data }}", target: target, holdout_fraction: 0.2, seed: "${{ params.seed }}"}
  mlp:
    uses: trainer/mlp
    with:
      data: "${{ steps.split.outputs.train }}"
      holdout: "${{ steps.split.outputs.holdout }}"
      target: target
      hidden: [32]
      seed: "${{ params.seed }}"
  evaluate_mlp:
    uses: evaluate
    with: {model: "${{ steps.mlp.outputs.model }}", data: "${{ steps.split.outputs.holdout }}"}
  linear:
    uses: trainer/linear
    with:
      data: "${{ steps.split.outputs.train }}"
      holdout: "${{ steps.split.outputs.holdout }}"
      target: mean_area
      features: [mean_radius, mean_perimeter, mean_texture]
      l2: 0.001
  evaluate_linear:
    uses: evaluate
    with: {model: "${{ steps.linear.outputs.model }}", data: "${{ steps.split.outputs.holdout }}"}
  gate:
    uses: approval
    with: {show: "${{ steps.evaluate_mlp.outputs.metrics }}", auto_approve_if: "accuracy >= 0.9"}
"""


def step_metrics(run):
    by_id = {step["id"]: step["name"] for step in run["steps"]}
    metrics = {}
    for metric in run["metrics"]:
        metrics.setdefault(by_id.get(metric["step_id"]), {})[metric["key"]] = metric["value"]
    return metrics


def test_mlp_and_linear_train_and_evaluate_on_breast_cancer(project):
    (project.root / "data").mkdir()
    shutil.copy(BREAST_CANCER, project.root / "data" / "breast_cancer.csv")
    project.write("mlp.yaml", PIPELINE)
    project.mlp("validate")
    first = project.mlp("run", timeout=300)
    assert "succeeded" in first.stdout and "auto-approved" in first.stdout, first.stdout
    run = project.json("show", "latest")
    assert run["run"]["status"] == "succeeded"
    metrics = step_metrics(run)
    mlp, evaluated = metrics["mlp"], metrics["evaluate_mlp"]
    assert mlp["accuracy"] >= 0.93 and mlp["auc"] >= 0.97, mlp
    assert mlp["fit_seconds"] > 0 and 1 <= mlp["epochs"] <= 200
    # evaluate scores the stored model file: the same numbers as the trainer's holdout scoring.
    assert evaluated["rows"] == 113  # 42 of 212 malignant + 71 of 357 benign
    for key in ("accuracy", "precision", "recall", "f1", "auc", "log_loss"):
        assert evaluated[key] == mlp[key], key
    linear, evaluated_linear = metrics["linear"], metrics["evaluate_linear"]
    assert linear["r2"] > 0.95 and linear["fit_seconds"] >= 0, linear
    assert evaluated_linear["rmse"] == linear["rmse"] and evaluated_linear["r2"] == linear["r2"]
    # The loss curve is tracked per epoch.
    tracked = project.json("metrics", "latest")
    assert len(tracked["series"]["mlp/loss"]) == mlp["epochs"]
    # Seeded: a second run without the cache gives the same model bytes, so the same digest.
    models = {s["name"]: s["outputs"]["model"]["artifact"] for s in run["steps"] if s["name"] in ("mlp", "linear")}
    project.mlp("run", "--no-cache", timeout=300)
    again = project.json("show", "latest")
    assert {s["name"]: s["outputs"]["model"]["artifact"] for s in again["steps"] if s["name"] in ("mlp", "linear")} == models
    # Another seed, another model.
    project.mlp("run", "--param", "seed=8", timeout=300)
    other = project.json("show", "latest")
    assert [s["outputs"]["model"]["artifact"] for s in other["steps"] if s["name"] == "mlp"] != [models["mlp"]]


def test_evaluate_reports_a_missing_target_column(project):
    (project.root / "data").mkdir()
    shutil.copy(BREAST_CANCER, project.root / "data" / "breast_cancer.csv")
    project.write("mlp.yaml", """name: bad
steps:
  load: {uses: connector/csv, with: {path: data/breast_cancer.csv}}
  fit: {uses: trainer/linear, with: {data: "${{ steps.load.outputs.data }}", target: mean_area}}
  score: {uses: evaluate, with: {model: "${{ steps.fit.outputs.model }}", data: "${{ steps.load.outputs.data }}", target: nope}}
""")
    result = project.mlp("run", check=False, timeout=300)
    assert result.returncode != 0
    shown = project.json("show", "latest")
    failed = {s["name"]: s["error"] for s in shown["steps"] if s["status"] == "failed"}
    assert "no target column 'nope'" in failed["score"], failed
