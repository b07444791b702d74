"""Fits scikit-learn's HistGradientBoostingClassifier (defaults, random_state=0) on NAME_train.csv
and scores NAME_test.csv: prints fit seconds (the fit call only) and test accuracy.

usage: python sklearn_fit.py DATA_DIR NAME [NAME...]
"""
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier


def load(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(int)


folder = sys.argv[1]
for name in sys.argv[2:]:
    x_train, y_train = load(os.path.join(folder, f"{name}_train.csv"))
    x_test, y_test = load(os.path.join(folder, f"{name}_test.csv"))
    model = HistGradientBoostingClassifier(random_state=0)
    started = time.perf_counter()
    model.fit(x_train, y_train)
    seconds = time.perf_counter() - started
    accuracy = float((model.predict(x_test) == y_test).mean())
    print(f"sklearn {sklearn.__version__} {name}: rows {len(y_train)}, fit_seconds {seconds:.3f}, "
          f"iterations {model.n_iter_}, test accuracy {accuracy:.4f}")
