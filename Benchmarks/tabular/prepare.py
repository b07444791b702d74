#!/usr/bin/env python3
"""Make the tabular benchmark's data: one folder per dataset with train.csv and test.csv.

    prepare.py OUT_DIR [--seed 0] [--test-fraction 0.2]

- digits, breast_cancer, wine: exported from scikit-learn by scripts/export_datasets.py
  (the repository's exporter, so the columns and number formats are the template's);
- generated: sklearn.datasets.make_classification(n_samples=200_000, n_features=40,
  n_informative=20, n_redundant=10, n_classes=3, random_state=SEED), values written with
  9 significant digits (repr would make a 150 MB file for no benefit to either side).

Each dataset is split once, stratified on `target`, by
sklearn.model_selection.train_test_split(test_size, random_state=SEED, stratify=y), and
written as train.csv / test.csv with the same header. Both mlp and scikit-learn then read
these same two files. Existing files are kept (delete OUT_DIR to regenerate); the split
is deterministic, so regenerating gives the same bytes.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TOY = ["digits", "breast_cancer", "wine"]


def write_csv(path, header, rows, formats):
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([fmt(v) for fmt, v in zip(formats, row)])
    os.replace(tmp, path)


def read_exported(path):
    """The exported CSV as (header, string rows); the exporter's number text is kept as is."""
    with path.open(newline="") as f:
        r = csv.reader(f)
        header = next(r)
        rows = [row for row in r]
    return header, rows


def split_and_write(out, header, rows, y, seed, test_fraction):
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(rows))
    train_idx, test_idx = train_test_split(idx, test_size=test_fraction, random_state=seed, stratify=y)
    out.mkdir(parents=True, exist_ok=True)
    ident = [lambda v: v] * len(header)
    write_csv(out / "train.csv", header, (rows[i] for i in sorted(train_idx)), ident)
    write_csv(out / "test.csv", header, (rows[i] for i in sorted(test_idx)), ident)
    info = {"rows": len(rows), "features": len(header) - 1, "classes": int(len(set(y))),
            "train_rows": len(train_idx), "test_rows": len(test_idx), "seed": seed,
            "test_fraction": test_fraction}
    (out / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    print("wrote %s (%d train / %d test rows, %d features, %d classes)" % (
        out, info["train_rows"], info["test_rows"], info["features"], info["classes"]), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--generated-rows", type=int, default=200_000)
    a = ap.parse_args()
    a.out_dir.mkdir(parents=True, exist_ok=True)

    raw = a.out_dir / "raw"
    missing = [n for n in TOY if not (a.out_dir / n / "test.csv").exists()]
    if missing:
        subprocess.run([sys.executable, str(REPO / "scripts" / "export_datasets.py"), str(raw), *missing], check=True)
        for name in missing:
            header, rows = read_exported(raw / f"{name}.csv")
            y = [row[-1] for row in rows]
            split_and_write(a.out_dir / name, header, rows, y, a.seed, a.test_fraction)

    gen = a.out_dir / "generated"
    if not (gen / "test.csv").exists():
        from sklearn.datasets import make_classification

        X, y = make_classification(n_samples=a.generated_rows, n_features=40, n_informative=20,
                                   n_redundant=10, n_classes=3, random_state=a.seed)
        header = ["f%02d" % j for j in range(X.shape[1])] + ["target"]
        rows = [["%.9g" % v for v in X[i]] + [str(int(y[i]))] for i in range(X.shape[0])]
        split_and_write(gen, header, rows, [int(t) for t in y], a.seed, a.test_fraction)


if __name__ == "__main__":
    main()
