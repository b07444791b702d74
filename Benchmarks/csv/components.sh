#!/usr/bin/env bash
# The connector/csv step's MLPData parts timed apart (CSVReader.read, Profile, DatasetFile.write), with
# MLPData's own sources compiled by swiftc -O next to components_main.swift (no SwiftPM, no MLPCore):
#
#   Benchmarks/csv/components.sh [REV] [CSV]     # REV: a git revision to build instead of the work tree
#
# Prints one line per round: wall and CPU seconds of each part. Needs swiftc on PATH and the input
# file (run.sh makes it).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$(dirname "$HERE")")"
REV="${1:-}"
CSV="${2:-$HERE/data/mixed-200mb-seed42.csv}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FILES="$(cd "$REPO" && { if [[ -n "$REV" ]]; then git ls-tree -r --name-only "$REV" Sources/MLPData; else git ls-files Sources/MLPData; fi; } \
  | grep -E '^Sources/MLPData/(CSV/.*|Dataset/(Column|Dataset|StringBuffer|SystemCalls)|Checks/Profile|Format/.*)\.swift$')"
mkdir -p "$WORK/src"
for f in $FILES; do
  if [[ -n "$REV" ]]; then git -C "$REPO" show "$REV:$f" > "$WORK/src/$(basename "$f")"; else cp "$REPO/$f" "$WORK/src/"; fi
done
cp "$HERE/components_main.swift" "$WORK/main.swift"  # top-level code must be in main.swift
swiftc -O -module-name MLPData "$WORK"/src/*.swift "$WORK/main.swift" -o "$WORK/components"
echo "# ${REV:-work tree}: $(uptime)"
"$WORK/components" "$CSV"
