#!/usr/bin/env python3
"""all-MiniLM-L6-v2's forward pass written out in numpy, checked against the fixture.

An executable spec of what the Swift encoder computes, independent of torch and
sentence-transformers: it reads model.safetensors with its own (bounds-checked) parser, runs
the BERT encoder on the fixture's token ids, mean-pools, L2-normalises, and compares each
embedding with the fixture's (which sentence-transformers wrote). Needs only numpy.

  python3 Benchmarks/embed/numpy_bert.py            # model from .cache/models/all-MiniLM-L6-v2
  python3 Benchmarks/embed/numpy_bert.py --model DIR --fixture Tests/MLPModelsTests/Fixtures/embeddings

Exits non-zero when any cosine is below --min-cosine (default 0.99999).

The computation, per sentence of n tokens (ids from the fixture; token_type_ids all 0):
  x = LayerNorm(word[ids] + position[0:n] + token_type[0])                eps 1e-12
  6 times:  q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv               [n, 384] each
            12 heads of 32: a = softmax(q_h k_h^T / sqrt(32)) v_h        (no mask: one sentence)
            x = LayerNorm(x + concat(a) Wo^T + bo)
            x = LayerNorm(x + gelu(x Wi^T + bi) Wout^T + bout)              gelu(t) = t/2 (1 + erf(t/sqrt 2))
  embedding = mean over the n tokens of x, divided by its L2 norm
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "I64": (np.int64, 8)}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor in a safetensors file, with the header's sizes and offsets checked."""
    data = path.read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors header length")
    (header_len,) = struct.unpack_from("<Q", data, 0)
    if header_len > len(data) - 8:
        raise ValueError(f"{path}: header length {header_len} runs past the end of the {len(data)}-byte file")
    header = json.loads(data[8:8 + header_len])
    body = memoryview(data)[8 + header_len:]
    tensors, spans = {}, []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = math.prod(entry["shape"])
        if not 0 <= begin <= end <= len(body) or end - begin != count * size:
            raise ValueError(f"{path}: tensor {name} has offsets {begin}..{end} for {count} x {size} bytes "
                             f"in a {len(body)}-byte body")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(entry["shape"])
    spans.sort()
    for (_, end, name), (begin, _, other) in zip(spans, spans[1:]):
        if begin < end:
            raise ValueError(f"{path}: tensors {name} and {other} overlap")
    return tensors


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26), enough next to float32 rounding."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def embed(weights: dict[str, np.ndarray], ids: list[int], layers: int = 6, heads: int = 12,
          activations=None, float64: bool = True) -> np.ndarray:
    """The L2-normalised mean-pooled embedding of one sentence's token ids, in float64 (or in the
    weights' own dtype when `float64` is false). `activations(x, name)`, when given, replaces the
    input of each linear layer `name` (q4_sensitivity.py rounds it as the kernels quantize it)."""
    w = {k: v.astype(np.float64, copy=False) for k, v in weights.items() if v.dtype != np.int64} if float64 else weights

    def linear(x, prefix):
        if activations is not None:
            x = activations(x, prefix)
        return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]

    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    for i in range(layers):
        p = f"encoder.layer.{i}."
        hidden = x.shape[1]
        size = hidden // heads
        q, k, v = (linear(x, p + f"attention.self.{m}").reshape(n, heads, size).transpose(1, 0, 2)
                   for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        context = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        attended = linear(context.transpose(1, 0, 2).reshape(n, hidden), p + "attention.output.dense")
        x = layer_norm(x + attended, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        inner = gelu(linear(x, p + "intermediate.dense"))
        x = layer_norm(x + linear(inner, p + "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def main() -> int:
    parser = argparse.ArgumentParser(description="numpy forward pass of all-MiniLM-L6-v2, checked against the fixture")
    parser.add_argument("--model", type=Path, default=ROOT / ".cache" / "models" / "all-MiniLM-L6-v2")
    parser.add_argument("--fixture", type=Path, default=ROOT / "Tests" / "MLPModelsTests" / "Fixtures" / "embeddings")
    parser.add_argument("--min-cosine", type=float, default=0.99999)
    args = parser.parse_args()

    if not (args.model / "model.safetensors").is_file():
        print(f"numpy_bert.py: {args.model / 'model.safetensors'} not found; run scripts/fetch-model.sh first",
              file=sys.stderr)
        return 2
    weights = read_safetensors(args.model / "model.safetensors")
    token_ids = json.loads((args.fixture / "token_ids.json").read_text())
    expected = np.fromfile(args.fixture / "embeddings.f32", dtype="<f4").reshape(len(token_ids), -1)
    # Cast the weights once, not per sentence.
    weights = {k: v.astype(np.float64) for k, v in weights.items() if v.dtype != np.int64}
    cosines = np.array([float(embed(weights, ids) @ expected[i].astype(np.float64)) for i, ids in enumerate(token_ids)])
    worst = int(cosines.argmin())
    print(f"{len(cosines)} sentences: cosine with sentence-transformers min {cosines.min():.8f} (sentence {worst}, "
          f"{len(token_ids[worst])} tokens), mean {cosines.mean():.8f}")
    return 0 if cosines.min() >= args.min_cosine else 1


if __name__ == "__main__":
    sys.exit(main())
