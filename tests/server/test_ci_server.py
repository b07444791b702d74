"""CI against a shared server: `mlp run --server URL --junit FILE` writes the same JUnit as a local run
(from the run record the server keeps), and `mlp report --server` from another folder compares with the
champion the server's registry holds (SQLite and PostgreSQL)."""
import json

import pytest

from test_remote_runs import as_json, mlp, template_project

junitparser = pytest.importorskip("junitparser", reason="pip install junitparser (.ci/run installs it)")
from junitparser import Failure, JUnitXml, Skipped  # noqa: E402

SCHEMA = "rows: {max: 200}\ncolumns:\n  mean_radius: {type: float, max: 20}\n"
CHECK = ('  check:\n    uses: validate\n    with: {data: "${{ steps.load.outputs.data }}", schema: schema.yaml}\n\n'
         '  # Seeded, stratified')
GATE = '      auto_approve_if: "accuracy >= 0.9 and auc >= 0.95"\n'
THRESHOLDS = GATE + '      thresholds: {auc: {min: 0.999, min_relative_change: 0.001, against: "@champion"}}\n'


def summary(path):
    suite = list(JUnitXml.fromfile(str(path)))[0]
    cases = {}
    for case in suite:
        kinds = {type(result) for result in case.result}
        state = "failure" if Failure in kinds else "skipped" if Skipped in kinds else "passed"
        message = case.result[0].message if case.result else None
        cases[(case.classname, case.name)] = (state, message)
    return (suite.tests, suite.failures, suite.errors, suite.skipped), cases


def test_junit_of_a_reported_run_matches_the_local_one_and_report_reads_the_server(mlp_server, tmp_path):
    runner = mlp_server.tokens.create("rita", "runner")
    viewer = mlp_server.tokens.create("vera", "viewer")
    results = {}
    for name, server in (("local", ()), ("ci", ("--server", mlp_server.url))):
        project = template_project(tmp_path, name)
        (project / "schema.yaml").write_text(SCHEMA)
        text = (project / "mlp.yaml").read_text().replace("  # Seeded, stratified", CHECK).replace(GATE, THRESHOLDS)
        (project / "mlp.yaml").write_text(text)
        ran = mlp("run", *server, "--junit", "junit.xml", cwd=project, token=runner if server else None, check=False)
        assert ran.returncode == 1, ran.stderr
        results[name] = summary(project / "junit.xml")
    (counts, cases) = results["ci"]
    # passed, failures, errors, skipped: the template's steps (describe included) and the rules.
    assert counts == (14, 5, 0, 2), cases
    # The same cases, outcomes and messages, whether the run was recorded here or on the server
    # (the suite's name is the pipeline's, which is the folder's name).
    local_counts, local_cases = results["local"]
    assert counts == local_counts
    assert {(c.replace("local.", "ci.", 1), n): v for (c, n), v in local_cases.items()} == cases
    assert cases[("ci.check", "dataset: rows.max")] == ("failure", "dataset: rows.max: has 569 rows, more than the maximum 200")
    assert cases[("ci.gate", "threshold: auc min 0.999")][0] == "failure"

    # A champion on the server, then a better run: the report, read from another folder, shows the deltas.
    project = tmp_path / "ci"
    (project / "mlp.yaml").write_text((project / "mlp.yaml").read_text().replace(CHECK, "  # Seeded, stratified")
                                      .replace(THRESHOLDS, GATE))
    first = as_json(mlp("run", "--server", mlp_server.url, "--json", cwd=project, token=runner))["id"]
    mlp("models", "alias", "breast-cancer-logreg@champion", "1", "--server", mlp_server.url, cwd=project, token=mlp_server.admin)
    (project / "mlp.yaml").write_text((project / "mlp.yaml").read_text().replace(GATE, THRESHOLDS.replace("min: 0.999, ", "")))
    second = mlp("run", "--server", mlp_server.url, "--param", "l2=1", "--junit", "better.xml", "--json", cwd=project, token=runner)
    second_id = json.loads(second.stdout)["id"]
    _, better = summary(project / "better.xml")
    assert better[("ci.gate", "threshold: auc min_relative_change 0.001 against @champion")][0] == "passed"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = ("--server", mlp_server.url, "--server-project", "ci")
    report = mlp("report", second_id, "--against", "@champion", "-o", "report.md", *server, cwd=elsewhere, token=viewer)
    text = (elsewhere / "report.md").read_text()
    assert f"made by run {first}" in text, report.stderr
    auc = next(line for line in text.splitlines() if line.startswith("| **auc** |"))
    assert "▲ +" in auc, auc
    assert "| **l2** (changed) | `1` | `0.01` |" in text
    assert "| `load.data` | 569 | = 0 | same data" in text
    assert (elsewhere / "report-auc.svg").read_text().startswith("<svg")
