#!/usr/bin/env bash
# The main job end to end on the embedded default (SQLite metadata, local artifacts, local
# executor): scaffold a project from the tabular-classification template and run its pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
mlp="${MLP:-$PWD/.build/debug/mlp}"
demo="${DEMO_DIR:-$PWD/demo}"

# The template's python step (describe) reads its split with pandas.read_parquet. A python3 without
# pandas and pyarrow (Debian's own, which pip may not touch) gets a venv that has them, made once in
# the git-ignored .venv-demo, and the steps use it through MLP_PYTHON.
if [ -z "${MLP_PYTHON:-}" ] && ! python3 -c 'import pandas, pyarrow' 2>/dev/null; then
    venv="$PWD/.venv-demo"
    if ! "$venv/bin/python" -c 'import pandas, pyarrow' 2>/dev/null; then
        echo "making $venv with pandas and pyarrow for the template's python step (once)"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q pandas pyarrow
    fi
    export MLP_PYTHON="$venv/bin/python"
fi

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
