"""Writes an ONNX graph computing exactly what an mlp `mlp-softmax-regression/1` model file computes:
softmax(W · ((x - mean) / scale) + b), so the FastAPI + ONNX Runtime baseline serves the same model.

Usage: export_onnx.py MODEL_JSON OUT_ONNX
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(model_path, out_path):
    document = json.loads(open(model_path).read())
    if document.get("format") != "mlp-softmax-regression/1":
        sys.exit(f"{model_path}: format {document.get('format')!r}; this exporter reads mlp-softmax-regression/1 only")
    model = document["model"]
    classes, features = model["classes"], model["features"]
    weights = np.array(model["weights"], dtype=np.float64).reshape(classes, features).T
    bias = np.array(model["bias"], dtype=np.float64)
    means = np.array(model["standardizer"]["means"], dtype=np.float64)
    scales = np.array(model["standardizer"]["scales"], dtype=np.float64)
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
    json.dump({"classes": document["classes"]}, open(out_path + ".classes.json", "w"))


if __name__ == "__main__":
    main(*sys.argv[1:3])
