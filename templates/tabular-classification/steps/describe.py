"""Describes the training split: rows, class balance and the features that separate the classes.

A python step receives a dataset input as an Apache Parquet file (its path in $MLP_INPUT_TRAIN and in
the $MLP_INPUTS JSON), so pandas, pyarrow or DuckDB read it directly; `format: csv` (or jsonl) in
mlp.yaml hands it over as CSV instead. Needs pandas and pyarrow: pip install -r requirements.txt.
"""
import json
import os

import pandas as pd

train = pd.read_parquet(os.environ["MLP_INPUT_TRAIN"])
target = os.environ["MLP_INPUT_TARGET"]

features = train.drop(columns=[target])
classes = train[target]
counts = classes.value_counts().sort_index()
# How far apart the two class means are, in pooled standard deviations (a quick feature ranking).
means = features.groupby(classes).mean()
spread = features.std(ddof=0).replace(0, 1)
separation = ((means.iloc[-1] - means.iloc[0]).abs() / spread).sort_values(ascending=False)

summary = {
    "rows": int(len(train)),
    "features": int(features.shape[1]),
    "classes": {str(label): int(count) for label, count in counts.items()},
    "most_separating": [{"feature": name, "separation": round(float(value), 4)} for name, value in separation.head(5).items()],
}
with open(os.path.join(os.environ["MLP_OUTPUTS"], "summary"), "w") as out:
    json.dump(summary, out, indent=2)
print(f"train split: {summary['rows']} rows, classes {summary['classes']}, "
      f"most separating feature {summary['most_separating'][0]['feature']}")
