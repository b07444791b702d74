"""split: a seeded, stratified train/holdout split.

Inputs  (with:)  data             - dataset (CSV with a header row)
                 target           - label column name
                 holdout_fraction - share of each class held out, 0 < f < 1
                 seed             - integer seed; the same seed gives the same split
Outputs          train, holdout   - dataset: CSVs with the input's header, rows in input order
                 train_rows, holdout_rows - int

Stratified: each class is shuffled and split on its own, so both parts keep the
class balance of the whole (about 37% / 63% for breast_cancer). Standard library only;
`random.Random(seed)` gives the same shuffle on every platform and Python 3 version.
"""

import csv
import random
import sys

from mlp_step import read_inputs, output_path  # shared helpers, listed in mlp.yaml under files:


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main():
    inputs = read_inputs()
    target = inputs.get("target", "target")
    fraction = float(inputs["holdout_fraction"])
    seed = int(inputs["seed"])
    if not 0.0 < fraction < 1.0:
        sys.exit(f"split: holdout_fraction must be between 0 and 1, got {fraction}")

    # Artifact paths have no extension; csv does not care.
    with open(inputs["data"], newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row]
    target_index = header.index(target)

    # Group row indices by class; sorted classes keep the shuffle order deterministic.
    by_class = {}
    for index, row in enumerate(rows):
        by_class.setdefault(row[target_index], []).append(index)

    rng = random.Random(seed)
    holdout = set()
    for label in sorted(by_class):
        indices = by_class[label]
        rng.shuffle(indices)
        # At least one row of each class on each side.
        count = min(max(1, round(len(indices) * fraction)), len(indices) - 1)
        holdout.update(indices[:count])

    train_rows = [row for i, row in enumerate(rows) if i not in holdout]
    holdout_rows = [row for i, row in enumerate(rows) if i in holdout]
    write_csv(output_path("train"), header, train_rows)
    write_csv(output_path("holdout"), header, holdout_rows)
    with open(output_path("train_rows"), "w") as handle:
        handle.write(str(len(train_rows)))
    with open(output_path("holdout_rows"), "w") as handle:
        handle.write(str(len(holdout_rows)))
    print(f"split: seed {seed}: {len(train_rows)} train rows, {len(holdout_rows)} holdout rows")


if __name__ == "__main__":
    main()
