"""Which addition of the fifth data round moves which dev figure (a diagnostic after the decision, not
a tuning step: nothing here is shipped or chooses a setting).

    nice -n 10 .venv/bin/python benchmarks/vision/round5_ablation.py

Refits the clinical and uniform heads by train_heads.py's own recipe (standardisation on the training
rows used, C by out-of-fold recall at the threshold, Platt scaling, the same thresholds rule) on the
shipped training rows (the manifest without BUSI and the fetal frames) plus the fifth round's
additions, each addition left out in turn, and counts from the int8 network's cached features: on
the old dev rows the clinical and uniform false alarms and misses, and the rule's false alarms on
black-and-white photos, pages and charts; on the new dev rows the false alarms on film prints and
the recall on screen, print, periapical and skin pictures. Heads alone (no page guard).
Rows per head follow train_heads' current LOOK_HEADS and in_head: since the sixth round the film copies are
clinical negatives only, so a re-run no longer prints round 5's figures (those were with film teaching the
uniform head too; they are in the model card), and the sixth round's film:1 rows count as "film".
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import train_heads as th  # noqa: E402

NOT_SHIPPED = ("TongxinWang0405/BMI702_project", "Shirxcl/FETAL-ABNORMALITY")
SKIN = ("s0hrbeck/projectspring2024", "poopiboi/Iguana_PIDS", "andreea-mitco/Project_data_science_queen_snakes")


def addition(r: dict) -> str:
    """Which addition a row belongs to ('' for the shipped rows)."""
    if r["source"].split(":", 1)[-1].split("@")[0] in SKIN:
        return "skin"
    look = r["transform"].split(":", 1)[0]
    if look == "film":
        return "film"
    if look in ("screen", "print"):
        return "screen/print"
    if look == "periapical":
        return "periapical"
    return ""


def fit(name: str, Z: np.ndarray, trows: list[dict], idx: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    keep = np.array([th.in_head(name, r) for r in trows])
    sub = idx[keep]
    rows_k = [r for r, k in zip(trows, keep) if k]
    y = np.array([r["label"] == name for r in rows_k], dtype=int)
    fold = np.array([int(hashlib.sha1(th.fold_key(r).encode()).hexdigest(), 16) % 5 for r in rows_k])
    C, _auc, _s, a, b, _prob, t = th.choose_c(Z[sub], y, fold, th.PREVALENCE.get(name))
    m = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(Z[sub], y)
    return C, t, 1 / (1 + np.exp(-(a * m.decision_function(Z) + b)))


def main() -> None:
    rows = [r for r in th.read_manifest() if r["source"].split(":", 1)[-1].split("@")[0] not in NOT_SHIPPED]
    data = th.extract(rows, HERE / "images", th.NETWORK, cache=th.FEATURES_INT8)
    X = data["feats"]
    add = [addition(r) for r in rows]
    dev = [i for i, r in enumerate(rows) if r["split"] == "dev"]
    old = [i for i in dev if not add[i]]
    new = [i for i in dev if add[i]]
    lab = [r["label"] for r in rows]
    rule = [i for i in old if lab[i] == "negative" and (rows[i]["transform"] == "grey"
                                                         or rows[i]["kind"] in ("page", "chart"))]
    film_neg = [i for i in new if add[i] == "film" and lab[i] == "negative"]
    film_uni = [i for i in new if add[i] == "film" and lab[i] == "uniform"]
    sp = [i for i in new if add[i] in ("screen/print", "periapical") and lab[i] == "clinical"]
    sp_neg = [i for i in new if add[i] == "screen/print" and lab[i] == "negative"]
    skin = [i for i in new if add[i] == "skin"]
    for out in ("(none)", "skin", "film", "screen/print", "periapical", "all"):
        idx = np.array([i for i, r in enumerate(rows) if r["split"] == "train"
                        and (not add[i] or (out != "all" and add[i] != out))])
        Z = (X - X[idx].mean(0)) / (X[idx].std(0) + 1e-3)
        trows = [rows[i] for i in idx]
        Cc, tc, pc = fit("clinical", Z, trows, idx)
        Cu, tu, pu = fit("uniform", Z, trows, idx)
        fc = pc >= tc
        fu = pu >= tu

        def n(v, f):
            return int(sum(f[i] for i in v))
        cfp = n([i for i in old if lab[i] != "clinical"], fc)
        cfn = sum(1 for i in old if lab[i] == "clinical" and not fc[i])
        ufp = n([i for i in old if lab[i] != "uniform"], fu)
        ufn = sum(1 for i in old if lab[i] == "uniform" and not fu[i])
        print(f"without {out}: clinical C={Cc} t={tc}, uniform C={Cu} t={tu}; old dev: clinical fp {cfp} fn {cfn}, "
              f"uniform fp {ufp} fn {ufn}; rule (b/w, pages, charts) {n(rule, fc)} + {n(rule, fu)}; new dev: film "
              f"prints {n(film_neg, fc)} + {n(film_neg, fu)} of {len(film_neg)}, uniform on film {n(film_uni, fu)}/"
              f"{len(film_uni)}, screen/print/periapical {n(sp, fc)}/{len(sp)} (photos on them {n(sp_neg, fc)}/"
              f"{len(sp_neg)}), skin {n(skin, fc)}/{len(skin)}", flush=True)


if __name__ == "__main__":
    main()
