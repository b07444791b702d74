"""Issue 13, items 1 and 2, against the real `mlp serve` binary on loopback: the requests that
killed the server (per-column inputs shaped [-1] or [10^12]), idle and half-sent connections,
`Expect: 100-continue`, the connection cap, and SIGTERM while a body is still arriving. Standard
library only; the model is the tabular-classification template's, trained by `mlp run`.
"""
import csv
import json
import signal
import socket
import subprocess
import time

import pytest

from serving import MLP, REPO, start_serve, trained_template

CSV = REPO / "templates" / "tabular-classification" / "data" / "breast_cancer.csv"


def first_row():
    with open(CSV) as handle:
        reader = csv.DictReader(handle)
        record = next(reader)
        columns = [name for name in reader.fieldnames if name != "target"]
    return columns, [float(record[name]) for name in columns]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    project = trained_template(tmp_path_factory.mktemp("hostile"))
    shown = subprocess.run([MLP, "models", "show", "breast-cancer-logreg", "--json"], cwd=project, check=True, capture_output=True, text=True)
    return json.loads(shown.stdout)["path"]


def start(model, *flags):
    process, announced = start_serve("--model", f"bc={model}", *flags)
    return process, announced["port"]


@pytest.fixture
def server(model):
    process, port = start(model, "--idle-timeout", "1", "--read-timeout", "1", "--max-connections", "4")
    yield process, port
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def post(port, body, extra_headers=""):
    data = body.encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /v2/models/bc/infer HTTP/1.1\r\nhost: t\r\ncontent-length: {len(data)}\r\nconnection: close\r\n{extra_headers}\r\n".encode() + data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, text = answer.decode().partition("\r\n\r\n")
    return int(head.split(" ")[1]), text


def columns_body(columns, row, first_shape=None, first_data=None):
    inputs = [{"name": name, "shape": [1], "datatype": "FP64", "data": [value]} for name, value in zip(columns, row)]
    if first_shape is not None:
        inputs[0] = {"name": columns[0], "shape": first_shape, "datatype": "FP64", "data": first_data}
    return json.dumps({"inputs": inputs})


def test_per_column_inputs_with_a_negative_or_huge_shape_are_refused_and_the_server_lives(server):
    process, port = server
    columns, row = first_row()
    for shape, data in [([-1], []), ([1000000000000], []), ([-1, 1], []), ([4611686018427387904, 4], [1.0]), ([3], [1.0])]:
        status, text = post(port, columns_body(columns, row, shape, data))
        assert status == 400, (shape, status, text)
        assert f"input '{columns[0]}'" in json.loads(text)["error"], text
    features = json.dumps({"inputs": [{"name": "features", "shape": [-1, len(row)], "datatype": "FP64", "data": []}]})
    assert post(port, features)[0] == 400
    assert process.poll() is None, "the server died"
    status, text = post(port, columns_body(columns, row))
    assert status == 200, text


def test_expect_100_continue_is_answered_at_once(server):
    _, port = server
    columns, row = first_row()
    body = json.dumps({"inputs": [{"name": "features", "shape": [1, len(row)], "datatype": "FP64", "data": row}]}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"POST /v2/models/bc/infer HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: {len(body)}\r\n\r\n".encode())
        sock.settimeout(0.5)
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.settimeout(5)
        sock.sendall(body)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")


def test_idle_and_half_sent_connections_are_closed(server):
    _, port = server
    idle = socket.create_connection(("127.0.0.1", port), timeout=10)
    half = socket.create_connection(("127.0.0.1", port), timeout=10)
    half.sendall(b"POST /v2/models/bc/infer HTTP/1.1\r\nhost: t\r\ncontent-length: 100\r\n\r\n{\"inputs\"")
    started = time.monotonic()
    assert idle.recv(100) == b""
    assert half.recv(4096).startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 5
    idle.close()
    half.close()


def test_connections_beyond_the_cap_wait_and_are_served_when_one_closes(server):
    _, port = server
    columns, row = first_row()
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
    time.sleep(0.2)
    waiting = socket.create_connection(("127.0.0.1", port), timeout=10)
    body = columns_body(columns, row).encode()
    waiting.sendall(f"POST /v2/models/bc/infer HTTP/1.1\r\nhost: t\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body)
    # The held connections are idle: the server closes them after 1 s, and then takes the waiting one.
    waiting.settimeout(10)
    assert waiting.recv(65536).startswith(b"HTTP/1.1 200")
    for sock in held + [waiting]:
        sock.close()


def test_sigterm_stops_the_server_within_the_grace_while_a_body_is_arriving(model):
    process, port = start(model)   # the default 30 s read timeout: only the 5 s shutdown grace can end it
    half = socket.create_connection(("127.0.0.1", port), timeout=10)
    half.sendall(b"POST /v2/models/bc/infer HTTP/1.1\r\nhost: t\r\ncontent-length: 100\r\n\r\n{\"inputs\"")
    time.sleep(0.2)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert time.monotonic() - started < 10
    assert half.recv(4096).startswith(b"HTTP/1.1 503")
    half.close()
