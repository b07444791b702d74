#!/usr/bin/env python3
"""Metric tracking side by side: mlp vs MLflow (SQLite backend). Stdlib only; run through run.sh.

The workload (both sides): 200 runs x 100 points of one metric `m` = 20,000 points; then find
the best run by the final value of `m`. Point i of run r has the value (37*r mod 200) + i/100,
so the best run (the one with 37*r mod 200 = 199) is known and checked on both sides.

mlp, three ways (fresh project folder, fresh .mlp/ each repetition):
- fan-out: ONE `mlp run` of a pipeline whose shell step fans out over `range: 200`; each item
  appends its 100 JSON lines to $MLP_METRICS and writes its final `m` as a `metrics` output
  (each item is tracked like a run: its own step row, metric series and final metrics).
  At the default parallelism (cores) and at -j 1 (one item at a time, like MLflow's loop).
  Best: `mlp metrics RUN --json` (every item's final `m`), argmax taken by the driver.
- separate runs: 200 x `mlp run --param r=R` of a one-step pipeline doing the same, one process
  per run; best: one `mlp compare RUN... --json` over the 200 runs.
Times: the engine time (finished_at - started_at of the run) and the whole command(s).

MLflow: mlflow_log.py (per-point `log_metric` and `log_batch`), timed inside its process after
import and database creation, plus the whole process.

After timing, both stores are counted with sqlite3: 20,000 points must be there.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS, POINTS = 200, 100

# One item / run: 100 points of m (the same values as mlflow_log.py), then the final value as
# the step's `metrics` output. R is the run's number. POSIX sh, only builtins in the loop.
STEP = r'''x=$(( (37 * R) %% %d )); i=0
while [ $i -lt %d ]; do printf '{"key":"m","value":%%d.%%02d,"step":%%d}\n' $x $i $i; i=$((i+1)); done >> "$MLP_METRICS"
printf '{"m": %%d.%%02d}' $x $((i-1)) > "$MLP_OUTPUTS/metrics"''' % (RUNS, POINTS)

FANOUT_YAML = """name: tracking-fanout
steps:
  train:
    uses: shell
    foreach: {range: %d}
    with:
      run: |
%s
    outputs: {metrics: metrics}
""" % (RUNS, "\n".join("        " + l for l in STEP.replace("R)", "MLP_ITEM)").splitlines()))

SINGLE_YAML = """name: tracking-single
params:
  r: {type: int, default: 0}
steps:
  train:
    uses: shell
    with:
      r: ${{ params.r }}
      run: |
%s
    outputs: {metrics: metrics}
""" % "\n".join("        " + l for l in STEP.replace("R)", "MLP_INPUT_R)").splitlines())


def expected_best():
    return max(range(RUNS), key=lambda r: (37 * r) % RUNS + (POINTS - 1) / 100)


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def make_project(root, text):
    d = tempfile.mkdtemp(prefix="proj-", dir=root)
    with open(os.path.join(d, "mlp.yaml"), "w") as f:
        f.write(text)
    return d


def mlp(binary, *args):
    p = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("mlp failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr[-3000:]))
    return p.stdout


def count_mlp_points(project):
    db = sqlite3.connect(os.path.join(project, ".mlp", "mlp.sqlite"))
    try:
        return db.execute("SELECT count(*) FROM metrics WHERE key = 'm' AND iteration IS NOT NULL").fetchone()[0]
    finally:
        db.close()


def sample_fanout(binary, root, jobs):
    project = make_project(root, FANOUT_YAML)
    load = os.getloadavg()[0]
    args = ["run", "--project", project, "--no-cache", "--json"] + (["-j", str(jobs)] if jobs else [])
    t = time.perf_counter()
    run = json.loads(mlp(binary, *args))
    wall = time.perf_counter() - t
    if run["status"] != "succeeded":
        sys.exit("fan-out run failed: %s" % json.dumps(run)[:2000])
    t = time.perf_counter()
    metrics = json.loads(mlp(binary, "metrics", run["id"], "--project", project, "--json"))
    finals = [(m["value"], m["step"]) for m in metrics["final"] if m["key"] == "m"]
    best_value, best_step = max(finals)
    query = time.perf_counter() - t
    series = [k for k in metrics["series"] if k.endswith("/m")]
    best = int(best_step.split("[")[1].rstrip("]"))
    stored = count_mlp_points(project)
    if stored != RUNS * POINTS or len(series) != RUNS or best != expected_best():
        sys.exit("mlp fan-out: %d points stored, %d series, best item %d (expected %d)" % (
            stored, len(series), best, expected_best()))
    shutil.rmtree(project, ignore_errors=True)
    return {"jobs": jobs, "engine_s": run["finished_at"] - run["started_at"], "wall_s": wall,
            "query_s": query, "best": best, "best_value": best_value, "stored": stored, "load1": load}


def sample_separate(binary, root):
    project = make_project(root, SINGLE_YAML)
    load = os.getloadavg()[0]
    ids, engine = [], 0.0
    t = time.perf_counter()
    for r in range(RUNS):
        run = json.loads(mlp(binary, "run", "--project", project, "--no-cache", "--json", "--param", "r=%d" % r))
        if run["status"] != "succeeded":
            sys.exit("run %d failed: %s" % (r, json.dumps(run)[:2000]))
        ids.append(run["id"])
        engine += run["finished_at"] - run["started_at"]
    wall = time.perf_counter() - t
    t = time.perf_counter()
    compared = json.loads(mlp(binary, "compare", *ids, "--project", project, "--json"))
    best_value, best_id = max((c["metrics"]["m"], c["run"]) for c in compared)
    query = time.perf_counter() - t
    best = ids.index(best_id)
    stored = count_mlp_points(project)
    if stored != RUNS * POINTS or best != expected_best():
        sys.exit("mlp separate runs: %d points stored, best run %d (expected %d)" % (stored, best, expected_best()))
    shutil.rmtree(project, ignore_errors=True)
    return {"engine_s": engine, "wall_s": wall, "query_s": query, "best": best, "best_value": best_value,
            "stored": stored, "load1": load}


def sample_mlflow(python, root, mode, runs):
    d = tempfile.mkdtemp(prefix="mlflow-", dir=root)
    db = os.path.join(d, "mlflow.db")
    env = dict(os.environ, MLFLOW_TRACKING_URI="", DO_NOT_TRACK="1", MLFLOW_DISABLE_TELEMETRY="true")
    load = os.getloadavg()[0]
    t = time.perf_counter()
    p = subprocess.run([python, os.path.join(HERE, "mlflow_log.py"), "--db", db, "--runs", str(runs),
                        "--points", str(POINTS), "--mode", mode], cwd=d, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("mlflow_log.py failed (%d):\n%s" % (p.returncode, p.stderr[-4000:]))
    r = json.loads(p.stdout.strip().splitlines()[-1])
    con = sqlite3.connect(db)
    try:
        r["stored"] = con.execute("SELECT count(*) FROM metrics WHERE key = 'm'").fetchone()[0]
    finally:
        con.close()
    if r["stored"] != runs * POINTS or r["best_run"] != r["expected_best_run"]:
        sys.exit("mlflow %s: %d points stored, best run %d (expected %d)" % (mode, r["stored"], r["best_run"], r["expected_best_run"]))
    r["process_wall_s"] = wall
    r["load1"] = load
    shutil.rmtree(d, ignore_errors=True)
    return r


def summ(samples, key):
    xs = [s[key] for s in samples]
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlp")
    ap.add_argument("--mlflow-python")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--mlflow-reps", type=int, default=3)
    ap.add_argument("--separate-reps", type=int, default=3)
    ap.add_argument("--mlflow-runs", type=int, default=RUNS,
                    help="runs per MLflow sample (default 200); fewer only to fit a slow machine's time, "
                         "the figure compared is points per second")
    ap.add_argument("--out")
    ap.add_argument("--command", default="")
    ap.add_argument("--report-only", metavar="JSON")
    a = ap.parse_args()
    if a.report_only:
        with open(a.report_only) as f:
            print(report(json.load(f)))
        return

    root = tempfile.mkdtemp(prefix="mlp-tracking-bench-")
    binary = os.path.join(root, "mlp")
    shutil.copy2(a.mlp, binary)
    version = mlp(binary, "--version").strip()
    started = datetime.datetime.now(datetime.timezone.utc)
    up_start = uptime()
    print("# start: %s" % up_start, file=sys.stderr)
    sample_fanout(binary, root, None)  # warm-up, not recorded

    S = {"fanout": [], "fanout_j1": [], "separate": [], "mlflow_point": [], "mlflow_batch": []}
    for i in range(max(a.reps, a.mlflow_reps, a.separate_reps)):
        if i < a.reps:
            S["fanout"].append(sample_fanout(binary, root, None))
            S["fanout_j1"].append(sample_fanout(binary, root, 1))
        if i < a.separate_reps:
            S["separate"].append(sample_separate(binary, root))
        if i < a.mlflow_reps:
            S["mlflow_point"].append(sample_mlflow(a.mlflow_python, root, "per-point", a.mlflow_runs))
            S["mlflow_batch"].append(sample_mlflow(a.mlflow_python, root, "batch", a.mlflow_runs))
        print("# rep %d: %s" % (i + 1, ", ".join("%s %.2fs" % (k, v[-1].get("engine_s", v[-1].get("log_s"))) for k, v in S.items() if len(v) > i)),
              file=sys.stderr)
    up_end = uptime()
    print("# end: %s" % up_end, file=sys.stderr)
    shutil.rmtree(root, ignore_errors=True)

    summary = {
        "fanout": {k: summ(S["fanout"], k) for k in ("engine_s", "wall_s", "query_s")},
        "fanout_j1": {k: summ(S["fanout_j1"], k) for k in ("engine_s", "wall_s", "query_s")},
        "separate": {k: summ(S["separate"], k) for k in ("engine_s", "wall_s", "query_s")},
        "mlflow_point": {k: summ(S["mlflow_point"], k) for k in ("import_s", "setup_s", "log_s", "search_s", "process_wall_s")},
        "mlflow_batch": {k: summ(S["mlflow_batch"], k) for k in ("import_s", "setup_s", "log_s", "search_s", "process_wall_s")},
    }
    result = {
        "date": started.isoformat(timespec="seconds"), "host": platform.node(), "cpus": os.cpu_count(),
        "platform": platform.platform(), "mlp_version": version,
        "mlflow_version": S["mlflow_point"][0]["mlflow_version"] if S["mlflow_point"] else None,
        "python": S["mlflow_point"][0]["python"] if S["mlflow_point"] else None,
        "runs": RUNS, "points": POINTS, "mlflow_runs": a.mlflow_runs, "reps": a.reps, "mlflow_reps": a.mlflow_reps, "separate_reps": a.separate_reps,
        "command": a.command, "uptime_start": up_start, "uptime_end": up_end,
        "pipelines": {"fanout": FANOUT_YAML, "separate": SINGLE_YAML},
        "summary": summary, "samples": S,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(report(result))


def report(r):
    S, n = r["summary"], r["runs"] * r["points"]
    loads = [x["load1"] for v in r["samples"].values() for x in v]
    L = ["Run %s on %s (%d CPUs), mlp %s, MLflow %s (Python %s); %d runs x %d points = %d points; medians of %d (mlp fan-out) / %d (mlp separate runs) / %d (MLflow) repetitions, [min–max]." % (
        r["date"], r["host"], r["cpus"], r["mlp_version"], r["mlflow_version"], r["python"], r["runs"], r["points"], n,
        r["reps"], r["separate_reps"], r["mlflow_reps"]),
        "Load at start: `%s`" % r["uptime_start"], "Load at end:   `%s`" % r["uptime_end"],
        "1-minute load when each sample started: median %.2f, range %.2f–%.2f." % (statistics.median(loads), min(loads), max(loads)), "",
        "| logging 100 points per run | points | time | points/s | vs MLflow `log_metric` (points/s) | find the best run (query) |",
        "|---|---:|---:|---:|---:|---:|"]
    nm = r.get("mlflow_runs", r["runs"]) * r["points"]
    base = nm / S["mlflow_point"]["log_s"]["median"]

    def row(label, s, key, q, points=n):
        t = s[key]["median"]
        L.append("| %s | %s | %.3f s [%.3f–%.3f] | %s | %.1fx | %.3f s |" % (
            label, "{:,}".format(points), t, s[key]["min"], s[key]["max"], "{:,.0f}".format(points / t), (points / t) / base, q))
    row("MLflow `log_metric` per point (in process, after import + DB setup)", S["mlflow_point"], "log_s", S["mlflow_point"]["search_s"]["median"], nm)
    row("MLflow `log_metric`, whole process (import, DB creation, search included)", S["mlflow_point"], "process_wall_s", S["mlflow_point"]["search_s"]["median"], nm)
    row("MLflow `log_batch`, one call per run (in process)", S["mlflow_batch"], "log_s", S["mlflow_batch"]["search_s"]["median"], nm)
    row("MLflow `log_batch`, whole process", S["mlflow_batch"], "process_wall_s", S["mlflow_batch"]["search_s"]["median"], nm)
    row("mlp one run, `foreach: {range: 200}` shell step, default -j, engine", S["fanout"], "engine_s", S["fanout"]["query_s"]["median"])
    row("mlp one run, fan-out, default -j, whole `mlp run` command", S["fanout"], "wall_s", S["fanout"]["query_s"]["median"])
    row("mlp one run, fan-out, -j 1, engine", S["fanout_j1"], "engine_s", S["fanout_j1"]["query_s"]["median"])
    row("mlp one run, fan-out, -j 1, whole command", S["fanout_j1"], "wall_s", S["fanout_j1"]["query_s"]["median"])
    row("mlp 200 separate `mlp run`s, sum of engine times", S["separate"], "engine_s", S["separate"]["query_s"]["median"])
    row("mlp 200 separate `mlp run`s, whole commands", S["separate"], "wall_s", S["separate"]["query_s"]["median"])
    L.append("")
    L.append("Query: MLflow `search_runs(order_by=[\"metrics.m DESC\"], max_results=1)` in process; mlp fan-out `mlp metrics RUN --json` (whole command, argmax by the driver); mlp separate runs `mlp compare` over the 200 run ids `--json` (whole command).")
    L.append("MLflow start-up, not in the in-process figures: import %.2f s, database + experiment creation %.2f s (per-point process)." % (
        S["mlflow_point"]["import_s"]["median"], S["mlflow_point"]["setup_s"]["median"]))
    return "\n".join(L)


if __name__ == "__main__":
    main()
