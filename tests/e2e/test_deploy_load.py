"""A promote and a rollback under load: wrk keeps 8 connections busy on a deployment for 60 s
(LOAD_SECONDS to change it) while a canary starts, is promoted, and is rolled back. Not one request
may fail, and the server's resident memory may not grow past 10% of its level after warm-up."""
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from test_deploy import ROWS, Server, bc  # noqa: F401 (the fixture)

LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
POST_LUA = Path(__file__).resolve().parents[2] / "Benchmarks" / "serve" / "post.lua"


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def wrk(url, seconds, body_file, connections=8):
    """wrk's output. A request counts as failed when it gets an error or no answer in 30 s: with wrk's
    default of 2 s, an answer slowed past that on a loaded machine counted as a socket error."""
    environment = {**os.environ, "BODY_FILE": str(body_file), "INFER_PATH": "/v2/models/bc/infer"}
    return subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", str(POST_LUA), url],
                          capture_output=True, text=True, env=environment, timeout=seconds + 60, check=True).stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_promote_and_rollback_under_load_fail_no_request_and_memory_stays_flat(bc):  # noqa: F811
    import json
    body = bc.root / "body.json"
    body.write_text(json.dumps({"inputs": [{"name": "features", "shape": [1, 30], "datatype": "FP64", "data": ROWS[0]}]}))
    bc.mlp("deploy", "breast-cancer-logreg:1", "--name", "bc")
    server = Server(bc, "--deployment", "bc")
    wrk(server.url, 5, body)  # warm-up
    warm = rss_kib(server.process.pid)

    samples, changes = [], []
    stop = threading.Event()

    def sample():
        while not stop.wait(0.5):
            samples.append(rss_kib(server.process.pid))

    def change():
        for at, args in [(0.2, ["deploy", "breast-cancer-logreg:2", "--name", "bc", "--canary", "50"]),
                         (0.45, ["promote", "bc"]), (0.7, ["rollback", "bc"])]:
            time.sleep(max(0, started + at * LOAD_SECONDS - time.time()))
            bc.mlp(*args)
            changes.append((round(time.time() - started, 1), args[0]))

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.time()
    changer = threading.Thread(target=change)
    changer.start()
    out = wrk(server.url, LOAD_SECONDS, body)
    changer.join()
    stop.set()
    sampler.join()
    print(out)
    print(f"changes (s into the load): {changes}; RSS after warm-up {warm} KiB, max under load {max(samples)} KiB, last {samples[-1]} KiB")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    assert requests > 0
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    assert [name for _, name in changes] == ["deploy", "promote", "rollback"]
    assert max(samples) <= warm * 1.10, (warm, max(samples))
    # Both versions answered during the load (the canary and the promotion took effect).
    metrics = server.metrics()
    assert re.search(r'mlp_deployment_requests_total\{[^}]*version="2"[^}]*\} [1-9]', metrics), metrics
    server.stop()
