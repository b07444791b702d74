"""`connector/postgres` against a real PostgreSQL that this module starts (scripts/postgres.sh, on
127.0.0.1, stopped at the end), through a role with a password that pg_hba makes the server ask
for (scram-sha-256 on TCP): rows and types of every mapped PostgreSQL type with NULLs, caching with
and without `version:`, and the password nowhere — not in `mlp show --json`, `mlp logs`, any file
under .mlp, the cache explanation, nor the error of a bad query or of a wrong password.

Skips, with the reason, only when PostgreSQL's server binaries are absent (CI installs them).
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MLP = os.environ.get("MLP", str(REPO / ".build" / "debug" / "mlp"))
SCRIPT = REPO / "scripts" / "postgres.sh"
PASSWORD = "Pw-9f3kQ!zx#7"
ENCODED = "Pw-9f3kQ%21zx%237"  # as written in the URL
WRONG = "Wr0ng-Secret-55"


def server_binaries():
    return [b for b in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(f"{b}/initdb") and os.path.exists(f"{b}/pg_ctl")]


def psql(url, sql):
    binary = shutil.which("psql") or sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    return subprocess.run([binary, url, "-v", "ON_ERROR_STOP=1", "-q", "-tA", "-c", sql], check=True, capture_output=True, text=True, timeout=60).stdout.strip()


@pytest.fixture(scope="module")
def postgres():
    """(admin_url, port): a throw-away cluster with table `t` and the role `reader` (password required)."""
    if not server_binaries():
        pytest.skip("PostgreSQL server binaries are absent (no /usr/lib/postgresql/*/bin/initdb); apt-get install -y postgresql")
    folder = tempfile.mkdtemp(prefix="mlp-pg-connector-")
    started = False
    try:
        result = subprocess.run(["bash", str(SCRIPT), "start", folder], capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"scripts/postgres.sh start failed: {result.stderr[-800:]}"
        started = True
        admin = result.stdout.strip().splitlines()[-1]
        port = Path(folder, "port").read_text().strip()
        # The cluster trusts loopback; make the server ask `reader` for its password over TCP.
        hba = Path(folder, "data", "pg_hba.conf")
        hba.write_text("host all reader 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        ctl = subprocess.run(["bash", str(SCRIPT), "ctl", folder], capture_output=True, text=True, timeout=30, check=True).stdout.split()
        subprocess.run([*ctl, "reload"], check=True, capture_output=True, timeout=60)
        psql(admin, f"CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'")
        psql(admin, """CREATE TABLE t (id int4, i2 int2, i8 int8, f4 float4, f8 float8, n numeric(10,3), b bool,
                       s text, v varchar(20), c char(3), d date, ts timestamptz, u uuid, j jsonb)""")
        psql(admin, """INSERT INTO t VALUES
            (1, 7, 9000000000, 1.5, 2.25, 3.125, true, 'hello', 'vé', 'abc', '2026-12-01', '2026-12-01 10:00:00+00',
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": 1}'),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (3, -3, -5, -0.5, 1e10, -7.5, false, '', 'x', 'z', '1999-01-31', '1999-01-31 23:59:59.5+00', NULL, '[]')""")
        psql(admin, "CREATE TABLE blobs (id int4, payload bytea)")
        psql(admin, "GRANT SELECT ON t, blobs TO reader")
        yield admin, port
    finally:
        if started:
            subprocess.run(["bash", str(SCRIPT), "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


class Project:
    def __init__(self, root, url):
        self.root = root
        self.env = {**os.environ, "PG_URL": url}
        self.outputs = []  # every text mlp printed, grepped for the password at the end

    def write(self, name, text):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def mlp(self, *args, check=True, env=None):
        result = subprocess.run([MLP, *args], cwd=self.root, capture_output=True, text=True, timeout=120, env=env or self.env)
        self.outputs.append(result.stdout + result.stderr)
        if check:
            assert result.returncode == 0, f"mlp {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def show(self):
        run = json.loads(self.mlp("show", "latest", "--json", "--explain-cache").stdout)
        return run, {step["name"]: step for step in run["steps"]}

    def assert_no_secret(self):
        for text in self.outputs:
            for secret in (PASSWORD, ENCODED, WRONG):
                assert secret not in text, f"the password appears in mlp's output:\n{text}"
        for path in (self.root / ".mlp").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for secret in (PASSWORD, ENCODED, WRONG):
                    assert secret.encode() not in data, f"the password appears in {path}"


PIPELINE = """name: pg
steps:
  load:
    uses: connector/postgres
    with:
      url_env: PG_URL
      query: SELECT * FROM t WHERE id >= $1 AND s IS DISTINCT FROM $2 ORDER BY id
      params: [1, "nobody"]
{extra}
"""


def rows_of(project, step):
    digest = step["outputs"]["data"]["artifact"]
    source = project.root / ".mlp" / "artifacts" / "sha256" / digest[:2] / digest
    copy = project.root.parent / f"{digest}.mlpds"
    shutil.copyfile(source, copy)
    out = project.root.parent / f"{digest}.jsonl"
    project.mlp("dataset", "convert", str(copy), str(out))
    return [json.loads(line) for line in out.read_text().splitlines()]


TYPES = {"id": "int64", "i2": "int64", "i8": "int64", "f4": "double", "f8": "double", "n": "double", "b": "bool", "s": "string",
         "v": "string", "c": "string", "d": "string", "ts": "string", "u": "string", "j": "string"}


def column_types(project, step):
    """The dataset's column types, read by pyarrow from the Parquet that `mlp dataset convert` writes of it."""
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow reads the dataset's column types (CI installs it)")
    digest = step["outputs"]["data"]["artifact"]
    copy = project.root.parent / f"{digest}.mlpds"
    shutil.copyfile(project.root / ".mlp" / "artifacts" / "sha256" / digest[:2] / digest, copy)
    out = project.root.parent / f"{digest}.parquet"
    project.mlp("dataset", "convert", str(copy), str(out))
    schema = pq.read_schema(out)
    return {field.name: str(field.type) for field in schema}


def test_rows_types_caching_and_no_secret(postgres, tmp_path):
    admin, port = postgres
    root = tmp_path / "project"
    root.mkdir()
    project = Project(root, f"postgres://reader:{ENCODED}@127.0.0.1:{port}/mlp")

    # Every mapped type, NULLs in every column, parameters bound.
    project.write("mlp.yaml", PIPELINE.format(extra=""))
    out = project.mlp("run")
    assert "succeeded" in out.stdout, out.stdout
    run, steps = project.show()
    load = steps["load"]
    assert load["status"] == "succeeded" and load["outputs"]["rows"] == 3, load
    assert load["cache_explanation"][0].startswith("never cached: connector/postgres runs every time without a version:"), load
    rows = rows_of(project, load)
    assert column_types(project, load) == TYPES
    assert [row["id"] for row in rows] == [1, 2, 3]
    first, nulls, third = rows
    assert first == {"id": 1, "i2": 7, "i8": 9000000000, "f4": 1.5, "f8": 2.25, "n": 3.125, "b": True, "s": "hello", "v": "vé",
                     "c": "abc", "d": "2026-12-01", "ts": "2026-12-01T10:00:00.000Z", "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                     "j": '{"k": 1}'}, first
    assert all(value is None for name, value in nulls.items() if name != "id"), nulls
    assert third["f8"] == 1e10 and isinstance(third["f8"], float) and third["n"] == -7.5 and third["b"] is False and third["s"] == ""
    assert isinstance(third["i8"], int) and isinstance(third["f4"], float) and isinstance(third["n"], float)

    # Without version: it runs again (a new read of the data), and says why.
    project.mlp("run")
    run, steps = project.show()
    assert steps["load"]["status"] == "succeeded", steps["load"]
    assert "never cached" in steps["load"]["cache_explanation"][0]
    text = project.mlp("show", "latest", "--explain-cache").stdout
    assert "never cached: connector/postgres runs every time without a version: or snapshot:" in text, text

    # With version: the second run is a cache hit; a new version misses, saying so.
    project.write("mlp.yaml", PIPELINE.format(extra="      version: \"2026-12-01\""))
    project.mlp("run")
    project.mlp("run")
    run, steps = project.show()
    assert steps["load"]["status"] == "cached", steps["load"]
    assert steps["load"]["cache_explanation"][0].startswith("hit"), steps["load"]
    project.write("mlp.yaml", PIPELINE.format(extra="      version: \"2026-12-02\""))
    project.mlp("run")
    run, steps = project.show()
    assert steps["load"]["status"] == "succeeded", steps["load"]
    assert any("input 'version' changed" in line for line in steps["load"]["cache_explanation"]), steps["load"]
    # The key holds the server's identity (HOST:PORT/DATABASE and its system identifier), not the user.
    store = (root / ".mlp" / "mlp.sqlite").read_bytes()
    assert f"127.0.0.1:{port}/mlp".encode() in store
    system_identifier = psql(admin, "SELECT system_identifier FROM pg_control_system()")
    assert system_identifier and f'"source.server":"{system_identifier}"'.encode() in store
    assert b'"source.' in store and b"reader" not in store.split(b'"source.database"')[1][:40]

    # An empty result keeps its typed columns.
    project.write("mlp.yaml", PIPELINE.format(extra="").replace("id >= $1", "id >= $1 + 100"))
    project.mlp("run")
    run, steps = project.show()
    assert steps["load"]["outputs"]["rows"] == 0, steps["load"]
    assert column_types(project, steps["load"]) == TYPES

    # The connection string from a file inside the project; one outside it is refused.
    project.write("secrets/pg.url", f"postgres://reader:{ENCODED}@127.0.0.1:{port}/mlp\n")
    project.write("mlp.yaml", PIPELINE.format(extra="").replace("url_env: PG_URL", "url_file: secrets/pg.url"))
    project.mlp("run", env={k: v for k, v in os.environ.items() if k != "PG_URL"})
    run, steps = project.show()
    assert steps["load"]["outputs"]["rows"] == 3
    project.write("mlp.yaml", PIPELINE.format(extra="").replace("url_env: PG_URL", "url_file: ../outside.url"))
    failed = project.mlp("run", check=False)
    assert failed.returncode != 0 and "outside the project folder" in failed.stdout + failed.stderr, failed.stdout + failed.stderr

    # A bad query: PostgreSQL's message, the target without the password.
    project.write("mlp.yaml", PIPELINE.format(extra="").replace("SELECT *", "SELECT nope"))
    failed = project.mlp("run", check=False)
    message = failed.stdout + failed.stderr
    assert failed.returncode != 0 and 'column "nope" does not exist' in message, message
    assert f"postgres://reader@127.0.0.1:{port}/mlp" in message, message

    # A column of a type with no dataset mapping says what to do.
    project.write("mlp.yaml", PIPELINE.format(extra="").replace("SELECT * FROM t WHERE id >= $1 AND s IS DISTINCT FROM $2 ORDER BY id",
                                                                 "SELECT 'ab'::bytea AS payload WHERE $1::int > 0 AND $2::text <> ''"))
    failed = project.mlp("run", check=False)
    assert "column 'payload' is of type BYTEA" in failed.stdout + failed.stderr and "payload::text" in failed.stdout + failed.stderr, \
        failed.stdout + failed.stderr

    # A wrong password: the login failure, without the password tried.
    project.write("mlp.yaml", PIPELINE.format(extra=""))
    wrong = {**os.environ, "PG_URL": f"postgres://reader:{WRONG}@127.0.0.1:{port}/mlp"}
    failed = project.mlp("run", check=False, env=wrong)
    assert failed.returncode != 0 and "password authentication failed" in failed.stdout + failed.stderr, failed.stdout + failed.stderr
    project.mlp("show", "latest", "--json")

    # `url:` inline is refused by `mlp validate`, at the key, saying why.
    project.write("mlp.yaml", PIPELINE.format(extra="").replace("url_env: PG_URL", f"url: postgres://reader@127.0.0.1:{port}/mlp"))
    refused = project.mlp("validate", check=False)
    assert refused.returncode != 0, refused.stdout
    text = refused.stdout + refused.stderr
    assert "mlp.yaml:6" in text and "input 'url' of step 'load' is refused" in text and "url_env" in text, text

    project.write("mlp.yaml", PIPELINE.format(extra=""))
    # Nothing mlp printed (show --json, --explain-cache, logs, errors) nor any file under .mlp holds the password.
    for run_id in [r["id"] for r in json.loads(project.mlp("runs", "--json").stdout)]:
        project.mlp("show", run_id, "--json", "--explain-cache")
        project.mlp("logs", run_id, "load", check=False)
    project.assert_no_secret()
