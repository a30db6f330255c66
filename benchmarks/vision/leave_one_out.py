"""Which added clinical source moves the clinical head's dev false alarms (a diagnostic, not a tuning
step: nothing here is shipped or chooses a setting).

    nice -n 10 .venv/bin/python benchmarks/vision/leave_one_out.py

Refits the clinical head alone, by train_heads.py's own recipe (C by out-of-fold recall at the
threshold, Platt scaling, threshold for out-of-fold precision 0.95), on the training split with each
source of CLINICAL_ONLY left out in turn, and counts from the cached features the dev pictures it flags
among black-and-white photos, pages of text and charts, and its recall on the fetal dev frames. The
page guard of image_content.judge is not applied (head alone).
"""
from __future__ import annotations

import hashlib
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import train_heads as th  # noqa: E402


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    rows = th.read_manifest()
    data = th.extract(rows, HERE / "images", th.FP32)
    train = np.array([r["split"] == "train" for r in rows])
    X = data["feats"]
    Z = (X - X[train].mean(0)) / (X[train].std(0) + 1e-3)
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["split"] != "dev":
            continue
        if r["label"] == "negative" and r["transform"] == "grey":
            groups.setdefault("black-and-white photos", []).append(i)
        elif r["label"] == "negative" and r["kind"] in ("page", "chart"):
            groups.setdefault(r["kind"] + "s", []).append(i)
        elif r["label"] == "clinical" and "FETAL-ABNORMALITY" in r["source"]:
            groups.setdefault("fetal dev (recall)", []).append(i)
    added = sorted(th.CLINICAL_ONLY)
    for k in range(len(added) + 1):
        for out in combinations(added, k):
            idx = np.array([i for i, t in enumerate(train) if t and rows[i]["source"].split("@")[0] not in out])
            trows = [rows[i] for i in idx]
            y = np.array([r["label"] == "clinical" for r in trows], dtype=int)
            fold = np.array([int(hashlib.sha1(th.fold_key(r).encode()).hexdigest(), 16) % 5 for r in trows])
            C, _auc, _s, a, b, _prob, t = th.choose_c(Z[idx], y, fold)
            m = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(Z[idx], y)
            p = 1 / (1 + np.exp(-(a * m.decision_function(Z) + b)))
            flagged = ", ".join(f"{g} {int((p[v] >= t).sum())}/{len(v)}" for g, v in sorted(groups.items()))
            name = "without " + " and ".join(s.split("/")[-1] for s in out) if out else "all sources"
            print(f"{name}: C={C} threshold={t}; {flagged}", flush=True)


if __name__ == "__main__":
    main()
