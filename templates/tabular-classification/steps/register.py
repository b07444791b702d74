"""register: file the approved model under models/ and write its model card.

Runs only after the `gate` approval step has approved the run (`needs: [gate]`).

Inputs  (with:)  model        - model: the JSON written by train.py
                 data         - dataset: the full dataset the run started from (for its digest)
                 metrics      - metrics: evaluate's holdout metrics
                 train_metrics- metrics: train's metrics
                 name         - model name; the file is models/<name>-<run id>.json
                 approved_by, comment - who approved the gate, and what they said
Outputs          model_card   - file: a Markdown model card (also saved next to the model)
                 path         - string: the registered model's path, relative to the project

Writing into the project folder is a side effect mlp cannot see, which is why this
step is declared `cache: false` in mlp.yaml: every approved run registers its own copy.
"""

import datetime
import hashlib
import json
import os
import re
import shutil

from mlp_step import read_inputs, output_path  # shared helpers, listed in mlp.yaml under files:


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def as_dict(value):
    """A metrics input arrives as a JSON object; accept a path or JSON text too, to be safe."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and os.path.isfile(value):
        with open(value) as handle:
            return json.load(handle)
    return json.loads(value)


def table(metrics):
    lines = ["| metric | value |", "|---|---|"]
    for key, value in metrics.items():
        lines.append(f"| {key} | {value:.4f} |" if isinstance(value, float) else f"| {key} | {value} |")
    return "\n".join(lines)


def main():
    inputs = read_inputs()
    run_id = os.environ.get("MLP_RUN_ID", "local")
    project = os.environ.get("MLP_PROJECT_DIR", os.getcwd())
    # Keep the file name safe whatever the name param says.
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(inputs.get("name") or "model")).strip("-") or "model"

    with open(inputs["model"]) as handle:
        model = json.load(handle)
    metrics = as_dict(inputs["metrics"])
    train_metrics = as_dict(inputs.get("train_metrics") or {})
    data_digest = sha256(inputs["data"])
    model_digest = sha256(inputs["model"])

    models_dir = os.path.join(project, "models")
    os.makedirs(models_dir, exist_ok=True)
    relative = os.path.join("models", f"{name}-{run_id}.json")
    shutil.copyfile(inputs["model"], os.path.join(project, relative))

    approved_by = inputs.get("approved_by") or "unknown"
    comment = inputs.get("comment") or ""
    card = f"""# Model card: {name}

- **Run:** `{run_id}`
- **Registered:** {datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
- **File:** `{relative}` (sha256 `{model_digest}`)
- **Model:** logistic regression on {len(model["features"])} standardised features, \
L2 = {model["l2"]}, {model["iterations"]} Newton iterations
- **Predicts:** p({model["target"]} = {model["positive_class"]})
- **Data:** sha256 `{data_digest}` (the dataset as loaded; {model["train_rows"]} rows of it trained the model)
- **Approved by:** {approved_by}
- **Approval comment:** {comment or "(none)"}

## Holdout metrics

{table(metrics)}

## Training metrics

{table(train_metrics) if train_metrics else "(none)"}

## Data

scikit-learn's copy of the UCI Breast Cancer Wisconsin (Diagnostic) dataset:
569 tumours, 30 features computed from images of fine needle aspirates;
target 0 = malignant, 1 = benign. For demonstration only, not for clinical use.
"""
    card_relative = os.path.join("models", f"{name}-{run_id}.md")
    with open(os.path.join(project, card_relative), "w") as handle:
        handle.write(card)
    with open(output_path("model_card"), "w") as handle:
        handle.write(card)
    with open(output_path("path"), "w") as handle:
        handle.write(relative)
    print(f"register: {relative} (card: {card_relative})")


if __name__ == "__main__":
    main()
