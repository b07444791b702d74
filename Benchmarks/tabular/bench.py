#!/usr/bin/env python3
"""Tabular training side by side: mlp's built-in trainers (through the real CLI) vs scikit-learn.

Run through run.sh (it makes the venv and the data). For each dataset in DATA_DIR
(train.csv / test.csv per dataset, made by prepare.py) and each repetition, interleaved:

- mlp: a generated mlp.yaml with `connector/csv` for train.csv and test.csv and one step per
  trainer in TRAINERS that this mlp binary has, run as `mlp run --project P --no-cache -j 1
  --json` (-j 1: trainers one after another, so no fit shares the CPUs with another fit);
  then `mlp show RUN --json` for each step's metrics: `accuracy` (holdout) and `fit_seconds`
  when the trainer reports it, else the step's duration (finished_at - started_at; an
  upper bound of the fit, it also loads the datasets, scores train and holdout, and stores
  the model), labelled as such;
- scikit-learn: the same train.csv / test.csv (read once with numpy, not timed), the
  estimator in TRAINERS, timed around .fit (plus StandardScaler where mlp standardises), and
  also around fit + predicting train and holdout (the comparable figure to an mlp step time).

Prints a Markdown table; writes every sample to --out (JSON).
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

import numpy as np

# ---------------------------------------------------------------------------------------------
# The trainers compared. Edit here when a trainer's inputs change: `with` is the mlp step's
# `with:` block (besides data/holdout/target, which are always wired), `sklearn` builds the
# scikit-learn estimator, `scale` says whether scikit-learn gets a StandardScaler in front
# (inside the timed region) because the mlp trainer standardises its features itself.
#   info: the dataset's info.json (train_rows, classes, ...); seed: the benchmark seed.
# ---------------------------------------------------------------------------------------------
SKLEARN_C = 1.0         # scikit-learn's default C
MAX_ITER = 1000         # L-BFGS iterations at most, both sides (both stop on their own criteria first)
GRADIENT_TOL = 1e-4     # scikit-learn's default tol = L-BFGS-B's gtol (max |projected gradient|); mlp's `tol` is the same test
# MLPClassifier's defaults, written out on both sides. Early stopping (off by default on both) is
# turned on for training sets above 10,000 rows, the rule HistGradientBoostingClassifier's
# early_stopping="auto" uses: without it a 160,000-row fit runs ~150 epochs (minutes per fit on
# this machine). Off, both stop on the same rule: 10 epochs in a row without the training loss
# improving by tol. On, both hold out 10% (stratified) and wait 10 epochs, but scikit-learn
# watches the validation accuracy and mlp the validation loss.
def mlp_early_stopping(info):
    return info["train_rows"] > 10_000


def logistic_l2(info):
    """mlp's l2 that gives the same optimum as scikit-learn's C.

    mlp (SoftmaxRegression.swift): mean cross-entropy + l2/2 * |W|^2 over all K rows of W.
    scikit-learn (lbfgs): mean cross-entropy + 1/(2*C*n) * |w|^2 (it minimises the mean loss
    with l2_reg_strength = 1/(C*n), which is C*sum(loss) + |w|^2/2 divided by C*n).
    K >= 3 (multinomial on both sides): l2 = 1/(C*n).
    K = 2: scikit-learn fits ONE weight vector w; mlp fits two rows with w = w1 - w0, and at the
    optimum w1 = -w0 = w/2, so its penalty is l2/2 * |w|^2/2 = l2/4 * |w|^2: l2 = 2/(C*n).
    """
    n = info["train_rows"]
    return (2.0 if info["classes"] == 2 else 1.0) / (SKLEARN_C * n)


def yaml_float(x):
    # With a dot and an exponent, so every YAML reader takes it as a float.
    return "%.17e" % x


TRAINERS = [
    {
        "name": "logistic",
        "uses": "trainer/logistic",
        "with": lambda info, seed: {"l2": yaml_float(logistic_l2(info)), "max_iter": MAX_ITER, "tol": yaml_float(GRADIENT_TOL)},
        "sklearn_name": "LogisticRegression(lbfgs)",
        "scale": True,
        # mlp's logistic fit is single-threaded (OpenBLAS limited to 1 thread, see MLP_ENV).
        "threads": 1,
        "sklearn": lambda info, seed: __import__("sklearn.linear_model", fromlist=["x"]).LogisticRegression(
            C=SKLEARN_C, solver="lbfgs", max_iter=MAX_ITER, tol=GRADIENT_TOL),
    },
    {
        # sklearn.neural_network.MLPClassifier's defaults (one hidden layer of 100, relu, adam,
        # alpha 1e-4, batch 200, lr 1e-3, 200 epochs, tol 1e-4, 10 epochs of patience).
        "name": "mlp",
        "uses": "trainer/mlp",
        "with": lambda info, seed: {"hidden": "[100]", "alpha": yaml_float(1e-4), "learning_rate": yaml_float(1e-3),
                                    "batch_size": 200, "max_epochs": 200, "tol": yaml_float(1e-4), "patience": 10,
                                    "early_stopping": "true" if mlp_early_stopping(info) else "false", "seed": seed},
        "sklearn_name": "MLPClassifier",
        "scale": True,
        "threads": 1,
        "sklearn": lambda info, seed: __import__("sklearn.neural_network", fromlist=["x"]).MLPClassifier(
            hidden_layer_sizes=(100,), alpha=1e-4, learning_rate_init=1e-3, batch_size=200, max_iter=200, tol=1e-4,
            n_iter_no_change=10, early_stopping=mlp_early_stopping(info), random_state=seed),
    },
    {
        # HistGradientBoostingClassifier's defaults, written out (early_stopping="auto": on when
        # the training set has more than 10,000 rows).
        "name": "gbt",
        "uses": "trainer/gbt",
        "with": lambda info, seed: {"max_iter": 100, "learning_rate": yaml_float(0.1), "max_leaf_nodes": 31,
                                    "min_samples_leaf": 20, "max_bins": 255, "l2_regularization": yaml_float(0.0),
                                    "early_stopping": "auto", "validation_fraction": yaml_float(0.1),
                                    "n_iter_no_change": 10, "tol": yaml_float(1e-7), "seed": seed},
        "sklearn_name": "HistGradientBoostingClassifier",
        "scale": False,
        # mlp's trainer/gbt works on every core (histograms and split search in parallel over
        # features); scikit-learn's OpenMP pool is left at its default, one thread per core.
        "threads": 0,
        "sklearn": lambda info, seed: __import__("sklearn.ensemble", fromlist=["x"]).HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, max_bins=255, l2_regularization=0.0,
            early_stopping="auto", validation_fraction=0.1, n_iter_no_change=10, tol=1e-7, random_state=seed),
    },
]

# The environment of every `mlp` command: OpenBLAS (trainer/logistic, trainer/mlp) on one thread,
# as scikit-learn's BLAS is for those estimators.
MLP_ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")


def pipeline_yaml(dataset, trainers, info, seed):
    lines = ["name: tabular-bench-%s" % dataset, "steps:",
             "  train_data: {uses: connector/csv, with: {path: train.csv}}",
             "  test_data: {uses: connector/csv, with: {path: test.csv}}"]
    for t in trainers:
        lines.append("  %s:" % t["name"])
        lines.append("    uses: %s" % t["uses"])
        lines.append("    with:")
        lines.append("      data: ${{ steps.train_data.outputs.data }}")
        lines.append("      holdout: ${{ steps.test_data.outputs.data }}")
        lines.append("      target: target")
        for k, v in t["with"](info, seed).items():
            lines.append("      %s: %s" % (k, v))
    return "\n".join(lines) + "\n"


def make_project(root, dataset, data_dir, trainers, info, seed):
    project = tempfile.mkdtemp(prefix="%s-" % dataset, dir=root)
    for f in ("train.csv", "test.csv"):
        os.symlink(os.path.join(data_dir, f), os.path.join(project, f))
    with open(os.path.join(project, "mlp.yaml"), "w") as f:
        f.write(pipeline_yaml(dataset, trainers, info, seed))
    return project


def mlp(binary, *args, check=True):
    p = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=MLP_ENV)
    if check and p.returncode != 0:
        sys.exit("mlp failed (%d): %s\n%s\n%s" % (p.returncode, " ".join(args), p.stdout[-2000:], p.stderr[-2000:]))
    return p


def available_trainers(binary, root, data_dir, info, seed, wanted):
    """The TRAINERS named in `wanted` that this binary has, by `mlp validate` of a pipeline with just that trainer."""
    have, skipped = [], []
    for t in (t for t in TRAINERS if t["name"] in wanted):
        project = make_project(root, "probe-" + t["name"], data_dir, [t], info, seed)
        p = mlp(binary, "validate", "--project", project, check=False)
        shutil.rmtree(project, ignore_errors=True)
        if p.returncode == 0:
            have.append(t)
        else:
            why = (p.stderr.strip() or p.stdout.strip()).splitlines()
            skipped.append({"trainer": t["uses"], "why": " / ".join(why[-3:])})
            print("# skipping %s: this mlp does not accept it: %s" % (t["uses"], skipped[-1]["why"]), file=sys.stderr)
    return have, skipped


def sample_mlp(binary, project, trainers):
    t0 = time.perf_counter()
    p = mlp(binary, "run", "--project", project, "--no-cache", "-j", "1", "--json")
    wall = time.perf_counter() - t0
    run = json.loads(p.stdout)
    if run.get("status") != "succeeded":
        sys.exit("mlp run did not succeed: %s" % p.stdout[:3000])
    show = json.loads(mlp(binary, "show", run["id"], "--project", project, "--json").stdout)
    steps = {s["id"]: s for s in show["steps"]}
    by_name = {s["name"]: s for s in show["steps"]}
    metrics = {}
    for m in show["metrics"]:
        step = steps.get(m.get("step_id"))
        if step:
            metrics.setdefault(step["name"], {})[m["key"]] = m["value"]
    out = {"run": run["id"], "wall_s": wall, "load1": os.getloadavg()[0],
           "csv_s": {n: by_name[n]["finished_at"] - by_name[n]["started_at"] for n in ("train_data", "test_data")},
           "trainers": {}}
    for t in trainers:
        s, m = by_name[t["name"]], metrics.get(t["name"], {})
        step_s = s["finished_at"] - s["started_at"]
        out["trainers"][t["name"]] = {
            "fit_s": m.get("fit_seconds", step_s), "fit_from": "fit_seconds" if "fit_seconds" in m else "step time",
            "fit_cpu_s": m.get("fit_cpu_seconds"),
            "step_s": step_s, "accuracy": m.get("accuracy"),
            "iterations": m.get("iterations", m.get("epochs")), "metrics": m}
    if any(t["name"] == "logistic" for t in trainers):
        series = json.loads(mlp(binary, "metrics", run["id"], "--project", project, "--json").stdout)["series"]
        loss = sorted(series.get("logistic/loss", []), key=lambda p: p["step"])
        out["trainers"]["logistic"]["final_objective"] = loss[-1]["value"] if loss else None
    return out


def load_xy(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    t = header.index("target")
    return np.delete(a, t, axis=1), a[:, t].astype(np.int64)


def mlp_objective(clf, Z, y, l2):
    """mlp's objective (mean cross-entropy + l2/2 |W|^2 over K rows) at scikit-learn's solution."""
    W, b = clf.coef_, clf.intercept_
    if W.shape[0] == 1:  # binary: one vector w; as two softmax rows, -w/2 and +w/2
        W = np.vstack([-W[0] / 2, W[0] / 2])
        b = np.array([-b[0] / 2, b[0] / 2])
    logits = Z @ W.T + b
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    classes = list(clf.classes_)
    idx = np.array([classes.index(v) for v in y])
    return float(-logp[np.arange(len(y)), idx].mean() + 0.5 * l2 * (W * W).sum())


def sample_sklearn(t, info, seed, Xtr, ytr, Xte, yte):
    """One scikit-learn fit. t["threads"] > 0 limits its BLAS and OpenMP pools (threadpoolctl) to
    that many threads; 0 leaves the libraries' defaults (one thread per core)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=t["threads"] if t["threads"] > 0 else None):
        return _sample_sklearn(t, info, seed, Xtr, ytr, Xte, yte)


def _sample_sklearn(t, info, seed, Xtr, ytr, Xte, yte):
    from sklearn.preprocessing import StandardScaler

    est = t["sklearn"](info, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    scaler = StandardScaler().fit(Xtr) if t["scale"] else None
    Z = scaler.transform(Xtr) if scaler else Xtr
    est.fit(Z, ytr)
    fit, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    Zte = scaler.transform(Xte) if scaler else Xte
    est.predict_proba(Z)
    proba = est.predict_proba(Zte)
    fit_and_score = time.perf_counter() - t0
    acc = float((est.classes_[proba.argmax(axis=1)] == yte).mean())
    r = {"fit_s": fit, "fit_cpu_s": fit_cpu, "fit_and_score_s": fit_and_score, "accuracy": acc, "load1": os.getloadavg()[0]}
    n_iter = getattr(est, "n_iter_", None)
    if n_iter is not None:
        r["iterations"] = int(np.max(n_iter))
    if t["name"] == "logistic":
        r["objective_mlp_form"] = mlp_objective(est, Z, ytr, logistic_l2(info))
    return r


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlp")
    ap.add_argument("--data")
    ap.add_argument("--datasets", default="digits,breast_cancer,wine,generated")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--reps-large", type=int, default=None,
                    help="repetitions for datasets above 10,000 training rows (default: --reps)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trainers", default="logistic,mlp,gbt", help="the TRAINERS to run, by name")
    ap.add_argument("--out")
    ap.add_argument("--command", default="")
    ap.add_argument("--report-only", metavar="JSON")
    a = ap.parse_args()
    if a.report_only:
        with open(a.report_only) as f:
            print(report(json.load(f)))
        return
    if not (a.mlp and a.data and a.out):
        ap.error("--mlp, --data and --out are required (unless --report-only)")

    import sklearn
    import threadpoolctl

    root = tempfile.mkdtemp(prefix="mlp-tabular-bench-")
    binary = os.path.join(root, "mlp")
    shutil.copy2(a.mlp, binary)  # a private copy: the one in .build may be rebuilt meanwhile
    version = mlp(binary, "--version").stdout.strip()
    started = datetime.datetime.now(datetime.timezone.utc)
    up_start = uptime()
    print("# start: %s" % up_start, file=sys.stderr)

    datasets = a.datasets.split(",")
    infos = {d: json.load(open(os.path.join(a.data, d, "info.json"))) for d in datasets}
    trainers, skipped = available_trainers(binary, root, os.path.join(a.data, datasets[0]), infos[datasets[0]], a.seed, a.trainers.split(","))
    if not trainers:
        sys.exit("this mlp has none of the trainers in TRAINERS")
    arrays = {d: load_xy(os.path.join(a.data, d, "train.csv")) + load_xy(os.path.join(a.data, d, "test.csv")) for d in datasets}
    projects = {d: make_project(root, d, os.path.join(a.data, d), trainers, infos[d], a.seed) for d in datasets}
    # Warm-up (not recorded): page cache, dynamic loader, scikit-learn's imports; on the small
    # datasets only (a warm-up fit of the generated set would double the run for nothing).
    for d in (d for d in datasets if infos[d]["train_rows"] <= 10_000):
        sample_mlp(binary, projects[d], trainers)
        for t in trainers:
            sample_sklearn(t, infos[d], a.seed, *arrays[d])

    samples = {d: {"mlp": [], "sklearn": {t["name"]: [] for t in trainers}} for d in datasets}
    def reps(d):
        return a.reps if a.reps_large is None or infos[d]["train_rows"] <= 10_000 else min(a.reps, a.reps_large)

    for rep in range(a.reps):
        for d in (d for d in datasets if rep < reps(d)):
            def run_mlp():
                samples[d]["mlp"].append(sample_mlp(binary, projects[d], trainers))

            def run_sklearn():
                for t in trainers:
                    samples[d]["sklearn"][t["name"]].append(sample_sklearn(t, infos[d], a.seed, *arrays[d]))
            # Alternate which side goes first, so neither always follows the other.
            for f in ((run_mlp, run_sklearn) if rep % 2 == 0 else (run_sklearn, run_mlp)):
                f()
            m = samples[d]["mlp"][-1]
            print("# rep %d %s: %s" % (rep + 1, d, ", ".join(
                "%s mlp %.3fs acc %.4f / sklearn %.3fs acc %.4f" % (
                    t["name"], m["trainers"][t["name"]]["fit_s"], m["trainers"][t["name"]]["accuracy"] or float("nan"),
                    samples[d]["sklearn"][t["name"]][-1]["fit_s"], samples[d]["sklearn"][t["name"]][-1]["accuracy"])
                for t in trainers)), file=sys.stderr)
    up_end = uptime()
    print("# end: %s" % up_end, file=sys.stderr)

    summary = {}
    for d in datasets:
        summary[d] = {}
        for t in trainers:
            ms = [s["trainers"][t["name"]] for s in samples[d]["mlp"]]
            ss = samples[d]["sklearn"][t["name"]]
            summary[d][t["name"]] = {
                "mlp_fit_s": med([x["fit_s"] for x in ms]), "mlp_fit_from": ms[0]["fit_from"],
                "mlp_step_s": med([x["step_s"] for x in ms]),
                "mlp_fit_range": [min(x["fit_s"] for x in ms), max(x["fit_s"] for x in ms)],
                "mlp_fit_cpu_s": med([x.get("fit_cpu_s") for x in ms]),
                "sklearn_fit_cpu_s": med([x["fit_cpu_s"] for x in ss]),
                "mlp_accuracy": med([x["accuracy"] for x in ms]),
                "mlp_iterations": med([x["iterations"] for x in ms]),
                "mlp_final_objective": med([x.get("final_objective") for x in ms]),
                "sklearn_fit_s": med([x["fit_s"] for x in ss]),
                "sklearn_fit_range": [min(x["fit_s"] for x in ss), max(x["fit_s"] for x in ss)],
                "sklearn_fit_and_score_s": med([x["fit_and_score_s"] for x in ss]),
                "sklearn_accuracy": med([x["accuracy"] for x in ss]),
                "sklearn_iterations": med([x.get("iterations") for x in ss]),
                "sklearn_objective_mlp_form": med([x.get("objective_mlp_form") for x in ss]),
            }
        summary[d]["mlp_wall_s"] = med([s["wall_s"] for s in samples[d]["mlp"]])
        summary[d]["mlp_csv_s"] = med([sum(s["csv_s"].values()) for s in samples[d]["mlp"]])
    loads = [s["load1"] for d in datasets for s in samples[d]["mlp"]]
    result = {
        "date": started.isoformat(timespec="seconds"), "host": platform.node(), "cpus": os.cpu_count(),
        "platform": platform.platform(), "python": platform.python_version(), "mlp_version": version,
        "sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
        "threadpools": threadpoolctl.threadpool_info(), "reps": a.reps, "reps_per_dataset": {d: reps(d) for d in datasets}, "seed": a.seed, "threads": {t["uses"]: t["threads"] for t in trainers}, "command": a.command,
        "uptime_start": up_start, "uptime_end": up_end, "load1_samples": loads,
        "trainers": [t["uses"] for t in trainers], "skipped": skipped,
        "datasets": infos, "summary": summary, "samples": samples,
        "pipelines": {d: open(os.path.join(projects[d], "mlp.yaml")).read() for d in datasets},
    }
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(report(result))


def report(r):
    L = ["Run %s on %s (%d CPUs), mlp %s, scikit-learn %s (%s), numpy %s, Python %s; medians of %s repetitions, [min–max]." % (
        r["date"], r["host"], r["cpus"], r["mlp_version"], r["sklearn_version"],
        ", ".join("%s %s" % (u.split("/")[1], "%d thread" % n if n else "all cores") for u, n in r["threads"].items()), r["numpy_version"], r["python"],
        ", ".join("%d (%s)" % (n, d) for d, n in r.get("reps_per_dataset", {}).items()) or r["reps"]),
        "Load at start: `%s`" % r["uptime_start"], "Load at end:   `%s`" % r["uptime_end"],
        "1-minute load when each mlp sample ended: median %.2f, range %.2f–%.2f." % (
            statistics.median(r["load1_samples"]), min(r["load1_samples"]), max(r["load1_samples"])), ""]
    for s in r["skipped"]:
        L.append("Skipped `%s`: not in this mlp binary (`mlp validate`: %s)." % (s["trainer"], s["why"]))
    if r["skipped"]:
        L.append("")
    L.append("| dataset (train / test rows × features, classes) | mlp trainer | scikit-learn | fit, mlp [min–max] | fit, scikit-learn [min–max] | sklearn / mlp | fit CPU time mlp / sklearn | holdout accuracy mlp / sklearn | iterations mlp / sklearn | targets: accuracy ≥ sklearn − 0.01; fit ≤ sklearn |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    names = {"trainer/logistic": "LogisticRegression (lbfgs) + StandardScaler", "trainer/mlp": "MLPClassifier + StandardScaler",
             "trainer/gbt": "HistGradientBoostingClassifier"}
    for d, info in r["datasets"].items():
        for uses in r["trainers"]:
            t = uses.split("/")[1]
            s = r["summary"][d][t]
            fit_label = "" if s["mlp_fit_from"] == "fit_seconds" else " †"
            it = lambda v: "-" if v is None else "%d" % v
            cpu = lambda v: "-" if v is None else "%.2f s" % v
            accuracy_ok = s["mlp_accuracy"] is not None and s["mlp_accuracy"] >= s["sklearn_accuracy"] - 0.01
            time_ok = s["mlp_fit_s"] <= s["sklearn_fit_s"]
            verdict = "%s; %s" % ("accuracy met" if accuracy_ok else "accuracy MISSED", "time met" if time_ok else "time MISSED")
            L.append("| %s (%d / %d × %d, %d) | `%s` | %s | %.3f s%s [%.3f–%.3f] | %.3f s [%.3f–%.3f] | %.2fx | %s / %s | %.4f / %.4f | %s / %s | %s |" % (
                d, info["train_rows"], info["test_rows"], info["features"], info["classes"], uses, names.get(uses, ""),
                s["mlp_fit_s"], fit_label, s["mlp_fit_range"][0], s["mlp_fit_range"][1],
                s["sklearn_fit_s"], s["sklearn_fit_range"][0], s["sklearn_fit_range"][1],
                s["sklearn_fit_s"] / s["mlp_fit_s"], cpu(s.get("mlp_fit_cpu_s")), cpu(s.get("sklearn_fit_cpu_s")),
                s["mlp_accuracy"] or float("nan"), s["sklearn_accuracy"], it(s["mlp_iterations"]), it(s["sklearn_iterations"]), verdict))
    L.append("")
    L.append("| dataset | trainer | mlp whole step (load, encode, fit, score train + holdout, store) | scikit-learn fit + predict train + holdout |")
    L.append("|---|---|---:|---:|")
    for d in r["datasets"]:
        for uses in r["trainers"]:
            s = r["summary"][d][uses.split("/")[1]]
            L.append("| %s | `%s` | %.3f s | %.3f s |" % (d, uses, s["mlp_step_s"], s["sklearn_fit_and_score_s"]))
    L.append("")
    if any(r["summary"][d].get("logistic", {}).get("mlp_fit_from") == "step time" for d in r["datasets"]):
        L.append("† the trainer reports no `fit_seconds`, so this is its whole step time (finished_at − started_at): "
                 "loading both datasets, encoding, standardising, fitting, scoring train and holdout, writing and hashing the model.")
        L.append("")
    if "trainer/logistic" in r["trainers"]:
        L.append("| dataset | mlp l2 (= k / (C·n), C = %g) | objective at mlp's solution | objective at scikit-learn's solution (mlp's formula) |" % SKLEARN_C)
        L.append("|---|---:|---:|---:|")
        for d, info in r["datasets"].items():
            s = r["summary"][d]["logistic"]
            L.append("| %s | %.6g | %.8f | %.8f |" % (d, logistic_l2(info), s["mlp_final_objective"] or float("nan"),
                                                     s["sklearn_objective_mlp_form"]))
        L.append("")
    L.append("| dataset | mlp `connector/csv` train + test (step times) | mlp whole `mlp run` command |")
    L.append("|---|---:|---:|")
    for d in r["datasets"]:
        L.append("| %s | %.3f s | %.3f s |" % (d, r["summary"][d]["mlp_csv_s"], r["summary"][d]["mlp_wall_s"]))
    return "\n".join(L)


if __name__ == "__main__":
    main()
