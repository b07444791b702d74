"""Starting and stopping a real `mlp server` for the tests, and talking to it over HTTP.

Used by tests/server/conftest.py (the `mlp_server` factory fixture) and by any test that needs a
server: ``MLPServer`` starts `mlp server --db DB --artifacts DIR --port 0`, waits for its
"mlp server listening on http://HOST:PORT" line and for GET /api/v1/health, bootstraps an admin token
with the offline `mlp server token create --db DB …`, and can kill it (SIGTERM or SIGKILL) and
restart it on the same port and database. Only the standard library is used (urllib).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MLP = os.environ.get("MLP", str(REPO / ".build" / "debug" / "mlp"))
PREFIX = "/api/v1"


class Answer:
    """An HTTP answer: status, headers (lower-case names), body bytes; ``json()`` parses the body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Answer {self.status} {self.body[:300]!r}>"


def request(url, method="GET", token=None, body=None, headers=None, timeout=30):
    """Sends one request; never raises for an HTTP error status (the Answer carries it).

    `body` may be bytes (sent as is) or anything JSON-encodable (sent as application/json).
    """
    headers = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
            headers.setdefault("Content-Type", "application/octet-stream")
        else:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return Answer(response.status, response.getheaders(), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.items(), error.read())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Tokens:
    """Creates tokens with the offline bootstrap (`mlp server token create --db …`), which opens the
    server's store directly: it works whether or not the server runs."""

    def __init__(self, db):
        self.db = db

    def create(self, user, role, projects=()):
        """A new token's secret (`mlp_…`) for `user` with `role`, scoped to `projects` when given."""
        return self.create_record(user, role, projects)["token"]

    def create_record(self, user, role, projects=()):
        """What `mlp server token create --json` printed: token, id, user, role, projects."""
        arguments = [MLP, "server", "token", "create", "--db", self.db, "--user", user, "--role", role, "--json"]
        for project in projects:
            arguments += ["--project", project]
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"mlp server token create exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return json.loads(result.stdout)

    def list(self):
        result = subprocess.run([MLP, "server", "token", "list", "--db", self.db, "--json"], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"mlp server token list exited {result.returncode}:\n{result.stderr}")
        return json.loads(result.stdout)

    def revoke(self, token_id):
        subprocess.run([MLP, "server", "token", "revoke", "--db", self.db, token_id], check=True, capture_output=True, timeout=60)


class MLPServer:
    """One `mlp server` process on loopback with its own metadata database and artifacts folder.

    Attributes: ``url`` (http://127.0.0.1:PORT), ``port``, ``db`` (the --db argument), ``kind``
    (sqlite or postgres), ``artifacts``, ``pid``, ``admin`` (an admin token), ``tokens`` (``Tokens``).
    """

    def __init__(self, db, kind, artifacts, log_dir, extra_arguments=()):
        assert Path(MLP).exists(), f"build mlp first (looked for {MLP})"
        self.db = db
        self.kind = kind
        self.artifacts = str(artifacts)
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.extra_arguments = list(extra_arguments)
        self.tokens = Tokens(db)
        self.process = None
        self.port = 0
        self.url = None
        self.admin = None
        self.starts = 0
        self.stderr_path = None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def start(self, timeout=60):
        """Starts the server (on the port it had before, after a restart) and waits until it is healthy."""
        self.starts += 1
        self.stderr_path = self.log_dir / f"server-{self.starts}.stderr"
        arguments = [MLP, "server", "--db", self.db, "--artifacts", self.artifacts, "--host", "127.0.0.1",
                     "--port", str(self.port), *self.extra_arguments]
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=stderr, text=True)
        announced = {}

        def read_first_line():
            line = self.process.stdout.readline()
            announced["line"] = line
            # Keep draining stdout so the server never blocks on a full pipe.
            for _ in self.process.stdout:
                pass

        threading.Thread(target=read_first_line, daemon=True).start()
        deadline = time.monotonic() + timeout
        while "line" not in announced and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.02)
        line = announced.get("line", "")
        marker = "mlp server listening on http://"
        if not line.startswith(marker):
            self.kill()
            raise AssertionError(f"mlp server did not say it was listening (first line {line!r}):\n{self.stderr()}")
        self.url = "http://" + line[len(marker):].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        while time.monotonic() < deadline:
            try:
                if request(self.url + PREFIX + "/health", timeout=5).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            self.kill()
            raise AssertionError(f"mlp server at {self.url} never answered /api/v1/health:\n{self.stderr()}")
        if self.admin is None:
            self.admin = self.tokens.create("admin", "admin")
        return self

    def stderr(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path and self.stderr_path.exists() else ""

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=30):
        """SIGTERM, then wait; returns the exit status (SIGKILL after `timeout`, and then an AssertionError)."""
        if not self.running():
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"mlp server (pid {self.pid}) did not exit within {timeout} s of SIGTERM")

    def kill(self):
        """SIGKILL (kill -9) by PID, as a crash would."""
        if self.running():
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def restart(self, crash=True):
        """Kills the server (-9 when `crash`, else SIGTERM) and starts it again on the same port and database."""
        if crash:
            self.kill()
        else:
            self.stop()
        return self.start()

    # HTTP helpers -------------------------------------------------------------------------------

    def request(self, method, path, token="admin", body=None, headers=None, timeout=30):
        """`path` under /api/v1 (or absolute when it starts with /metrics); `token` "admin" is the admin token, None sends none."""
        token = self.admin if token == "admin" else token
        url = self.url + (path if path.startswith("/metrics") or path.startswith(PREFIX) else PREFIX + path)
        return request(url, method=method, token=token, body=body, headers=headers, timeout=timeout)

    def get(self, path, token="admin", **kwargs):
        return self.request("GET", path, token=token, **kwargs)

    def post(self, path, body=None, token="admin", **kwargs):
        return self.request("POST", path, token=token, body=body, **kwargs)

    def put(self, path, body=None, token="admin", **kwargs):
        return self.request("PUT", path, token=token, body=body, **kwargs)

    def create_project(self, name, token="admin"):
        answer = self.put(f"/projects/{name}", token=token)
        assert answer.status in (200, 201), answer
        return answer


def start_postgres(folder):
    """Starts a throw-away PostgreSQL with scripts/postgres.sh; returns (url, None) or (None, reason)."""
    script = REPO / "scripts" / "postgres.sh"
    if not script.exists():
        return None, f"{script} is missing"
    try:
        result = subprocess.run(["bash", str(script), "start", str(folder)], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return None, "scripts/postgres.sh start took over 180 s"
    url = next((line.strip() for line in result.stdout.splitlines() if line.strip().startswith(("postgres://", "postgresql://"))), None)
    if result.returncode != 0 or url is None:
        return None, f"PostgreSQL did not start (scripts/postgres.sh exited {result.returncode}): {(result.stderr or result.stdout).strip()[-500:]}"
    return url, None


def stop_postgres(folder):
    script = REPO / "scripts" / "postgres.sh"
    subprocess.run(["bash", str(script), "stop", str(folder)], capture_output=True, timeout=120)


def psql():
    """The psql client: on PATH, else the PostgreSQL server's own."""
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))
    return str(candidates[-1]) if candidates else "psql"


def create_database(url, name):
    """Creates database `name` on the PostgreSQL at `url`; returns the URL naming it."""
    subprocess.run([psql(), url, "-v", "ON_ERROR_STOP=1", "-q", "-c", f'CREATE DATABASE "{name}"'],
                   check=True, capture_output=True, timeout=60)
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))
