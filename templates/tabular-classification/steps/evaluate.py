"""evaluate: score the model on the holdout set.

Inputs  (with:)  model     - model: the JSON written by train.py
                 data      - dataset: holdout CSV with the same columns as the training data
                 threshold - predict class 1 when p(class 1) >= threshold (default 0.5)
Outputs          metrics   - metrics: accuracy, precision, recall, f1, auc, log_loss,
                             and the confusion counts tp, fp, tn, fn

Precision, recall and f1 treat class 1 as the positive class (in scikit-learn's
encoding of breast_cancer, 1 = benign, 0 = malignant). AUC is the ROC area, computed
exactly from ranks (the Mann-Whitney U statistic, ties counted as one half), so it
needs no threshold. Standard library only.
"""

import csv
import json
import math
import sys

from mlp_step import read_inputs, output_path, sigmoid  # shared helpers, listed in mlp.yaml under files:


def predict(model, header, rows):
    """p(class 1) for each row, reading the model's features by name (column order may differ)."""
    try:
        columns = [header.index(name) for name in model["features"]]
    except ValueError as error:
        sys.exit(f"evaluate: the data lacks a column the model needs: {error}")
    scores = []
    for row in rows:
        logit = model["bias"]
        for c, w, m, s in zip(columns, model["weights"], model["means"], model["stds"]):
            logit += w * (float(row[c]) - m) / s
        scores.append(sigmoid(logit))
    return scores


def roc_auc(labels, scores):
    """Probability that a random positive scores above a random negative (ties count 1/2)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over runs of tied scores
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    rank_sum = sum(r for r, label in zip(ranks, labels) if label == 1)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def ratio(numerator, denominator):
    return numerator / denominator if denominator else 0.0


def main():
    inputs = read_inputs()
    threshold = float(inputs.get("threshold", 0.5))
    with open(inputs["model"]) as handle:
        model = json.load(handle)
    with open(inputs["data"], newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row]
    target = header.index(model["target"])
    labels = [int(float(row[target])) for row in rows]
    scores = predict(model, header, rows)

    predicted = [1 if s >= threshold else 0 for s in scores]
    tp = sum(1 for p, y in zip(predicted, labels) if p == 1 and y == 1)
    fp = sum(1 for p, y in zip(predicted, labels) if p == 1 and y == 0)
    tn = sum(1 for p, y in zip(predicted, labels) if p == 0 and y == 0)
    fn = sum(1 for p, y in zip(predicted, labels) if p == 0 and y == 1)
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    eps = 1e-15  # clip probabilities so one confident mistake cannot make the loss infinite
    log_loss = -sum(math.log(min(max(s if y == 1 else 1 - s, eps), 1.0))
                    for s, y in zip(scores, labels)) / len(labels)

    metrics = {
        "accuracy": (tp + tn) / len(labels),
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * precision * recall, precision + recall),
        "auc": roc_auc(labels, scores),
        "log_loss": log_loss,
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
    }
    with open(output_path("metrics"), "w") as handle:
        json.dump(metrics, handle)
    print("evaluate: " + "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in metrics.items()))


if __name__ == "__main__":
    main()
