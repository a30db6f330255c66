"""Rule K (MODEL_CARD): co-thresholds, a lower threshold per label used only on a text the model already
flags for some label (`flag_rows`), chosen on TRAINING data only (writer_t ... writer_aj through
either_choice.py's posts and cache; never ../shared).

For each label alone, candidates run from its threshold down to FLOOR in steps of STEP; a candidate's
score is (labels it adds on posts of that category) - WRONG x (labels it adds on posts without it),
counting only texts already flagged; the best score wins (ties: the higher value), and a label whose best
score is not positive gets no co-threshold. The posts flagged do not change, by construction (checked).
--write DIR writes a candidate folder (the shipped files copied, the teacher's concern_model.json with
`co_thresholds`) when own-category flags rise by at least MIN_GAIN.

    .venv/bin/python benchmarks/training/co_choice.py [--cache FILE] [--write DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import either_choice as ec  # noqa: E402

from auditor.analysers.text import model as cm  # noqa: E402

STEP, FLOOR, WRONG, MIN_GAIN = 0.01, 0.05, 2.0, 0.03


def flag_rows(probs: np.ndarray, thresholds: np.ndarray, co: np.ndarray | None = None) -> np.ndarray:
    """Flags at the thresholds; on a text flagged for some label, also at the co-thresholds (rule K's
    mechanism; the product has no co-thresholds, as rule K did not reach validation)."""
    f = probs >= thresholds
    if co is not None:
        f |= f.any(1, keepdims=True) & (probs >= co)
    return f


def choose(probs: np.ndarray, Y: np.ndarray, th: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(co-thresholds in LABELS order, per label (right, wrong) labels added). `probs`: the model's
    probabilities; `Y`: the posts' categories; `th`: its thresholds."""
    flagged = (probs >= th).any(1)
    co = th.astype(np.float64).copy()
    added = []
    for j in range(len(th)):
        base = flagged & ~(probs[:, j] >= th[j])
        best = (0.0, float(th[j]), 0, 0)
        c = round(float(th[j]) - STEP, 2)
        while c >= FLOOR - 1e-9:
            new = base & (probs[:, j] >= np.float32(c))
            right, wrong = int((new & Y[:, j]).sum()), int((new & ~Y[:, j]).sum())
            score = right - WRONG * wrong
            if score > best[0]:
                best = (score, c, right, wrong)
            c = round(c - STEP, 2)
        co[j] = best[1]
        added.append((best[2], best[3]))
    return co.astype(np.float32), added


def main() -> None:
    a, send, either, Y, share, teacher, tthr = ec.choice_inputs("co-thresholds")
    probs = ec.cascade_probs(share, teacher, tthr, send, either)
    f0 = flag_rows(probs, tthr)
    same = (f0 == ec.simulate(share, teacher, tthr, send, either)).all(1).mean()
    print(f"{len(Y)} posts ({int((~Y.any(1)).sum())} clean); cascade probabilities against the simulated "
          f"flags: rows identical {same:.4f}")
    co, added = choose(probs, Y, tthr)
    f1 = flag_rows(probs, tthr, co)
    assert (f1.any(1) == f0.any(1)).all(), "co-thresholds changed the posts flagged"
    print("\nco-thresholds: " + ", ".join(
        f"{lab} {c:.2f} (threshold {t:.2f}; adds {r} right, {w} wrong)" if c < t - 1e-6 else f"{lab} none"
        for lab, c, t, (r, w) in zip(cm.LABELS, co, tthr, added)))
    r0, r1 = ec.figures(f0, Y), ec.figures(f1, Y)
    print("category recall: " + ", ".join(f"{lab} {r0['recall'][lab]:.3f} -> {r1['recall'][lab]:.3f}"
                                          for lab in cm.LABELS))
    own0, own1 = int((f0 & Y).sum()), int((f1 & Y).sum())
    wrong0, wrong1 = int((f0 & ~Y).sum()), int((f1 & ~Y).sum())
    print(f"mean category recall {r0['mean']:.3f} -> {r1['mean']:.3f}; own-category flags {own0} -> {own1} "
          f"({own1 / own0 - 1:+.1%}); labels on posts without that category {wrong0} -> {wrong1}; "
          f"posts flagged unchanged ({int(f0.any(1).sum())}), clean flagged {r0['clean_n']}")
    print("\nposts of a category not flagged for it (the shipped cascade): flagged for something else (the labels "
          "they get most), or for nothing; the median of their probability for it as a share of its threshold")
    for j, lab in enumerate(cm.LABELS):
        miss = Y[:, j] & ~f0[:, j]
        other = miss & f0.any(1)
        top = sorted(((int(f0[other, k].sum()), cm.LABELS[k]) for k in range(len(cm.LABELS)) if k != j), reverse=True)[:3]
        print(f"  {lab:15s} {int(miss.sum()):4d} of {int(Y[:, j].sum()):4d} missed: {int(other.sum())} flagged else ("
              + ", ".join(f"{name} {n}" for n, name in top if n) + f"), {int((miss & ~other).sum())} not flagged; "
              f"median {float(np.median(probs[miss, j] / tthr[j])) if miss.any() else float('nan'):.2f}")
    go = own1 >= own0 * (1 + MIN_GAIN)
    print("rule K: " + ("goes to validation" if go else
                        f"own-category flags rise less than {MIN_GAIN:.0%}: nothing goes to validation"))
    if go and a.write:
        ec.write_candidate(Path(a.write), teacher={"co_thresholds": {
            lab: round(float(c), 2) for lab, c, t in zip(cm.LABELS, co, tthr) if c < t - 1e-6}})


if __name__ == "__main__":
    main()
