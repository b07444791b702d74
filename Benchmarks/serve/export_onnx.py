"""Writes an ONNX graph computing exactly what an mlp logistic (softmax-regression) model computes:
softmax(W · ((x - mean) / scale) + b), so the FastAPI + ONNX Runtime baseline serves the same model.

Reads either layout mlp writes: a model artifact folder (model.json card + model.safetensors,
kind `softmax-regression`) or the earlier single JSON file (format `mlp-softmax-regression/1`).

Usage: export_onnx.py MODEL OUT_ONNX
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def read_safetensors(path):
    """The F64 tensors of a safetensors file, by name (lengths checked against the file)."""
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        sys.exit(f"{path}: header length {length} runs past the end of the file")
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F64":
            continue
        begin, end = entry["data_offsets"]
        if not 0 <= begin <= end <= len(body) or end - begin != 8 * int(np.prod(entry["shape"], dtype=np.int64)):
            sys.exit(f"{path}: tensor {name} has offsets {begin}..{end}, which do not fit its shape or the file")
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f8").reshape(entry["shape"])
    return tensors


def load(model_path):
    """(class labels, weights [features, classes], bias, means, scales) of a softmax-regression model."""
    if os.path.isdir(model_path):
        card = json.loads(open(os.path.join(model_path, "model.json")).read())
        if card.get("kind") != "softmax-regression":
            sys.exit(f"{model_path}: kind {card.get('kind')!r}; this exporter reads softmax-regression only")
        tensors = read_safetensors(os.path.join(model_path, "model.safetensors"))
        standardize = card["preprocessing"]["standardize"]
        return (card["classes"], tensors["weight"].T, tensors["bias"], tensors[standardize["mean"]], tensors[standardize["scale"]])
    document = json.loads(open(model_path).read())
    if document.get("format") != "mlp-softmax-regression/1":
        sys.exit(f"{model_path}: format {document.get('format')!r}; this exporter reads mlp-softmax-regression/1 only")
    model = document["model"]
    weights = np.array(model["weights"], dtype=np.float64).reshape(model["classes"], model["features"]).T
    return (document["classes"], weights, np.array(model["bias"], dtype=np.float64),
            np.array(model["standardizer"]["means"], dtype=np.float64), np.array(model["standardizer"]["scales"], dtype=np.float64))


def main(model_path, out_path):
    labels, weights, bias, means, scales = load(model_path)
    features, classes = weights.shape
    initializers = [numpy_helper.from_array(a, name) for a, name in
                    [(means, "means"), (scales, "scales"), (weights, "weights"), (bias, "bias")]]
    nodes = [
        helper.make_node("Sub", ["features", "means"], ["centred"]),
        helper.make_node("Div", ["centred", "scales"], ["standardised"]),
        helper.make_node("MatMul", ["standardised", "weights"], ["product"]),
        helper.make_node("Add", ["product", "bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "mlp_softmax_regression",
        [helper.make_tensor_value_info("features", TensorProto.DOUBLE, [None, features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.DOUBLE, [None, classes])],
        initializers)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, out_path)
    json.dump({"classes": labels}, open(out_path + ".classes.json", "w"))


if __name__ == "__main__":
    main(*sys.argv[1:3])
