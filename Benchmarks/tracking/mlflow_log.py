#!/usr/bin/env python3
"""MLflow side of the tracking benchmark, timed from inside its own process.

    mlflow_log.py --db PATH --runs 200 --points 100 --mode per-point|batch

Tracking store: MLflow's SQLAlchemy store on SQLite (`sqlite:///PATH`), a fresh file.
Before timing: `import mlflow`, creating the database (MLflow runs its schema migrations
on first use) and the experiment. Timed:
- log: RUNS x `with mlflow.start_run():` and, per run, POINTS x
  `mlflow.log_metric("m", value, step=i)` (per-point) or one
  `MlflowClient().log_batch(run_id, metrics=[Metric(...) x POINTS])` (batch);
- search: `mlflow.search_runs(order_by=["metrics.m DESC"], max_results=1)`.
The value of point i of run r is (37*r mod RUNS) + i/100, the same numbers mlp's step logs,
so the best run by the final value of m is known in advance and checked.
Prints one JSON line.
"""

import argparse
import json
import os
import platform
import time

t_import = time.perf_counter()
import mlflow  # noqa: E402
from mlflow.entities import Metric  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

import_s = time.perf_counter() - t_import


def value(r, i, runs):
    return (37 * r) % runs + i / 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--mode", choices=["per-point", "batch"], required=True)
    a = ap.parse_args()

    t = time.perf_counter()
    mlflow.set_tracking_uri("sqlite:///" + os.path.abspath(a.db))
    mlflow.set_experiment("tracking-bench")
    setup_s = time.perf_counter() - t
    client = MlflowClient()

    names = {}
    t = time.perf_counter()
    for r in range(a.runs):
        with mlflow.start_run() as run:
            names[run.info.run_id] = r
            if a.mode == "per-point":
                for i in range(a.points):
                    mlflow.log_metric("m", value(r, i, a.runs), step=i)
            else:
                stamp = int(time.time() * 1000)
                client.log_batch(run.info.run_id, metrics=[
                    Metric("m", value(r, i, a.runs), stamp, i) for i in range(a.points)])
    log_s = time.perf_counter() - t

    t = time.perf_counter()
    best = mlflow.search_runs(order_by=["metrics.m DESC"], max_results=1)
    search_s = time.perf_counter() - t

    best_id = best["run_id"].iloc[0]
    best_value = float(best["metrics.m"].iloc[0])
    expected = max(range(a.runs), key=lambda r: value(r, a.points - 1, a.runs))
    print(json.dumps({
        "mode": a.mode, "runs": a.runs, "points": a.points, "import_s": import_s, "setup_s": setup_s,
        "log_s": log_s, "search_s": search_s, "best_run": names[best_id], "best_value": best_value,
        "expected_best_run": expected,
        "mlflow_version": mlflow.__version__, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
