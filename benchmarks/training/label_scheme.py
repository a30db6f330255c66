"""Which label scheme for "offensive"? A cheap comparison on folds of the training data (never ftp).

    nice -n 10 .venv-train/bin/python benchmarks/training/label_scheme.py features
    nice -n 10 .venv-train/bin/python benchmarks/training/label_scheme.py compare

The public corpora call any profanity "offensive"; our written posts call only abuse aimed at people
"offensive" (concern_data.py, "Label schemes"). Full fine-tuning costs hours on the shared machine, so
the schemes are compared here on the pre-trained encoder's frozen, mean-pooled sentence vectors with a
small shared network on top (384 -> 256 -> 11 outputs, masked and weighted binary cross-entropy, the
same row weights as the real training), 5-fold out of fold. The shared hidden layer stands in for the
shared encoder: a scheme that makes one output fight another shows here too. Thresholds are picked per
label on the out-of-fold predictions by the training script's rule; threshold-free figures (average
precision, ROC AUC) are printed beside them.

`features` caches the vectors in benchmarks/training/out/frozen.npz, keyed by the text's sha1, so a
later run only encodes new rows.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import concern_data as cd  # noqa: E402

CACHE = HERE / "out" / "frozen.npz"


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_cache() -> dict[str, np.ndarray]:
    if not CACHE.exists():
        return {}
    with np.load(CACHE) as z:
        return dict(zip(z["keys"].tolist(), z["vecs"]))


def save_cache(c: dict[str, np.ndarray]) -> None:
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    tmp = CACHE.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(list(c)), vecs=np.stack(list(c.values())).astype(np.float32))
    os.replace(tmp, CACHE)


def features(args) -> None:
    import torch
    from train_concern_model import Tok, base_encoder, encoder_dir, pad
    torch.set_num_threads(args.threads)
    t, _ = cd.build(Path(args.shared), scheme="aux")
    cache = load_cache()
    todo = sorted({x for x in t.texts if key(x) not in cache}, key=len)
    log(f"{len(t.texts)} rows, {len(todo)} to encode")
    if not todo:
        return
    tok = Tok(encoder_dir() / "tokenizer.json", 96)
    enc = base_encoder().eval()
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(todo), 64):
            part = todo[b:b + 64]
            inp, att = pad(tok.ids(part))
            h = enc(input_ids=inp, attention_mask=att).last_hidden_state
            m = att.unsqueeze(-1).float()
            v = ((h * m).sum(1) / m.sum(1)).numpy()
            for x, vec in zip(part, v):
                cache[key(x)] = vec
            if (b // 64) % 40 == 0:
                log(f"{b + len(part)}/{len(todo)} ({(time.time() - t0) / 60:.1f} min)")
                save_cache(cache)
    save_cache(cache)
    log("done")


def fit_predict(Xtr, ytr, mtr, wtr, Xte, seed: int, epochs: int = 30):
    import torch
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(Xtr.shape[1], 256), torch.nn.GELU(),
                              torch.nn.Dropout(0.1), torch.nn.Linear(256, ytr.shape[1]))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=0.01)
    X, Y, M, W = (torch.tensor(a, dtype=torch.float32) for a in (Xtr, ytr, mtr, wtr))
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(X), generator=g).split(128):
            z = net(X[idx])
            lm = M[idx] * W[idx].unsqueeze(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Y[idx], reduction="none")
            loss = (loss * lm).sum() / lm.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return net(torch.tensor(Xte, dtype=torch.float32)).numpy()


def compare(args) -> None:
    import torch
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
    from train_concern_model import pick_threshold, row_weights
    torch.set_num_threads(args.threads)
    cache = load_cache()
    results = {}
    for scheme in args.schemes:
        t, info = cd.build(Path(args.shared), scheme=scheme)
        missing = sum(1 for x in t.texts if key(x) not in cache)
        if missing:
            raise SystemExit(f"{missing} rows have no vector yet: run the features stage")
        X = np.stack([cache[key(x)] for x in t.texts])
        y, mask = t.arrays()
        src, orig = np.array(t.source), np.array(t.orig)
        weight = np.where(src == "written", args.written_weight, 1.0).astype(np.float32)
        fold = cd.folds(t, args.folds, seed=13)
        z = np.zeros_like(y)
        for f in range(args.folds):
            te, tr = fold == f, fold != f
            z[te] = fit_predict(X[tr], y[tr], mask[tr], weight[tr], X[te], seed=13 + f)
        p = 1 / (1 + np.exp(-z))
        tw = row_weights(src, 0.5)
        flags = np.zeros_like(p, dtype=bool)
        for j in range(len(cd.LABELS)):
            k = mask[:, j] == 1
            thr, _ = pick_threshold(p[k, j], y[k, j], tw[k], 1.0)
            flags[:, j] = p[:, j] >= thr
        w, o, d = src == "written", src == "olid", src == "davidson"
        off, dis = cd.L["offensive"], cd.L["discriminatory"]
        clean = w & (y[:, :len(cd.LABELS)].sum(1) == 0)
        od = flags[:, off] | flags[:, dis]
        r = {"rows": len(t.texts),
             "written_offensive_AP": average_precision_score(y[w, off], p[w, off]),
             "written_offensive_P": float(y[w, off][flags[w, off]].mean()),
             "written_offensive_R": float(flags[w, off][y[w, off] == 1].mean()),
             "written_discriminatory_AP": average_precision_score(y[w, dis], p[w, dis]),
             "written_mean_AP_10": float(np.mean([average_precision_score(y[w, j], p[w, j])
                                                  for j in range(len(cd.LABELS))])),
             "written_clean_flagged": float(flags[clean].any(1).mean()),
             "davidson_neither_flagged_off_or_dis": float(od[d & (orig == "neither")].mean()),
             "davidson_hate_flagged_off_or_dis": float(od[d & (orig == "hate")].mean()),
             "olid_macro_f1_off_or_dis": float(f1_score(orig[o] == "OFF", od[o], average="macro")),
             "olid_auc_max_off_dis": float(roc_auc_score(orig[o] == "OFF", np.maximum(p[o, off], p[o, dis])))}
        if scheme != "single":
            aux = cd.A
            k = mask[:, aux] == 1
            thr, _ = pick_threshold(p[k, aux], y[k, aux], np.ones(k.sum()), 1.0)
            fa = p[:, aux] >= thr
            r["olid_macro_f1_aux"] = float(f1_score(orig[o] == "OFF", fa[o], average="macro"))
            r["olid_auc_aux"] = float(roc_auc_score(orig[o] == "OFF", p[o, aux]))
            r["davidson_neither_flagged_aux_or_dis"] = float((fa | flags[:, dis])[d & (orig == "neither")].mean())
            r["davidson_hate_flagged_aux_or_dis"] = float((fa | flags[:, dis])[d & (orig == "hate")].mean())
        results[scheme] = {k_: round(v, 4) if isinstance(v, float) else v for k_, v in r.items()}
        log(scheme, json.dumps(results[scheme]))
    print(json.dumps(results, indent=1))
    out = HERE / "out" / "label_scheme.json"
    out.write_text(json.dumps(results, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=("features", "compare"))
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--written-weight", type=float, default=3.0)
    ap.add_argument("--schemes", nargs="+", default=list(cd.SCHEMES))
    a = ap.parse_args()
    features(a) if a.stage == "features" else compare(a)


if __name__ == "__main__":
    main()
