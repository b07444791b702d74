#!/usr/bin/env python3
"""Export scikit-learn's bundled toy datasets to plain CSV files.

The `tabular-classification` template ships a copy of the breast_cancer dataset so
that a new project runs offline, with nothing but python3 installed. This script is
how that copy was made; run it again to regenerate it byte for byte.

scikit-learn is only needed here, never by the templates themselves:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python scripts/export_datasets.py                  # the template's CSV
    /tmp/skl/bin/python scripts/export_datasets.py OUT_DIR              # every dataset into OUT_DIR
    /tmp/skl/bin/python scripts/export_datasets.py OUT_DIR wine digits  # just these two

Each CSV has a header row of snake_case column names, the feature columns in
scikit-learn's order, and a last column `target`. A column whose values are all
integral is written as integers; any other column is written with Python's shortest
round-trip float repr, so the files are exact and stable across platforms.
"""

import argparse
import csv
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_CSV = REPO_ROOT / "templates" / "tabular-classification" / "data" / "breast_cancer.csv"

# name -> (loader function name in sklearn.datasets, extra keyword arguments)
DATASETS = {
    # 569 x 30 floats, target 0 = malignant, 1 = benign (scikit-learn's encoding).
    "breast_cancer": ("load_breast_cancer", {}),
    # 1797 x 64 pixel intensities (0..16), target is the digit 0..9.
    "digits": ("load_digits", {}),
    # 178 x 13 floats, target is the cultivar 0..2.
    "wine": ("load_wine", {}),
    # 442 x 10, target is a disease progression score; unscaled, original units.
    "diabetes": ("load_diabetes", {"scaled": False}),
}


def snake_case(name: str) -> str:
    """'mean concave points' -> 'mean_concave_points', 'od280/od315_of_...' -> 'od280_od315_of_...'."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def column_formatter(values):
    """How to write one column: as integers when every value in it is integral (digits'
    pixels, class labels), otherwise every value as repr(float), e.g. "1001.0" — so that
    a column's type reads the same from its first row as from its last."""
    numbers = [float(v) for v in values]
    if all(n.is_integer() and abs(n) < 2**53 for n in numbers):
        return lambda v: str(int(float(v)))
    return lambda v: repr(float(v))


def export(name: str, path: Path) -> None:
    import sklearn.datasets  # imported lazily so `--help` works without scikit-learn

    loader_name, kwargs = DATASETS[name]
    bunch = getattr(sklearn.datasets, loader_name)(**kwargs)
    feature_names = [snake_case(str(n)) for n in bunch.feature_names]
    if len(set(feature_names)) != len(feature_names):
        sys.exit(f"{name}: feature names collide after snake_casing: {feature_names}")

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(feature_names + ["target"])
        formats = [column_formatter(bunch.data[:, j]) for j in range(bunch.data.shape[1])]
        formats.append(column_formatter(bunch.target))
        for row, target in zip(bunch.data, bunch.target):
            writer.writerow([fmt(v) for fmt, v in zip(formats, list(row) + [target])])
    print(f"wrote {path} ({len(bunch.data)} rows x {len(feature_names)} features)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", type=Path,
                        help="folder to write <name>.csv into; without it, only the template's "
                             "breast_cancer.csv is (re)written")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"datasets to export into OUT_DIR (default: all of {', '.join(sorted(DATASETS))})")
    args = parser.parse_args()

    if args.out_dir is None:
        export("breast_cancer", TEMPLATE_CSV)
        return
    unknown = [n for n in args.names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(sorted(DATASETS))}")
    for name in args.names or sorted(DATASETS):
        export(name, args.out_dir / f"{name}.csv")


if __name__ == "__main__":
    main()
