"""One clinical head with a sub-kind classifier (shipped) against one binary head per kind (max of
them), on the cached features (run train_heads.py first). Thresholds for both are chosen the same way
on out-of-fold training scores; the dev split is only measured.

    .venv/bin/python benchmarks/vision/compare_heads.py
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from train_heads import FEATURES, TARGET_PRECISION, oof_scores, platt, read_manifest, threshold_for  # noqa: E402


def fit_binary(Z, y, fold, C):
    from sklearn.linear_model import LogisticRegression
    s = oof_scores(Z, y, fold, C)
    a, b = platt(s, y)
    t = threshold_for(1 / (1 + np.exp(-(a * s + b))), y, TARGET_PRECISION)
    m = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(Z, y)
    return m, a, b, t


def main() -> None:
    rows = read_manifest()
    with np.load(FEATURES, allow_pickle=False) as z:
        feats = {str(f): i for i, f in enumerate(z["files"])}
        X = np.array(z["feats"], dtype=np.float32)
    X = X[[feats[r["file"]] for r in rows]]
    train = np.array([r["split"] == "train" for r in rows])
    mean, scale = X[train].mean(0), X[train].std(0) + 1e-3
    Z = (X - mean) / scale
    tr = [r for r, t in zip(rows, train) if t]
    dv = [r for r, t in zip(rows, train) if not t]
    fold = np.array([int(hashlib.sha1((r["source"] + r["path"].rsplit("/", 1)[-1].split(".rf.")[0]).encode())
                         .hexdigest(), 16) % 5 for r in tr])
    y_dev = np.array([r["label"] == "clinical" for r in dv])

    def report(name, pred):
        tp = int((pred & y_dev).sum())
        fp = int((pred & ~y_dev).sum())
        fn = int((~pred & y_dev).sum())
        print(f"{name:34} precision {tp / max(tp + fp, 1):.2f} recall {tp / max(tp + fn, 1):.2f} "
              f"(tp {tp}, fp {fp}, fn {fn})")
        for k in sorted({r["kind"] for r in dv if r["label"] == "clinical"}):
            idx = np.array([r["kind"] == k for r in dv])
            print(f"    {k:10} recall {int(pred[idx].sum())}/{int(idx.sum())}")

    y = np.array([r["label"] == "clinical" for r in tr], dtype=int)
    m, a, b, t = fit_binary(Z[train], y, fold, 0.003)
    p = 1 / (1 + np.exp(-(a * m.decision_function(Z[~train]) + b)))
    report("one head (shipped design)", p >= t)
    preds = []
    for k in sorted({r["kind"] for r in tr if r["label"] == "clinical"}):
        yk = np.array([r["label"] == "clinical" and r["kind"] == k for r in tr], dtype=int)
        mk, ak, bk, tk = fit_binary(Z[train], yk, fold, 0.003)
        preds.append(1 / (1 + np.exp(-(ak * mk.decision_function(Z[~train]) + bk))) >= tk)
    report("one head per kind (any fires)", np.any(preds, axis=0))


if __name__ == "__main__":
    main()
