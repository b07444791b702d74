"""`mlp quantize` and `mlp embed` on the real all-MiniLM-L6-v2 (scripts/fetch-model.sh puts it in
.cache/models; MLP_MINILM_DIR overrides). Skipped when the model is absent. The embeddings are
checked against sentence-transformers' reference in Tests/MLPModelsTests/Fixtures/embeddings."""
import json
import math
import os
import struct
from pathlib import Path

import pytest

from conftest import REPO

FIXTURE = REPO / "Tests" / "MLPModelsTests" / "Fixtures" / "embeddings"
MODEL = Path(os.environ.get("MLP_MINILM_DIR") or REPO / ".cache" / "models" / "all-MiniLM-L6-v2")
WIDTH = 384

pytestmark = pytest.mark.skipif(not (MODEL / "model.safetensors").exists(), reason="all-MiniLM-L6-v2 not fetched (scripts/fetch-model.sh)")


def reference(count):
    sentences = json.loads((FIXTURE / "sentences.json").read_text())[:count]
    raw = (FIXTURE / "embeddings.f32").read_bytes()
    values = struct.unpack(f"<{len(sentences) * WIDTH}f", raw[: len(sentences) * WIDTH * 4])
    return sentences, [values[i * WIDTH:(i + 1) * WIDTH] for i in range(len(sentences))]


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def read_npy(path):
    data = Path(path).read_bytes()
    assert data[:6] == b"\x93NUMPY" and data[6:8] == b"\x01\x00"
    length = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + length].decode()
    assert (10 + length) % 64 == 0 and "'descr': '<f4'" in header and "'fortran_order': False" in header
    shape = tuple(int(x) for x in header.split("'shape': (")[1].split(")")[0].split(",") if x.strip())
    values = struct.unpack(f"<{shape[0] * shape[1]}f", data[10 + length:])
    return shape, [values[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]


def test_embed_folder_f32_prints_json_lines_matching_sentence_transformers(project):
    sentences, expected = reference(4)
    out = project.mlp("embed", "--model", str(MODEL), "--threads", "2", *sentences).stdout.splitlines()
    assert len(out) == 4
    for i, line in enumerate(out):
        row = json.loads(line)
        assert row["index"] == i and len(row["embedding"]) == WIDTH
        assert cosine(row["embedding"], expected[i]) >= 0.9999


def test_quantize_then_embed_the_gguf_file(project):
    sentences, expected = reference(8)
    project.write("sentences.txt", "\n".join(sentences) + "\n")
    report = project.json("quantize", str(MODEL), "--to", "q8_0", "-o", "minilm-q8_0.gguf", "--eval", "sentences.txt", "--threads", "2")
    gguf = project.root / "minilm-q8_0.gguf"
    assert gguf.exists() and report["output_bytes"] == gguf.stat().st_size
    # The matmul weights (42.5 MB in f32) shrink to about a quarter; the f32 word embeddings (47 MB) stay.
    assert report["output_bytes"] < report["source_bytes"] * 0.7
    assert report["quantized_tensors"] == 36
    assert report["eval"]["sentences"] == 8 and report["eval"]["min_cosine"] >= 0.995
    assert not [p for p in project.root.iterdir() if p.name.endswith(".tmp")], "the atomic write left its temporary file"

    project.mlp("embed", "--model", "minilm-q8_0.gguf", "--file", "sentences.txt", "--threads", "2", "-o", "q8.npy")
    shape, rows = read_npy(project.root / "q8.npy")
    assert shape == (8, WIDTH)
    assert min(cosine(row, ref) for row, ref in zip(rows, expected)) >= 0.995

    wrong = project.mlp("embed", "--model", "minilm-q8_0.gguf", "--dtype", "q4_0", "hello", check=False)
    assert wrong.returncode != 0 and "holds q8_0 weights" in wrong.stderr


def test_embed_says_what_is_wrong_with_a_missing_or_malformed_model(project):
    missing = project.mlp("embed", "--model", "nowhere", "hello", check=False)
    assert missing.returncode != 0 and "no such file or folder" in missing.stderr
    project.write("broken.gguf", "this is not a model")
    broken = project.mlp("embed", "--model", "broken.gguf", "hello", check=False)
    assert broken.returncode != 0 and "not a GGUF file" in broken.stderr
    (project.root / "empty").mkdir()
    empty = project.mlp("embed", "--model", "empty", "hello", check=False)
    assert empty.returncode != 0 and "no config.json" in empty.stderr
