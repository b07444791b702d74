"""Writes the train/test CSV files the quick trainer/gbt check uses (numpy only).

- breast_cancer: the template's CSV split 80/20, stratified, seed 0.
- generated-3class: GENERATED data, 200,000 train + 50,000 test rows, 40 float features (10 carry
  signal, non-linearly), 3 classes drawn from softmax(logits) so the best accuracy is below 1.

usage: python make_data.py OUT_DIR
"""
import os
import sys

import numpy as np


def write(path, x, y, names):
    header = ",".join(names + ["target"])
    data = np.column_stack([x, y])
    fmt = ["%.7g"] * x.shape[1] + ["%d"]
    np.savetxt(path, data, delimiter=",", header=header, comments="", fmt=fmt)


def breast_cancer(out):
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.join(here, "..", "..", "templates", "tabular-classification", "data", "breast_cancer.csv")
    with open(source) as f:
        names = f.readline().strip().split(",")[:-1]
    table = np.loadtxt(source, delimiter=",", skiprows=1)
    x, y = table[:, :-1], table[:, -1].astype(int)
    rng = np.random.default_rng(0)
    test = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        rng.shuffle(rows)
        test.extend(rows[: int(round(0.2 * len(rows)))])
    mask = np.zeros(len(y), bool)
    mask[test] = True
    write(os.path.join(out, "breast_cancer_train.csv"), x[~mask], y[~mask], names)
    write(os.path.join(out, "breast_cancer_test.csv"), x[mask], y[mask], names)


def generated(out, train_rows=200_000, test_rows=50_000, features=40, seed=42):
    rng = np.random.default_rng(seed)
    n = train_rows + test_rows
    x = rng.normal(size=(n, features))
    s = x[:, :10]
    logits = np.column_stack([
        1.5 * s[:, 0] - s[:, 1] + np.sin(2 * s[:, 2]) + 0.8 * s[:, 3] * s[:, 4],
        -s[:, 0] + 1.2 * s[:, 5] + np.abs(s[:, 6]) - 0.7 * s[:, 7] ** 2,
        0.9 * s[:, 8] * s[:, 1] + np.where(s[:, 9] > 0.3, 1.2, -0.6) + 0.5 * s[:, 2],
    ])
    p = np.exp(2 * logits - (2 * logits).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    names = [f"f{i}" for i in range(features)]
    write(os.path.join(out, "generated_train.csv"), x[:train_rows], y[:train_rows], names)
    write(os.path.join(out, "generated_test.csv"), x[train_rows:], y[train_rows:], names)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    breast_cancer(out)
    generated(out)
