#!/usr/bin/env python3
"""pandas side of the CSV benchmark: `pandas.read_csv(PATH, engine=ENGINE)` timed inside this process
(after `import pandas`), otherwise defaults (type inference). Prints one JSON line.

    pandas_read.py PATH            the C engine (pandas' default); text columns are pandas 3's `str`
                                   dtype, stored in pyarrow arrays when pyarrow is installed (it is here)
    pandas_read.py PATH c-python   the C engine with `mode.string_storage = "python"`: `str` columns of
                                   Python strings, as pandas stores them when pyarrow is not installed
    pandas_read.py PATH pyarrow    engine="pyarrow" (pyarrow's multithreaded reader; pyarrow is imported
                                   with pandas, before the timed read)
"""

import json
import sys
import time

t = time.perf_counter()
import pandas as pd  # noqa: E402

engine = sys.argv[2] if len(sys.argv) > 2 else "c"
if engine == "pyarrow":
    import pyarrow.csv  # noqa: E402,F401
if engine == "c-python":
    pd.set_option("mode.string_storage", "python")
import_s = time.perf_counter() - t


def pyarrow_version():
    try:
        import pyarrow
        return pyarrow.__version__
    except ImportError:
        return None


path = sys.argv[1]
t = time.perf_counter()
df = pd.read_csv(path, engine="c" if engine == "c-python" else engine)
read_s = time.perf_counter() - t
print(json.dumps({"read_s": read_s, "import_s": import_s, "rows": len(df), "columns": len(df.columns),
                  "dtypes": {c: str(d) for c, d in df.dtypes.items()}, "pandas_version": pd.__version__, "engine": engine,
                  "pyarrow_version": pyarrow_version()}))
