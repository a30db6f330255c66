"""The concern model on public posts never trained on: HateXplain's official validation or test split and
the Gab Hate Corpus's test file. A training-side proxy for HateCheck (issue 13, rule (e)): candidates that
flagged HateCheck's hateful cases as discriminatory less often than the shipped model also flagged
HateXplain's group-hate posts less often, so a candidate is checked here before it spends a validation run.

    .venv/bin/python benchmarks/training/public_proxy.py [--split validation|test] [--mirrors DIR] [--model DIR ...]
        [--sweep discriminatory]

HateXplain (Mathew et al., AAAI 2021; MIT): the validation/test export of HX_TRAIN's repository, read by
concern_data.hx_measure_rows (majority label; a group when two annotators name the same protected one).
The validation split also sets `assemble --guard-group-hate`, so figures on it are not independent of a
model assembled with that guard: read the test split for those. Gab Hate Corpus (Kennedy et al. 2022; CC BY
4.0): ghc_test.tsv, "hate" when hd or cv is 1, "vulgar" when only vo is, else "none" (texts over
cd.PUBLIC_MAX_CHARS left out). Neither file is ever a training row. Prints, per class and model, the share
flagged discriminatory / discriminatory or offensive / any label; only figures, never a post's text.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402


def ghc_test_rows(raw: bytes) -> list[tuple[str, str]]:
    """(text, class) per post of ghc_test.tsv (concern_data.ghc_records): "ghc-hate", "ghc-vulgar" or
    "ghc-none"; empty texts and texts over cd.PUBLIC_MAX_CHARS left out. Measuring only."""
    return [(text, f"ghc-{lab}") for _, text, lab, _ in cd.ghc_records(raw)
            if text and len(text) <= cd.PUBLIC_MAX_CHARS]


def shares(cls: np.ndarray, flags: np.ndarray, labels=cd.LABELS) -> dict[str, tuple[int, float, float, float]]:
    """{class: (n, discriminatory, discriminatory or offensive, any label)} from flags (n, 10)."""
    off, dis = labels.index("offensive"), labels.index("discriminatory")
    out = {}
    for c in sorted(set(cls)):
        f = flags[cls == c]
        out[c] = (len(f), float(f[:, dis].mean()), float((f[:, dis] | f[:, off]).mean()), float(f.any(1).mean()))
    return out


# rule E3/F's proxy: HateXplain's harmless posts about groups against its group hate
PROXY_HARMLESS, PROXY_HATE = ("normal", "group-normal"), "group-hate"
SWEEP_TO = 0.30


def sweep(m, probs: np.ndarray, cls: np.ndarray, label: str, to: float = SWEEP_TO) -> list[tuple[float, int, float]]:
    """Rules E3 and F: (threshold, harmless posts flagged, group-hate share flagged) for `label`'s threshold
    raised in steps of 0.01 from the model's own up to `to`, on HateXplain rows only (`cls` without a "ghc-"
    prefix). Raising a threshold on the probabilities already scored is exact for a single model and for a
    cascade's teacher-only labels (a text the teacher did not read is scored below the threshold); a label on
    which a cascade keeps the small model's flag (`either`) is refused, since there the score moves with it."""
    j = list(m.labels).index(label)
    if j in getattr(m, "either", ()):
        raise SystemExit(f"--sweep {label}: the cascade keeps the small model's flag on it; sweep a teacher-only label")
    harmless, hate = np.isin(cls, PROXY_HARMLESS), cls == PROXY_HATE
    out, t = [], round(float(m.thresholds[j]), 2)
    while t <= to + 1e-9:
        f = probs[:, j] >= t - 1e-9
        out.append((t, int(f[harmless].sum()), float(f[hate].mean()) if hate.any() else float("nan")))
        t = round(t + 0.01, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("validation", "test"), default="test")
    ap.add_argument("--mirrors", default=str(cd.MIRRORS))
    ap.add_argument("--model", action="append", default=None, help="model folder (repeatable); default: shipped")
    ap.add_argument("--sweep", metavar="LABEL", help="also print, for each model, LABEL's threshold raised in steps "
                    f"of 0.01 up to {SWEEP_TO}: HateXplain normal and group-normal posts flagged, group-hate share "
                    "(rules E3 and F)")
    a = ap.parse_args()
    from auditor.analysers.text import model as cm
    rows, counts = cd.load_hx_measure(a.split, Path(a.mirrors))
    data = [(x, c) for _, x, c in rows] + ghc_test_rows(cd.mirror_read(Path(a.mirrors), cd.GHC, cd.GHC_TEST_FILE))
    texts, cls = [x for x, _ in data], np.array([c for _, c in data])
    print(f"HateXplain {a.split} ({cd.HX_TRAIN}): {counts}; Gab Hate Corpus test ({cd.GHC}): "
          f"{int(np.char.startswith(cls.astype(str), 'ghc-').sum())} posts")
    if a.sweep and a.sweep not in cd.LABELS:
        ap.error(f"--sweep: expected one of {', '.join(cd.LABELS)}")
    results, sweeps = [], []
    for d in a.model or [None]:
        m = cm.open_model(Path(d)) if d else cm.load_default()      # a cascade folder runs as one
        t0 = time.time()
        probs = np.asarray(m.predict(texts))
        results.append((Path(d).name if d else "shipped", shares(cls, m.flags(probs))))
        print(f"{results[-1][0]}: {len(texts)} posts scored in {time.time() - t0:.0f} s")
        if a.sweep:
            sweeps.append((results[-1][0], sweep(m, probs, cls, a.sweep)))
    print("\nshare flagged: discriminatory / discriminatory or offensive / any label "
          "(hate classes: higher is better; the rest: lower is better)")
    print("class".ljust(20) + "n".rjust(6) + "".join("  " + name[:24].rjust(24) for name, _ in results))
    for c in results[0][1]:
        line = c.ljust(20) + str(results[0][1][c][0]).rjust(6)
        for _, sh in results:
            line += "  " + "{:.3f} / {:.3f} / {:.3f}".format(*sh[c][1:]).rjust(24)
        print(line)
    for name, rows in sweeps:
        print(f"\n{name}: {a.sweep} threshold -> HateXplain {' and '.join(PROXY_HARMLESS)} flagged, "
              f"{PROXY_HATE} share flagged")
        for t, n, share in rows:
            print(f"  {t:.2f}  {n:5d}  {share:.3f}")


if __name__ == "__main__":
    main()
