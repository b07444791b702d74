"""What every step script of this template shares: the mlp step protocol, and one numeric helper.

mlp runs each script with the project folder as the working directory and this folder first on
sys.path, so `from mlp_step import …` works. Each step lists this file under `files:` in mlp.yaml,
so editing it re-runs the steps that use it.
"""

import json
import math
import os
import sys


def read_inputs():
    """The step's `with:` values, as the JSON object mlp writes to $MLP_INPUTS (artifacts as paths)."""
    path = os.environ.get("MLP_INPUTS")
    if not path:
        sys.exit("MLP_INPUTS is not set: run this script through `mlp run`")
    with open(path) as handle:
        return json.load(handle)


def output_path(name):
    """Where the step writes its output `name`."""
    return os.path.join(os.environ["MLP_OUTPUTS"], name)


def log_metric(key, value, step):
    """Appends one point of a metric series to $MLP_METRICS (read by `mlp metrics` and `mlp plot`)."""
    path = os.environ.get("MLP_METRICS")
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps({"key": key, "value": value, "step": step}) + "\n")


def sigmoid(t):
    """The logistic function, in two branches so that exp never overflows."""
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)
