#!/usr/bin/env bash
# Creates Benchmarks/.venv-embed (git-ignored) with what reference.py and bench.py need:
# sentence-transformers (and transformers, tokenizers), torch, onnxruntime, onnx, onnxscript
# (torch.onnx.export's exporter), threadpoolctl. Idempotent: a venv that already imports all
# of them is left alone. Prints the venv's python on the last line.
#
# torch: a plain `pip install torch` here resolves to torch 2.15.0 from PyPI, the CUDA 13 build,
# which also pulls triton and 17 nvidia-*/cuda-* wheels (pip install --dry-run, 2026-12-01).
# When pip's find-links holds a CPU-only wheel (this machine has torch-2.13.0+cpu, 192 MB, in
# /opt/wheels) that one is pinned instead; set TORCH_SPEC to override either choice.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${EMBED_VENV:-$here/../.venv-embed}"
python="$venv/bin/python"
imports="import sentence_transformers, transformers, tokenizers, torch, onnxruntime, onnx, onnxscript, threadpoolctl, numpy"

if [[ -x "$python" ]] && "$python" -c "$imports" 2>/dev/null; then
    echo "$python"
    exit 0
fi

python3 -m venv "$venv"
"$python" -m pip install --quiet --upgrade pip >&2

if [[ -z "${TORCH_SPEC:-}" ]]; then
    TORCH_SPEC="torch"
    for dir in $(python3 -m pip config get global.find-links 2>/dev/null || true); do
        cpu_wheel="$(ls "$dir"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
        if [[ -n "$cpu_wheel" ]]; then
            version="$(basename "$cpu_wheel" | cut -d- -f2)"
            TORCH_SPEC="torch==$version"
        fi
    done
fi
echo "setup.sh: installing $TORCH_SPEC (set TORCH_SPEC to choose another)" >&2

# torch first and alone, so that sentence-transformers' own torch requirement is already met
# and pip does not swap in the CUDA build from PyPI.
"$python" -m pip install --quiet "$TORCH_SPEC" >&2
"$python" -m pip install --quiet "$TORCH_SPEC" sentence-transformers tokenizers onnxruntime onnx onnxscript \
    threadpoolctl numpy >&2
"$python" -c "$imports"
echo "$python"
