#!/usr/bin/env python3
"""pandas side of the CSV benchmark: `pandas.read_csv(PATH, engine=ENGINE)` timed inside this process
(after `import pandas`), otherwise defaults (type inference). ENGINE is `c` (pandas' default C parser)
unless given: `pandas_read.py PATH pyarrow` reads with pyarrow's multithreaded CSV reader (pyarrow is
imported with pandas, before the timed read). Prints one JSON line."""

import json
import sys
import time

t = time.perf_counter()
import pandas as pd  # noqa: E402

engine = sys.argv[2] if len(sys.argv) > 2 else "c"
if engine == "pyarrow":
    import pyarrow.csv  # noqa: E402,F401
import_s = time.perf_counter() - t


def pyarrow_version():
    try:
        import pyarrow
        return pyarrow.__version__
    except ImportError:
        return None


path = sys.argv[1]
t = time.perf_counter()
df = pd.read_csv(path, engine=engine)
read_s = time.perf_counter() - t
print(json.dumps({"read_s": read_s, "import_s": import_s, "rows": len(df), "columns": len(df.columns),
                  "dtypes": {c: str(d) for c, d in df.dtypes.items()}, "pandas_version": pd.__version__, "engine": engine,
                  "pyarrow_version": pyarrow_version()}))
