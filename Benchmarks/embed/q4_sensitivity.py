#!/usr/bin/env python3
"""Which matmul weights of all-MiniLM-L6-v2 lose the most accuracy in Q4_0.

Simulates mlp's quantized forward pass in numpy (numpy_bert.py's encoder): each chosen matmul
weight is quantized and dequantized with mlp's own C quantizer (Sources/CKernels/quant.c, built
here into a temporary shared library with `cc`), and the activations entering every quantized
matmul are rounded to Q8_0 blocks as the kernels do. Scores the embeddings of the fixture's
sentences against sentence-transformers' (Tests/MLPModelsTests/Fixtures/embeddings): min and mean
cosine. Needs numpy and a C compiler.

  python3 Benchmarks/embed/q4_sensitivity.py                    # all Q4_0, then each kind kept at Q8_0
  python3 Benchmarks/embed/q4_sensitivity.py --keep output.dense,attention.output.dense
  python3 Benchmarks/embed/q4_sensitivity.py --sentences 32     # faster, first 32 fixture sentences
"""

from __future__ import annotations

import argparse
import ctypes
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import numpy_bert
from numpy_bert import read_safetensors

ROOT = Path(__file__).resolve().parent.parent.parent
KINDS = ["attention.self.query", "attention.self.key", "attention.self.value",
         "attention.output.dense", "intermediate.dense", "output.dense"]


def load_quantizer(build: Path) -> ctypes.CDLL:
    """mlp's quantizers, compiled from Sources/CKernels into a shared library."""
    source = ROOT / "Sources" / "CKernels"
    library = build / "libckquant.so"
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-I", str(source / "include"),
                    str(source / "quant.c"), str(source / "half.c"), str(source / "cpu.c"), "-o", str(library)], check=True)
    return ctypes.CDLL(str(library))


def round_trip(lib: ctypes.CDLL, w: np.ndarray, dtype: str) -> np.ndarray:
    """w quantized to Q8_0 or Q4_0 by mlp's quantizer and dequantized by mlp's dequantizer."""
    w = np.ascontiguousarray(w, dtype=np.float32)
    count = w.size
    block_bytes = 34 if dtype == "q8_0" else 18
    packed = np.zeros(count // 32 * block_bytes, dtype=np.uint8)
    out = np.zeros(count, dtype=np.float32)
    pointer = ctypes.c_void_p
    quantize = lib.ck_quantize_row_q8_0 if dtype == "q8_0" else lib.ck_quantize_row_q4_0
    dequantize = lib.ck_dequantize_row_q8_0 if dtype == "q8_0" else lib.ck_dequantize_row_q4_0
    quantize(w.ctypes.data_as(pointer), packed.ctypes.data_as(pointer), ctypes.c_int64(count))
    dequantize(packed.ctypes.data_as(pointer), out.ctypes.data_as(pointer), ctypes.c_int64(count))
    return out.reshape(w.shape)


def q8_activations(x: np.ndarray) -> np.ndarray:
    """x rounded as the kernels quantize activations: Q8_0 blocks of 32, d = max|x| / 127 (f16)."""
    n, k = x.shape
    blocks = x.reshape(n, k // 32, 32)
    d = (np.abs(blocks).max(-1, keepdims=True) / 127).astype(np.float16).astype(np.float32)
    inverse = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    return (np.clip(np.rint(blocks * inverse), -127, 127) * d).reshape(n, k)


def embed(w: dict[str, np.ndarray], ids: list[int], quantized: set[str]) -> np.ndarray:
    """numpy_bert's forward pass in the weights' dtype, with the inputs of the `quantized` linear
    layers rounded as the kernels quantize activations."""
    return numpy_bert.embed(w, ids, activations=lambda x, name: q8_activations(x) if name in quantized else x, float64=False)


def score(weights, lib, token_ids, expected, keep: list[str]) -> tuple[float, float]:
    """Min and mean cosine with every matmul weight in Q4_0 except the kinds in `keep` (Q8_0)."""
    w = dict(weights)
    quantized = set()
    for i in range(6):
        for kind in KINDS:
            name = f"encoder.layer.{i}.{kind}"
            w[name + ".weight"] = round_trip(lib, weights[name + ".weight"], "q8_0" if kind in keep else "q4_0")
            quantized.add(name)
    cosines = np.array([float(embed(w, ids, quantized) @ expected[s]) for s, ids in enumerate(token_ids)])
    return float(cosines.min()), float(cosines.mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / ".cache" / "models" / "all-MiniLM-L6-v2")
    parser.add_argument("--fixture", type=Path, default=ROOT / "Tests" / "MLPModelsTests" / "Fixtures" / "embeddings")
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--keep", help="comma-separated kinds kept at Q8_0 (one configuration); default: the sweep")
    args = parser.parse_args()

    weights = {k: v.astype(np.float32) for k, v in read_safetensors(args.model / "model.safetensors").items() if v.dtype != np.int64}
    token_ids = json.loads((args.fixture / "token_ids.json").read_text())
    expected = np.fromfile(args.fixture / "embeddings.f32", dtype="<f4").reshape(len(token_ids), -1)
    token_ids = token_ids[:args.sentences]
    configurations = [args.keep.split(",")] if args.keep else [[]] + [[kind] for kind in KINDS]
    with tempfile.TemporaryDirectory() as build:
        lib = load_quantizer(Path(build))
        print(f"| kept at Q8_0 (rest Q4_0) | min cosine | mean cosine |  ({len(token_ids)} fixture sentences)")
        print("|---|---:|---:|")
        for keep in configurations:
            low, mean = score(weights, lib, token_ids, expected, keep)
            print(f"| {', '.join(keep) or '(none)'} | {low:.4f} | {mean:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
