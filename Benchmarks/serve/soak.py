"""The serve soak's driver (see soak.sh): mixed valid and hostile traffic against a running
`mlp serve` on loopback for a fixed time, the server's RSS and open descriptors sampled
throughout, and a verdict at the end. Python 3 standard library only.

Valid requests (one row of features, a batch of four, one input per source column, and a
request sent with `Expect: 100-continue`) go over keep-alive connections opened first, and
each answer is checked against the answer the server gave to the same row at the start (the
labels exactly, the probabilities within 1e-12). Hostile traffic: bad shapes (negative, huge,
overflowing, mismatched, too many dimensions, on `features` and on per-column inputs),
malformed JSON and HTTP, bodies cut off half-way, and a pool of idle and slow (byte-at-a-time)
connections kept at the connection cap minus the valid clients' connections.

Exit status: 0 when the server stayed up, every valid request was answered correctly, no
hostile request got a 5xx or killed its connection unanswered, the server shut down within its
grace period on SIGTERM with a half body still open, and neither RSS nor the open descriptors
grew more than 10 % after warm-up; 1 otherwise.
"""
import argparse
import csv
import http.client
import json
import os
import random
import selectors
import signal
import socket
import sys
import threading
import time

GROWTH_LIMIT = 0.10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's process id (its RSS and fds are sampled)")
    parser.add_argument("--csv", required=True, help="the template's breast_cancer.csv (the rows sent)")
    parser.add_argument("--model", default="bc")
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--max-connections", type=int, default=128, help="the server's --max-connections")
    parser.add_argument("--valid-clients", type=int, default=2)
    parser.add_argument("--sample-seconds", type=float, default=2)
    parser.add_argument("--shutdown-limit", type=float, default=15, help="seconds SIGTERM may take with a half body open")
    return parser.parse_args()


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.notes = []

    def add(self, key, note=None):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            if note and len(self.notes) < 20:
                self.notes.append(f"{key}: {note}")

    def get(self, key):
        with self.lock:
            return self.counts.get(key, 0)


def rows_from(path, count):
    with open(path) as handle:
        reader = csv.DictReader(handle)
        columns = [name for name in reader.fieldnames if name != "target"]
        rows = []
        for record in reader:
            rows.append([float(record[name]) for name in columns])
            if len(rows) == count:
                break
    return columns, rows


def features_body(rows):
    return json.dumps({"inputs": [{"name": "features", "shape": [len(rows), len(rows[0])], "datatype": "FP64",
                                   "data": [value for row in rows for value in row]}]})


def columns_body(columns, row):
    return json.dumps({"inputs": [{"name": name, "shape": [1], "datatype": "FP64", "data": [value]} for name, value in zip(columns, row)]})


def outputs_of(text):
    outputs = {output["name"]: output for output in json.loads(text)["outputs"]}
    return outputs["label"]["data"], outputs["probabilities"]["data"]


def same(expected, got):
    labels, probabilities = expected
    got_labels, got_probabilities = got
    return labels == got_labels and len(probabilities) == len(got_probabilities) and \
        all(abs(a - b) <= 1e-12 for a, b in zip(probabilities, got_probabilities))


def valid_client(args, columns, rows, expected, stop, tally, seed):
    rng = random.Random(seed)
    path = f"/v2/models/{args.model}/infer"
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    while not stop.is_set():
        kind = rng.choice(["row", "row", "row", "batch", "columns", "continue"])
        index = rng.randrange(len(rows))
        headers = {"Content-Type": "application/json"}
        if kind == "batch":
            picked = [rng.randrange(len(rows)) for _ in range(4)]
            body = features_body([rows[i] for i in picked])
            want = ([label for i in picked for label in expected[i][0]], [p for i in picked for p in expected[i][1]])
        elif kind == "columns":
            body, want = columns_body(columns, rows[index]), expected[index]
        else:
            body, want = features_body([rows[index]]), expected[index]
            if kind == "continue":
                headers["Expect"] = "100-continue"
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            if response.status != 200:
                tally.add("valid_failed", f"{kind}: HTTP {response.status} {text[:200]}")
            elif not same(want, outputs_of(text)):
                tally.add("valid_wrong", f"{kind} row {index}: {text[:200]}")
            else:
                tally.add("valid_ok")
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            tally.add("valid_failed", f"{kind}: {error!r}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    connection.close()


def hostile_bodies(columns):
    def per_column(shape, data):
        inputs = [{"name": name, "shape": [1], "datatype": "FP64", "data": [1.0]} for name in columns]
        inputs[0] = {"name": columns[0], "shape": shape, "datatype": "FP64", "data": data}
        return json.dumps({"inputs": inputs})

    def features(shape, data):
        return json.dumps({"inputs": [{"name": "features", "shape": shape, "datatype": "FP64", "data": data}]})

    width = len(columns)
    return [
        ("column shape -1", per_column([-1], [])),
        ("column shape 1e12", per_column([1000000000000], [])),
        ("column shape [-1, 1]", per_column([-1, 1], [])),
        ("column shape overflow", per_column([4611686018427387904, 4], [1.0])),
        ("column shape mismatched", per_column([3], [1.0])),
        ("features shape -1", features([-1, width], [])),
        ("features shape huge", features([1000000000000, width], [0.0] * width)),
        ("features shape overflow", features([3037000500, 3037000500], [0.0])),
        ("features shape mismatched", features([2, width], [0.0] * width)),
        ("features 40 dimensions", features([1] * 40, [0.0])),
        ("features -1 times -1", features([-1, -1], [0.0])),
        ("malformed json", '{"inputs": [{"name": "features", "shape": [1, 2'),
        ("null body", "null"),
        ("not an object", "[1, 2, 3]"),
        ("deep nesting", '{"inputs": [{"name": "features", "shape": [1], "datatype": "FP64", "data": ' + "[" * 5000 + "]" * 5000 + "}]}"),
        ("bad utf-8", b'{"inputs": [{"name": "\xff\xfe", "shape": [1], "datatype": "FP64", "data": [1]}]}'),
        ("empty", ""),
    ]


def send_raw(port, payload, read=True, timeout=10):
    """Sends `payload` on a new connection; the status line's code, or None when none came."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        if not read:
            return None
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        parts = data.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def hostile_client(args, columns, stop, tally, seed):
    rng = random.Random(seed)
    bodies = hostile_bodies(columns)
    path = f"/v2/models/{args.model}/infer"
    while not stop.is_set():
        kind = rng.choice(["body", "body", "body", "half", "garbage", "oversized-continue"])
        try:
            if kind == "body":
                name, body = rng.choice(bodies)
                data = body if isinstance(body, bytes) else body.encode()
                head = f"POST {path} HTTP/1.1\r\nhost: soak\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\nconnection: close\r\n\r\n"
                status = send_raw(args.port, head.encode() + data)
                tally.add("hostile_sent")
                if status is None or status >= 500:
                    tally.add("hostile_unexpected", f"{name}: status {status}")
            elif kind == "half":
                data = features_body([[0.0] * len(columns)]).encode()
                head = f"POST {path} HTTP/1.1\r\nhost: soak\r\ncontent-length: {len(data)}\r\n\r\n"
                send_raw(args.port, head.encode() + data[: len(data) // 2], read=False)
                tally.add("hostile_sent")
            elif kind == "garbage":
                send_raw(args.port, bytes(rng.randrange(256) for _ in range(200)) + b"\r\n\r\n")
                tally.add("hostile_sent")
            else:
                head = f"POST {path} HTTP/1.1\r\nhost: soak\r\nexpect: 100-continue\r\ncontent-length: {64 << 20}\r\n\r\n"
                send_raw(args.port, head.encode(), read=False)
                tally.add("hostile_sent")
        except OSError as error:
            tally.add("hostile_sent")
            tally.add("hostile_refused", repr(error))
        time.sleep(0.01)


def slow_pool(args, stop, tally, size):
    """Keeps `size` idle or slow connections open, replacing each one the server closes."""
    request = (f"POST /v2/models/{args.model}/infer HTTP/1.1\r\nhost: soak\r\ncontent-length: 64\r\n\r\n" + "{" * 64).encode()
    header_length = request.index(b"\r\n\r\n") + 4
    selector = selectors.DefaultSelector()
    held = {}   # socket -> [kind, bytes sent, next send time]
    rng = random.Random(7)

    def open_one():
        try:
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=5)
        except OSError as error:
            tally.add("pool_connect_failed", repr(error))
            return
        sock.setblocking(False)
        kind = rng.choice(["idle", "slow-head", "slow-body"])
        sent = header_length if kind == "slow-body" else 0
        if kind == "slow-body":
            sock.send(request[:header_length])
        held[sock] = [kind, sent, time.monotonic() + rng.uniform(0.2, 1.0)]
        selector.register(sock, selectors.EVENT_READ)
        tally.add("pool_opened")

    def drop(sock):
        selector.unregister(sock)
        held.pop(sock, None)
        sock.close()

    while not stop.is_set():
        while len(held) < size and not stop.is_set():
            open_one()
            if len(held) < size:
                time.sleep(0.005)
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 408"):
                tally.add("pool_408")
            drop(sock)
            tally.add("pool_closed_by_server")
        now = time.monotonic()
        for sock, state in list(held.items()):
            kind, sent, due = state
            if kind == "idle" or now < due or sent >= len(request):
                continue
            try:
                sock.send(request[sent:sent + 1])
                state[1] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                drop(sock)
                tally.add("pool_closed_by_server")
                continue
            state[2] = now + 1.0
    for sock in list(held):
        drop(sock)


def sample(pid):
    """(rss in KiB, open fds), or None when the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            status = dict(line.split(":", 1) for line in handle if ":" in line)
        if status.get("State", "").strip().startswith("Z"):
            return None
        rss = int(status["VmRSS"].split()[0])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds
    except (OSError, KeyError, ValueError):
        return None


def main():
    args = parse_args()
    columns, rows = rows_from(args.csv, 50)
    reference = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    expected = []
    for row in rows:
        reference.request("POST", f"/v2/models/{args.model}/infer", body=features_body([row]), headers={"Content-Type": "application/json"})
        response = reference.getresponse()
        text = response.read().decode()
        if response.status != 200:
            print(f"soak: the server refused a valid row before the soak began: HTTP {response.status} {text}", file=sys.stderr)
            return 1
        expected.append(outputs_of(text))
    reference.close()

    tally, stop = Tally(), threading.Event()
    samples = []   # (seconds since start, rss KiB, fds)
    started = time.monotonic()
    pool_size = max(0, args.max_connections - args.valid_clients - 4)
    threads = [threading.Thread(target=valid_client, args=(args, columns, rows, expected, stop, tally, seed), daemon=True)
               for seed in range(args.valid_clients)]
    threads.append(threading.Thread(target=hostile_client, args=(args, columns, stop, tally, 99), daemon=True))
    threads.append(threading.Thread(target=slow_pool, args=(args, stop, tally, pool_size), daemon=True))
    for thread in threads:
        thread.start()
    alive = True
    while time.monotonic() - started < args.duration:
        measured = sample(args.pid)
        if measured is None:
            alive = False
            break
        samples.append((time.monotonic() - started, *measured))
        time.sleep(args.sample_seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    if alive and sample(args.pid) is None:
        alive = False

    # Shutdown with a half body still open: SIGTERM must finish within the grace period.
    shutdown_seconds = None
    if alive:
        half = socket.create_connection(("127.0.0.1", args.port), timeout=5)
        half.sendall(f"POST /v2/models/{args.model}/infer HTTP/1.1\r\nhost: soak\r\ncontent-length: 1000\r\n\r\n{{\"inputs\"".encode())
        time.sleep(0.2)
        os.kill(args.pid, signal.SIGTERM)
        term = time.monotonic()
        while time.monotonic() - term < args.shutdown_limit + 5 and sample(args.pid) is not None:
            time.sleep(0.05)
        if sample(args.pid) is None:
            shutdown_seconds = time.monotonic() - term
        half.close()

    warmup = 0.1 * args.duration
    during = [s for s in samples if warmup / 2 <= s[0] <= warmup]
    after = [s for s in samples if s[0] > warmup]
    failures = []
    print("== mlp serve soak ==")
    print(f"duration {args.duration:.0f} s, warm-up {warmup:.0f} s, connection cap {args.max_connections}, idle/slow pool {pool_size}")
    print(f"valid requests: {tally.get('valid_ok')} ok, {tally.get('valid_wrong')} wrong answers, {tally.get('valid_failed')} failed")
    print(f"hostile requests sent: {tally.get('hostile_sent')} ({tally.get('hostile_unexpected')} answered 5xx or not at all, "
          f"{tally.get('hostile_refused')} connections refused or reset)")
    print(f"idle/slow connections opened: {tally.get('pool_opened')}, closed by the server: {tally.get('pool_closed_by_server')} "
          f"({tally.get('pool_408')} with 408), connects that failed: {tally.get('pool_connect_failed')}")
    print(f"server alive at the end: {'yes' if alive else 'NO'}")
    if shutdown_seconds is not None:
        print(f"SIGTERM with a half body open: exited after {shutdown_seconds:.1f} s")
    elif alive:
        print(f"SIGTERM with a half body open: still running after {args.shutdown_limit + 5:.0f} s")
    if during and after:
        rss0, fd0 = max(s[1] for s in during), max(s[2] for s in during)
        rss1, fd1 = max(s[1] for s in after), max(s[2] for s in after)
        print(f"RSS after warm-up {rss0 / 1024:.1f} MiB, max afterwards {rss1 / 1024:.1f} MiB ({(rss1 / rss0 - 1) * 100:+.1f} %)")
        print(f"open fds after warm-up {fd0}, max afterwards {fd1} ({(fd1 / fd0 - 1) * 100:+.1f} %)")
        if rss1 > rss0 * (1 + GROWTH_LIMIT):
            failures.append("RSS grew more than 10 % after warm-up")
        if fd1 > fd0 * (1 + GROWTH_LIMIT):
            failures.append("open fds grew more than 10 % after warm-up")
    else:
        failures.append("too few samples to judge RSS and fd growth")
    if not alive:
        failures.append("the server died")
    if tally.get("valid_wrong"):
        failures.append("valid requests got wrong answers")
    if tally.get("valid_failed"):
        failures.append("valid requests failed")
    if tally.get("valid_ok") == 0:
        failures.append("no valid request was answered")
    if tally.get("hostile_unexpected"):
        failures.append("hostile requests got a 5xx or no answer")
    if alive and (shutdown_seconds is None or shutdown_seconds > args.shutdown_limit):
        failures.append("SIGTERM did not stop the server within its grace period")
    for note in tally.notes:
        print(f"  note: {note}")
    print("verdict: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
