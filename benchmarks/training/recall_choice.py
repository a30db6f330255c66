"""Rule U2 (MODEL_CARD): a candidate teacher's thresholds chosen for recall, on TRAINING data only: posts
neither the shipped teacher nor the candidate trained on (a run's held-out written rows of chosen writer
files, plus whole writer files written after both were trained) and ordinary tweets from public training
splits (WNUT-17, Broad Twitter Corpus). Never reads ../shared/corpora/ftp.

Both cascades (the shipped folder and --candidate, the candidate's teacher in its concern_teacher/ with
the shipped small model and cascade settings) are simulated from their models' scores as
either_choice.simulate does. From the candidate's thresholds, each step lowers one label's teacher
threshold by STEP (not below FLOOR), the step gaining the most own-category flags per clean post newly
flagged (+1) (--reach: a step may lower it by up to that many STEPs at once, rule U3); a step is allowed only while the clean posts flagged stay at or below the shipped cascade's
count on the same posts and the ordinary tweets flagged at or below its share + ORDINARY_SLACK. Goes to
validation only if own-category flags beat the shipped cascade's by MIN_GAIN; --write DIR then writes the
candidate folder with the chosen thresholds. --match (rule U4) instead sets each label's threshold alone to
the highest on the 0.01 grid at which the candidate catches at least the shipped cascade's share of that
label's posts; it goes to validation only if the clean posts and ordinary tweets flagged stay in the limits.

    .venv/bin/python benchmarks/training/recall_choice.py --candidate DIR --run RUN \
        --heldout-files t,u,...,ak --whole-files al [--shared ../shared] [--write DIR]

Rule M searched the SHIPPED cascade's own thresholds (--candidate auditor/analysers/data, scored once) on whole
files less the rows the shipped teacher trained on (--skip-trained RUN: a run prepared as the teacher's was, whose
table rebuilds it exactly), with a clean-post budget (--clean-slack 0.005: a share of the clean posts):

    .venv/bin/python benchmarks/training/recall_choice.py --candidate auditor/analysers/data \
        --whole-files t,u,...,ak,aw,ax,ay --skip-trained RUN --reach 10 --clean-slack 0.005 --rule M
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "benchmarks"))

import concern_data as cd  # noqa: E402
import either_choice as ec  # noqa: E402

from auditor.analysers.text import model as cm  # noqa: E402

STEP, FLOOR, ORDINARY_SLACK, MIN_GAIN = 0.01, 0.05, 0.002, 0.02
ORDINARY = ("wnut17/wnut17train.conll", "broad_twitter_corpus/btc.train")


def trained_texts(run: Path) -> dict[str, set[str]]:
    """{writer file: the texts a training run trained on}: its training rows as `train` reads them."""
    import train_concern_model as tcm        # the run's table exactly as training built it (no torch needed)
    if not (Path(run) / "settings.json").is_file() or not (Path(run) / "split.npz").is_file():
        raise SystemExit(f"--skip-trained {run}: expected a training run folder made by `prepare` (settings.json "
                         f"and split.npz), e.g. continue_teacher.py prepare with the shipped teacher's arguments")
    r = tcm.Run(run)
    keep = np.zeros(len(r.split()), dtype=bool)
    keep[r.training_rows()] = True
    t = r.rows(keep)
    out: dict[str, set[str]] = {}
    for text, source, orig in zip(t.texts, t.source, t.orig):
        if source == "written":
            out.setdefault(orig, set()).add(text)
    return out


def written_posts(run: Path | None, heldout_files: list[str], whole_files: list[str],
                  skip_trained: Path | None = None) -> tuple[list[str], np.ndarray]:
    """Labelled written posts: a run's held-out rows of `heldout_files`, then every post of `whole_files` but
    those in excluded_ids.txt and (rule M) those the run `skip_trained` trained on."""
    texts, rows = [], []
    trained = trained_texts(skip_trained) if skip_trained else {}
    if run is not None and heldout_files:
        import train_concern_model as tcm        # the run's table exactly as training built it (no torch needed)
        th = tcm.Run(run).heldout()
        want = {f"writer_{f}.jsonl" for f in heldout_files}
        y, _mask = th.arrays()
        for t, s, o, row in zip(th.texts, th.source, th.orig, y):
            if s == "written" and o in want:
                texts.append(t)
                rows.append(row[:len(cm.LABELS)] == 1)
    skip = cd.excluded_ids(ec.DATA)
    for f in whole_files:
        for line in (ec.DATA / f"writer_{f}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                if r["id"] in skip or r["text"] in trained.get(f"writer_{f}.jsonl", ()):
                    continue
                texts.append(r["text"])
                rows.append(np.array([lab in set(r.get("categories") or []) for lab in cm.LABELS]))
    return texts, np.array(rows, dtype=bool)


def ordinary_posts(shared: Path) -> list[str]:
    from bench_text import read_conll
    out = []
    for f in ORDINARY:
        p = shared / "corpora/ner" / f
        if p.exists():
            out += read_conll(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidate", required=True, help="a candidate folder (the shipped bundle with another teacher)")
    ap.add_argument("--run", default=None, help="the candidate teacher's training run (its held-out split)")
    ap.add_argument("--heldout-files", default="", help="writer files whose held-out rows count, e.g. t,u,ak")
    ap.add_argument("--whole-files", default="", help="writer files neither teacher trained on, e.g. al")
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reach", type=int, default=1, help="a step may lower a threshold by 1 to REACH times 0.01 (rule U3: 10)")
    ap.add_argument("--match", action="store_true",
                    help="rule U4: per label, the highest threshold at which the candidate's recall reaches the shipped one's")
    ap.add_argument("--skip-trained", default=None,
                    help="rule M: a training run folder; the --whole-files posts it trained on are left out")
    ap.add_argument("--clean-slack", type=float, default=0.0,
                    help="rule M: clean posts flagged may rise by this share of the clean posts (U2-U4: 0)")
    ap.add_argument("--rule", default=None, help="the rule's name in the verdict line (default U2, U3 with --reach)")
    ap.add_argument("--write", default=None)
    a = ap.parse_args()
    t0 = time.time()
    texts, Y = written_posts(Path(a.run) if a.run else None, [f for f in a.heldout_files.split(",") if f],
                             [f for f in a.whole_files.split(",") if f],
                             Path(a.skip_trained) if a.skip_trained else None)
    ordinary = ordinary_posts(Path(a.shared))
    conc = Y.any(1)
    print(f"{len(texts)} written posts ({int((~conc).sum())} clean); {len(ordinary)} ordinary tweets")
    figs = {}
    same = Path(a.candidate).resolve() == (ROOT / "auditor/analysers/data").resolve()
    for name, folder in (("shipped", None), ("candidate", Path(a.candidate))):
        if same and name == "candidate":          # rule M: the shipped cascade's own thresholds searched
            figs[name] = figs["shipped"]
            continue
        c = cm.open_model(folder)
        sw, tw = ec.cascade_scores(c, texts, c.shares, a.threads)
        so, to = ec.cascade_scores(c, ordinary, c.shares, a.threads)
        either = {cm.LABELS[j] for j in c.either}
        figs[name] = (c, sw, tw, so, to, either)
        print(f"  {name}: scored in {time.time() - t0:.0f}s")

    def measure(name, th):
        c, sw, tw, so, to, either = figs[name]
        f = ec.simulate(sw, tw, th, c.shares, either)
        fo = ec.simulate(so, to, th, c.shares, either)
        return int((f & Y).sum()), int(f[~conc].any(1).sum()), float(fo.any(1).mean()), f

    own_s, clean_s, ord_s, f_s = measure("shipped", figs["shipped"][0].thresholds)
    th0 = figs["candidate"][0].thresholds.astype(np.float64)
    own0, clean0, ord0, f0 = measure("candidate", th0.astype(np.float32))
    print(f"shipped cascade: own-category flags {own_s}, clean flagged {clean_s}, ordinary flagged {ord_s:.4f}")
    print(f"candidate at its thresholds: own-category flags {own0}, clean flagged {clean0}, ordinary flagged {ord0:.4f}")
    ord_limit = ord_s + ORDINARY_SLACK
    clean_limit = clean_s + int(a.clean_slack * int((~conc).sum()))
    if a.clean_slack:
        print(f"limits: clean posts flagged <= {clean_limit}, ordinary flagged <= {ord_limit:.4f}")
    if a.match:
        th = matched(lambda t: measure("candidate", t)[3], f_s, Y, th0)
        own1, clean1, ord1, f1 = measure("candidate", th.astype(np.float32))
        report(f_s, f0, f1, Y, th, th0)
        go = clean1 <= clean_s and ord1 <= ord_limit + 1e-12
        print(f"own-category flags: shipped {own_s}, candidate matched {own1}; clean flagged {clean_s} -> {clean1}; "
              f"ordinary flagged {ord_s:.4f} -> {ord1:.4f} (limit {ord_limit:.4f})")
        print("rule U4: " + ("goes to validation" if go else "more clean posts or ordinary tweets flagged than allowed: "
                                                            "nothing goes to validation"))
        if go and a.write:
            write(Path(a.candidate), Path(a.write), th)
        return
    th, _, _ = ec.lower_greedy(th0, lambda th: measure("candidate", th)[:3],
                               lambda o, c, od: c <= clean_limit and od <= ord_limit + 1e-12, STEP, FLOOR,
                               reach=a.reach)
    own1, clean1, ord1, f1 = measure("candidate", th.astype(np.float32))
    report(f_s, f0, f1, Y, th, th0)
    print(f"own-category flags: shipped {own_s}, candidate chosen {own1} ({own1 / own_s - 1:+.1%}); ordinary "
          f"flagged {ord_s:.4f} -> {ord1:.4f}")
    go = own1 >= own_s * (1 + MIN_GAIN)
    rule = a.rule or f"U{2 if a.reach == 1 else 3}"
    print(f"rule {rule}: " + ("passes its training-data bar" if go else
                         f"own-category flags beat the shipped cascade's by less than {MIN_GAIN:.0%}: nothing goes to validation"))
    if go and a.write:
        write(Path(a.candidate), Path(a.write), th)


def matched(flags_at, f_ref: np.ndarray, Y: np.ndarray, th0: np.ndarray) -> np.ndarray:
    """Rule U4: per label alone (the others at `th0`), the highest threshold on the 0.01 grid from 0.99 down
    to FLOOR at which `flags_at(thresholds)` catches at least the reference flags' share of that label's
    posts (FLOOR when none does)."""
    th = np.asarray(th0, dtype=np.float64).copy()
    for j in range(len(th)):
        want = f_ref[Y[:, j], j].mean() if Y[:, j].any() else 0.0
        for c in np.round(np.arange(0.99, FLOOR - 1e-9, -STEP), 2):
            trial = np.asarray(th0, dtype=np.float64).copy()
            trial[j] = c
            if flags_at(trial.astype(np.float32))[Y[:, j], j].mean() >= want - 1e-12:
                th[j] = c
                break
        else:
            th[j] = FLOOR
    return th


def report(f_s, f0, f1, Y, th, th0) -> None:
    print("\nchosen thresholds: " + ", ".join(f"{lab} {v:.2f}" + (f" (was {w:.2f})" if abs(v - w) > 1e-6 else "")
                                             for lab, v, w in zip(cm.LABELS, th, th0)))
    for name, f in (("shipped", f_s), ("candidate, its thresholds", f0), ("candidate, chosen", f1)):
        r = ec.figures(f, Y)
        print(f"{name:26s} mean category recall {r['mean']:.3f}; caught {r['caught']:.3f}; clean flagged "
              f"{r['clean_n']}; " + ", ".join(f"{lab} {v:.3f}" for lab, v in r["recall"].items()))


def write(candidate: Path, out: Path, th: np.ndarray) -> None:
    shutil.copytree(candidate, out, dirs_exist_ok=True)
    meta_path = out / "concern_teacher" / cm.META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["thresholds"] = {lab: round(float(v), 2) for lab, v in zip(cm.LABELS, th)}
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(f"candidate folder written: {out}")


if __name__ == "__main__":
    main()
