#!/usr/bin/env python3
"""Accuracy of ONNX Runtime's dynamic int8 quantization settings for all-MiniLM-L6-v2.

Why bench.py's `ort-int8` row quantizes per channel: this compares the cosines (against
sentence-transformers) of quantize_dynamic(weight_type=QInt8) with its defaults,
reduce_range=True, per_channel=True, and both, on the fixture's 64 sentences and on the
first 64 corpus sentences. Run bench.py once first (it exports Benchmarks/results/embed-onnx/model.onnx).

  Benchmarks/.venv-embed/bin/python Benchmarks/embed/int8_variants.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import bench  # sets the thread and offline environment before numpy and torch load
import numpy as np
from onnxruntime.quantization import QuantType, quantize_dynamic

VARIANTS = {
    "defaults (per tensor)": {},
    "reduce_range": {"reduce_range": True},
    "per_channel": {"per_channel": True},
    "per_channel + reduce_range": {"per_channel": True, "reduce_range": True},
}


def main() -> int:
    fp32 = bench.ROOT / "Benchmarks" / "results" / "embed-onnx" / "model.onnx"
    if not fp32.is_file():
        print(f"int8_variants.py: {fp32} not found; run bench.py once to export it", file=sys.stderr)
        return 2
    model_dir = bench.reference.default_model_dir().resolve()
    fixture = bench.reference.FIXTURE_DIR
    fixture_sentences = bench.json.loads((fixture / "sentences.json").read_text(encoding="utf-8"))
    fixture_vectors = np.fromfile(fixture / "embeddings.f32", dtype="<f4").reshape(len(fixture_sentences), -1)
    corpus = (bench.HERE / "sentences.txt").read_text(encoding="utf-8").splitlines()[:64]
    corpus_vectors = bench.reference.encode(bench.reference.load_model(model_dir, bench.THREADS), corpus)

    print("| quantize_dynamic(QInt8, ...) | fixture min | fixture mean | corpus min | corpus mean |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for name, settings in VARIANTS.items():
            path = Path(folder) / "model.int8.onnx"
            quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, **settings)
            candidate = bench.OnnxCandidate(name, path, model_dir, 256)
            on_fixture = bench.cosines(candidate.embed(fixture_sentences), fixture_vectors)
            on_corpus = bench.cosines(candidate.embed(corpus), corpus_vectors)
            print(f"| {name} | {on_fixture.min():.4f} | {on_fixture.mean():.4f} | {on_corpus.min():.4f} | "
                  f"{on_corpus.mean():.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
