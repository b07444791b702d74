#!/usr/bin/env bash
# The main job end to end on the embedded default (SQLite metadata, local artifacts, local
# executor): scaffold a project from the tabular-classification template and run its pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
mlp="${MLP:-$PWD/.build/debug/mlp}"
demo="${DEMO_DIR:-$PWD/demo}"

rm -rf "$demo"
"$mlp" init "$demo" --template tabular-classification
cd "$demo"
"$mlp" validate
echo
echo "The pipeline ends at an approval gate whose rule (accuracy >= 0.9 and auc >= 0.95) approves it"
echo "automatically when the model is good enough; the run below says so when it happens."
echo
"$mlp" run
echo
"$mlp" show latest
echo
"$mlp" lineage "$("$mlp" artifacts --json | python3 -c 'import json,sys; a=json.load(sys.stdin); print(next(x["digest"] for x in a if x["type"]=="model"))')"
echo
# The hint must work as printed: `mlp` when the one on PATH is this build's, else the binary's full path.
if [ "$(command -v mlp 2>/dev/null || true)" = "$mlp" ] || [ "$(readlink -f "$(command -v mlp 2>/dev/null || echo /nonexistent)")" = "$(readlink -f "$mlp")" ]; then
    cli=mlp
else
    cli="$(printf %q "$mlp")"
    echo "(mlp is not on your PATH: \`make install\` puts it in ~/.local/bin; until then use the full path below)"
fi
echo "demo project: $demo — try (every step of the second run is a cache hit):"
echo "  cd $(printf %q "$demo") && $cli runs && $cli show latest --explain-cache && $cli run"
