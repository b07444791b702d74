"""connector/sqlite → validate → split through the built binary: a failed check lists every broken rule."""
import sqlite3

PIPELINE = """
name: shop
steps:
  load: {uses: connector/sqlite, with: {path: data/shop.sqlite, query: "SELECT id, age, plan FROM customers ORDER BY id"}}
  check: {uses: validate, with: {data: "${{ steps.load.outputs.data }}", schema: schema.yaml}}
  split: {uses: split, with: {data: "${{ steps.check.outputs.data }}", holdout_fraction: 0.25, seed: 1}}
"""


def make_database(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE customers (id INTEGER PRIMARY KEY, age INTEGER, plan TEXT);
            INSERT INTO customers VALUES (1, 34, 'pro'), (2, NULL, 'free'), (3, 151, 'gold'), (4, 40, 'team');
        """)


def test_a_broken_schema_fails_the_run_naming_every_rule_then_passes_once_fixed(project):
    make_database(project.root / "data" / "shop.sqlite")
    project.write("mlp.yaml", PIPELINE)
    project.write("schema.yaml", "rows: {min: 5}\ncolumns:\n  age: {nullable: false, max: 130}\n  plan: {allowed: [free, pro, team]}\n")
    failed = project.mlp("run", check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    for line in ["4 schema rules are violated",
                 "dataset: rows.min: has 4 rows, fewer than the minimum 5",
                 "column 'age': nullable: nulls are not allowed — 1 row, e.g. row 1 = null",
                 "column 'age': max: values above the maximum 130 — 1 row, e.g. row 2 = 151",
                 "column 'plan': allowed: values outside the allowed set [free, pro, team] — 1 row, e.g. row 2 = gold"]:
        assert line in failed.stdout, failed.stdout

    project.write("schema.yaml", "rows: {min: 4}\ncolumns:\n  id: {type: int, nullable: false, unique: true}\n  age: {min: 0, max: 200}\n")
    passed = project.mlp("run")
    assert "succeeded" in passed.stdout, passed.stdout
    run = project.json("show", "latest")
    steps = {s["name"]: s for s in run["steps"]}
    assert steps["load"]["status"] == "cached"   # the database did not change
    assert steps["check"]["status"] == "succeeded" and steps["split"]["status"] == "succeeded"
