#!/usr/bin/env python3
"""Writes small model files with the reference Python writers, for the Swift readers' interop tests:

- Tests/MLPModelsTests/Fixtures/python-gguf.gguf       (the `gguf` package's GGUFWriter)
- Tests/MLPModelsTests/Fixtures/python-numpy.safetensors (the `safetensors` package's numpy API)

    Benchmarks/.venv-embed/bin/pip install gguf safetensors numpy
    Benchmarks/.venv-embed/bin/python scripts/format_fixtures.py

With --check FILE.gguf it instead reads a GGUF file written by mlp and prints its metadata and tensors
(the reverse direction: mlp's writer read by the reference reader).
"""
import os
import sys

import numpy as np

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Tests", "MLPModelsTests", "Fixtures")


def write_gguf(path):
    import gguf
    writer = gguf.GGUFWriter(path, "mlp-test")
    writer.add_string("general.name", "interop fixture")
    writer.add_uint32("test.u32", 4_000_000_000)
    writer.add_int32("test.i32", -7)
    writer.add_float32("test.f32", 0.5)
    writer.add_float64("test.f64", -2.25)
    writer.add_bool("test.bool", True)
    writer.add_uint64("test.u64", 2 ** 63 + 5)
    writer.add_int8("test.i8", -128)
    writer.add_array("test.strings", ["a", "ß", "漢字", ""])
    writer.add_array("test.ints", [1, 2, 3])
    writer.add_tensor("f32", np.arange(6, dtype=np.float32).reshape(2, 3))
    writer.add_tensor("f16", np.array([1.0, -2.0, 0.25], dtype=np.float16))
    writer.add_tensor("i8", np.array([[-1, 2], [3, -4]], dtype=np.int8))
    # One Q8_0 row of 32 values: scale 0.5 (f16 0x3800) then the quants -16..15.
    block = np.frombuffer(np.float16(0.5).tobytes() + np.arange(-16, 16, dtype=np.int8).tobytes(), dtype=np.uint8)
    writer.add_tensor("q8", np.stack([block, block]), raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_safetensors(path):
    from safetensors.numpy import save_file
    save_file({
        "weight": np.arange(12, dtype=np.float32).reshape(3, 4),
        "bias": np.array([0.5, -1.5], dtype=np.float16),
        "ids": np.array([1, 2, 3], dtype=np.int64),
        "scalar": np.array(3.0, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }, path, metadata={"format": "np", "source": "scripts/format_fixtures.py"})


def check_gguf(path):
    import gguf
    reader = gguf.GGUFReader(path)
    for field in reader.fields.values():
        if field.name.startswith("GGUF."):
            continue
        print("kv", field.name, [field.parts[i].tolist() for i in field.data][:4])
    for tensor in reader.tensors:
        print("tensor", tensor.name, tensor.tensor_type.name, list(tensor.shape), tensor.n_bytes, tensor.data.flatten()[:4].tolist())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check_gguf(sys.argv[2])
    else:
        write_gguf(os.path.join(FIXTURES, "python-gguf.gguf"))
        write_safetensors(os.path.join(FIXTURES, "python-numpy.safetensors"))
        print("wrote", FIXTURES)
