"""Careful readers against the validation labels (MODEL_CARD rule R; prints figures, not a test).

    .venv/bin/python benchmarks/training/reader_agreement.py --shared ../shared \\
        --reader r1=labels-a-1.jsonl,labels-b-1.jsonl --reader r2=labels-a-2.jsonl,labels-b-2.jsonl [--model DIR]

With --set FILE, the same against other labelled posts (JSON lines with id, text, categories), e.g. a
sample of our own training files (MODEL_CARD rule R2).

Each --reader NAME=FILE[,FILE...] gives one reader's labels: JSON lines `{"id": ..., "categories": [...]}`
for the ftp posts that reader read blind (`reader_brief.md`). For every reader and for the model (the
shipped one, or --model DIR / cascade:...), on the posts that reader labelled: precision and recall per
category against the set's labels, post-level recall, clean posts flagged, and the mean recall over the
model's ten labels. Then every two readers who read the same posts against each other: Cohen's kappa per
category and how often they agree on "any concern". Only figures are printed, never a text. The readers'
labels tune nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from auditor.analysers.text import model as cm  # noqa: E402
from evaluate_concern_model import pr  # noqa: E402   (precision, recall, positives, flagged)

LABELS = list(cm.LABELS)
CATEGORIES = LABELS + ["location"]


def read_labels(files: list[Path]) -> dict[str, set[str]]:
    """A reader's labels by post id; refuses unknown categories and ids given twice."""
    out: dict[str, set[str]] = {}
    for f in files:
        for n, line in enumerate(open(f, encoding="utf-8"), 1):
            if not line.strip():
                continue
            r = json.loads(line)
            cats = set(r.get("categories") or [])
            bad = cats - set(CATEGORIES)
            if bad:
                raise SystemExit(f"{f}:{n}: unknown categories {sorted(bad)}; expected some of {CATEGORIES}")
            if r["id"] in out:
                raise SystemExit(f"{f}:{n}: post {r['id']} labelled twice")
            out[r["id"]] = cats
    return out


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two yes/no raters."""
    po = float((a == b).mean())
    pa, pb = a.mean(), b.mean()
    pe = pa * pb + (1 - pa) * (1 - pb)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)


def figures(flags: list[set[str]], truth: list[set[str]]) -> dict:
    """Per category (precision, recall, positives, flagged), post recall, clean flagged, mean recall."""
    per = {}
    for lab in CATEGORIES:
        per[lab] = pr(np.array([lab in c for c in flags]), np.array([lab in c for c in truth]))
    clean = np.array([not c for c in truth])
    anyf = np.array([bool(c) for c in flags])
    recalls = [per[lab][1] for lab in LABELS if per[lab][2]]
    return {"per": per, "post_recall": float(anyf[~clean].mean()) if (~clean).any() else float("nan"),
            "clean_flagged": int(anyf[clean].sum()), "clean": int(clean.sum()),
            "mean_recall": float(np.mean(recalls)) if recalls else float("nan")}


def print_table(rows: dict[str, dict]) -> None:
    names = list(rows)
    print(f"{'category':16s} {'n':>4s} " + " ".join(f"{n[:13]:>13s}" for n in names) + "   (precision/recall)")
    first = rows[names[0]]
    for lab in CATEGORIES:
        print(f"{lab:16s} {first['per'][lab][2]:4d} "
              + " ".join(f"{rows[n]['per'][lab][0]:6.3f}/{rows[n]['per'][lab][1]:.3f}" for n in names))
    print(f"{'mean recall (10)':21s} " + " ".join(f"{rows[n]['mean_recall']:13.3f}" for n in names))
    print(f"{'post recall':21s} " + " ".join(f"{rows[n]['post_recall']:13.3f}" for n in names))
    print(f"{'clean flagged':21s} " + " ".join(
        f"{rows[n]['clean_flagged']:>6d} ({rows[n]['clean_flagged'] / max(rows[n]['clean'], 1):.3f})" for n in names))


def clear(ids: list[str], truth: list[set[str]], A: dict, B: dict, model: dict) -> None:
    """The model on the clear cases (a label the set and both readers give; a clean post neither reader
    flags) and on the rest: whether its misses are the posts careful readers also disagree on."""
    print("-- the model on clear cases (the set's label given by both readers too) and on the rest --")
    print(f"{'category':16s} {'clear':>5s} {'recall':>6s} {'rest':>5s} {'recall':>6s}")
    for lab in LABELS:
        pos = [(i, lab in A[i] and lab in B[i]) for i, t in zip(ids, truth) if lab in t]
        for_clear = [lab in model[i] for i, c in pos if c]
        rest = [lab in model[i] for i, c in pos if not c]
        print(f"{lab:16s} {len(for_clear):5d} {np.mean(for_clear) if for_clear else float('nan'):6.3f} "
              f"{len(rest):5d} {np.mean(rest) if rest else float('nan'):6.3f}")
    clean = [i for i, t in zip(ids, truth) if not t]
    calm = [i for i in clean if not A[i] and not B[i]]
    print(f"clean posts neither reader flags: {len(calm)} of {len(clean)}; the model flags "
          f"{sum(bool(model[i]) for i in calm)} of them, and {sum(bool(model[i]) for i in clean if i not in calm)} "
          f"of the other {len(clean) - len(calm)}")


def model_flags(spec: str | None, texts: list[str]) -> list[set[str]]:
    import cascade
    model = cascade.open_model(spec)
    fl = model.flags(model.predict(texts))
    return [{LABELS[j] for j in np.flatnonzero(row)} for row in fl]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(HERE.parents[2] / "shared"))
    ap.add_argument("--reader", action="append", required=True, metavar="NAME=FILE[,FILE]")
    ap.add_argument("--model", default=None, help="a model folder or cascade:...; default the shipped model")
    ap.add_argument("--no-model", action="store_true", help="readers only")
    ap.add_argument("--set", action="append", default=None, metavar="FILE",
                    help="score against these labelled posts (JSON lines with id, text, categories; e.g. a "
                         "sample of our training files) instead of the ftp set")
    a = ap.parse_args(argv)
    paths = ([Path(f) for f in a.set] if a.set else
             [Path(a.shared) / "corpora/ftp/part-a.jsonl", Path(a.shared) / "corpora/ftp/part-b.jsonl"])
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise SystemExit(f"labelled posts not found: {', '.join(missing)} (give --shared or --set)")
    posts = {}
    for p in paths:
        for line in open(p, encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                posts[r["id"]] = r
    readers = {}
    for spec in a.reader:
        name, _, files = spec.partition("=")
        if not files:
            raise SystemExit(f"--reader {spec!r}: expected NAME=FILE[,FILE...]")
        labels = read_labels([Path(f) for f in files.split(",")])
        unknown = set(labels) - set(posts)
        if unknown:
            raise SystemExit(f"reader {name}: {len(unknown)} ids not in the set, e.g. {sorted(unknown)[:3]}")
        readers[name] = labels
    ids_all = sorted({i for lab in readers.values() for i in lab})
    model = {} if a.no_model else dict(zip(ids_all, model_flags(a.model, [posts[i]["text"] for i in ids_all])))
    for name, labels in readers.items():
        ids = sorted(labels)
        truth = [set(posts[i]["categories"]) for i in ids]
        rows = {name: figures([labels[i] for i in ids], truth)}
        if model:
            rows["model"] = figures([model[i] for i in ids], truth)
        print(f"\n== reader {name}: {len(ids)} posts, {sum(not t for t in truth)} clean; against the set's labels ==")
        print_table(rows)
    names = list(readers)
    for x in range(len(names)):
        for y in range(x + 1, len(names)):
            shared_ids = sorted(set(readers[names[x]]) & set(readers[names[y]]))
            if not shared_ids:
                continue
            A, B = readers[names[x]], readers[names[y]]
            print(f"\n== {names[x]} against {names[y]}: {len(shared_ids)} posts both read ==")
            for lab in CATEGORIES:
                va = np.array([lab in A[i] for i in shared_ids])
                vb = np.array([lab in B[i] for i in shared_ids])
                print(f"{lab:16s} {names[x]} {va.sum():4d}  {names[y]} {vb.sum():4d}  both {int((va & vb).sum()):4d}"
                      f"  kappa {kappa(va, vb):.3f}")
            va = np.array([bool(A[i]) for i in shared_ids])
            vb = np.array([bool(B[i]) for i in shared_ids])
            print(f"{'any concern':16s} agree {float((va == vb).mean()):.3f}  kappa {kappa(va, vb):.3f}")
            truth = [set(posts[i]["categories"]) for i in shared_ids]
            print("-- the pair against the set's labels: a category either reader gave, and one both gave --")
            print_table({"either": figures([A[i] | B[i] for i in shared_ids], truth),
                         "both": figures([A[i] & B[i] for i in shared_ids], truth)})
            if model:
                clear(shared_ids, truth, A, B, model)


if __name__ == "__main__":
    main()
