"""Fit time and holdout quality: mlp's trainer/mlp and trainer/linear against scikit-learn.

Both sides train on the same rows (a seeded, stratified 80/20 split made here) with the same
settings (scikit-learn's MLPClassifier defaults: one hidden layer of 100, Adam lr 1e-3, batch
200, alpha 1e-4, at most 200 epochs, tol 1e-4 with 10 epochs of patience). scikit-learn gets
standardised features (mlp standardises inside the trainer). Timings are the fit only: for
scikit-learn `fit()`, for mlp the trainer's `fit_seconds` metric read from `mlp show --json`.

Usage: bench.py (--mlp PATH | --fit-binary PATH) [--only NAME ...] [--reps N] [--out results.json]

--fit-binary runs the fit-speed executable (fit_speed.sh builds it with -O from MLPTrain's
model sources) instead of an mlp pipeline: the same fit code, without building all of mlp in
release mode.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification
from sklearn.linear_model import LinearRegression
from sklearn.metrics import accuracy_score, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

SEED = 7


def datasets(only):
    """(name, X, y, task) for each benchmark problem."""
    problems = {}
    if not only or "digits" in only:
        d = load_digits()
        problems["digits"] = (d.data, d.target, "classification")
    if not only or "breast_cancer" in only:
        d = load_breast_cancer()
        problems["breast_cancer"] = (d.data, d.target, "classification")
    if not only or "wine" in only:
        d = load_wine()
        problems["wine"] = (d.data, d.target, "classification")
    if not only or "synthetic_200k" in only:
        X, y = make_classification(n_samples=200_000, n_features=40, n_informative=20, n_classes=3, random_state=SEED)
        problems["synthetic_200k"] = (X, y, "classification")
    if not only or "breast_cancer_regression" in only:
        # A generated regression target on breast_cancer's features: a known linear function plus noise.
        d = load_breast_cancer()
        rng = np.random.default_rng(SEED)
        X = d.data
        y = 3 + 2 * X[:, 0] - 0.1 * X[:, 1] + 0.05 * X[:, 2] + rng.normal(0, 1, len(X))
        problems["breast_cancer_regression"] = (X, y, "regression")
    return problems


def write_csv(path, X, y):
    header = ",".join([f"f{i}" for i in range(X.shape[1])] + ["target"])
    fmt = ["%.17g"] * X.shape[1] + (["%d"] if np.issubdtype(y.dtype, np.integer) else ["%.17g"])
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header=header, comments="", fmt=fmt)


def run_mlp(mlp, folder, trainer, with_block):
    (folder / "mlp.yaml").write_text(f"""name: bench
steps:
  train_data: {{uses: connector/csv, with: {{path: train.csv}}}}
  holdout_data: {{uses: connector/csv, with: {{path: holdout.csv}}}}
  fit:
    uses: {trainer}
    with: {{data: "${{{{ steps.train_data.outputs.data }}}}", holdout: "${{{{ steps.holdout_data.outputs.data }}}}", target: target{with_block}}}
""")
    subprocess.run([mlp, "run", "--no-cache", "--project", str(folder)], check=True, capture_output=True, text=True)
    shown = json.loads(subprocess.run([mlp, "show", "latest", "--json", "--project", str(folder)], check=True,
                                      capture_output=True, text=True).stdout)
    return {m["key"]: m["value"] for m in shown["metrics"] if m.get("iteration") is None}


def run_fit_binary(binary, folder, kind, seed):
    out = subprocess.run([binary, kind, str(folder / "train.csv"), str(folder / "holdout.csv"), str(seed)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlp")
    parser.add_argument("--fit-binary")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    results = []
    for name, (X, y, task) in datasets(args.only).items():
        stratify = y if task == "classification" else None
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED, stratify=stratify)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_csv(folder / "train.csv", X_train, y_train)
            write_csv(folder / "holdout.csv", X_test, y_test)
            scaler = StandardScaler().fit(X_train)
            Z_train, Z_test = scaler.transform(X_train), scaler.transform(X_test)
            for rep in range(args.reps):
                row = {"dataset": name, "rows": len(X), "features": X.shape[1], "rep": rep}
                if task == "classification":
                    model = MLPClassifier(random_state=SEED + rep)
                    start, cpu = time.perf_counter(), time.process_time()
                    model.fit(Z_train, y_train)
                    row["sklearn_fit_s"] = time.perf_counter() - start
                    row["sklearn_cpu_s"] = time.process_time() - cpu
                    row["sklearn_epochs"] = model.n_iter_
                    row["sklearn_accuracy"] = accuracy_score(y_test, model.predict(Z_test))
                    if args.fit_binary:
                        metrics = run_fit_binary(args.fit_binary, folder, "mlp", SEED + rep)
                    else:
                        metrics = run_mlp(args.mlp, folder, "trainer/mlp", f", seed: {SEED + rep}")
                    row["mlp_fit_s"] = metrics["fit_seconds"]
                    row["mlp_cpu_s"] = metrics.get("cpu_seconds")
                    row["mlp_epochs"] = metrics["epochs"]
                    row["mlp_accuracy"] = metrics["accuracy"]
                    row["trainer"] = "trainer/mlp vs MLPClassifier"
                else:
                    model = LinearRegression()
                    start, cpu = time.perf_counter(), time.process_time()
                    model.fit(X_train, y_train)
                    row["sklearn_fit_s"] = time.perf_counter() - start
                    row["sklearn_cpu_s"] = time.process_time() - cpu
                    predicted = model.predict(X_test)
                    row["sklearn_rmse"] = mean_squared_error(y_test, predicted) ** 0.5
                    row["sklearn_r2"] = r2_score(y_test, predicted)
                    if args.fit_binary:
                        metrics = run_fit_binary(args.fit_binary, folder, "linear", 0)
                    else:
                        metrics = run_mlp(args.mlp, folder, "trainer/linear", "")
                    row["mlp_fit_s"] = metrics["fit_seconds"]
                    row["mlp_cpu_s"] = metrics.get("cpu_seconds")
                    row["mlp_rmse"] = metrics["rmse"]
                    row["mlp_r2"] = metrics["r2"]
                    row["trainer"] = "trainer/linear vs LinearRegression"
                print(json.dumps(row), file=sys.stderr, flush=True)
                results.append(row)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2))
    print("| dataset | trainer | mlp fit s (median) | sklearn fit s (median) | mlp CPU s | sklearn CPU s | mlp quality | sklearn quality | mlp epochs | sklearn epochs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in dict.fromkeys(r["dataset"] for r in results):
        rows = [r for r in results if r["dataset"] == name]
        med = lambda key: float(np.median([r[key] for r in rows if r.get(key) is not None] or [float("nan")]))
        if "mlp_accuracy" in rows[0]:
            quality = (f"acc {med('mlp_accuracy'):.4f}", f"acc {med('sklearn_accuracy'):.4f}")
            epochs = (f"{med('mlp_epochs'):.0f}", f"{med('sklearn_epochs'):.0f}")
        else:
            quality = (f"rmse {med('mlp_rmse'):.4f} r2 {med('mlp_r2'):.4f}", f"rmse {med('sklearn_rmse'):.4f} r2 {med('sklearn_r2'):.4f}")
            epochs = ("-", "-")
        print(f"| {name} ({rows[0]['rows']}x{rows[0]['features']}) | {rows[0]['trainer']} | {med('mlp_fit_s'):.4f} | "
              f"{med('sklearn_fit_s'):.4f} | {med('mlp_cpu_s'):.4f} | {med('sklearn_cpu_s'):.4f} | {quality[0]} | {quality[1]} | {epochs[0]} | {epochs[1]} |")


if __name__ == "__main__":
    main()
