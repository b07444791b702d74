"""Templates run as shipped; `mlp validate` and the published JSON Schema agree with them."""
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schema" / "mlp.schema.json").read_text())
TEMPLATES = sorted(p.name for p in (REPO / "templates").iterdir() if (p / "mlp.yaml").exists())


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_runs_green_as_shipped(project, template):
    project.mlp("init", "app", "--template", template)
    app = project.root / "app"
    jsonschema.validate(yaml.safe_load((app / "mlp.yaml").read_text()), SCHEMA)
    project.mlp("validate", "--project", str(app))
    first = project.mlp("run", "--project", str(app), timeout=300)
    assert "succeeded" in first.stdout, first.stdout
    run = project.json("show", "latest", "--project", str(app))
    assert run["run"]["status"] == "succeeded"
    assert run["run"]["pipeline"] == "app"
    if template == "tabular-classification":
        assert "auto-approved" in first.stdout
        statuses = {s["name"]: s["status"] for s in run["steps"]}
        assert statuses["gate"] == "succeeded" and statuses["register"] == "succeeded"
        names = [s["name"] for s in run["steps"]]
        assert names.index("gate") < names.index("register")
        metrics = {m["key"]: m["value"] for m in run["metrics"]}
        assert metrics["accuracy"] >= 0.9
        # Tracking: the loss curve train.py logged, a comparison, a plot.
        tracked = project.json("metrics", "latest", "--project", str(app))
        loss = tracked["series"]["train/loss"]
        assert len(loss) >= 3 and loss[-1]["value"] < loss[0]["value"]
        project.mlp("run", "--project", str(app), "--param", "l2=1")
        compared = project.json("compare", "latest", run["run"]["id"], "--project", str(app))
        assert compared[0]["params"]["l2"] == 1 and compared[1]["params"]["l2"] == 0.01
        assert compared[0]["metrics"]["accuracy"] != compared[1]["metrics"]["accuracy"]
        project.mlp("plot", f"latest,{run['run']['id']}", "loss", "-o", str(project.root / "loss.svg"), "--project", str(app))
        svg = (project.root / "loss.svg").read_text()
        assert svg.startswith("<svg") and svg.count("<polyline") == 2
        # Registry: the first run registered version 1, the l2=1 run version 2, as @challenger.
        models = project.json("models", "list", "--project", str(app))
        assert models == [{"name": "breast-cancer-logreg", "versions": 2, "latest": 2, "aliases": {"challenger": 2},
                           "updated_at": models[0]["updated_at"]}]
        project.mlp("models", "alias", "breast-cancer-logreg@champion", "1", "--project", str(app))
        champion = project.json("models", "show", "breast-cancer-logreg@champion", "--project", str(app))
        assert champion["version"] == 1 and champion["card"]["run"] == run["run"]["id"]
        assert champion["card"]["metrics"]["accuracy"] == metrics["accuracy"] and len(champion["card"]["data"]) == 3
        # The model is a folder: model.safetensors (the numbers) and model.json (its card), and the
        # registry keeps that card (feature schema, preprocessing, trainer, metrics) with the version.
        folder = Path(champion["path"])
        assert sorted(p.name for p in folder.iterdir()) == ["model.json", "model.safetensors"]
        card = champion["card"]["model_card"]
        assert card == json.loads((folder / "model.json").read_text())
        assert card["format"] == "mlp-model/1" and card["kind"] == "softmax-regression" and card["classes"] == ["0", "1"]
        assert len(card["features"]["columns"]) == 30 and card["features"]["missing"] == "reject"
        assert card["preprocessing"]["standardize"] == {"mean": "standardize.mean", "scale": "standardize.scale"}
        assert card["trainer"]["name"] == "trainer/logistic" and card["trainer"]["params"]["l2"] == 0.01
        assert card["metrics"]["accuracy"] == metrics["accuracy"] and "fit_seconds" not in card["metrics"]
        inspected = project.json("models", "inspect", str(folder))  # the folder: its model.safetensors
        assert {t["name"]: t["shape"] for t in inspected["tensors"]} == {name: t["shape"] for name, t in card["tensors"].items()}
        shown = project.mlp("models", "show", "breast-cancer-logreg@champion", "--project", str(app)).stdout
        assert "kind      softmax-regression (mlp-model/1)" in shown and "trainer   trainer/logistic" in shown
        # `mlp models register` of the stored artifact keeps its card (and its metrics) too.
        project.mlp("models", "register", "by-hand", "--artifact", champion["digest"][:16], "--project", str(app))
        by_hand = project.json("models", "show", "by-hand:1", "--project", str(app))
        assert by_hand["card"]["model_card"] == card and by_hand["card"]["metrics"] == card["metrics"]
    # A second run reuses every cacheable step.
    second = project.json("run", "--project", str(app))
    cached = [s for s in second["steps"] if s["status"] == "cached"]
    assert cached, second


def test_the_schema_rejects_what_it_should(project):
    bad = {"name": "x", "steps": {"a": {"uses": "shell", "with": {"run": "true"}, "retries": -1, "colour": "red"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "steps": {"a": {"uses": "shell"}}}, SCHEMA)
    good = {"name": "x", "params": {"n": {"type": "int", "default": 3}}, "steps": {
        "a": {"uses": "shell", "with": {"run": "true"}, "outputs": {"f": "file"}, "timeout": "10m", "retries": {"max": 2, "backoff": "1s"}},
        "b": {"uses": "noop", "foreach": {"range": "${{ params.n }}"}, "needs": ["a"]},
        "g": {"uses": "approval", "with": {"show": "${{ steps.a.outputs.f }}", "auto_approve_if": "auc > 0.9"}}}}
    jsonschema.validate(good, SCHEMA)


def test_validate_reports_every_error_with_its_location(project):
    project.write("mlp.yaml", """name: broken
steps:
  train:
    uses: python
    with: {script: train.py, data: "${{ steps.load.outputs.data }}"}
    outputs: {model: modle}
  gate:
    uses: approval
    needs: [train, trian]
""")
    result = project.mlp("validate", check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "3 errors"
    assert lines[0].startswith("mlp.yaml:5:37: error: unknown step 'load'")
    assert lines[1].startswith("mlp.yaml:6:22: error: output 'model' has an unknown type 'modle'; did you mean 'model'?")
    assert lines[2].startswith("mlp.yaml:9:20: error: 'needs' names an unknown step 'trian'; did you mean 'train'?")
    report = json.loads(project.mlp("validate", "--json", check=False).stdout)
    assert report["ok"] is False
    assert [(e["line"], e["column"]) for e in report["errors"]] == [(5, 37), (6, 22), (9, 20)]
    # Nothing ran, nothing was recorded.
    run = project.mlp("run", check=False)
    assert run.returncode == 1 and "3 errors" in run.stderr
    assert project.json("runs") == []


def test_cycles_are_refused_before_anything_runs(project):
    project.write("mlp.yaml", """name: loop
steps:
  a: {uses: noop, needs: [c]}
  b: {uses: noop, needs: [a]}
  c: {uses: noop, needs: [b]}
""")
    result = project.mlp("validate", check=False)
    assert result.returncode == 1
    assert "steps form a cycle" in result.stderr and "1 error" in result.stderr
