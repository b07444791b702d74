#!/usr/bin/env python3
"""MLflow side of the server benchmark: log POINTS metric points to a running `mlflow server`.

    mlflow_client.py --url http://127.0.0.1:PORT --points 10000 --mode per-point|batch

Not timed: `import mlflow`, creating the experiment and the run. Timed: POINTS x
`mlflow.log_metric("m", value, step=i)` (per-point: one HTTP request each, what users write), or
`MlflowClient().log_batch` in batches of 1,000 (batch). Then the stored points are counted
through the same server. Prints one JSON line.
"""
import argparse
import json
import time

import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--points", type=int, required=True)
    ap.add_argument("--mode", choices=["per-point", "batch"], required=True)
    a = ap.parse_args()
    mlflow.set_tracking_uri(a.url)
    mlflow.set_experiment("server-bench")
    client = MlflowClient()
    with mlflow.start_run() as run:
        t = time.perf_counter()
        if a.mode == "per-point":
            for i in range(a.points):
                mlflow.log_metric("m", float(i), step=i)
        else:
            stamp = int(time.time() * 1000)
            for start in range(0, a.points, 1000):
                client.log_batch(run.info.run_id, metrics=[Metric("m", float(i), stamp, i) for i in range(start, min(start + 1000, a.points))])
        log_s = time.perf_counter() - t
    stored = len(client.get_metric_history(run.info.run_id, "m"))
    assert stored == a.points, (stored, a.points)
    print(json.dumps({"mode": a.mode, "points": a.points, "log_s": log_s, "stored": stored, "mlflow_version": mlflow.__version__}))


if __name__ == "__main__":
    main()
