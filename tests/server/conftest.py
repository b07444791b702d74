"""Fixtures for the tests of `mlp server` (and of clients that talk to it).

- ``postgres_url`` (session): a throw-away PostgreSQL on loopback, started by scripts/postgres.sh
  and stopped at the end; None with a reason when it cannot start (the postgres params then skip).
- ``db_kind``: "sqlite" and "postgres" — every test that uses ``mlp_server`` runs against both.
- ``mlp_server_factory``: starts an ``MLPServer`` (tests/server/serverproc.py) with a fresh database
  of ``db_kind`` (a folder for SQLite, a new database for PostgreSQL) and its own artifacts folder;
  every server it started is stopped by PID at teardown (SIGTERM, then SIGKILL).
- ``mlp_server``: one started server: ``url``, ``port``, ``db``, ``kind``, ``pid``, ``admin`` (an admin
  token), ``tokens.create(user, role, projects)``, ``kill()`` (-9), ``restart()`` (same port and db),
  ``stop()`` (SIGTERM), and request helpers ``get/post/put/request``.
"""
import itertools
import shutil
import tempfile
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serverproc import MLP, MLPServer, create_database, start_postgres, stop_postgres  # noqa: E402

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url():
    """(url, reason): the URL of a running PostgreSQL, or None and why it is not there."""
    # Under /tmp itself: the postgres user must be able to reach the folder (pytest's own temp
    # folders sit under a 0700 directory of root's).
    folder = tempfile.mkdtemp(prefix="mlp-server-tests-pg-")
    url, reason = start_postgres(folder)
    try:
        yield url, reason
    finally:
        if url is not None:
            stop_postgres(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def db_kind(request):
    return request.param


@pytest.fixture
def mlp_server_factory(db_kind, postgres_url, tmp_path):
    """start(**extra) -> MLPServer: a new server on a fresh database of `db_kind` each call."""
    assert Path(MLP).exists(), f"build mlp first (looked for {MLP})"
    started = []

    def database():
        if db_kind == "sqlite":
            folder = tmp_path / f"db-{len(started) + 1}"
            return f"sqlite:{folder}"
        url, reason = postgres_url
        if url is None:
            pytest.skip(f"PostgreSQL is not available: {reason}")
        return create_database(url, f"mlp_test_{next(_database_numbers)}")

    def start(extra_arguments=()):
        number = len(started) + 1
        server = MLPServer(database(), db_kind, tmp_path / f"artifacts-{number}", tmp_path / f"logs-{number}", extra_arguments)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        try:
            server.stop(timeout=20)
        except AssertionError:
            pass
        finally:
            server.kill()


@pytest.fixture
def mlp_server(mlp_server_factory):
    return mlp_server_factory()
