"""CI: `mlp run --junit` read by junitparser (what GitHub, GitLab and Jenkins reporters parse), metric
gates (`thresholds:`), and `mlp report --format md` against the champion."""
import json
import re
from pathlib import Path

import pytest

junitparser = pytest.importorskip("junitparser", reason="pip install junitparser (.ci/run installs it)")
from junitparser import Error, Failure, JUnitXml, Skipped  # noqa: E402

# Two rules the template's data breaks (569 rows; mean_radius reaches 28.11), the rest hold.
SCHEMA = """
rows: {min: 100, max: 200}
columns:
  target: {type: int, nullable: false, allowed: [0, 1]}
  mean_radius: {type: float, min: 0, max: 20}
"""


def init_template(project, extra_gate="", check=False):
    """The tabular-classification template in `project.root`, with a validate step and gate additions."""
    project.mlp("init", "proj", "--template", "tabular-classification")
    root = project.root / "proj"
    text = (root / "mlp.yaml").read_text()
    if check:
        (root / "schema.yaml").write_text(SCHEMA)
        text = text.replace("  # Seeded, stratified", "  check:\n    uses: validate\n"
                            "    with: {data: \"${{ steps.load.outputs.data }}\", schema: schema.yaml}\n\n  # Seeded, stratified")
    if extra_gate:
        anchor = '      auto_approve_if: "accuracy >= 0.9 and auc >= 0.95"\n'
        assert anchor in text
        text = text.replace(anchor, anchor + extra_gate)
    (root / "mlp.yaml").write_text(text)
    project.root = root
    return root


def cases(xml):
    return [case for suite in xml for case in suite]


def outcome(case):
    kinds = {type(result) for result in case.result}
    if Failure in kinds:
        return "failure"
    if Error in kinds:
        return "error"
    if Skipped in kinds:
        return "skipped"
    return "passed"


def test_junit_of_a_run_with_a_failing_data_check_and_a_failing_gate(project):
    init_template(project, check=True, extra_gate=(
        "      thresholds:\n"
        "        auc: {min: 0.999, min_relative_change: 0.01, against: \"@champion\"}\n"
        "        log_loss: {max: 0.5, higher_is_better: false}\n"))
    project.mlp("validate")
    result = project.mlp("run", "--junit", "junit.xml", check=False)
    assert result.returncode == 1, result.stderr
    xml = JUnitXml.fromfile(str(project.root / "junit.xml"))
    suites = list(xml)
    assert len(suites) == 1 and suites[0].name == "proj"
    suite = suites[0]
    found = {(case.classname, case.name): case for case in suite}
    by_outcome = {}
    for case in suite:
        by_outcome.setdefault(outcome(case), []).append(case.name)

    # 7 steps + 10 schema rules + 1 auto_approve_if + 3 threshold rules.
    assert suite.tests == len(list(suite)) == 21, by_outcome
    # check (step), rows.max, mean_radius max, gate (rejected), auc min 0.999.
    assert suite.failures == 5 and sorted(by_outcome["failure"]) == sorted([
        "check", "dataset: rows.max", "column 'mean_radius': max", "gate", "threshold: auc min 0.999"]), by_outcome
    # No champion yet: the change rule is skipped; register never ran.
    assert suite.skipped == 2 and sorted(by_outcome["skipped"]) == ["register", "threshold: auc min_relative_change 0.01 against @champion"]
    assert suite.errors == 0
    assert len(by_outcome["passed"]) == 14

    rows_max = found[("proj.check", "dataset: rows.max")].result[0]
    assert rows_max.message == "dataset: rows.max: has 569 rows, more than the maximum 200"
    radius = found[("proj.check", "column 'mean_radius': max")].result[0]
    assert radius.message.startswith("column 'mean_radius': max: values above the maximum 20 — 45 rows, e.g. row 1 = 20.57")
    threshold = found[("proj.gate", "threshold: auc min 0.999")].result[0]
    assert re.fullmatch(r"auc = 0\.99\d+ is below min 0\.999", threshold.message), threshold.message
    gate = found[("proj.steps", "gate")].result[0]
    assert gate.message.startswith("rejected by thresholds: 1 threshold failed: auc min 0.999: auc = 0.99")
    assert outcome(found[("proj.gate", "threshold: log_loss max 0.5")]) == "passed"
    assert outcome(found[("proj.gate", "auto_approve_if: accuracy >= 0.9 and auc >= 0.95")]) == "passed"
    assert found[("proj.steps", "load")].time >= 0
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["mlp.status"] == "failed" and properties["param.l2"] == "0.01"
    assert properties["mlp.run"] == project.latest_run()["id"]

    # `mlp resume --junit` writes the same report from the same record.
    run_id = project.latest_run()["id"]
    (project.root / "schema.yaml").write_text(SCHEMA.replace("max: 200", "max: 1000").replace("max: 20}", "max: 30}"))
    resumed = project.mlp("resume", run_id, "--junit", "resumed.xml", check=False)
    again = JUnitXml.fromfile(str(project.root / "resumed.xml"))
    suite = list(again)[0]
    names = {case.name: outcome(case) for case in suite}
    # The check passes now; the gate stays rejected, so the run does too (exit 3).
    assert resumed.returncode == 3, resumed.stderr
    assert names["check"] == "passed" and names["dataset: rows.max"] == "passed" and names["gate"] == "failure"


def test_junit_of_a_pipeline_that_does_not_check_names_each_problem(project):
    init_template(project, extra_gate="      thresholds: {auc: {mni: 0.9, max: high}}\n")
    result = project.mlp("run", "--junit", "junit.xml", check=False)
    assert result.returncode == 1
    assert "thresholds.auc.mni: unknown key 'mni'; did you mean 'min'?" in result.stderr
    suite = list(JUnitXml.fromfile(str(project.root / "junit.xml")))[0]
    messages = sorted(case.result[0].message for case in suite)
    assert messages == ["thresholds.auc.max: must be a number, not \"high\"", "thresholds.auc.mni: unknown key 'mni'; did you mean 'min'?"]
    assert all(re.fullmatch(r".*mlp\.yaml:\d+:\d+", case.name) for case in suite)


def test_a_gate_with_min_relative_change_against_the_champion_passes_and_fails(project):
    init_template(project, extra_gate="      thresholds: {auc: {min_relative_change: 0.001, against: \"@champion\"}}\n")
    project.mlp("run")
    project.mlp("models", "alias", "breast-cancer-logreg@champion", "1")
    # l2=100 makes a worse model: its auc is not 0.1% above the champion's, the gate rejects it at once.
    worse = project.mlp("run", "--param", "l2=100", "--junit", "worse.xml", check=False, timeout=120)
    assert worse.returncode == 3, worse.stdout + worse.stderr
    case = next(case for case in list(JUnitXml.fromfile(str(project.root / "worse.xml")))[0] if case.name.startswith("threshold:"))
    assert outcome(case) == "failure"
    assert "against" in case.result[0].message and "of breast-cancer-logreg:1 (breast-cancer-logreg@champion)" in case.result[0].message
    # l2=1 gives a better auc than the champion's (0.99698 against 0.99564): it passes.
    better = project.mlp("run", "--param", "l2=1", "--junit", "better.xml", check=False)
    assert better.returncode == 0, better.stdout + better.stderr
    case = next(case for case in list(JUnitXml.fromfile(str(project.root / "better.xml")))[0] if case.name.startswith("threshold:"))
    assert outcome(case) == "passed"


def test_the_markdown_report_of_the_template_shows_deltas_against_the_champion(project):
    init_template(project)
    project.mlp("run")
    project.mlp("models", "alias", "breast-cancer-logreg@champion", "1")
    project.mlp("run", "--param", "l2=1")
    (project.root / "out").mkdir()
    result = project.mlp("report", "latest", "--format", "md", "--against", "@champion", "-o", "out/report.md")
    text = (project.root / "out" / "report.md").read_text()
    assert "Compared with **breast-cancer-logreg:1 (breast-cancer-logreg@champion)" in text
    rows = {line.split("|")[1].strip().strip("*"): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ") and line.count("|") == 6}
    # auc rose from the champion's 0.9956 to 0.997; accuracy fell.
    assert rows["auc"][0] == "0.997" and rows["auc"][1] == "0.9956" and rows["auc"][2].startswith("▲ +0.00134")
    assert rows["auc"][3] == "▲ +0.13%"
    assert rows["accuracy"][2].startswith("▼ -") and rows["accuracy"][3].startswith("▼ -")
    assert "| **l2** (changed) | `1` | `0.01` |" in text
    assert "| `load.data` | 569 | = 0 | same data" in text
    assert "![auc by run](report-auc.svg)" in text
    svg = (project.root / "out" / "report-auc.svg").read_text()
    assert svg.startswith("<svg") and "auc by run" in svg
    assert "wrote out/report.md and out/report-auc.svg" in result.stderr

    report = project.json("report", "latest", "--against", "@champion", "--no-chart")
    auc = next(row for row in report["metrics"] if row["name"] == "auc")
    assert auc["baseline"] == pytest.approx(0.99564, abs=1e-4) and auc["change"] > 0
    assert report["baseline_run"] == project.json("runs")[-1]["id"]

    bad = project.mlp("report", "latest", "--format", "html", check=False)
    assert bad.returncode != 0 and "the report is written as md" in bad.stderr


def test_junit_is_written_when_the_run_is_cancelled_with_ctrl_c(project):
    import signal
    import subprocess
    project.write("mlp.yaml", """
name: slow
steps:
  first: {uses: shell, with: {run: "true"}}
  wait: {uses: shell, needs: [first], with: {run: "sleep 60"}}
  after: {uses: noop, needs: [wait]}
""")
    process = project.start("run", "--junit", "junit.xml")
    try:
        project.wait_for(lambda: any(s["name"] == "wait" and s["status"] == "running"
                                     for s in (project.json("show", "latest").get("steps") or [])) if project.latest_run() else False,
                         timeout=60, what="the slow step to start")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    suite = list(JUnitXml.fromfile(str(project.root / "junit.xml")))[0]
    states = {case.name: outcome(case) for case in suite}
    assert states == {"first": "passed", "wait": "error", "after": "error"} or states == {"first": "passed", "wait": "error", "after": "skipped"}, states
    wait = next(case for case in suite if case.name == "wait")
    assert "interrupted (Ctrl-C)" in wait.result[0].message or "cancel" in wait.result[0].message, wait.result[0].message
    assert suite.errors >= 1 and dict((p.name, p.value) for p in suite.properties())["mlp.status"] == "cancelled"
