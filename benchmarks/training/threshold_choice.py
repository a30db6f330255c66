"""Rule T (MODEL_CARD): the teacher's thresholds lowered where recall is cheapest, chosen on TRAINING data
only (writer_t ... writer_aj, either_choice.py's posts and cache; never ../shared).

The cascade as shipped is simulated (either_choice.simulate) with the teacher's thresholds moved. Greedy:
each step lowers one label's threshold by STEP (not below FLOOR), the step gaining the most own-category
flags (a post of category C flagged C) per clean post newly flagged for anything (+1 in the divisor);
stop before the clean posts flagged pass the shipped figure + BUDGET, or when no step gains a flag.
--write DIR writes a candidate folder (the shipped files copied, the teacher's concern_model.json
with the new thresholds) when the rule's bar is met.

    .venv/bin/python benchmarks/training/threshold_choice.py [--cache FILE] [--write DIR]
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

STEP, FLOOR, BUDGET, MIN_GAIN = 0.01, 0.05, 0.010, 0.02


def main() -> None:
    a, send, either, Y, share, teacher, tthr0 = ec.choice_inputs("thresholds")
    concerning = Y.any(1)

    def measure(th):
        f = ec.simulate(share, teacher, th, send, either)
        return int((f & Y).sum()), int(f[~concerning].any(1).sum()), f

    own0, clean0, f0 = measure(tthr0)
    limit = clean0 + BUDGET * int((~concerning).sum())
    print(f"shipped thresholds: own-category flags {own0}, clean posts flagged {clean0} of {int((~concerning).sum())} "
          f"(limit {limit:.0f})")
    th, own, clean = ec.lower_greedy(tthr0, lambda th: measure(th)[:2] + (None,), lambda o, c, _: c <= limit,
                                     STEP, FLOOR)
    _, _, f = measure(th.astype(np.float32))
    print("\nchosen thresholds: " + ", ".join(f"{lab} {v:.2f}" + (f" (was {w:.2f})" if abs(v - w) > 1e-6 else "")
                                             for lab, v, w in zip(cm.LABELS, th, tthr0)))
    rec0 = {lab: float(f0[Y[:, j], j].mean()) for j, lab in enumerate(cm.LABELS)}
    rec1 = {lab: float(f[Y[:, j], j].mean()) for j, lab in enumerate(cm.LABELS)}
    print("category recall: " + ", ".join(f"{lab} {rec0[lab]:.3f} -> {rec1[lab]:.3f}" for lab in cm.LABELS))
    print(f"own-category flags {own0} -> {own} ({own / own0 - 1:+.1%}); concerning posts flagged "
          f"{int(f0[concerning].any(1).sum())} -> {int(f[concerning].any(1).sum())}; clean flagged {clean0} -> {clean}")
    go = own >= own0 * (1 + MIN_GAIN)
    print("rule T: " + ("goes to validation (the next session)" if go else
                        f"own-category flags rise less than {MIN_GAIN:.0%}: nothing goes to validation"))
    if go and a.write:
        ec.write_candidate(Path(a.write), teacher={"thresholds": {lab: round(float(v), 2)
                                                                 for lab, v in zip(cm.LABELS, th)}})


if __name__ == "__main__":
    main()
