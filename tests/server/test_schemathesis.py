"""schemathesis against the running `mlp server` and the document it publishes at
/api/v1/openapi.json (docs/openapi.json): every operation, generated valid and invalid requests
with an admin token, checked for no 5xx and for answers that match the document. Runs against
SQLite and PostgreSQL (the `mlp_server_factory` fixture); its summary is printed."""
import os
import shutil
import subprocess
import sys

import pytest

EXAMPLES = int(os.environ.get("MLP_SCHEMATHESIS_EXAMPLES", "10"))


def schemathesis_command():
    found = shutil.which("schemathesis") or shutil.which("st")
    if found:
        return [found]
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "schemathesis.cli"]


def test_the_server_keeps_to_its_openapi_document(mlp_server_factory, tmp_path, capsys):
    command = schemathesis_command()
    if command is None:
        pytest.skip("schemathesis is not installed (python3 -m pip install schemathesis)")
    # Generated requests include ones without a valid token: the limiter must not turn them into 429s.
    server = mlp_server_factory(["--auth-failure-limit", "1000000"])
    server.create_project("demo")
    # Every {project} is `demo`, which exists, so requests reach the store rather than a 404.
    (tmp_path / "schemathesis.toml").write_text('[parameters]\n"path.project" = "demo"\n')
    arguments = [*command, "run", f"{server.url}/api/v1/openapi.json",
                 "--header", f"Authorization: Bearer {server.admin}",
                 "--checks", "not_a_server_error,response_schema_conformance",
                 "--phases", "examples,coverage,fuzzing", "--max-examples", str(EXAMPLES),
                 "--request-timeout", "30", "--suppress-health-check", "filter_too_much", "--no-color", "--generation-database", "none", "--seed", "14"]
    result = subprocess.run(arguments, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    summary = output[output.find("=== SUMMARY"):] if "=== SUMMARY" in output else output[-3000:]
    with capsys.disabled():
        print(f"\nschemathesis against mlp server ({server.kind}):\n{summary.strip()}\n")
    assert result.returncode == 0, f"schemathesis found problems ({server.kind}):\n{output[-20000:]}\n--- server stderr ---\n{server.stderr()[-5000:]}"
    assert server.running(), f"the server died under schemathesis:\n{server.stderr()[-5000:]}"
