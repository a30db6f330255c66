"""Train the concern model's cheap gate: one linear model per concern over hashed word 1-2-grams and
character 2-4-grams (`auditor.analysers.text.model.gate_features`), and for each concern the score below
which a text is cleared without running the encoder.

    /work/wt/<name>/.venv/bin/python benchmarks/training/train_gate.py [--shared ../shared] [--c 2.0]

Training data only (concern_data.build, label scheme "aux"): our written posts
(benchmarks/training/data/writer_*.jsonl), the OLID training set and Davidson et al., as concern_data reads
them. ../shared/corpora/ftp and OLID's official test set are never read. The gate is picked against the
labels, never against the encoder's outputs, so it does not depend on the encoder's exact weights.

Labels for the gate: ours where known (concern_data's masks; an unknown label leaves the row out of that
concern's model and threshold); a public row that is offensive in no sense (OLID NOT, Davidson neither)
is clean for every concern (see gate_targets). Public offensive rows are not positives for the gate's
'offensive' (ours is abuse aimed at people; --widen-offensive makes them so, and the gate then clears
almost nothing).

Split: concern_data.holdout (stratified by source and label pattern, equal texts on one side), 20 % held
out. The models are fitted on the other 80 %. On the held-out part, each concern's `clear_below` is the
highest score that keeps at least 99.5 % of that concern's held-out positives at or above it; a text goes
to the encoder when any concern's score reaches its `clear_below`. The figures (held-out recall per
concern, share of held-out clean rows cleared) are written to concern_gate.json with the thresholds.

Writes auditor/analysers/data/concern_gate.npz (coef float16 (2 * n_features, 10), intercept (10,)) and
concern_gate.json (settings, thresholds, sha256 of the npz, sources, figures). Deterministic: fixed split
seed; liblinear is deterministic for a given input.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402

from auditor.analysers.text import model as cm  # noqa: E402

DATA = ROOT / "auditor/analysers/data"
N_FEATURES = 1 << 17
RECALL = 0.995
HOLDOUT = 0.20
SPLIT_SEED = 7


def gate_targets(table, public_clean: bool = True, widen_offensive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(Y, M) over the ten labels: concern_data's labels and masks (with `widen_offensive`, any public
    offensive row counts as 'offensive' too: the gate then clears almost nothing, as OLID's OFF and NOT
    overlap too much for a linear model at 99.5 % recall). With `public_clean`, a public row that is not offensive in any sense (OLID NOT,
    Davidson neither) counts as clean for every concern, also those concern_data leaves unknown there
    (grievance, misinformation, conduct): without them those three concerns' models only ever see
    care-work posts, and an ordinary tweet scores near their prior (none was cleared)."""
    y, m = table.arrays()
    Y, M = y[:, :len(cd.LABELS)].copy(), m[:, :len(cd.LABELS)].copy()
    off = cd.L["offensive"]
    if widen_offensive:
        public_off = (m[:, cd.A] > 0) & (y[:, cd.A] > 0)
        Y[public_off, off] = 1
        M[public_off, off] = 1
    if public_clean:
        src = np.array(table.source)
        plain = (src != "written") & (m[:, cd.A] > 0) & (y[:, cd.A] == 0)
        M[plain] = 1
        Y[plain] = 0
    return Y, M


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed with fixed member dates, so the same weights give the same file (and sha256)."""
    import io
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def gate_scores(X, coef16: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """As the runtime computes them (ConcernModel.gate_scores): float32 weights, float32 probabilities."""
    z = np.asarray(X @ coef16.astype(np.float32)) + intercept.astype(np.float32)
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


def clear_below(scores: np.ndarray, recall: float = RECALL) -> float:
    """The highest threshold t with share(scores >= t) >= recall."""
    s = np.sort(scores.astype(np.float32))
    k = int(np.floor((1.0 - recall) * len(s)))      # this many positives may fall below
    return float(s[k])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--c", type=float, default=2.0, help="inverse L2 strength of each logistic regression")
    ap.add_argument("--out", default=str(DATA))
    ap.add_argument("--widen-offensive", action="store_true",
                    help="count every public offensive row (OLID OFF, Davidson hate and offensive) as 'offensive' "
                         "for the gate (it then clears almost nothing: 1.8 %% of held-out clean public rows)")
    ap.add_argument("--unknown-public", action="store_true",
                    help="leave grievance, misinformation and conduct unknown on clean public rows (as concern_data)")
    a = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    t0 = time.time()
    table, info = cd.build(Path(a.shared), scheme="aux")
    Y, M = gate_targets(table, public_clean=not a.unknown_public, widen_offensive=a.widen_offensive)
    held = cd.holdout(table, frac=HOLDOUT, seed=SPLIT_SEED)
    texts = [cm.normalise(t).lower() for t in table.texts]
    X = cm.gate_features(texts, N_FEATURES)
    tr, te = np.flatnonzero(~held), np.flatnonzero(held)
    print(f"rows {len(texts)} ({info}); training {len(tr)}, held out {len(te)}")
    coef = np.zeros((X.shape[1], len(cd.LABELS)), dtype=np.float32)
    intercept = np.zeros(len(cd.LABELS), dtype=np.float32)
    for j, lab in enumerate(cd.LABELS):
        rows = tr[M[tr, j] > 0]
        clf = LogisticRegression(C=a.c, solver="liblinear", class_weight="balanced", max_iter=1000)
        clf.fit(X[rows], Y[rows, j])
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
        print(f"  {lab}: {len(rows)} rows, {int(Y[rows, j].sum())} positive")
    coef16 = coef.astype(np.float16)
    out = Path(a.out)
    npz = out / cm.GATE_FILE
    write_npz(npz, coef=coef16, intercept=intercept)
    # thresholds from the shipped (float16) weights, scored the way the runtime scores
    scores = gate_scores(X[te], coef16, intercept)
    thresholds, figures = {}, {}
    for j, lab in enumerate(cd.LABELS):
        pos = (M[te, j] > 0) & (Y[te, j] > 0)
        t = clear_below(scores[pos, j])
        thresholds[lab] = t
        figures[lab] = {"held_out_positives": int(pos.sum()),
                        "held_out_recall": round(float((scores[pos, j] >= t).mean()), 4)}
    th = np.array([thresholds[lab] for lab in cd.LABELS], dtype=np.float32)
    sent = (scores >= th).any(axis=1)
    clean = (M[te] > 0).sum(axis=1) == len(cd.LABELS)
    clean &= Y[te].sum(axis=1) == 0
    src = np.array(table.source)[te]
    any_pos = (Y[te] * M[te]).sum(axis=1) > 0
    cleared = {"held_out_clean_written_rows": round(float((~sent[clean & (src == "written")]).mean()), 4),
               "held_out_olid_not_and_davidson_neither": round(float((~sent[(src != "written") & ~any_pos
                                                                              & (M[te, cd.L['offensive']] > 0)]).mean()), 4),
               "held_out_rows_with_any_concern_sent": round(float(sent[any_pos].mean()), 4),
               "held_out_rows": int(len(te))}
    meta = {
        "labels": list(cd.LABELS),
        "n_features": N_FEATURES,
        "features": "hashed word 1-2-grams and character 2-4-grams (within words) of the normalised, "
                    "lower-cased text, l2-normalised each (auditor.analysers.text.model.gate_features)",
        "clear_below": thresholds,
        "rule": f"a text goes to the encoder when any concern's gate score is at or above its clear_below; "
                f"clear_below keeps >= {RECALL:.1%} of that concern's held-out positives (training data)",
        "sha256": {cm.GATE_FILE: cm.sha256_file(npz)},
        "training": {"sources": ["benchmarks/training/data/writer_*.jsonl (written for this project, MIT)",
                                 "OLID v1.0 training set (CC BY 4.0)", "Davidson et al. 2017 (MIT)"],
                     "never_read": ["../shared/corpora/ftp (validation)", "OLID official test set"],
                     "label_scheme": "concern_data 'aux'; gate 'offensive' = "
                                     + ("ours or any public offensive row" if a.widen_offensive
                                        else "concern_data's (abuse aimed at people; unknown on public offensive rows)")
                                     + ("" if a.unknown_public else "; public rows offensive in no sense (OLID NOT, "
                                        "Davidson neither) clean for every concern"),
                     "holdout": HOLDOUT, "split_seed": SPLIT_SEED, "C": a.c, "model":
                     "logistic regression per concern (liblinear, class_weight balanced), coef stored float16",
                     "rows": len(texts), "info": info},
        "figures": {"per_label": figures, "cleared": cleared},
        "trained": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "script": "benchmarks/training/train_gate.py",
    }
    (out / "concern_gate.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(meta["figures"], indent=1))
    print(f"wrote {npz} ({npz.stat().st_size / 1e6:.1f} MB) and concern_gate.json in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
