"""Deployments end to end: `mlp deploy / promote / rollback / deployments` against a real
`mlp serve --deployment` following the store, over HTTP on loopback. Two versions of a real model
(the tabular-classification template, trained twice with different L2 penalties) are served."""
import concurrent.futures
import json
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, Project

CSV = REPO / "templates" / "tabular-classification" / "data" / "breast_cancer.csv"


def feature_rows(count):
    lines = CSV.read_text().splitlines()
    target = lines[0].split(",").index("target")
    return [[float(cell) for i, cell in enumerate(line.split(",")) if i != target] for line in lines[1:count + 1]]


ROWS = feature_rows(20)


@pytest.fixture
def bc(project):
    """A project with breast-cancer-logreg versions 1 and 2 registered."""
    project.mlp("init", "bc", "--template", "tabular-classification")
    bc = Project(project.root / "bc")
    bc.started = project.started
    bc.mlp("run")
    bc.mlp("run", "--param", "l2=1.0")
    versions = [v["version"] for v in bc.json("models", "list", "breast-cancer-logreg")]
    assert versions == [1, 2], versions
    return bc


class Server:
    def __init__(self, project, *args):
        self.process = project.start("serve", "--port", "0", "--json", "--watch-ms", "100", *args)
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        self.url = json.loads(line)["url"]

    def infer(self, row=0, headers=None, deployment="bc"):
        body = json.dumps({"inputs": [{"name": "features", "shape": [1, 30], "datatype": "FP64", "data": ROWS[row % len(ROWS)]}]}).encode()
        request = urllib.request.Request(f"{self.url}/v2/models/{deployment}/infer", data=body,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def versions(self, count, headers=None):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda i: self.infer(i, headers)["model_version"], range(count)))

    def metrics(self):
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=10) as response:
            return response.read().decode()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0, self.process.stderr.read()


def test_a_server_follows_deploy_canary_shadow_promote_and_rollback_and_comes_back_after_a_restart(bc):
    bc.mlp("deploy", "breast-cancer-logreg:1", "--name", "bc")
    server = Server(bc, "--deployment", "bc")
    assert set(server.versions(20)) == {"1"}
    assert server.infer()["model_name"] == "bc"

    bc.mlp("deploy", "breast-cancer-logreg:2", "--name", "bc", "--canary", "30", "--sticky-header", "x-user")
    bc.wait_for(lambda: "2" in server.versions(40), what="the canary to take traffic")
    versions = server.versions(1000)
    share = versions.count("2") / len(versions)
    assert 0.24 <= share <= 0.36, share   # 30% ± 4 standard deviations of a binomial at n=1000
    # The same x-user value always lands on the same side; different values spread over both.
    sides = {user: set(server.versions(6, {"x-user": f"user-{user}"})) for user in range(40)}
    assert all(len(side) == 1 for side in sides.values()), sides
    assert {next(iter(side)) for side in sides.values()} == {"1", "2"}
    assert 'role="candidate"' in server.metrics()

    # A restarted server comes back as the store says: still the canary.
    server.stop()
    server = Server(bc, "--deployment", "bc")
    assert set(server.versions(200)) == {"1", "2"}

    bc.mlp("deploy", "breast-cancer-logreg:2", "--name", "bc", "--shadow")
    bc.wait_for(lambda: set(server.versions(40)) == {"1"}, what="the shadow to apply")
    assert set(server.versions(200)) == {"1"}, "a shadow's answers never reach the caller"
    bc.wait_for(lambda: "mlp_shadow_requests_total" in server.metrics() and 'outcome="agree"' in server.metrics(), what="shadow comparisons")

    bc.mlp("promote", "bc")
    bc.wait_for(lambda: set(server.versions(40)) == {"2"}, what="the promotion")
    bc.mlp("rollback", "bc", "--reason", "e2e")
    bc.wait_for(lambda: set(server.versions(40)) == {"1"}, what="the rollback")
    events = bc.json("deployments", "bc")["events"]
    assert [e["action"] for e in events] == ["deploy", "canary", "shadow", "promote", "rollback"]
    server.stop()


def test_a_candidate_past_its_p99_threshold_is_rolled_back_by_the_server_and_the_store_keeps_it(bc):
    bc.mlp("deploy", "breast-cancer-logreg:1", "--name", "bc")
    # 1 microsecond: any real request breaches it, so the server must roll the canary back itself.
    bc.mlp("deploy", "breast-cancer-logreg:2", "--name", "bc", "--canary", "50", "--max-p99-ms", "0.001", "--min-requests", "20")
    server = Server(bc, "--deployment", "bc")
    server.versions(200)
    bc.wait_for(lambda: bc.json("deployments", "bc")["candidate_version"] is None, what="the automatic rollback in the store")
    assert set(server.versions(100)) == {"1"}
    last = bc.json("deployments", "bc")["events"][-1]
    assert last["action"] == "auto-rollback" and last["by"] == "mlp serve" and "p99" in last["reason"], last
    server.stop()


def test_serving_an_unknown_deployment_fails_with_a_clear_message(bc):
    process = bc.start("serve", "--port", "0", "--deployment", "nope")
    assert process.wait(timeout=60) != 0
    assert "no deployment is named 'nope'" in process.stderr.read()


def test_a_deployments_request_log_is_kept_with_it_and_mlp_drift_reads_it(bc):
    bc.mlp("deploy", "breast-cancer-logreg:1", "--name", "bc")
    server = Server(bc, "--deployment", "bc", "--log-requests")
    rows = feature_rows(569)
    for row in rows:
        body = json.dumps({"inputs": [{"name": "features", "shape": [1, 30], "datatype": "FP64", "data": row}]}).encode()
        request = urllib.request.Request(f"{server.url}/v2/models/bc/infer", data=body, headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
    server.stop()   # seals the open segment
    logs = bc.json("deployments", "bc")["request_logs"]
    assert sum(log["rows"] for log in logs) == len(rows), logs
    # Every row of the training data, logged once: the same distribution as the reference.
    same = bc.mlp("drift", "bc", "--reference", str(CSV), check=False)
    assert same.returncode == 0, same.stdout + same.stderr


def test_one_input_per_column_gets_the_same_answer_as_the_feature_row(bc):
    bc.mlp("deploy", "breast-cancer-logreg:1", "--name", "bc")
    server = Server(bc, "--deployment", "bc")
    names = [name for name in CSV.read_text().splitlines()[0].split(",") if name != "target"]
    rows = feature_rows(3)
    columns = [{"name": name, "shape": [3], "datatype": "FP64", "data": [row[i] for row in rows]} for i, name in enumerate(names)]
    request = urllib.request.Request(f"{server.url}/v2/models/bc/infer", data=json.dumps({"inputs": columns}).encode(),
                                     headers={"Content-Type": "application/json"})
    by_column = json.loads(urllib.request.urlopen(request, timeout=10).read())
    features = {"inputs": [{"name": "features", "shape": [3, 30], "datatype": "FP64", "data": rows}]}
    request = urllib.request.Request(f"{server.url}/v2/models/bc/infer", data=json.dumps(features).encode(),
                                     headers={"Content-Type": "application/json"})
    by_row = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert by_column["outputs"] == by_row["outputs"]
    server.stop()
