#!/usr/bin/env python3
"""Side-by-side speed and accuracy of all-MiniLM-L6-v2 embeddings on the CPU.

Candidates, all on the same sentences, batch 32, 2 threads:
  torch          sentence-transformers `model.encode(batch_size=32)`, fp32 (also the reference)
  ort-fp32       the BERT exported to ONNX (torch.onnx.export), `tokenizers` + ONNX Runtime +
                 mean pooling + L2 normalisation in numpy
  ort-int8       the same ONNX model through `onnxruntime.quantization.quantize_dynamic`
                 (QInt8 weights, one scale per output channel; activations quantized dynamically)
  ort-int8-per-tensor  the same with quantize_dynamic's defaults (one scale per weight tensor)
  mlp-f32/q8_0/q4_0  the `mlp embed` binary (MLP_EMBED_CMD below), one process per run

Every candidate runs once untimed (warm-up; its embeddings are the ones scored), then REPS
timed repetitions, interleaved (torch, ort-fp32, ..., torch, ort-fp32, ...) so that all see
the same machine load. Accuracy: cosine of each sentence's embedding with
sentence-transformers', min and mean. Speed: sentences per second from the median time.

Usage:
  Benchmarks/embed/setup.sh    # once: makes Benchmarks/.venv-embed
  Benchmarks/.venv-embed/bin/python Benchmarks/embed/bench.py [--reps 5] [--mlp PATH]
Markdown on stdout, progress on stderr, raw samples in Benchmarks/results/embed.json.
"""

from __future__ import annotations

import os
import sys

THREADS = 2
BATCH_SIZE = 32

# The mlp command, one template: {mlp} the binary, {model} the model folder, {dtype} f32|q8_0|q4_0,
# {batch}, {threads}, {sentences} the text file (one sentence a line). Override with the
# MLP_EMBED_CMD environment variable. If the template contains {out}, the embeddings are read
# from that .npy file; otherwise from stdout as JSON lines {"index": i, "embedding": [...]}.
MLP_EMBED_CMD = os.environ.get(
    "MLP_EMBED_CMD",
    "{mlp} embed --model {model} --dtype {dtype} --batch {batch} --threads {threads} --file {sentences}",
)
MLP_DTYPES = ("f32", "q8_0", "q4_0")

# Set before numpy, torch or onnxruntime load their thread pools.
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_name] = str(THREADS)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
# OpenBLAS tuning variables set by the machine's environment would pin numpy's (and mlp's)
# OpenBLAS to a core type; the benchmark measures the defaults, so they are removed here only.
UNSET_FOR_BENCH = {name: os.environ.pop(name) for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ}

import argparse
import json
import platform
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import reference  # noqa: E402  (after the environment is set)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] load {os.getloadavg()[0]:.2f}  {message}", file=sys.stderr, flush=True)


def length_order(sentences: list[str]) -> list[int]:
    """Indices longest-first, as sentence-transformers orders a batch run (less padding)."""
    return sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))


class TorchCandidate:
    """sentence-transformers on torch, fp32."""

    name = "torch"

    def __init__(self, model_dir: Path):
        import torch

        torch.set_num_threads(THREADS)
        self.model = reference.load_model(model_dir, threads=THREADS)
        self.description = f"sentence-transformers {reference.versions()['sentence_transformers']}, torch {torch.__version__}, fp32"

    def embed(self, sentences: list[str]) -> np.ndarray:
        return reference.encode(self.model, sentences, BATCH_SIZE)


class OnnxCandidate:
    """The exported BERT in ONNX Runtime; tokenization, pooling and normalisation outside it."""

    def __init__(self, name: str, onnx_path: Path, model_dir: Path, max_seq_length: int):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_seq_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.description = f"onnxruntime {ort.__version__}, {onnx_path.name}"

    def embed(self, sentences: list[str]) -> np.ndarray:
        out = np.empty((len(sentences), reference.EMBEDDING_DIM), dtype=np.float32)
        order = length_order(sentences)
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            encodings = self.tokenizer.encode_batch([sentences[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


def export_onnx(model, model_dir: Path, folder: Path) -> tuple[Path, dict[str, Path], dict]:
    """model.onnx (fp32) of the sentence-transformer's BERT, and its dynamic QInt8 quantizations.

    Two int8 models: weights quantized per output channel (`per_channel=True`), and with
    quantize_dynamic's defaults (one scale per weight tensor), which on this AVX2 machine
    (no VNNI) lose much more accuracy (see README.md).

    An earlier export in `folder` is reused when it was made from the same weights by the same
    torch and onnxruntime (recorded in made-from.json)."""
    import onnx
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder.mkdir(parents=True, exist_ok=True)
    fp32, stamp = folder / "model.onnx", folder / "made-from.json"
    int8 = {"ort-int8": folder / "model.int8-per-channel.onnx", "ort-int8-per-tensor": folder / "model.int8-per-tensor.onnx"}
    settings = {"ort-int8": {"per_channel": True}, "ort-int8-per-tensor": {}}
    source = {"model_sha256": reference.file_sha256(model_dir / "model.safetensors"),
              "torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "opset": 17,
              "int8": {name: str(kwargs) for name, kwargs in settings.items()}}
    info = {"exporter": f"torch.onnx.export (TorchScript exporter, opset 17), torch {torch.__version__}",
            "quantizer": {name: f"onnxruntime.quantization.quantize_dynamic(weight_type=QuantType.QInt8, "
                                f"{', '.join(f'{k}={v}' for k, v in kwargs.items()) or 'defaults'})"
                          for name, kwargs in settings.items()}}
    paths = [fp32, *int8.values()]
    if stamp.is_file() and all(p.is_file() for p in paths) and json.loads(stamp.read_text()) == source:
        return fp32, int8, info | {"reused": str(stamp), "bytes": {p.name: p.stat().st_size for p in paths}}
    stamp.unlink(missing_ok=True)

    class LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    bert = model[0].auto_model.eval()
    example = reference.tokenize(model, ["An example sentence to trace the model.", "Another, a little longer, for a batch of two."])
    args = (example["input_ids"], example["attention_mask"], example["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"last_hidden_state": {0: "batch", 1: "sequence"}}
    started = time.perf_counter()
    with torch.no_grad():
        torch.onnx.export(LastHidden(bert), args, str(fp32), input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    onnx.checker.check_model(str(fp32))
    exported = time.perf_counter() - started
    started = time.perf_counter()
    for name, path in int8.items():
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, **settings[name])
    quantized = time.perf_counter() - started
    reference.write_atomically(stamp, json.dumps(source).encode())
    return fp32, int8, info | {"export_s": exported, "quantize_s": quantized,
                               "bytes": {p.name: p.stat().st_size for p in paths}}


class MlpCandidate:
    """One `mlp embed` process per run; its wall time includes start-up and model loading."""

    def __init__(self, binary: Path, model_dir: Path, dtype: str, sentence_file: Path, workdir: Path):
        self.name = f"mlp-{dtype}"
        self.binary, self.model_dir, self.dtype, self.sentence_file = binary, model_dir, dtype, sentence_file
        self.workdir = workdir
        self.description = f"{binary.name} embed --dtype {dtype}, process wall time"

    def command(self, sentence_file: Path, out: Path) -> list[str]:
        text = MLP_EMBED_CMD.format(mlp=shlex.quote(str(self.binary)), model=shlex.quote(str(self.model_dir)),
                                    dtype=self.dtype, batch=BATCH_SIZE, threads=THREADS,
                                    sentences=shlex.quote(str(sentence_file)), out=shlex.quote(str(out)))
        return shlex.split(text)

    def run(self, sentence_file: Path, count: int) -> np.ndarray:
        out = self.workdir / f"{self.name}.npy"
        out.unlink(missing_ok=True)
        done = subprocess.run(self.command(sentence_file, out), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-600:]}")
        if "{out}" in MLP_EMBED_CMD:
            vectors = np.load(out).astype(np.float32)
        else:
            vectors = np.full((count, reference.EMBEDDING_DIM), np.nan, dtype=np.float32)
            for line in done.stdout.splitlines():
                if line.strip():
                    record = json.loads(line)
                    vectors[int(record["index"])] = record["embedding"]
        if vectors.shape != (count, reference.EMBEDDING_DIM) or not np.all(np.isfinite(vectors)):
            raise RuntimeError(f"expected {count} embeddings of {reference.EMBEDDING_DIM} floats, "
                               f"got shape {vectors.shape} with missing or non-finite values")
        return vectors

    def embed(self, sentences: list[str]) -> np.ndarray:
        return self.run(self.sentence_file, len(sentences))


def mlp_candidates(binary_arg: str | None, model_dir: Path, sentence_file: Path, workdir: Path, sentences: list[str]):
    """The mlp rows that can run, and a message for each that cannot."""
    skipped = {}
    binary = Path(binary_arg or os.environ.get("MLP") or ROOT / ".build" / "release" / "mlp")
    if not binary.is_file() or not os.access(binary, os.X_OK):
        message = f"no mlp binary at {binary} (build it with `swift build -c release` or pass --mlp PATH / MLP=PATH)"
        return [], {f"mlp-{d}": message for d in MLP_DTYPES}, None
    # Copy the binary so that a rebuild during the run cannot change what is measured.
    copy = workdir / "mlp"
    shutil.copy2(binary, copy)
    probe = subprocess.run([str(copy), "embed", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        message = f"`{binary} embed --help` failed (exit {probe.returncode}): the embed subcommand is missing? " \
                  f"{(probe.stderr or probe.stdout).strip()[-300:]}"
        return [], {f"mlp-{d}": message for d in MLP_DTYPES}, str(binary)
    candidates = []
    probe_file = workdir / "probe.txt"
    probe_file.write_text("\n".join(sentences[:2]) + "\n", encoding="utf-8")
    for dtype in MLP_DTYPES:
        candidate = MlpCandidate(copy, model_dir, dtype, sentence_file, workdir)
        try:
            candidate.run(probe_file, 2)
            candidates.append(candidate)
        except Exception as error:  # noqa: BLE001 - reported as the row's reason
            skipped[candidate.name] = f"`{' '.join(candidate.command(probe_file, workdir / 'probe.npy'))}` failed: {error}"
    return candidates, skipped, str(binary)


def startup_seconds(candidate: MlpCandidate, sentences: list[str], reps: int) -> float:
    """Median wall time of `mlp embed` on one sentence: process start-up plus model loading."""
    one = candidate.workdir / "one.txt"
    one.write_text(sentences[0] + "\n", encoding="utf-8")
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        candidate.run(one, 1)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cosines(candidate: np.ndarray, reference_vectors: np.ndarray) -> np.ndarray:
    a = candidate / np.linalg.norm(candidate, axis=1, keepdims=True)
    b = reference_vectors / np.linalg.norm(reference_vectors, axis=1, keepdims=True)
    return np.sum(a.astype(np.float64) * b.astype(np.float64), axis=1)


def machine_info() -> dict:
    cpu = platform.processor()
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu in ("", platform.machine()):
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1]
    except OSError:
        pass
    simd = [f for f in ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f" {f} " in f" {flags} "]
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "simd": simd, "platform": platform.platform(),
            "python": sys.version.split()[0]}


def kernel_info() -> dict:
    """What numpy's and torch's kernels are (threadpoolctl, torch's own report)."""
    import onnxruntime as ort
    import threadpoolctl
    import torch

    return {
        "threadpoolctl": threadpoolctl.threadpool_info(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
        "torch_parallel_info": torch.__config__.parallel_info(),
        "onnxruntime": ort.__version__,
        "onnxruntime_providers": ort.get_available_providers(),
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "unset_for_benchmark": UNSET_FOR_BENCH,
    }


def markdown(result: dict) -> str:
    lines = [
        f"all-MiniLM-L6-v2, {result['sentences']} sentences, batch {BATCH_SIZE}, {THREADS} threads, "
        f"median of {result['reps']} interleaved repetitions ({result['date']})",
        f"CPU: {result['machine']['cpu']} ({result['machine']['logical_cpus']} logical); "
        f"load average before {result['load_before'][0]:.2f}, after {result['load_after'][0]:.2f}",
        "",
        "| candidate | sentences/s | median s | min s | max s | min cosine | mean cosine |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(f"| {row['name']} | {row['sentences_per_s']:.1f} | {row['median_s']:.3f} | {min(row['samples_s']):.3f} "
                     f"| {max(row['samples_s']):.3f} | {row['cosine_min']:.6f} | {row['cosine_mean']:.6f} |")
        if "startup_s" in row:
            lines.append(f"| {row['name']} without start-up ({row['startup_s']:.3f} s) | "
                         f"{row['sentences_per_s_without_startup']:.1f} | | | | | |")
    for name, reason in result["skipped"].items():
        lines.append(f"| {name} | skipped: {reason} | | | | | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="all-MiniLM-L6-v2 embeddings: torch vs ONNX Runtime vs mlp")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions per candidate (default 5, at least 3)")
    parser.add_argument("--sentences", type=Path, default=HERE / "sentences.txt")
    parser.add_argument("--limit", type=int, help="use only the first N sentences (a quicker run; reported)")
    parser.add_argument("--model", type=Path, help="model folder (default: scripts/fetch-model.sh's)")
    parser.add_argument("--mlp", help="mlp binary (default $MLP or .build/release/mlp)")
    parser.add_argument("--no-mlp", action="store_true", help="run the Python baselines only")
    parser.add_argument("--out", type=Path, default=ROOT / "Benchmarks" / "results" / "embed.json")
    args = parser.parse_args()
    if args.reps < 3:
        parser.error("--reps must be at least 3 (medians of fewer say little)")

    sentences = [line for line in args.sentences.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit is not None:
        if args.limit < 1:
            parser.error("--limit must be at least 1")
        sentences = sentences[:args.limit]
    model_dir = (args.model or reference.default_model_dir()).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="mlp-embed-bench-"))
    sentence_file = workdir / "sentences.txt"
    sentence_file.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    load_before = os.getloadavg()
    log(f"{len(sentences)} sentences, model {model_dir}, unset for the benchmark: {sorted(UNSET_FOR_BENCH) or 'none'}")

    started = time.perf_counter()
    torch_candidate = TorchCandidate(model_dir)
    load_s = {"torch": time.perf_counter() - started}
    onnx_dir = ROOT / "Benchmarks" / "results" / "embed-onnx"
    fp32_path, int8_paths, onnx_info = export_onnx(torch_candidate.model, model_dir, onnx_dir)
    log(f"ONNX models in {onnx_dir}: {onnx_info['bytes']}")
    candidates: list = [torch_candidate]
    max_len = int(torch_candidate.model.max_seq_length)
    for name, path in [("ort-fp32", fp32_path), *int8_paths.items()]:
        started = time.perf_counter()
        candidates.append(OnnxCandidate(name, path, model_dir, max_len))
        load_s[name] = time.perf_counter() - started

    skipped: dict[str, str] = {}
    mlp_binary = None
    if args.no_mlp:
        skipped = {f"mlp-{d}": "--no-mlp" for d in MLP_DTYPES}
    else:
        found, skipped, mlp_binary = mlp_candidates(args.mlp, model_dir, sentence_file, workdir, sentences)
        candidates += found
    for name, reason in skipped.items():
        log(f"skipping {name}: {reason}")

    outputs, samples = {}, {c.name: [] for c in candidates}
    for c in candidates:
        log(f"warm-up {c.name}")
        outputs[c.name] = c.embed(sentences)
    reference_vectors = outputs["torch"]
    loads = []
    for rep in range(args.reps):
        for c in candidates:
            loads.append(os.getloadavg()[0])
            begin = time.perf_counter()
            c.embed(sentences)
            samples[c.name].append(time.perf_counter() - begin)
            log(f"rep {rep + 1}/{args.reps} {c.name}: {samples[c.name][-1]:.3f} s")

    rows = []
    for c in candidates:
        cos = cosines(outputs[c.name], reference_vectors)
        median = statistics.median(samples[c.name])
        row = {"name": c.name, "description": c.description, "samples_s": samples[c.name], "median_s": median,
               "sentences_per_s": len(sentences) / median, "cosine_min": float(cos.min()),
               "cosine_mean": float(cos.mean()), "worst_sentence": sentences[int(cos.argmin())]}
        if c.name in load_s:
            row["load_s"] = load_s[c.name]
        if isinstance(c, MlpCandidate):
            row["startup_s"] = startup_seconds(c, sentences, 3)
            row["sentences_per_s_without_startup"] = len(sentences) / max(median - row["startup_s"], 1e-9)
        rows.append(row)

    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "sentences": len(sentences), "sentence_file": str(args.sentences), "reps": args.reps,
        "batch_size": BATCH_SIZE, "threads": THREADS, "model_dir": str(model_dir),
        "model_sha256": reference.model_digests(model_dir), "versions": reference.versions(),
        "machine": machine_info(), "kernels": kernel_info(), "onnx": onnx_info,
        "mlp_binary": mlp_binary, "mlp_command_template": MLP_EMBED_CMD,
        "load_before": load_before, "load_after": os.getloadavg(), "load_1min_during": loads,
        "rows": rows, "skipped": skipped,
    }
    reference.write_atomically(args.out, (json.dumps(result, indent=2) + "\n").encode())
    shutil.rmtree(workdir, ignore_errors=True)
    print(markdown(result))
    log(f"raw samples in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
