"""Script steps and datasets (issue 18): a python step receives a dataset input as Parquet (or CSV /
JSON lines with `format:`), reads it with pandas, and a dataset it writes in any of these formats
is stored as a dataset artifact that a later step consumes with equal values."""
import json
import math

import pandas as pd

CSV = """id,score,name,ok
1,0.5,ann,true
2,,"b, c",false
3,2.25,,true
4,-1e-05,dora,false
5,1e+20,"say ""hi"" ok",true
"""

PIPELINE = """name: exchange
steps:
  load: {uses: connector/csv, with: {path: data.csv}}

  # Parquet by default: pandas.read_parquet; written back as Parquet.
  parquet:
    uses: python
    with:
      data: ${{ steps.load.outputs.data }}
      code: |
        import os, pandas as pd
        frame = pd.read_parquet(os.environ["MLP_INPUT_DATA"])
        assert list(frame.columns) == ["id", "score", "name", "ok"], list(frame.columns)
        frame.to_parquet(os.path.join(os.environ["MLP_OUTPUTS"], "copy.parquet"), index=False)
    outputs: {copy: dataset}

  csv:
    uses: python
    format: csv
    with:
      data: ${{ steps.load.outputs.data }}
      code: |
        import os, pandas as pd
        path = os.environ["MLP_INPUT_DATA"]
        assert path.endswith(".csv"), path
        pd.read_csv(path).to_csv(os.path.join(os.environ["MLP_OUTPUTS"], "copy.csv"), index=False)
    outputs: {copy: dataset}

  jsonl:
    uses: python
    format: {data: jsonl}
    with:
      data: ${{ steps.load.outputs.data }}
      code: |
        import json, os, pandas as pd
        path = json.load(open(os.environ["MLP_INPUTS"]))["data"]
        frame = pd.read_json(path, lines=True)
        frame.to_json(os.path.join(os.environ["MLP_OUTPUTS"], "copy.jsonl"), orient="records", lines=True)
    outputs: {copy: dataset}

  # Each copy comes back as a dataset artifact, handed over as Parquet again.
  consume:
    uses: python
    with:
      original: ${{ steps.load.outputs.data }}
      from_parquet: ${{ steps.parquet.outputs.copy }}
      from_csv: ${{ steps.csv.outputs.copy }}
      from_jsonl: ${{ steps.jsonl.outputs.copy }}
      code: |
        import json, os, pandas as pd
        names = ["original", "from_parquet", "from_csv", "from_jsonl"]
        frames = {name: pd.read_parquet(os.environ["MLP_INPUT_" + name.upper()]) for name in names}
        out = {name: json.loads(frame.to_json(orient="split", index=False)) for name, frame in frames.items()}
        json.dump(out, open(os.path.join(os.environ["MLP_OUTPUTS"], "frames"), "w"))
    outputs: {frames: json}
"""


def same(left, right):
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is None and right is None
        return math.isclose(left, right, rel_tol=1e-12, abs_tol=0)
    return left == right


def test_a_python_step_reads_parquet_csv_and_json_lines_and_writes_each_back(project):
    project.write("data.csv", CSV)
    project.write("mlp.yaml", PIPELINE)
    project.mlp("validate")
    result = project.mlp("run", timeout=300)
    assert "succeeded" in result.stdout, result.stdout + result.stderr
    show = project.json("show", "latest")
    steps = {s["name"]: s for s in show["steps"]}
    for name in ("parquet", "csv", "jsonl"):
        assert steps[name]["status"] == "succeeded"
        assert steps[name]["outputs"]["copy"]["type"] == "dataset", steps[name]["outputs"]

    expected = pd.read_csv(project.root / "data.csv")
    want = json.loads(expected.to_json(orient="split", index=False))
    frames = steps["consume"]["outputs"]["frames"]
    for name, frame in frames.items():
        assert frame["columns"] == ["id", "score", "name", "ok"], (name, frame["columns"])
        assert len(frame["data"]) == len(want["data"]) == 5, name
        for got_row, want_row in zip(frame["data"], want["data"]):
            assert all(same(g, w) for g, w in zip(got_row, want_row)), (name, got_row, want_row)

    # One converted file per dataset digest and format under .mlp/exchange, nothing left half-written.
    exchange = sorted(p.name for p in (project.root / ".mlp" / "exchange").iterdir())
    assert all(not name.endswith(".tmp") for name in exchange), exchange
    assert sum(name.endswith(".csv") for name in exchange) == 1 and sum(name.endswith(".jsonl") for name in exchange) == 1
    # Each copy read back to the very dataset loaded (same types, same values): one artifact, one Parquet file.
    digests = {steps[name]["outputs"]["copy"]["artifact"] for name in ("parquet", "csv", "jsonl")}
    assert digests == {steps["load"]["outputs"]["data"]["artifact"]}, digests
    assert sum(name.endswith(".parquet") for name in exchange) == 1, exchange

    # Cached as a whole the second time; asking for another format runs the step again.
    again = project.mlp("run", timeout=300)
    assert "0 ran" in again.stdout, again.stdout
    project.write("mlp.yaml", PIPELINE.replace("format: csv", "format: jsonl").replace('assert path.endswith(".csv"), path', "pass")
                  .replace("pd.read_csv(path)", "pd.read_json(path, lines=True)"))
    project.mlp("run", timeout=300)
    explained = project.mlp("show", "latest", "--explain-cache").stdout
    assert "format of dataset input 'data' changed: csv → jsonl" in explained, explained

    # `mlp gc` drops copies whose dataset is gone and leftovers of a killed conversion; the rest stay.
    folder = project.root / ".mlp" / "exchange"
    kept = sorted(p.name for p in folder.iterdir())
    (folder / ("0" * 64 + ".parquet")).write_bytes(b"PAR1")
    (folder / ("0" * 64 + ".csv.123.tmp")).write_bytes(b"id")
    project.mlp("gc", "--min-age", "0")
    assert sorted(p.name for p in folder.iterdir()) == kept


def test_an_unknown_format_and_an_unreadable_output_are_located_errors(project):
    project.write("data.csv", CSV)
    text = PIPELINE.replace("format: csv", "format: xlsx")
    project.write("mlp.yaml", text)
    line = text.splitlines().index("    format: xlsx") + 1
    validated = project.mlp("validate", check=False)
    assert validated.returncode != 0
    assert f"mlp.yaml:{line}:13" in validated.stderr and "'xlsx' is not a dataset format" in validated.stderr, validated.stderr

    project.write("mlp.yaml", """name: broken
steps:
  load: {uses: connector/csv, with: {path: data.csv}}
  bad:
    uses: python
    with:
      data: ${{ steps.load.outputs.data }}
      code: |
        import os
        open(os.path.join(os.environ["MLP_OUTPUTS"], "copy.jsonl"), "w").write('{"a": 1}\\n{"a": \\n')
    outputs: {copy: dataset}
""")
    failed = project.mlp("run", check=False, timeout=300)
    assert failed.returncode != 0
    error = next(s for s in project.json("show", "latest")["steps"] if s["name"] == "bad")["error"]
    assert "output 'copy' (dataset)" in error and "copy.jsonl" in error and "line 2" in error, error


def test_the_tabular_template_describes_its_split_with_pandas_read_parquet(project):
    project.mlp("init", "app", "--template", "tabular-classification")
    app = project.root / "app"
    assert "pd.read_parquet(os.environ[\"MLP_INPUT_TRAIN\"])" in (app / "steps" / "describe.py").read_text()
    project.mlp("run", "--project", str(app), timeout=300)
    steps = {s["name"]: s for s in project.json("show", "latest", "--project", str(app))["steps"]}
    summary = steps["describe"]["outputs"]["summary"]
    # 569 rows, 20% of each class held out: 170 + 286 train rows.
    assert summary["rows"] == 456 and summary["classes"] == {"0": 170, "1": 286} and summary["features"] == 30, summary
    assert len(summary["most_separating"]) == 5
