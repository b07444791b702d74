#!/usr/bin/env python3
"""Write the CSV reader benchmark's input: a seeded, mixed-type CSV of about SIZE megabytes.

    generate.py OUT.csv [--mb 200] [--seed 42]

Columns (header row, then one row per record, LF line ends):
  id        int, 0, 1, 2, ...
  count     int, uniform in [-1,000,000, 1,000,000)
  price     float, 2 decimals, uniform in [0, 10,000)
  score     float, shortest repr of a normal(0, 1) sample (up to 17 significant digits)
  ratio     float in scientific notation, like 3.1415927e-05
  city      string, one of 40 city names (plain)
  comment   string; about 20% of rows are quoted and hold a comma, and half of those
            also an escaped quote ("" inside the field), the rest are plain words
  flag      int, 0 or 1
Deterministic: the same seed and size give the same bytes (numpy's PCG64 generator).
The file is written to a temp name and renamed, so an interrupted run leaves no half file.
"""

import argparse
import os

import numpy as np

CITIES = ("Amsterdam Berlin Cairo Dakar Edinburgh Florence Geneva Hanoi Istanbul Jakarta Kyoto Lima "
          "Madrid Nairobi Oslo Paris Quito Riga Seoul Tokyo Utrecht Valencia Warsaw Xiamen Yokohama "
          "Zurich Athens Bogota Chicago Dublin Essen Fukuoka Glasgow Havana Izmir Johannesburg Kiev "
          "Lisbon Munich Naples").split()
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def chunk_text(rng, start, n):
    count = rng.integers(-1_000_000, 1_000_000, n)
    price = rng.uniform(0, 10_000, n)
    score = rng.normal(0, 1, n)
    ratio = rng.uniform(0, 1, n) * 10.0 ** rng.integers(-8, 3, n)
    city = rng.integers(0, len(CITIES), n)
    w1, w2 = rng.integers(0, len(WORDS), n), rng.integers(0, len(WORDS), n)
    kind = rng.uniform(0, 1, n)
    flag = rng.integers(0, 2, n)
    lines = []
    for k in range(n):
        a, b = WORDS[w1[k]], WORDS[w2[k]]
        if kind[k] < 0.1:
            comment = '"%s, %s said ""%s"""' % (a, b, a)
        elif kind[k] < 0.2:
            comment = '"%s, %s"' % (a, b)
        else:
            comment = "%s %s" % (a, b)
        lines.append("%d,%d,%.2f,%r,%.7e,%s,%s,%d" % (
            start + k, count[k], price[k], float(score[k]), ratio[k], CITIES[city[k]], comment, flag[k]))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    target = int(a.mb * 1_000_000)
    rng = np.random.default_rng(a.seed)
    tmp = a.out + ".tmp"
    written, rows = 0, 0
    with open(tmp, "w", newline="") as f:
        header = "id,count,price,score,ratio,city,comment,flag\n"
        f.write(header)
        written += len(header)
        while written < target:
            text = chunk_text(rng, rows, 50_000)
            f.write(text)
            written += len(text.encode())
            rows += 50_000
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, a.out)
    print("wrote %s: %d rows, %d bytes" % (a.out, rows, written))


if __name__ == "__main__":
    main()
