"""`mlp models inspect` on model files written by the reference Python writers (committed fixtures)."""
import struct

from conftest import REPO

FIXTURES = REPO / "Tests" / "MLPModelsTests" / "Fixtures"


def test_inspect_lists_gguf_metadata_and_tensors(project):
    view = project.json("models", "inspect", str(FIXTURES / "python-gguf.gguf"))
    assert view["format"] == "gguf" and view["version"] == 3
    assert view["metadata"]["general.architecture"] == "mlp-test"
    assert view["metadata"]["test.u64"] == "9223372036854775813"  # past 2^53: a string, not a rounded number
    assert [(t["name"], t["dtype"], t["shape"], t["bytes"]) for t in view["tensors"]] == [
        ("f32", "F32", [2, 3], 24), ("f16", "F16", [3], 6), ("i8", "I8", [2, 2], 4), ("q8", "Q8_0", [2, 32], 68)]
    table = project.mlp("models", "inspect", str(FIXTURES / "python-gguf.gguf")).stdout
    assert "q8    Q8_0   [2, 32]  68" in table


def test_inspect_lists_safetensors_tensors(project):
    view = project.json("models", "inspect", str(FIXTURES / "python-numpy.safetensors"))
    assert view["format"] == "safetensors" and view["metadata"]["format"] == "np"
    weight = next(t for t in view["tensors"] if t["name"] == "weight")
    assert (weight["dtype"], weight["shape"], weight["bytes"]) == ("F32", [3, 4], 48)


def test_inspect_says_what_is_wrong_with_a_malformed_file(project):
    path = project.root / "bad.safetensors"
    header = b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}'
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(4))
    result = project.mlp("models", "inspect", str(path), check=False)
    assert result.returncode != 0
    assert "tensor 'a' spans 4 bytes but its shape and dtype need 8" in result.stderr
