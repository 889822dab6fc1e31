"""The Python anchor for bench/serve/run.sh: scikit-learn's HistGradientBoostingClassifier (the
same trees, leaves and learning rate as the Drover GBDT) trained on the same CSV, behind
FastAPI/uvicorn with the same request and answer shape as `drover serve`."""
import sys

import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI, Request
from sklearn.ensemble import HistGradientBoostingClassifier

csv, port, trees = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
frame = pd.read_csv(csv)
label = "churned"
features = [c for c in frame.columns if c != label]
categorical = [c for c in features if not pd.api.types.is_numeric_dtype(frame[c])]
levels = {c: sorted(frame[c].dropna().unique()) for c in categorical}


def encode(rows):
    x = np.empty((len(rows), len(features)))
    for i, row in enumerate(rows):
        for j, c in enumerate(features):
            v = row[c]
            if c in levels:
                x[i, j] = levels[c].index(v) if v in levels[c] else np.nan
            else:
                x[i, j] = np.nan if v is None else float(v)
    return x


model = HistGradientBoostingClassifier(max_iter=trees, max_leaf_nodes=31, learning_rate=0.1,
                                       categorical_features=[c in levels for c in features], random_state=1)
model.fit(encode(frame[features].to_dict("records")), frame[label])
app = FastAPI()


@app.post("/v1/models/churn/predict")
async def predict(request: Request):
    body = await request.json()
    rows = body["rows"]
    proba = model.predict_proba(encode(rows))
    classes = [str(c) for c in model.classes_]
    out = []
    for p in proba:
        k = int(np.argmax(p))
        out.append({"prediction": classes[k], "probability": float(p[k]),
                    "probabilities": {c: float(v) for c, v in zip(classes, p)}})
    return {"model": "churn", "predictions": out}


@app.get("/healthz")
async def healthz():
    return "ok"


uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
