#!/usr/bin/env python3
"""CSV reader throughput side by side: mlp's `connector/csv` vs `pandas.read_csv`. Stdlib only.

Both read the same file (made by generate.py), from the page cache (a warm-up read of each
comes first), one repetition of each in turn:

- mlp: a one-step pipeline `connector/csv` with the file's absolute path, in a fresh project
  folder each repetition, run as `mlp run --project P --no-cache --json`. Reported: the step's
  duration from `mlp show RUN --json` (finished_at - started_at: reading and parsing the CSV,
  inferring types, writing the columnar dataset file, hashing it into the artifact store,
  committing), and the whole command (adds process start, the store, checking mlp.yaml, and the
  cache key, which hashes the input file with SHA-256 even under --no-cache).
- pandas: pandas_read.py in a fresh process each repetition; `pd.read_csv(path)` with its
  defaults (the C engine) timed inside the process (after import), and the whole process; and
  the C engine again with Python-object strings (`mode.string_storage = "python"`, what pandas
  does without pyarrow installed), and `engine="pyarrow"` (pyarrow's multithreaded reader); these
  two unless --no-pyarrow.
MB/s = file bytes / 1e6 / seconds. Rows read are checked to be equal on both sides.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def sample_mlp(binary, root, csv_path):
    project = tempfile.mkdtemp(prefix="csv-", dir=root)
    with open(os.path.join(project, "mlp.yaml"), "w") as f:
        f.write("name: csv-bench\nsteps:\n  load: {uses: connector/csv, with: {path: %s}}\n" % json.dumps(csv_path))
    load = os.getloadavg()[0]
    t = time.perf_counter()
    p = subprocess.run([binary, "run", "--project", project, "--no-cache", "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("mlp run failed (%d): %s" % (p.returncode, p.stderr[-3000:]))
    run = json.loads(p.stdout)
    show = json.loads(subprocess.run([binary, "show", run["id"], "--project", project, "--json"],
                                     stdout=subprocess.PIPE, text=True, check=True).stdout)
    step = next(s for s in show["steps"] if s["name"] == "load")
    shutil.rmtree(project, ignore_errors=True)
    return {"step_s": step["finished_at"] - step["started_at"], "engine_s": run["finished_at"] - run["started_at"],
            "wall_s": wall, "rows": step["outputs"]["rows"], "load1": load}


def sample_pandas(python, csv_path, engine="c"):
    load = os.getloadavg()[0]
    t = time.perf_counter()
    p = subprocess.run([python, os.path.join(HERE, "pandas_read.py"), csv_path, engine], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("pandas_read.py failed (%d): %s" % (p.returncode, p.stderr[-3000:]))
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["wall_s"] = wall
    r["load1"] = load
    return r


def summ(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlp")
    ap.add_argument("--pandas-python")
    ap.add_argument("--csv")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out")
    ap.add_argument("--command", default="")
    ap.add_argument("--report-only", metavar="JSON")
    ap.add_argument("--no-pyarrow", action="store_true", help="skip pandas' pyarrow engine")
    a = ap.parse_args()
    if a.report_only:
        with open(a.report_only) as f:
            print(report(json.load(f)))
        return
    csv_path = os.path.abspath(a.csv)
    size = os.path.getsize(csv_path)
    root = tempfile.mkdtemp(prefix="mlp-csv-bench-")
    binary = os.path.join(root, "mlp")
    shutil.copy2(a.mlp, binary)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    started = datetime.datetime.now(datetime.timezone.utc)
    up_start = uptime()
    print("# start: %s" % up_start, file=sys.stderr)
    sample_mlp(binary, root, csv_path)  # warm-ups, not recorded
    warm = sample_pandas(a.pandas_python, csv_path)
    arrow = not a.no_pyarrow
    if arrow:
        sample_pandas(a.pandas_python, csv_path, "pyarrow")
        sample_pandas(a.pandas_python, csv_path, "c-python")
    M, P, A, O = [], [], [], []
    for i in range(a.reps):
        sides = [lambda: M.append(sample_mlp(binary, root, csv_path)), lambda: P.append(sample_pandas(a.pandas_python, csv_path))]
        if arrow:
            sides.append(lambda: A.append(sample_pandas(a.pandas_python, csv_path, "pyarrow")))
            sides.append(lambda: O.append(sample_pandas(a.pandas_python, csv_path, "c-python")))
        # rotate which side goes first
        for f in sides[i % len(sides):] + sides[:i % len(sides)]:
            f()
        for other, name in ((P, "pandas"), (A, "pandas/pyarrow"), (O, "pandas/python strings")):
            if other and M[-1]["rows"] != other[-1]["rows"]:
                sys.exit("rows differ: mlp %d, %s %d" % (M[-1]["rows"], name, other[-1]["rows"]))
        print("# rep %d: mlp step %.2fs (whole %.2fs), pandas read_csv %.2fs (whole %.2fs)%s, load %.1f" % (
            i + 1, M[-1]["step_s"], M[-1]["wall_s"], P[-1]["read_s"], P[-1]["wall_s"],
            ", pyarrow engine %.2fs, python strings %.2fs" % (A[-1]["read_s"], O[-1]["read_s"]) if A else "", os.getloadavg()[0]), file=sys.stderr)
    up_end = uptime()
    print("# end: %s" % up_end, file=sys.stderr)
    shutil.rmtree(root, ignore_errors=True)
    result = {
        "date": started.isoformat(timespec="seconds"), "host": platform.node(), "cpus": os.cpu_count(),
        "platform": platform.platform(), "mlp_version": version, "pandas_version": warm["pandas_version"],
        "csv": csv_path, "bytes": size, "rows": M[0]["rows"], "pandas_dtypes": warm["dtypes"], "reps": a.reps,
        "command": a.command, "uptime_start": up_start, "uptime_end": up_end,
        "summary": {"mlp_step_s": summ([m["step_s"] for m in M]), "mlp_wall_s": summ([m["wall_s"] for m in M]),
                    "pandas_read_s": summ([p["read_s"] for p in P]), "pandas_wall_s": summ([p["wall_s"] for p in P]),
                    "pandas_import_s": summ([p["import_s"] for p in P])},
        "samples": {"mlp": M, "pandas": P},
    }
    if A:
        result["pyarrow_version"] = A[0].get("pyarrow_version")
        result["summary"]["pyarrow_read_s"] = summ([p["read_s"] for p in A])
        result["summary"]["pyarrow_wall_s"] = summ([p["wall_s"] for p in A])
        result["samples"]["pandas_pyarrow"] = A
    if O:
        result["summary"]["python_strings_read_s"] = summ([p["read_s"] for p in O])
        result["summary"]["python_strings_wall_s"] = summ([p["wall_s"] for p in O])
        result["samples"]["pandas_python_strings"] = O
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(report(result))


def report(r):
    S, mb = r["summary"], r["bytes"] / 1e6
    loads = [x["load1"] for v in r["samples"].values() for x in v]
    L = ["Run %s on %s (%d CPUs), mlp %s, pandas %s%s; %.1f MB, %s rows; medians of %d repetitions, [min–max]." % (
        r["date"], r["host"], r["cpus"], r["mlp_version"], r["pandas_version"],
        ", pyarrow %s" % r["pyarrow_version"] if r.get("pyarrow_version") else "", mb, "{:,}".format(r["rows"]), r["reps"]),
        "Load at start: `%s`" % r["uptime_start"], "Load at end:   `%s`" % r["uptime_end"],
        "1-minute load when each sample started: median %.2f, range %.2f–%.2f." % (statistics.median(loads), min(loads), max(loads)), "",
        "| reader | time | MB/s |", "|---|---:|---:|"]
    for label, key in (("mlp `connector/csv` step (parse + write dataset + store)", "mlp_step_s"),
                       ("mlp whole `mlp run` command", "mlp_wall_s"),
                       ("pandas `read_csv` (in process, after import)", "pandas_read_s"),
                       ("pandas whole process (python start + import + read_csv)", "pandas_wall_s"),
                       ("pandas `read_csv`, Python-object strings (as without pyarrow), in process", "python_strings_read_s"),
                       ("pandas `read_csv(engine=\"pyarrow\")` (in process, after import)", "pyarrow_read_s"),
                       ("pandas pyarrow engine, whole process", "pyarrow_wall_s")):
        if key not in S:
            continue
        s = S[key]
        L.append("| %s | %.3f s [%.3f–%.3f] | %.1f [%.1f–%.1f] |" % (label, s["median"], s["min"], s["max"], mb / s["median"],
                                                                   mb / s["max"], mb / s["min"]))
    L.append("")
    L.append("pandas / mlp time: %.2fx (read_csv vs the connector step), %.2fx (whole processes)." % (
        S["pandas_read_s"]["median"] / S["mlp_step_s"]["median"], S["pandas_wall_s"]["median"] / S["mlp_wall_s"]["median"]))
    if "python_strings_read_s" in S:
        L.append("pandas (Python-object strings) / mlp time: %.2fx (read_csv vs the connector step)." % (
            S["python_strings_read_s"]["median"] / S["mlp_step_s"]["median"]))
    if "pyarrow_read_s" in S:
        L.append("pandas pyarrow engine / mlp time: %.2fx (read_csv vs the connector step), %.2fx (whole processes)." % (
            S["pyarrow_read_s"]["median"] / S["mlp_step_s"]["median"], S["pyarrow_wall_s"]["median"] / S["mlp_wall_s"]["median"]))
    return "\n".join(L)


if __name__ == "__main__":
    main()
