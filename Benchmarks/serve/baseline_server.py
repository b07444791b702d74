"""The baseline: the same tabular model (exported to ONNX by export_onnx.py) behind FastAPI and ONNX
Runtime, answering the same Open Inference Protocol infer request as `mlp serve` (JSON in, label and
probabilities out), so wrk sends both servers identical bytes.

Run: MODEL_ONNX=model.onnx uvicorn baseline_server:app --port PORT
"""
import json
import os

import numpy as np
import onnxruntime
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

MODEL = os.environ["MODEL_ONNX"]
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = 1
session = onnxruntime.InferenceSession(MODEL, options, providers=["CPUExecutionProvider"])
classes = json.loads(open(MODEL + ".classes.json").read())["classes"]
app = FastAPI()


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    try:
        body = json.loads(await request.body())
        tensor = body["inputs"][0]
        features = np.asarray(tensor["data"], dtype=np.float64).reshape(tensor["shape"])
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise HTTPException(status_code=400, detail=str(error))
    probabilities = session.run(None, {"features": features})[0]
    labels = [classes[i] for i in probabilities.argmax(axis=1)]
    return JSONResponse({
        "model_name": name, "model_version": "1", "id": body.get("id"),
        "outputs": [
            {"name": "label", "shape": [len(labels)], "datatype": "BYTES", "data": labels},
            {"name": "probabilities", "shape": list(probabilities.shape), "datatype": "FP64", "data": probabilities.ravel().tolist()},
        ],
    })
