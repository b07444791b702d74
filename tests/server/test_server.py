"""`mlp server` end to end: the real binary on loopback, with SQLite and with PostgreSQL (every
test runs against both through the `mlp_server` fixture of conftest.py)."""
import hashlib
import os
import signal
import socket
import time
from pathlib import Path

from serverproc import request


def blob_path(server, digest):
    return Path(server.artifacts) / "sha256" / digest[:2] / digest


def run_waiting_at_gate(server, token, project, run_id):
    """Through the API, as `mlp run --server` would: a run whose approval gate `gate` waits."""
    now = time.time()
    run = {"id": run_id, "pipeline": "p", "projectDirectory": "/tmp/p", "pipelineText": "name: p", "pipelineFile": "mlp.yaml",
           "pipelineDigest": "0" * 64, "status": "pending", "mlpVersion": "test", "host": "h", "createdAt": now,
           "cancelRequested": False, "parallelism": 1, "noCache": False}
    gate = {"runID": run_id, "name": "gate", "kind": "approval", "status": "pending", "attempts": 0, "cacheHit": False}
    created = server.post(f"/projects/{project}/runs", {"run": run, "params": [], "steps": [gate]}, token=token,
                          headers={"Idempotency-Key": f"create-{run_id}"})
    assert created.status == 200, created
    (step,) = created.json()
    step["status"] = "waiting"
    empty = {"steps": [], "newSteps": [], "artifacts": [], "lineage": [], "metrics": []}
    approval = {"runID": run_id, "stepID": step["id"], "step": "gate", "status": "pending", "requestedAt": now}
    changes = [{**empty, "run": {"id": run_id, "status": "running"}},
               {**empty, "run": {"id": run_id, "status": "waiting"}, "steps": [step], "approval": approval}]
    committed = server.post(f"/projects/{project}/commits", {"changes": changes}, token=token)
    assert committed.status == 200, committed


def test_a_blob_uploaded_by_one_token_downloads_byte_identical_for_another(mlp_server):
    uploader = mlp_server.tokens.create("uma", "runner")
    reader = mlp_server.tokens.create("rita", "viewer")
    data = os.urandom(3 * 1024 * 1024 + 17)
    digest = hashlib.sha256(data).hexdigest()
    assert mlp_server.request("HEAD", f"/blobs/sha256/{digest}", token=uploader).status == 404
    stored = mlp_server.put(f"/blobs/sha256/{digest}", data, token=uploader)
    assert stored.status == 201, stored
    assert stored.json() == {"digest": digest, "size": len(data)}
    head = mlp_server.request("HEAD", f"/blobs/sha256/{digest}", token=reader)
    assert head.status == 200 and int(head.headers["content-length"]) == len(data)
    got = mlp_server.get(f"/blobs/sha256/{digest}", token=reader)
    assert got.status == 200 and got.body == data
    part = mlp_server.get(f"/blobs/sha256/{digest}", token=reader, headers={"Range": "bytes=1000-1999"})
    assert part.status == 206 and part.body == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    past = mlp_server.get(f"/blobs/sha256/{digest}", token=reader, headers={"Range": f"bytes={len(data)}-"})
    assert past.status == 416
    # A viewer may not upload; an upload of what is there already changes nothing.
    assert mlp_server.put(f"/blobs/sha256/{digest}", data, token=reader).status == 403
    assert mlp_server.put(f"/blobs/sha256/{digest}", data, token=uploader).status == 200


def test_an_upload_with_a_wrong_digest_is_refused_and_nothing_is_stored(mlp_server):
    runner = mlp_server.tokens.create("uma", "runner")
    data = b"the bytes actually sent\n" * 1000
    claimed = hashlib.sha256(b"other bytes").hexdigest()
    refused = mlp_server.put(f"/blobs/sha256/{claimed}", data, token=runner)
    assert refused.status == 400 and refused.json()["error"]["code"] == "digest_mismatch", refused
    assert mlp_server.request("HEAD", f"/blobs/sha256/{claimed}", token=runner).status == 404
    actual = hashlib.sha256(data).hexdigest()
    assert mlp_server.request("HEAD", f"/blobs/sha256/{actual}", token=runner).status == 404
    assert not blob_path(mlp_server, claimed).exists() and not blob_path(mlp_server, actual).exists()
    assert list((Path(mlp_server.artifacts) / "tmp").iterdir()) == []
    # Not a digest: refused before anything is written.
    for bad in ["ABCDEF", "a" * 63, "../" + "a" * 61]:
        assert mlp_server.put(f"/blobs/sha256/{bad}", b"x", token=runner).status in (400, 404)


def test_an_upload_cut_off_midway_leaves_nothing(mlp_server):
    runner = mlp_server.tokens.create("uma", "runner")
    data = os.urandom(2 * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    with socket.create_connection(("127.0.0.1", mlp_server.port), timeout=10) as connection:
        head = (f"PUT /api/v1/blobs/sha256/{digest} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {runner}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {len(data)}\r\n\r\n")
        connection.sendall(head.encode() + data[: len(data) // 2])
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while list((Path(mlp_server.artifacts) / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list((Path(mlp_server.artifacts) / "tmp").iterdir()) == []
    assert mlp_server.request("HEAD", f"/blobs/sha256/{digest}", token=runner).status == 404
    assert mlp_server.put(f"/blobs/sha256/{digest}", data, token=runner).status == 201


def test_a_viewer_gets_403_on_a_decision_and_an_approver_decides_under_the_tokens_user(mlp_server):
    runner = mlp_server.tokens.create("rui", "runner")
    viewer = mlp_server.tokens.create("vera", "viewer")
    approver = mlp_server.tokens.create("alice", "approver")
    mlp_server.create_project("demo", token=runner)
    run_waiting_at_gate(mlp_server, runner, "demo", "run1")
    waiting = mlp_server.get("/projects/demo/approvals?status=pending", token=viewer)
    assert [a["step"] for a in waiting.json()] == ["gate"]
    decision = "/projects/demo/runs/run1/approvals/gate/decision"
    refused = mlp_server.post(decision, {"approve": True, "comment": "lgtm"}, token=viewer)
    assert refused.status == 403 and refused.json()["error"]["code"] == "forbidden"
    assert mlp_server.get("/projects/demo/runs/run1/approvals/gate", token=viewer).json()["status"] == "pending"
    # The body claims another name: the server records the token's user.
    decided = mlp_server.post(decision, {"approve": True, "comment": "checked", "by": "mallory", "decidedBy": "mallory"}, token=approver)
    assert decided.status == 200, decided
    record = mlp_server.get("/projects/demo/runs/run1/approvals/gate", token=viewer).json()
    assert record["status"] == "approved" and record["decidedBy"] == "alice" and record["comment"] == "checked"
    audit = mlp_server.get("/audit").json()
    assert any(e["action"] == "approval.approve" and e["user"] == "alice" and e["target"] == "run1/gate" and e["project"] == "demo" for e in audit)


def test_a_project_scoped_token_gets_404_on_another_projects_runs(mlp_server):
    mlp_server.create_project("alpha")
    mlp_server.create_project("beta")
    run_waiting_at_gate(mlp_server, mlp_server.admin, "beta", "secret-run")
    scoped = mlp_server.tokens.create("sam", "runner", projects=["alpha"])
    assert mlp_server.get("/projects", token=scoped).json() == ["alpha"]
    assert mlp_server.get("/projects/alpha/runs", token=scoped).status == 200
    for path in ["/projects/beta/runs", "/projects/beta/runs/secret-run", "/projects/beta/approvals"]:
        answer = mlp_server.get(path, token=scoped)
        assert answer.status == 404 and answer.json()["error"]["code"] == "project_not_found", (path, answer)
    assert mlp_server.get("/projects/beta/runs/secret-run").status == 200


def test_failed_authentication_is_rate_limited(mlp_server):
    wrong = "mlp_" + "x" * 43
    statuses = [mlp_server.get("/projects", token=wrong).status for _ in range(10)]
    assert statuses == [401] * 10
    limited = mlp_server.get("/projects", token=wrong)
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert mlp_server.get("/health", token=None).status == 200


def test_logs_append_idempotently_by_offset_and_follow(mlp_server):
    mlp_server.create_project("demo")
    path = "/projects/demo/attempts/3/logs/stderr"
    assert mlp_server.put(path + "?offset=0", b"one\n").json() == {"size": 4}
    assert mlp_server.put(path + "?offset=0", b"one\n").json() == {"size": 4}
    assert mlp_server.put(path + "?offset=4", b"two\n").json() == {"size": 8}
    assert mlp_server.put(path + "?offset=12", b"gap").status == 409
    tail = mlp_server.get(path + "?offset=4")
    assert tail.body == b"two\n" and tail.headers["x-log-size"] == "8"


def test_tokens_are_kept_as_hashes_and_revocation_is_immediate(mlp_server):
    record = mlp_server.tokens.create_record("tim", "viewer")
    assert record["token"].startswith("mlp_") and record["id"].startswith("tok_")
    assert mlp_server.get("/whoami", token=record["token"]).json()["user"] == "tim"
    listed = mlp_server.get("/tokens").json()
    assert record["token"] not in str(listed) and any(t["id"] == record["id"] for t in listed)
    mlp_server.tokens.revoke(record["id"])
    assert mlp_server.get("/whoami", token=record["token"]).status == 401


def test_sigterm_stops_the_server_cleanly(mlp_server):
    assert mlp_server.get("/projects").status == 200
    mlp_server.process.send_signal(signal.SIGTERM)
    assert mlp_server.process.wait(timeout=20) == 0
    try:
        request(mlp_server.url + "/api/v1/health", timeout=2)
        reachable = True
    except OSError:
        reachable = False
    assert not reachable
    # It comes back on the same port and database, with what it had.
    mlp_server.start()
    assert mlp_server.get("/projects").status == 200
