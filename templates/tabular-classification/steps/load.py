"""load: check the raw CSV and hand it to the pipeline as a `dataset` artifact.

Inputs  (with:)  path    - CSV file, relative to the project folder
                 target  - name of the label column (must hold only 0 and 1)
Outputs          data    - dataset: the CSV, byte for byte (so its digest is the file's)
                 rows    - int: number of data rows
                 columns - json: the feature column names, in file order

Checking here, before anything trains, turns a broken file into one clear error
("row 17, column mean_area: 'n/a' is not a number") instead of a stack trace three
steps later. Uses only the Python standard library.
"""

import csv
import json
import math
import shutil
import sys

from mlp_step import read_inputs, output_path  # shared helpers, listed in mlp.yaml under files:


def fail(message):
    sys.exit(f"load: {message}")


def main():
    inputs = read_inputs()
    source = inputs["path"]
    target = inputs.get("target", "target")

    with open(source, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            fail(f"{source} is empty")
        if target not in header:
            fail(f"{source} has no column {target!r} (columns: {', '.join(header)})")
        if len(set(header)) != len(header):
            fail(f"{source} has duplicate column names")
        target_index = header.index(target)

        rows = 0
        counts = {0: 0, 1: 0}
        for line_number, row in enumerate(reader, start=2):  # line 1 is the header
            if not row:
                continue  # tolerate a trailing blank line
            if len(row) != len(header):
                fail(f"{source}:{line_number}: {len(row)} fields, expected {len(header)}")
            for column, text in zip(header, row):
                try:
                    value = float(text)
                except ValueError:
                    fail(f"{source}:{line_number}: column {column}: {text!r} is not a number")
                if not math.isfinite(value):
                    fail(f"{source}:{line_number}: column {column}: {text!r} is not finite")
            label = float(row[target_index])
            if label not in (0.0, 1.0):
                fail(f"{source}:{line_number}: {target} is {row[target_index]!r}, expected 0 or 1")
            counts[int(label)] += 1
            rows += 1

    if min(counts.values()) < 2:
        fail(f"need at least two rows of each class, got {counts}")

    shutil.copyfile(source, output_path("data"))
    with open(output_path("rows"), "w") as handle:
        handle.write(str(rows))
    with open(output_path("columns"), "w") as handle:
        json.dump([c for c in header if c != target], handle)
    print(f"load: {source}: {rows} rows, {len(header) - 1} features, "
          f"class counts 0={counts[0]} 1={counts[1]}")


if __name__ == "__main__":
    main()
