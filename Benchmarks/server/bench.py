#!/usr/bin/env python3
"""`mlp server` benchmark, side by side with MLflow's tracking server. Driven by run.sh; stdlib only.

Reporting (REPS repetitions, interleaved so every side sees the same machine load):
  mlp local       `mlp run --no-cache --json` of a FANOUT-item fan-out, stored in the project's
                  own .mlp/mlp.sqlite (the baseline);
  mlp --server    the same run with `--server URL` (token in MLP_TOKEN), recorded in `mlp server`
                  with --db sqlite:DIR and with --db postgres://… (a PostgreSQL on loopback, started by
                  scripts/postgres.sh, then made durable: fsync, synchronous_commit and
                  full_page_writes on);
  for two pipelines: `noop` items (nothing but reporting: every item's state changes go to the
  store) and `shell` items that each write one metric point (POINTS items);
  MLflow          `mlflow server --backend-store-uri sqlite:///…` on loopback, and a client in
                  its own process logging the same POINTS metric points over HTTP, one
                  `log_metric` call each (what users write) and in `log_batch` calls of 1,000.
After timing, every mlp run is read back from where it was stored (status succeeded, every
item succeeded; the metric points counted).

Reads at scale: one project per database seeded with SEED_RUNS runs x SEED_STEPS steps
(10^6 step rows by default, generated rows, labelled as such; written with SQL straight into the
store's tables), then READS timed requests of the runs list (`GET …/runs/summaries?limit=50`,
what `mlp runs` asks) and of one run's show (the requests `mlp show` makes), over one kept-alive
HTTP connection; p50/p99. And `mlp runs --server` / `mlp show --server` as whole commands.

Writes the samples and medians to --out (JSON) and prints a Markdown report.
"""
import argparse
import datetime
import http.client
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
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "server"))

NOOP_YAML = """\
name: %s
steps:
  fan:
    uses: noop
    foreach: {range: %d}
"""

SHELL_YAML = """\
name: %s
steps:
  fan:
    uses: shell
    foreach: {range: %d}
    cache: false
    with:
      run: |
        printf '{"m": %%s}\\n' "$MLP_ITEM" > "$MLP_OUTPUTS/metrics"
    outputs: {metrics: metrics}
"""


def uptime_line():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


def log(message):
    print("# " + message, file=sys.stderr, flush=True)


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def make_project(root, text):
    folder = tempfile.mkdtemp(prefix="proj-", dir=root)
    with open(os.path.join(folder, "mlp.yaml"), "w") as f:
        f.write(text)
    return folder


def run_mlp(mlp, folder, server=None, token=None, project=None, timeout=1800):
    arguments = [mlp, "run", "--no-cache", "--json"]
    env = dict(os.environ)
    if server:
        arguments += ["--server", server, "--server-project", project]
        env["MLP_TOKEN"] = token
    start = time.perf_counter()
    result = subprocess.run(arguments, cwd=folder, capture_output=True, text=True, env=env, timeout=timeout)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        # The whole output (a crash's backtrace starts long before its last lines) is kept.
        kept = os.path.join(REPO, "Benchmarks", "results", "server-failed-run-%d.txt" % int(time.time()))
        os.makedirs(os.path.dirname(kept), exist_ok=True)
        with open(kept, "w") as f:
            f.write(f"{' '.join(arguments)} in {folder} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
        raise SystemExit(f"mlp run failed ({result.returncode}) in {folder}; its whole output is in {kept}:\n{result.stderr[-2000:]}")
    return wall, json.loads(result.stdout)


class Connection:
    """One kept-alive HTTP/1.1 connection to a server, with a bearer token."""

    def __init__(self, url, token):
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.token = token

    def get(self, path):
        self.connection.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:500]!r}")
        return body


def check_remote_run(server, project, run_id, items, points):
    connection = Connection(server.url, server.admin)
    prefix = f"/api/v1/projects/{project}"
    run = json.loads(connection.get(f"{prefix}/runs/{run_id}"))
    assert run["status"] == "succeeded", run
    steps = json.loads(connection.get(f"{prefix}/runs/{run_id}/steps"))
    children = [s for s in steps if s.get("index") is not None]
    assert len(children) == items and all(s["status"] == "succeeded" for s in children), (len(children), items)
    if points:
        metrics = json.loads(connection.get(f"{prefix}/runs/{run_id}/metrics"))
        assert len(metrics) == points, (len(metrics), points)


def check_local_run(folder, run_id, items, points):
    db = sqlite3.connect(os.path.join(folder, ".mlp", "mlp.sqlite"))
    (status,) = db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert status == "succeeded", status
    (n,) = db.execute("SELECT count(*) FROM steps WHERE runID = ? AND \"index\" IS NOT NULL AND status = 'succeeded'", (run_id,)).fetchone()
    assert n == items, (n, items)
    if points:
        (m,) = db.execute("SELECT count(*) FROM metrics WHERE runID = ?", (run_id,)).fetchone()
        assert m == points, (m, points)


def mlflow_side(python, root, points, mode):
    """Starts `mlflow server` (SQLite backend) on a free port, logs `points` points from a client process."""
    from serverproc import free_port  # noqa: E402
    folder = tempfile.mkdtemp(prefix="mlflow-", dir=root)
    port = free_port()
    mlflow_bin = os.path.join(os.path.dirname(python), "mlflow")
    server = subprocess.Popen([mlflow_bin, "server", "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
                               "--default-artifact-root", f"{folder}/artifacts", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(folder, "server.log"), "wb"), start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        else:
            raise SystemExit("mlflow server did not answer /health within 180 s: " + open(os.path.join(folder, "server.log")).read()[-2000:])
        result = subprocess.run([python, os.path.join(HERE, "mlflow_client.py"), "--url", url, "--points", str(points), "--mode", mode],
                                capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise SystemExit(f"mlflow_client.py failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        # The server's process group (gunicorn/uvicorn and its workers), by the PID we started.
        try:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, 9)
        shutil.rmtree(folder, ignore_errors=True)


# Seeding -----------------------------------------------------------------------------------------

def seed_sqlite(path, runs, steps_per_run):
    """Generated rows straight into a project's SQLite store (its schema made by the server)."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    template = db.execute("SELECT * FROM runs LIMIT 1").fetchone()
    columns = [d[0] for d in db.execute("SELECT * FROM runs LIMIT 1").description]
    now = time.time()
    with db:
        for r in range(runs):
            row = dict(zip(columns, template))
            row["id"] = "seed%06d" % r
            row["createdAt"] = now - (runs - r)
            db.execute("INSERT INTO runs (%s) VALUES (%s)" % (",".join('"%s"' % c for c in columns), ",".join("?" * len(columns))),
                       [row[c] for c in columns])
            db.executemany('INSERT INTO steps (runID, name, "index", kind, status, attempts, cacheHit, startedAt, finishedAt) '
                           "VALUES (?, 'fan', ?, 'noop', 'succeeded', 1, 0, ?, ?)",
                           (("seed%06d" % r, i, now, now) for i in range(steps_per_run)))
    (n,) = db.execute("SELECT count(*) FROM steps").fetchone()
    db.close()
    return n


def seed_postgres(url, schema, runs, steps_per_run):
    # PostgresStore's columns are unquoted, so lower-case; the template run's row is copied with a new
    # id and an earlier creation time (jsonb_populate_record keeps every other column as it is).
    sql = f"""
SET search_path TO "{schema}";
INSERT INTO runs
  SELECT (jsonb_populate_record(t, jsonb_build_object('id', 'seed' || lpad(r::text, 6, '0'), 'createdat', t.createdat - ({runs} - r)))).*
  FROM runs AS t, generate_series(0, {runs - 1}) AS r WHERE t.id = (SELECT id FROM runs LIMIT 1);
INSERT INTO steps (runid, name, "index", kind, status, attempts, cachehit, startedat, finishedat)
  SELECT 'seed' || lpad(r::text, 6, '0'), 'fan', i, 'noop', 'succeeded', 1, false, extract(epoch from now()), extract(epoch from now())
  FROM generate_series(0, {runs - 1}) AS r, generate_series(0, {steps_per_run - 1}) AS i;
ANALYZE;
SELECT count(*) FROM steps;
"""
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql], capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit("seeding PostgreSQL failed: " + result.stderr[-3000:])
    return int(result.stdout.strip().splitlines()[-1])


def time_reads(server, project, run_id, reads, runs):
    connection = Connection(server.url, server.admin)
    prefix = f"/api/v1/projects/{project}"
    show_paths = [f"{prefix}/runs/find?ref={run_id}", f"{prefix}/runs/{run_id}/params", f"{prefix}/runs/{run_id}/steps",
                  f"{prefix}/runs/{run_id}/metrics", f"{prefix}/approvals"]
    lists, shows = [], []
    for _ in range(5):  # warm the connection and the database's caches
        connection.get(f"{prefix}/runs/summaries?limit=50")
        for p in show_paths:
            connection.get(p)
    for _ in range(reads):
        t = time.perf_counter()
        body = connection.get(f"{prefix}/runs/summaries?limit=50")
        lists.append(time.perf_counter() - t)
        t = time.perf_counter()
        for p in show_paths:
            connection.get(p)
        shows.append(time.perf_counter() - t)
    assert len(json.loads(body)) == min(50, runs), (len(json.loads(body)), runs)
    return lists, shows


def time_commands(mlp, server, project, run_id, reps, cwd):
    env = dict(os.environ, MLP_TOKEN=server.admin)
    out = {}
    for name, arguments in [("runs", ["runs", "--json"]), ("show", ["show", run_id, "--json"])]:
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            result = subprocess.run([mlp, *arguments, "--server", server.url, "--server-project", project], cwd=cwd, env=env,
                                    capture_output=True, text=True, timeout=300)
            samples.append(time.perf_counter() - t)
            if result.returncode != 0:
                raise SystemExit(f"mlp {' '.join(arguments)} --server failed: {result.stderr[-2000:]}")
        out[name] = samples
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlp", required=True)
    ap.add_argument("--mlflow-python", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--fanout", type=int, default=10000)
    ap.add_argument("--points", type=int, default=10000)
    ap.add_argument("--mlflow-points", type=int, default=10000)
    ap.add_argument("--seed-runs", type=int, default=1000)
    ap.add_argument("--seed-steps", type=int, default=1000)
    ap.add_argument("--reads", type=int, default=300)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="")
    a = ap.parse_args()

    os.environ["MLP"] = a.mlp
    from serverproc import MLPServer, create_database, start_postgres, stop_postgres  # noqa: E402

    root = tempfile.mkdtemp(prefix="mlp-server-bench-")
    os.chmod(root, 0o755)  # PostgreSQL runs as the postgres user and must reach its folder below
    samples = {}
    loads = [os.getloadavg()[0]]
    pg_folder = os.path.join(root, "pg")
    os.makedirs(pg_folder)
    pg_url, reason = start_postgres(pg_folder)
    if pg_url is None:
        raise SystemExit("PostgreSQL did not start: " + reason)
    # scripts/postgres.sh makes a throw-away test cluster (fsync off); measure a durable one.
    subprocess.run(["psql", pg_url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", "ALTER SYSTEM SET fsync = on", "-c",
                    "ALTER SYSTEM SET synchronous_commit = on", "-c", "ALTER SYSTEM SET full_page_writes = on", "-c",
                    "SELECT pg_reload_conf()"], check=True, capture_output=True, timeout=60)
    servers = {}
    try:
        servers["sqlite"] = MLPServer(f"sqlite:{root}/server-sqlite", "sqlite", f"{root}/artifacts-sqlite", f"{root}/logs-sqlite").start()
        servers["postgres"] = MLPServer(create_database(pg_url, "mlp_bench"), "postgres", f"{root}/artifacts-pg", f"{root}/logs-pg").start()

        def add(key, value):
            samples.setdefault(key, []).append(value)

        for rep in range(a.reps):
            log(f"reporting, repetition {rep + 1}/{a.reps} ({uptime_line()})")
            for kind, yaml_text, items, points in [("noop", NOOP_YAML, a.fanout, 0), ("shell", SHELL_YAML, a.points, a.points)]:
                folder = make_project(root, yaml_text % (f"bench-{kind}", items))
                wall, answer = run_mlp(a.mlp, folder)
                check_local_run(folder, answer["id"], items, points)
                add(f"{kind}/local", wall)
                for db, server in servers.items():
                    project = f"bench-{kind}-{db}-{rep}"
                    folder = make_project(root, yaml_text % (f"bench-{kind}", items))
                    wall, answer = run_mlp(a.mlp, folder, server.url, server.admin, project)
                    check_remote_run(server, project, answer["id"], items, points)
                    add(f"{kind}/{db}", wall)
                loads.append(os.getloadavg()[0])
            for mode in ["per-point", "batch"]:
                result = mlflow_side(a.mlflow_python, root, a.mlflow_points, mode)
                add(f"mlflow/{mode}", result["log_s"])
                samples.setdefault("mlflow/meta", []).append(result)
            loads.append(os.getloadavg()[0])

        log(f"seeding {a.seed_runs} x {a.seed_steps} step rows in each database ({uptime_line()})")
        reads = {}
        for db, server in servers.items():
            project = "bench-reads"
            folder = make_project(root, NOOP_YAML % ("bench-reads", 10))
            _, answer = run_mlp(a.mlp, folder, server.url, server.admin, project)
            if db == "sqlite":
                n = seed_sqlite(f"{root}/server-sqlite/projects/{project}.sqlite", a.seed_runs, a.seed_steps)
            else:
                n = seed_postgres(server.db, f"p_{project}", a.seed_runs, a.seed_steps)
            log(f"{db}: {n} step rows; timing reads ({uptime_line()})")
            shown = "seed%06d" % (a.seed_runs // 2)
            lists, shows = time_reads(server, project, shown, a.reads, a.seed_runs + 1)
            commands = time_commands(a.mlp, server, project, shown, max(10, a.reads // 10), root)
            reads[db] = {"step_rows": n, "list": lists, "show": shows, "mlp_runs": commands["runs"], "mlp_show": commands["show"]}
            loads.append(os.getloadavg()[0])
    finally:
        for server in servers.values():
            try:
                server.stop(timeout=30)
            except AssertionError:
                server.kill()
        stop_postgres(pg_folder)
        shutil.rmtree(root, ignore_errors=True)

    medians = {k: statistics.median(v) for k, v in samples.items() if k != "mlflow/meta"}
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": a.command, "machine": platform.platform(), "cpus": os.cpu_count(), "load_1min": loads,
        "fanout": a.fanout, "points": a.points, "mlflow_points": a.mlflow_points,
        "samples": samples, "medians": medians,
        "reads": {db: {**r, "p50_ms": {k: 1000 * percentile(r[k], 0.5) for k in ["list", "show", "mlp_runs", "mlp_show"]},
                       "p99_ms": {k: 1000 * percentile(r[k], 0.99) for k in ["list", "show", "mlp_runs", "mlp_show"]}}
                  for db, r in reads.items()},
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)

    m = medians
    print(f"`{a.command}` — {report['date']}, {platform.platform()}, {os.cpu_count()} cores, "
          f"1-minute load {min(loads):.2f}–{max(loads):.2f}; medians of {a.reps}.\n")
    print("| workload | local (.mlp SQLite) | --server, SQLite | --server, PostgreSQL | server / local |")
    print("|---|---|---|---|---|")
    for kind, label, n in [("noop", f"{a.fanout:,}-item noop fan-out", a.fanout), ("shell", f"{a.points:,} shell items, one metric point each", a.points)]:
        lo, sq, pg = m[f"{kind}/local"], m[f"{kind}/sqlite"], m[f"{kind}/postgres"]
        print(f"| {label} | {lo:.2f} s ({n / lo:,.0f}/s) | {sq:.2f} s ({n / sq:,.0f}/s) | {pg:.2f} s ({n / pg:,.0f}/s) | "
              f"{sq / lo:.2f}x / {pg / lo:.2f}x |")
    pp, batch = m["mlflow/per-point"], m["mlflow/batch"]
    print(f"\nMLflow tracking server (SQLite backend), {a.mlflow_points:,} points over HTTP: `log_metric` per point "
          f"{pp:.2f} s ({a.mlflow_points / pp:,.0f} points/s); `log_batch` of 1,000: {batch:.2f} s ({a.mlflow_points / batch:,.0f} points/s). "
          f"mlp --server, {a.points:,} shell items with one point each: SQLite {a.points / m['shell/sqlite']:,.0f}, "
          f"PostgreSQL {a.points / m['shell/postgres']:,.0f} items (points) per second, whole run included.\n")
    print("| reads at scale | step rows | runs list p50 / p99 | one run's show p50 / p99 | `mlp runs --server` p50 / p99 | `mlp show --server` p50 / p99 |")
    print("|---|---|---|---|---|---|")
    for db, r in report["reads"].items():
        p50, p99 = r["p50_ms"], r["p99_ms"]
        print(f"| {db} | {r['step_rows']:,} | {p50['list']:.1f} / {p99['list']:.1f} ms | {p50['show']:.1f} / {p99['show']:.1f} ms | "
              f"{p50['mlp_runs']:.0f} / {p99['mlp_runs']:.0f} ms | {p50['mlp_show']:.0f} / {p99['mlp_show']:.0f} ms |")


if __name__ == "__main__":
    main()
