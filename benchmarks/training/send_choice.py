"""Rule S (MODEL_CARD): a send share per label for the cascade, chosen on TRAINING data only.

Flags lost are counted on writer_t ... writer_aj (either_choice.py's posts, never trained on; the teacher's
probabilities for every post sent at the shipped share are cached there, so any higher share per label is
simulated exactly); the cost is the share of OLID's official training tweets sent to the teacher (the small
model only). Greedy: from the shipped share on every label, each step raises one label's share by STEP (at
most 1.0), the step removing the most OLID sends per own-category flag lost (lost + 1 in the divisor);
stop before the total lost passes LOSS of the shipped own-category flags or of its concerning posts
flagged, or when no step removes MIN_GAIN of the OLID sends. Prints every step and the chosen shares;
--write DIR writes a candidate folder (the shipped files copied, a new concern_model.json).

    .venv/bin/python benchmarks/training/send_choice.py [--cache FILE] [--shared ../shared] [--write DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import either_choice as ec  # noqa: E402

from auditor.analysers.text import model as cm  # noqa: E402

STEP, LOSS, MIN_GAIN, MIN_FALL = 0.05, 0.005, 0.002, 0.25


def olid_tweets(shared: Path) -> list[str]:
    path = shared / "corpora/offensive/olid/olid-training-v1.0.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [r["tweet"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def flags(share: np.ndarray, teacher: np.ndarray, tthr: np.ndarray, send: np.ndarray, either: list[int]) -> np.ndarray:
    """either_choice.simulate with the `either` labels given by column."""
    return ec.simulate(share, teacher, tthr, send, {cm.LABELS[j] for j in either})


def cascade_setting() -> dict:
    return json.loads((ROOT / "auditor/analysers/data" / cm.META_FILE).read_text(encoding="utf-8"))["cascade"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/either_choice.npz", help="either_choice.py's cache")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--write", default=None, help="write the chosen setting as a candidate folder here")
    a = ap.parse_args()
    cascade = cm.load_default()
    base_send = float(cascade.shares.min())
    if not np.all(cascade.shares == base_send):
        raise SystemExit(f"the shipped cascade already sends per label ({cascade.shares}); rule S starts from one share")
    ids, texts, Y = ec.posts()
    share, teacher, tthr = ec.scores(texts, Path(a.cache), base_send, a.threads)
    either = list(cascade.either)
    tweets = olid_tweets(Path(a.shared))
    oshare = cascade.cheap.predict(tweets) / cascade.cheap.thresholds
    send = np.full(len(cm.LABELS), base_send)
    base = flags(share, teacher, tthr, send, either)
    concerning = Y.any(1)
    own0 = int((base & Y).sum())
    caught0 = int(base[concerning].any(1).sum())
    sent0 = int((oshare >= send).any(1).sum())
    print(f"shipped share {base_send:g}: own-category flags {own0}, concerning posts flagged {caught0} of "
          f"{int(concerning.sum())}; OLID training tweets sent {sent0} of {len(tweets)} ({sent0 / len(tweets):.3f})")
    lost_own = lost_caught = 0
    step_n = 0
    while True:
        best = None
        now_sent = int((oshare >= send).any(1).sum())
        for j in range(len(cm.LABELS)):
            if send[j] >= 1.0 - 1e-9:
                continue
            trial = send.copy()
            trial[j] = min(1.0, round(send[j] + STEP, 2))
            f = flags(share, teacher, tthr, trial, either)
            lo, lc = own0 - int((f & Y).sum()), caught0 - int(f[concerning].any(1).sum())
            gain = now_sent - int((oshare >= trial).any(1).sum())
            if lo > LOSS * own0 or lc > LOSS * caught0 or gain < MIN_GAIN * len(tweets):
                continue
            score = gain / (lo - lost_own + 1)
            if best is None or score > best[0]:
                best = (score, j, trial, lo, lc, gain)
        if best is None:
            break
        _, j, send, lost_own, lost_caught, gain = best
        step_n += 1
        print(f"step {step_n}: {cm.LABELS[j]} -> {send[j]:.2f}; OLID sends -{gain}; total lost: own-category "
              f"flags {lost_own}, concerning posts {lost_caught}")
    sent1 = int((oshare >= send).any(1).sum())
    fall = 1 - sent1 / sent0
    f = flags(share, teacher, tthr, send, either)
    wsent0 = int((share >= base_send).any(1).sum())
    wsent1 = int((share >= send).any(1).sum())
    print("\nchosen shares: " + ", ".join(f"{lab} {v:.2f}" for lab, v in zip(cm.LABELS, send)))
    print(f"OLID training tweets sent {sent0} -> {sent1} ({fall:.1%} fewer); written posts sent {wsent0} -> {wsent1}; "
          f"own-category flags {own0} -> {int((f & Y).sum())}; concerning flagged {caught0} -> "
          f"{int(f[concerning].any(1).sum())}; clean flagged {int(base[~concerning].any(1).sum())} -> "
          f"{int(f[~concerning].any(1).sum())}")
    go = fall >= MIN_FALL
    print("rule S: " + ("goes to validation" if go else f"fewer than {MIN_FALL:.0%} of the sends removed: "
                                                   "nothing goes to validation"))
    if go and a.write:
        ec.write_candidate(Path(a.write), small={"cascade": {**cascade_setting(), "send": {
            lab: round(float(v), 2) for lab, v in zip(cm.LABELS, send)}}})


if __name__ == "__main__":
    main()
