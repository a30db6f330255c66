"""Accuracy and speed of the text analysers on ../shared/corpora (prints figures; not a test).

    .venv/bin/python benchmarks/bench_text.py [--shared ../shared] [--folds 5] [--quick]

1. Davidson et al. (class 0 hate or 1 offensive = positive) and OLID (OFF = positive), scored by
   the whole text analyser (model + word lists), out of fold: for each of k folds the model is
   retrained (benchmarks/train_offensive.py settings) on the other folds of both sets and injected
   into the analyser, so no text is scored by a model that saw it. A text counts as flagged when it
   gets any offensive or discriminatory finding except DIS003 (belief, review only).
2. Ordinary tweets (WNUT-17 train+dev, Broad Twitter Corpus train+dev): share flagged
   `confidentiality` (false alarms), with the shipped model.
3. Speed: texts/s end to end (analyse_units on the ordinary tweets plus 3,000 Davidson tweets)
   against a bare spaCy NER pass (same model, same ops, nlp.pipe) over the same texts in the same
   run, each timed twice, best kept. Model loading is excluded from both and printed apart.
The machine's load average is printed: other engineers share its 2 cores.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from auditor import offline  # noqa: E402
from auditor.plugins import AnalysisContext, TextUnit  # noqa: E402
from auditor.analysers import text as text_mod  # noqa: E402
from auditor.analysers.text_model import OffensiveModel, features, load_default, normalise  # noqa: E402
from auditor.config import Config  # noqa: E402
from auditor.model import Post  # noqa: E402
from auditor.rules import get as get_rule  # noqa: E402

import train_offensive as tr  # noqa: E402

FLAG_CATEGORIES = ("offensive", "discriminatory")


def posts_for(texts: list[str], prefix: str) -> list[TextUnit]:
    when = datetime(2020, 6, 1, 12, 0, tzinfo=timezone.utc)
    return [TextUnit(Post(f"twitter:{prefix}{i}", "twitter", "post", when, t), t) for i, t in enumerate(texts)]


def flagged_refs(findings, categories=FLAG_CATEGORIES, exclude=("DIS003",), also=("GRV001",)) -> set[str]:
    """Posts with an offensive or discriminatory finding; GRV001 (insults aimed at colleagues) counts
    too, since the analyser reports abusive words about colleagues under it instead of OFF002."""
    out = set()
    for f in findings:
        if hasattr(f, "rule") and f.rule not in exclude and (get_rule(f.rule).category in categories
                                                              or f.rule in also):
            out.add(f.post_ref)
    return out


def read_conll(path: Path) -> list[str]:
    texts, toks = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if toks:
                texts.append(detok(toks))
            toks = []
            continue
        toks.append(line.split("\t")[0].split(" ")[0])
    if toks:
        texts.append(detok(toks))
    return texts


def detok(toks: list[str]) -> str:
    s = " ".join(toks)
    s = re.sub(r"\s+([.,!?:;)'](?:\s|$))", r"\1", s)
    s = re.sub(r"@ (\w)", r"@\1", s)
    s = re.sub(r"# (\w)", r"#\1", s)
    s = re.sub(r" (n't|'s|'re|'ll|'m|'ve|'d)\b", r"\1", s)
    return s


def context(nlp, model: OffensiveModel) -> AnalysisContext:
    ctx = AnalysisContext(Config())
    ctx.cache[text_mod.NLP_KEY] = nlp
    ctx.cache[text_mod.MODEL_KEY] = model
    return ctx


def model_from(m, n_features: int, threshold: float) -> OffensiveModel:
    return OffensiveModel(m.coef_[0].astype(np.float32), float(m.intercept_[0]), n_features, threshold, {})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="skip the cross-validated accuracy part")
    ap.add_argument("--threshold", type=float, default=None, help="override the shipped model's threshold")
    a = ap.parse_args()
    shared = Path(a.shared)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    t0 = time.perf_counter()
    nlp = text_mod.load_nlp()
    print(f"spaCy model {offline.MODEL_PACKAGE} loaded (NER only, blis off) in {time.perf_counter() - t0:.1f}s; "
          f"components: {nlp.pipe_names}")
    shipped = load_default()
    if a.threshold is not None:
        shipped.threshold = a.threshold
    threshold = shipped.threshold
    print(f"offensive-model threshold {threshold}")

    if not a.quick:
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold
        dt, dc = tr.load_davidson(shared)
        ot, oy, _ = tr.load_olid(shared)
        dy = (dc < 2).astype(int)
        Xd = features([normalise(t) for t in dt], tr.N_FEATURES)
        Xo = features([normalise(t) for t in ot], tr.N_FEATURES)
        fd = np.zeros(len(dt), dtype=bool)
        fo = np.zeros(len(ot), dtype=bool)
        kd = StratifiedKFold(a.folds, shuffle=True, random_state=0).split(dt, dc)
        ko = StratifiedKFold(a.folds, shuffle=True, random_state=0).split(ot, oy)
        t1 = time.perf_counter()
        for (tr_d, te_d), (tr_o, te_o) in zip(kd, ko):
            m = model_from(tr.fit(Xd[tr_d], dy[tr_d], Xo[tr_o], oy[tr_o]), tr.N_FEATURES, threshold)
            ctx = context(nlp, m)
            units = posts_for([dt[i] for i in te_d], "d")
            refs = flagged_refs(text_mod.analyse_units(units, ctx))
            fd[te_d] = [u.post.ref in refs for u in units]
            units = posts_for([ot[i] for i in te_o], "o")
            refs = flagged_refs(text_mod.analyse_units(units, ctx))
            fo[te_o] = [u.post.ref in refs for u in units]
        tp = int((fd & (dy == 1)).sum())
        p, r = tp / max(1, fd.sum()), tp / dy.sum()
        print(f"\n== Offensive or discriminatory, whole analyser, {a.folds}-fold out-of-fold "
              f"(model retrained per fold on Davidson+OLID; {time.perf_counter() - t1:.0f}s) ==")
        print(f"Davidson (n={len(dt)}, {dy.mean():.0%} positive): precision {p:.3f}  recall {r:.3f}  "
              f"F1 {2 * p * r / (p + r):.3f}   [target F1 >= 0.96]")
        print(f"Davidson 'neither' flagged (false alarms): {fd[dc == 2].mean():.3f} of {(dc == 2).sum()}   "
              f"[target <= 0.07]")
        print(f"Davidson hate (class 0) flagged: {fd[dc == 0].mean():.3f} of {(dc == 0).sum()}   [target >= 0.95]")
        print(f"OLID (n={len(ot)}): macro-F1 {f1_score(oy, fo, average='macro'):.3f}   [target >= 0.83]   "
              f"(OFF recall {fo[oy == 1].mean():.3f}, NOT flagged {fo[oy == 0].mean():.3f})")

    ner = shared / "corpora/ner"
    ordinary = []
    for f in ("wnut17/wnut17train.conll", "wnut17/emerging.dev.conll",
              "broad_twitter_corpus/btc.train", "broad_twitter_corpus/btc.dev"):
        ordinary += read_conll(ner / f)
    ctx = context(nlp, shipped)
    findings = list(text_mod.analyse_units(posts_for(ordinary, "n"), ctx))
    conf = flagged_refs(findings, ("confidentiality",), ())
    off = flagged_refs(findings)
    print(f"\n== Ordinary tweets (WNUT-17 + Broad Twitter Corpus, n={len(ordinary)}), shipped model ==")
    print(f"flagged confidentiality (false alarms): {len(conf) / len(ordinary):.4f} ({len(conf)})   [target <= 0.01]")
    print(f"flagged offensive or discriminatory (for information): {len(off) / len(ordinary):.4f} ({len(off)})")
    by_rule: dict[str, int] = {}
    for f in findings:
        if hasattr(f, "rule"):
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    print("findings by rule: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))

    dav_texts = tr.load_davidson(shared)[0][:3000]
    speed_texts = ordinary + [t for t in dav_texts]
    units = posts_for(speed_texts, "s")
    bare, e2e = [], []
    warm = context(nlp, shipped)
    list(text_mod.analyse_units(units[:200], warm))       # Presidio built, caches warm
    for _ in range(2):
        t = time.perf_counter()
        for _doc in nlp.pipe(speed_texts, batch_size=text_mod.BATCH_SIZE):
            pass
        bare.append(len(speed_texts) / (time.perf_counter() - t))
        t = time.perf_counter()
        list(text_mod.analyse_units(units, warm))
        e2e.append(len(speed_texts) / (time.perf_counter() - t))
    scores = shipped.scores([normalise(t) for t in speed_texts])
    checks = text_mod.Checks(warm, shipped, lambda: None)
    need = sum(checks.prepare(text_mod.Unit(u, u.text, float(s))) for u, s in zip(units, scores))
    print(f"\n== Speed (n={len(speed_texts)} texts, 1 process) ==")
    print(f"bare spaCy NER pass: {max(bare):.0f} texts/s;  end to end: {max(e2e):.0f} texts/s;  "
          f"ratio {max(e2e) / max(bare):.2f}   [target >= 0.8]")
    print(f"texts sent to NER by the cheap filters: {need / len(units):.1%}")
    blis_nlp = text_mod.load_nlp(fast_numpy_ops=False)
    on, off = [], []
    for _ in range(2):
        for nlp_, acc in ((blis_nlp, on), (nlp, off)):
            t = time.perf_counter()
            for _doc in nlp_.pipe(speed_texts[:4000], batch_size=text_mod.BATCH_SIZE):
                pass
            acc.append(4000 / (time.perf_counter() - t))
    print(f"bare NER, thinc blis on: {max(on):.0f} texts/s; blis off (shipped default): {max(off):.0f} texts/s")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
