#!/usr/bin/env python3
"""pandas side of the CSV benchmark: `pandas.read_csv(PATH)` timed inside this process (after
`import pandas`), defaults (the C engine, type inference). Prints one JSON line."""

import json
import sys
import time

t = time.perf_counter()
import pandas as pd  # noqa: E402

import_s = time.perf_counter() - t
path = sys.argv[1]
t = time.perf_counter()
df = pd.read_csv(path)
read_s = time.perf_counter() - t
print(json.dumps({"read_s": read_s, "import_s": import_s, "rows": len(df), "columns": len(df.columns),
                  "dtypes": {c: str(d) for c, d in df.dtypes.items()}, "pandas_version": pd.__version__}))
