"""Threshold-free comparison of models on the held-out rows of training runs (training data only).

    .venv/bin/python benchmarks/training/compare_heldout.py --table RUN  RUN_A:VARIANT  RUN_B:VARIANT ...

Each RUN_X:VARIANT names a run folder and the held-out scores its `score` stage wrote
(heldout-VARIANT.npz: the product's windows, the maximum over a text's windows). The runs must share
their held-out rows (the same split; checked row by row against --table's). Per label, on the held-out
rows whose label is known, it prints average precision and ROC AUC for every model, the mean over the
ten labels, and each later model's difference from the first; then the same on our written posts only.
No calibration and no thresholds: it asks how well each model ORDERS the rows, which is what a teacher
passes on to a student (a threshold is set afterwards on the student's own scores).
--unseen: the same on the unseen writers' rows of --table instead (prepare --unseen-writers; unseen-VARIANT.npz,
which `score` writes for such a run): how well each model orders posts of writers it never trained on.
Last, the twins among the rows (concern_data.twin_pairs: a post and its clean twin): how often each model
scores the concerning twin higher on its labels (MODEL_CARD rule TW).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402


def load_scores(spec: str, held: np.ndarray, part: str = "heldout") -> tuple[str, np.ndarray]:
    """A model's scores of the rows `held` (`part`: heldout, or unseen for the unseen writers' rows)."""
    run, _, variant = spec.rpartition(":")
    if not run:
        raise SystemExit(f"{spec}: expected RUN_FOLDER:VARIANT, e.g. out/run-s10:int8dyn")
    path = Path(run) / f"{part}-{variant}.npz"
    if not path.is_file():
        raise SystemExit(f"{path}: not found (run the score stage with --variants {variant})")
    with np.load(path) as z:
        if len(z["idx"]) != len(held) or (z["idx"] != held).any():
            raise SystemExit(f"{path}: its {part} rows are not --table's (another split)")
        return f"{Path(run).name}:{variant}", z["logits"][:, :len(cd.LABELS)]


def label_scores(z: np.ndarray, y: np.ndarray, known: np.ndarray) -> list[tuple[float, float, int]]:
    """(average precision, ROC AUC, positives) per label over the rows where it is known; NaN where a
    label has no positive or no negative there."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    out = []
    for j in range(len(cd.LABELS)):
        k = known[:, j]
        yy, zz = y[k, j], z[k, j]
        if yy.all() or not yy.any():
            out.append((float("nan"), float("nan"), int(yy.sum())))
            continue
        out.append((float(average_precision_score(yy, zz)), float(roc_auc_score(yy, zz)), int(yy.sum())))
    return out


def table(names: list[str], scores: list[np.ndarray], y: np.ndarray, known: np.ndarray, title: str) -> None:
    per = [label_scores(z, y, known) for z in scores]
    print(f"\n== {title} (n={int(known.any(1).sum())}) ==")
    print(f"{'label':16s} {'pos':>6s}  " + "  ".join(f"{n[:24]:>24s}" for n in names))
    for j, lab in enumerate(cd.LABELS):
        cells = []
        for i, p in enumerate(per):
            ap, auc, _ = p[j]
            d = "" if i == 0 else f" {ap - per[0][j][0]:+.3f}"
            cells.append(f"{ap:.3f}/{auc:.3f}{d}".rjust(24))
        print(f"{lab:16s} {per[0][j][2]:6d}  " + "  ".join(cells))
    means = [np.nanmean([x[0] for x in p]) for p in per]
    aucs = [np.nanmean([x[1] for x in p]) for p in per]
    print(f"{'mean AP/AUC':16s} {'':6s}  " + "  ".join(
        (f"{m:.3f}/{a:.3f}" + ("" if i == 0 else f" {m - means[0]:+.3f}")).rjust(24)
        for i, (m, a) in enumerate(zip(means, aucs))))
    if len(per) > 1:
        print("largest fall of a label's AP against the first: " + ", ".join(
            f"{names[i]} {min(p[j][0] - per[0][j][0] for j in range(len(cd.LABELS))):+.3f}"
            for i, p in enumerate(per) if i))


def twin_order(names: list[str], scores: list[np.ndarray], th: "cd.Table", y: np.ndarray) -> None:
    """Twins among these rows (concern_data.twin_pairs): the share of (pair, label of the concerning
    twin) where the concerning twin scores higher than its clean twin."""
    pairs = cd.twin_pairs(th)
    cells = [(c, n, j) for c, n in pairs for j in np.flatnonzero(y[c])]
    if not cells:
        print("\n(no twins among these rows)")
        return
    print(f"\n== twins among these rows: {len(pairs)} pairs, {len(cells)} (pair, label): share where the "
          f"concerning twin scores higher ==")
    shares = []
    for i, (name, z) in enumerate(zip(names, scores)):
        shares.append(float(np.mean([z[c, j] > z[n, j] for c, n, j in cells])))
        gap = float(np.mean([z[c, j] - z[n, j] for c, n, j in cells]))
        print(f"{name[:24]:>24s}  {shares[-1]:.3f}" + ("" if i == 0 else f" {shares[-1] - shares[0]:+.3f}")
              + f"  (mean logit gap {gap:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", required=True, help="the run whose table and held-out rows are used")
    ap.add_argument("models", nargs="+", metavar="RUN:VARIANT")
    ap.add_argument("--unseen", action="store_true", help="compare on --table's unseen writers' rows instead")
    a = ap.parse_args()
    import train_concern_model as tcm
    run = tcm.Run(Path(a.table))
    part, word = ("unseen", "unseen") if a.unseen else ("heldout", "held-out")
    flags = run.unseen_mask() if a.unseen else run.split()
    if not flags.any():
        raise SystemExit(f"{run.dir}: no {word} rows" + (" (prepared without --unseen-writers)" if a.unseen else ""))
    held = np.flatnonzero(flags)
    th = run.rows(flags)
    y, mask = th.arrays()
    y, known = y[:, :len(cd.LABELS)] == 1, mask[:, :len(cd.LABELS)] == 1
    names, scores = zip(*(load_scores(s, held, part) for s in a.models))
    print(f"{word} rows of {run.dir.name}: {len(held)}; scores: " + ", ".join(names))
    table(list(names), list(scores), y, known, f"every {word} row whose label is known: average precision/ROC AUC")
    w = np.array(th.source) == "written"
    table(list(names), [z[w] for z in scores], y[w], known[w], "our written posts only")
    twin_order(list(names), list(scores), th, y)


if __name__ == "__main__":
    main()
