#!/usr/bin/env python3
"""Side-by-side fan-out benchmark: mlp vs Prefect 3. Driven by run.sh; stdlib only.

What it runs (REPS repetitions of each mlp measurement, PREFECT_REPS of Prefect's,
interleaved so that both tools see the same machine load):

  mlp, uncached   `mlp run --no-cache --json` of a 1,000- and a 10,000-item fan-out of
                  the built-in `noop` step, each repetition in a fresh project folder (a
                  fresh .mlp/mlp.sqlite, so the store does not grow between repetitions).
  mlp, cached     the same command without --no-cache, run again in that folder: every
                  item is a cache hit.
  Prefect 3       prefect_fanout.py (the 1,000-task @flow) in the venv, in a fresh
                  PREFECT_HOME each repetition.
  shell step      one `uses: shell` step running `true`, and a 100-item shell fan-out at
                  -j 1 (serial, like the bare loop), against a bare `sh -c true` spawn
                  timed in this script (subprocess.run in a loop) and, if installed, by
                  hyperfine -N.

Times: "wall" is the whole command, process start to exit (time.perf_counter around
subprocess.run); "engine" is the run's own finished_at - started_at from mlp's JSON.
After timing, every mlp run is checked: status succeeded and n item rows stored as
succeeded in .mlp/mlp.sqlite; every Prefect run: n task runs stored as COMPLETED.

Writes the raw samples and medians to --out (JSON) and prints a Markdown report.
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

FANOUT_YAML = """\
name: fanout
params:
  n: {type: int, default: 1000}
steps:
  fan:
    uses: noop
    foreach: {range: "${{ params.n }}"}
"""

SHELL1_YAML = """\
name: shell1
steps:
  t: {uses: shell, with: {run: "true"}, cache: false}
"""

SHELL100_YAML = """\
name: shell100
steps:
  t: {uses: shell, with: {run: "true"}, foreach: {range: 100}, cache: false}
"""


def loadavg():
    return list(os.getloadavg())


def uptime_line():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


def make_project(root, yaml_text):
    d = tempfile.mkdtemp(prefix="proj-", dir=root)
    with open(os.path.join(d, "mlp.yaml"), "w") as f:
        f.write(yaml_text)
    return d


def mlp_run(mlp, project, args):
    """One `mlp run`; returns (wall seconds, the run's JSON)."""
    cmd = [mlp, "run", "--project", project, "--json", *args]
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("mlp failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-2000:]))
    run = json.loads(p.stdout)
    if run.get("status") != "succeeded":
        sys.exit("mlp run did not succeed: %s" % p.stdout[:2000])
    return wall, run


def stored_items(project, run_id):
    """Item rows of this run stored as succeeded (the persisted state, checked after timing)."""
    db = sqlite3.connect(os.path.join(project, ".mlp", "mlp.sqlite"))
    try:
        (n,) = db.execute(
            'SELECT count(*) FROM steps WHERE runID = ? AND "index" IS NOT NULL AND status = ?',
            (run_id, "succeeded")).fetchone()
        return n
    finally:
        db.close()


def sample_mlp_fanout(mlp, root, n):
    """Uncached run in a fresh project, then a fully cached rerun in the same project."""
    project = make_project(root, FANOUT_YAML)
    load = loadavg()[0]
    wall, run = mlp_run(mlp, project, ["--param", "n=%d" % n, "--no-cache"])
    engine = run["finished_at"] - run["started_at"]
    stored = stored_items(project, run["id"])
    if stored != n:
        sys.exit("mlp stored %d of %d items" % (stored, n))
    cwall, crun = mlp_run(mlp, project, ["--param", "n=%d" % n])
    cengine = crun["finished_at"] - crun["started_at"]
    hits = [s for s in crun["steps"] if s.get("cache_hit")]
    if not hits:
        sys.exit("cached rerun had no cache hit: %s" % json.dumps(crun)[:2000])
    shutil.rmtree(project, ignore_errors=True)
    return {"n": n, "wall_s": wall, "engine_s": engine, "cached_wall_s": cwall,
            "cached_engine_s": cengine, "stored_items": stored, "load1": load}


def sample_mlp_shell(mlp, root):
    p1 = make_project(root, SHELL1_YAML)
    w1, r1 = mlp_run(mlp, p1, [])
    p100 = make_project(root, SHELL100_YAML)
    w100, r100 = mlp_run(mlp, p100, ["-j", "1"])
    stored = stored_items(p100, r100["id"])
    if stored != 100:
        sys.exit("mlp stored %d of 100 shell items" % stored)
    shutil.rmtree(p1, ignore_errors=True)
    shutil.rmtree(p100, ignore_errors=True)
    return {"single_wall_s": w1, "single_engine_s": r1["finished_at"] - r1["started_at"],
            "fan100_wall_s": w100, "fan100_engine_s": r100["finished_at"] - r100["started_at"]}


def sample_bare_spawn(k=200):
    """Seconds per bare `sh -c true` (spawn + wait), timed over k spawns."""
    t = time.perf_counter()
    for _ in range(k):
        subprocess.run(["sh", "-c", "true"], check=True)
    return (time.perf_counter() - t) / k


def hyperfine_spawn(root):
    """Median seconds per `sh -c true` according to hyperfine (no intermediate shell)."""
    if not shutil.which("hyperfine"):
        return None
    out = os.path.join(root, "hyperfine.json")
    p = subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", "300", "--style", "none",
                        "--export-json", out, "sh -c true"], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    with open(out) as f:
        r = json.load(f)["results"][0]
    return {"median_s": r["median"], "mean_s": r["mean"], "stddev_s": r["stddev"]}


def sample_prefect(python, n):
    home = tempfile.mkdtemp(prefix="prefect-home-")
    env = dict(os.environ, PREFECT_HOME=home, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    load = loadavg()[0]
    t = time.perf_counter()
    p = subprocess.run([python, os.path.join(HERE, "prefect_fanout.py"), "--n", str(n)],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    shutil.rmtree(home, ignore_errors=True)
    if p.returncode != 0:
        sys.exit("prefect run failed (%d):\n%s" % (p.returncode, p.stderr[-4000:]))
    r = json.loads(p.stdout.strip().splitlines()[-1])
    if r["completed"] != n:
        sys.exit("prefect stored %d of %d task runs as COMPLETED" % (r["completed"], n))
    r["process_wall_s"] = wall
    r["load1"] = load
    return r


def med(xs):
    return statistics.median(xs)


def spread(xs):
    return [min(xs), max(xs)]


def summarize(samples, key):
    xs = [s[key] for s in samples]
    return {"median": med(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlp")
    ap.add_argument("--prefect-python")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--prefect-reps", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--command", default="")
    ap.add_argument("--report-only", metavar="JSON", help="print the report of a saved result")
    a = ap.parse_args()
    if a.report_only:
        with open(a.report_only) as f:
            print(report(json.load(f)))
        return

    root = tempfile.mkdtemp(prefix="mlp-fanout-bench-")
    # Use a private copy of the binary: the one in .build may be rebuilt during the run.
    mlp = os.path.join(root, "mlp")
    shutil.copy2(a.mlp, mlp)
    version = subprocess.run([mlp, "--version"], capture_output=True, text=True).stdout.strip()

    started = datetime.datetime.now(datetime.timezone.utc)
    uptime_start = uptime_line()
    print("# start: %s" % uptime_start, file=sys.stderr)

    # Warm the page cache / dynamic loader once; not recorded.
    warm = make_project(root, FANOUT_YAML)
    mlp_run(mlp, warm, ["--param", "n=10", "--no-cache"])

    m1k, m10k, shell, bare, prefect = [], [], [], [], []
    for i in range(max(a.reps, a.prefect_reps)):
        if i < a.reps:
            m1k.append(sample_mlp_fanout(mlp, root, 1000))
            m10k.append(sample_mlp_fanout(mlp, root, 10000))
            shell.append(sample_mlp_shell(mlp, root))
            bare.append(sample_bare_spawn())
            print("# rep %d mlp: 1k %.3fs, 10k %.3fs (engine), load %.2f" % (
                i + 1, m1k[-1]["engine_s"], m10k[-1]["engine_s"], loadavg()[0]), file=sys.stderr)
        if i < a.prefect_reps:
            prefect.append(sample_prefect(a.prefect_python, 1000))
            print("# rep %d prefect: flow %.2fs, persisted %.2fs, process %.2fs" % (
                i + 1, prefect[-1]["flow_s"], prefect[-1]["persisted_s"],
                prefect[-1]["process_wall_s"]), file=sys.stderr)
    hf = hyperfine_spawn(root)
    uptime_end = uptime_line()
    print("# end: %s" % uptime_end, file=sys.stderr)
    shutil.rmtree(root, ignore_errors=True)

    S = {
        "mlp_1k": {k: summarize(m1k, k) for k in ("wall_s", "engine_s", "cached_wall_s", "cached_engine_s")},
        "mlp_10k": {k: summarize(m10k, k) for k in ("wall_s", "engine_s", "cached_wall_s", "cached_engine_s")},
        "prefect_1k": {k: summarize(prefect, k) for k in
                       ("import_s", "warmup_s", "flow_s", "persisted_s", "total_s", "process_wall_s")},
        "shell": {k: summarize(shell, k) for k in
                  ("single_wall_s", "single_engine_s", "fan100_wall_s", "fan100_engine_s")},
        "bare_spawn_s": {"median": med(bare), "min": min(bare), "max": max(bare), "n": len(bare)},
        "hyperfine_spawn": hf,
    }
    # Ratios per task (1,000 tasks each side), medians.
    mlp_engine_1k = S["mlp_1k"]["engine_s"]["median"]
    mlp_wall_1k = S["mlp_1k"]["wall_s"]["median"]
    ratios = {
        # Prefect's flow (server already warm) until all states stored vs mlp's engine time.
        "persisted_vs_engine": S["prefect_1k"]["persisted_s"]["median"] / mlp_engine_1k,
        # Prefect's flow call returning (states may still be in flight) vs mlp's engine time.
        "flow_vs_engine": S["prefect_1k"]["flow_s"]["median"] / mlp_engine_1k,
        # Whole process, start-up included, both sides.
        "process_vs_process": S["prefect_1k"]["process_wall_s"]["median"] / mlp_wall_1k,
    }
    # The bare spawn baseline: hyperfine's median when it is installed (it spawns with
    # the least overhead of its own, so the difference charged to mlp is the largest),
    # otherwise the Python subprocess.run loop (which adds Python's own per-call cost).
    per_shell = S["shell"]["fan100_engine_s"]["median"] / 100
    py_bare = S["bare_spawn_s"]["median"]
    bare_s = hf["median_s"] if hf else py_bare
    overhead = {"mlp_per_shell_step_s": per_shell, "bare_spawn_s": bare_s,
                "bare_spawn_from": "hyperfine -N median" if hf else "python subprocess.run loop",
                "overhead_per_step_s": per_shell - bare_s,
                "overhead_vs_python_loop_s": per_shell - py_bare,
                "single_step_engine_s": S["shell"]["single_engine_s"]["median"],
                "single_step_wall_s": S["shell"]["single_wall_s"]["median"]}

    result = {
        "date": started.isoformat(timespec="seconds"),
        "host": platform.node(), "cpus": os.cpu_count(), "platform": platform.platform(),
        "mlp_version": version, "mlp_binary": a.mlp,
        "prefect_version": prefect[0]["prefect_version"] if prefect else None,
        "python": prefect[0]["python"] if prefect else None,
        "reps": a.reps, "prefect_reps": a.prefect_reps, "command": a.command,
        "uptime_start": uptime_start, "uptime_end": uptime_end,
        "summary": S, "ratios": ratios, "shell_overhead": overhead,
        "samples": {"mlp_1k": m1k, "mlp_10k": m10k, "prefect_1k": prefect, "shell": shell,
                    "bare_spawn_s": bare},
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(report(result))


def us(s):
    return "%.0f µs" % (s * 1e6)


def rng(summary, scale=1.0, fmt="%.3f"):
    return (fmt + "–" + fmt) % (summary["min"] * scale, summary["max"] * scale)


def report(r):
    S = r["summary"]
    m1, m10, p = S["mlp_1k"], S["mlp_10k"], S["prefect_1k"]
    o = r["shell_overhead"]
    L = []
    L.append("Run %s on %s (%d CPUs), mlp %s, Prefect %s (Python %s); medians of %d mlp / %d Prefect repetitions, range in brackets." % (
        r["date"], r["host"], r["cpus"], r["mlp_version"], r["prefect_version"], r["python"],
        r["reps"], r["prefect_reps"]))
    L.append("Load at start: `%s`" % r["uptime_start"])
    L.append("Load at end:   `%s`" % r["uptime_end"])
    loads = [x["load1"] for k in ("mlp_1k", "mlp_10k", "prefect_1k") for x in r["samples"][k]]
    L.append("1-minute load average when each sample started: median %.2f, range %.2f–%.2f (%d CPUs)." % (
        statistics.median(loads), min(loads), max(loads), r["cpus"]))
    L.append("")
    L.append("| fan-out of no-op tasks, state persisted | tasks | per task (engine / flow) | total (engine / flow) | whole command, start-up included |")
    L.append("|---|---:|---:|---:|---:|")
    L.append("| mlp `noop`, `--no-cache` | 1,000 | %s | %.3f s [%s] | %.3f s [%s] |" % (
        us(m1["engine_s"]["median"] / 1000), m1["engine_s"]["median"], rng(m1["engine_s"]),
        m1["wall_s"]["median"], rng(m1["wall_s"])))
    L.append("| mlp `noop`, `--no-cache` | 10,000 | %s | %.3f s [%s] | %.3f s [%s] |" % (
        us(m10["engine_s"]["median"] / 10000), m10["engine_s"]["median"], rng(m10["engine_s"]),
        m10["wall_s"]["median"], rng(m10["wall_s"])))
    L.append("| mlp fully cached rerun | 1,000 | %s | %.3f s [%s] | %.3f s [%s] |" % (
        us(m1["cached_engine_s"]["median"] / 1000), m1["cached_engine_s"]["median"],
        rng(m1["cached_engine_s"]), m1["cached_wall_s"]["median"], rng(m1["cached_wall_s"])))
    L.append("| mlp fully cached rerun | 10,000 | %s | %.3f s [%s] | %.3f s [%s] |" % (
        us(m10["cached_engine_s"]["median"] / 10000), m10["cached_engine_s"]["median"],
        rng(m10["cached_engine_s"]), m10["cached_wall_s"]["median"], rng(m10["cached_wall_s"])))
    L.append("| Prefect `task.map`, until all states stored | 1,000 | %s | %.2f s [%s] | %.2f s [%s] |" % (
        us(p["persisted_s"]["median"] / 1000), p["persisted_s"]["median"], rng(p["persisted_s"], fmt="%.2f"),
        p["process_wall_s"]["median"], rng(p["process_wall_s"], fmt="%.2f")))
    L.append("| Prefect `task.map`, until the flow returns | 1,000 | %s | %.2f s [%s] | |" % (
        us(p["flow_s"]["median"] / 1000), p["flow_s"]["median"], rng(p["flow_s"], fmt="%.2f")))
    L.append("")
    R = r["ratios"]
    L.append("Prefect / mlp per task (1,000 tasks): **%.0fx** (Prefect until all states stored vs mlp engine), "
             "%.0fx (Prefect until the flow returns vs mlp engine), %.0fx (whole processes, start-up included)." % (
                 R["persisted_vs_engine"], R["flow_vs_engine"], R["process_vs_process"]))
    L.append("Prefect start-up not in the per-task figures: import %.2f s, ephemeral server + database (first 1-task flow) %.2f s." % (
        p["import_s"]["median"], p["warmup_s"]["median"]))
    L.append("mlp 10,000 tasks: %.3f s engine, %.3f s whole command (target: under 2 s)." % (
        m10["engine_s"]["median"], m10["wall_s"]["median"]))
    L.append("")
    L.append("| shell step | per step |")
    L.append("|---|---:|")
    if S.get("hyperfine_spawn"):
        L.append("| bare `sh -c true` spawn (hyperfine -N, median ± stddev of 300) | %s ± %s |" % (
            us(S["hyperfine_spawn"]["median_s"]), us(S["hyperfine_spawn"]["stddev_s"])))
    L.append("| bare `sh -c true` spawn (Python subprocess.run loop of 200, per repetition) | %s [%s] |" % (
        us(S["bare_spawn_s"]["median"]), rng(S["bare_spawn_s"], 1e6, "%.0f")))
    L.append("| mlp `uses: shell` `true`, 100-item fan-out at -j 1 (engine / 100) | %s [%s] |" % (
        us(o["mlp_per_shell_step_s"]), rng(S["shell"]["fan100_engine_s"], 1e6 / 100, "%.0f")))
    L.append("| **mlp overhead per shell step** (mlp per step minus bare spawn, %s) | **%s** |" % (
        o["bare_spawn_from"], us(o["overhead_per_step_s"])))
    if o["bare_spawn_from"] != "python subprocess.run loop":
        L.append("| mlp overhead per shell step against the Python-loop spawn | %s |" % us(o["overhead_vs_python_loop_s"]))
    L.append("| mlp single shell-step pipeline, engine (whole command) | %s (%s) |" % (
        us(o["single_step_engine_s"]), us(o["single_step_wall_s"])))
    return "\n".join(L)


if __name__ == "__main__":
    main()
