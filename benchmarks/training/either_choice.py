"""Rule X (MODEL_CARD): which labels keep the small model's flag in the cascade (`either`), chosen on written
TRAINING files that neither shipped model trained on (writer_t ... writer_aj; never ../shared).

For every post: the small model's share of its thresholds and, for the posts it sends, the teacher's
probabilities, both as shipped (int8, one text per call; cached in --cache). The cascade is then simulated
as model.Cascade computes it for each candidate set: sent when the largest share >= send; on a sent post a
label is flagged when the teacher's probability reaches its threshold or, for a label in the set, the
small model's share reaches 1; an unsent post is never flagged. Printed per set: category recall (posts
of category C flagged for label C), their mean, posts flagged among the concerning ones, clean posts
flagged; then the choice by rule X.

    .venv/bin/python benchmarks/training/either_choice.py [--cache FILE] [--threads 2]
"""
from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from auditor.analysers.text import model as cm  # noqa: E402

DATA = HERE / "data"
FILES = ("t", "u", "v", "w", "x", "y", "z", "aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj")
CLEAN_SLACK = 0.005          # rule X: clean flagged at most the shipped set's + this
MEAN_GAIN = 0.010            # rule X: the chosen set's mean category recall at least the shipped set's + this


def posts() -> tuple[list[str], list[str], np.ndarray]:
    """(ids, texts, Y): Y[i, j] = post i has category LABELS[j]; ids in excluded_ids.txt left out."""
    skip = {line.strip() for line in (DATA / "excluded_ids.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}
    ids, texts, rows = [], [], []
    for f in FILES:
        for line in (DATA / f"writer_{f}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            if r["id"] in skip:
                continue
            cats = set(r.get("categories") or [])
            unknown = cats - set(cm.LABELS)
            if unknown:
                raise SystemExit(f"{r['id']}: categories {sorted(unknown)} are not labels {cm.LABELS}")
            ids.append(r["id"])
            texts.append(r["text"])
            rows.append([lab in cats for lab in cm.LABELS])
    return ids, texts, np.array(rows, dtype=bool)


def cascade_scores(c: cm.Cascade, texts: list[str], send, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """(the small model's share of its thresholds (n, 10), the teacher's probabilities on the texts sent at
    `send` (one share or one per label), NaN elsewhere), the teacher's texts scored in pieces of 64 over
    `threads` threads."""
    share = c.cheap.predict(texts) / c.cheap.thresholds
    sent = np.flatnonzero((share >= send).any(1))
    teacher = np.full(share.shape, np.nan, dtype=np.float32)
    parts = [sent[i:i + 64] for i in range(0, len(sent), 64)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for idx, p in zip(parts, pool.map(lambda ix: c.teacher.predict([texts[i] for i in ix]), parts)):
            teacher[idx] = p
    return share, teacher


def scores(texts: list[str], cache: Path, send: float, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share (n, 10) of the small model's thresholds, teacher probabilities (n, 10; NaN where not sent),
    teacher thresholds), computed once and cached by the texts' digest and the models' checksums."""
    cascade = cm.load_default()
    key = cm.hashlib.blake2b("\n\x00".join(texts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    key += cascade.cheap.expected_sha256[:16] + cascade.teacher.expected_sha256[:16] + f"{send:g}"
    if cache.is_file():
        z = np.load(cache)
        if str(z["key"]) == key:
            return z["share"], z["teacher"], z["tthr"]
    t0 = time.time()
    share, teacher = cascade_scores(cascade, texts, send, threads)
    print(f"scored {len(texts)} posts ({int((share >= send).any(1).sum())} sent to the teacher) in "
          f"{time.time() - t0:.0f}s")
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, key=key, share=share, teacher=teacher, tthr=cascade.teacher.thresholds)
    return share, teacher, cascade.teacher.thresholds


def choice_inputs(what: str) -> tuple[argparse.Namespace, np.ndarray, set[str], np.ndarray, np.ndarray,
                                       np.ndarray, np.ndarray]:
    """The common start of rules T and K's choices: their options (--cache, --threads, --write) and the
    shipped cascade's send shares, `either` labels, the posts' categories Y, and the cached scores
    (share, teacher probabilities, teacher thresholds)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/either_choice.npz", help="either_choice.py's cache")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--write", default=None, help=f"write the chosen {what} as a candidate folder here")
    a = ap.parse_args()
    cascade = cm.load_default()
    send = cascade.shares
    either = {cm.LABELS[j] for j in cascade.either}
    _ids, texts, Y = posts()
    share, teacher, tthr = scores(texts, Path(a.cache), float(send.min()), a.threads)
    return a, send, either, Y, share, teacher, tthr


def simulate(share: np.ndarray, teacher: np.ndarray, tthr: np.ndarray, send, either: set[str]) -> np.ndarray:
    """`send`: one share for every label or one per label (an array in LABELS order)."""
    sent = (share >= send).any(1)
    flags = np.nan_to_num(teacher, nan=-1.0) >= tthr
    cols = [j for j, lab in enumerate(cm.LABELS) if lab in either]
    if cols:
        flags[:, cols] |= share[:, cols] >= 1.0
    flags[~sent] = False
    return flags


def cascade_probs(share: np.ndarray, teacher: np.ndarray, tthr: np.ndarray, send, either: set[str]) -> np.ndarray:
    """The cascade's probabilities (Cascade.predict from the cached scores): the teacher's on a sent text,
    the small model's share of its threshold times the teacher's threshold elsewhere and, on `either`
    labels, the larger of the two. At the teacher's thresholds its flags are `simulate`'s."""
    sent = (share >= send).any(1)
    scaled = (share * tthr).astype(np.float32)
    out = scaled.copy()
    out[sent] = teacher[sent]
    cols = [j for j, lab in enumerate(cm.LABELS) if lab in either]
    if cols:
        out[:, cols] = np.maximum(out[:, cols], scaled[:, cols])
    return out


def lower_greedy(th0: np.ndarray, measure, allowed, step: float = 0.01, floor: float = 0.05,
                 log=print, reach: int = 1) -> tuple[np.ndarray, int, int]:
    """Rules T, U2 and U3's search: from thresholds `th0`, each step lowers one label's threshold by 1 to
    `reach` times `step` (not below `floor`), the step gaining the most own-category flags per clean post
    newly flagged (+1 in the divisor), among the steps `allowed(own, clean, extra)` accepts; stops when no
    allowed step gains a flag. `measure(th) -> (own-category flags, clean posts flagged, extra)`. Returns
    (thresholds, own, clean)."""
    th = np.asarray(th0, dtype=np.float64).copy()
    own, clean, _ = measure(th.astype(np.float32))
    n = 0
    while True:
        best = None
        for j in range(len(th)):
            for k in range(1, reach + 1):
                if th[j] - k * step < floor - 1e-9:
                    break
                trial = th.copy()
                trial[j] = round(th[j] - k * step, 2)
                o, c, extra = measure(trial.astype(np.float32))
                if o <= own or not allowed(o, c, extra):
                    continue
                score = (o - own) / (c - clean + 1)
                if best is None or score > best[0]:
                    best = (score, j, trial, o, c, extra)
        if best is None:
            return th, own, clean
        _, j, th, own, clean, extra = best
        n += 1
        log(f"step {n}: {cm.LABELS[j]} -> {th[j]:.2f}; own-category flags {own}, clean flagged {clean}"
            + (f", ordinary {extra:.4f}" if isinstance(extra, float) else ""))


def write_candidate(out: Path, small: dict | None = None, teacher: dict | None = None) -> None:
    """A candidate folder: the shipped bundle (the small model's files and concern_teacher/) copied, not
    linked (the onnx library refuses a hard-linked weights file), with `small` / `teacher` merged into the
    two concern_model.json settings."""
    src = ROOT / "auditor/analysers/data"
    for sub, edit in (("", small), ("concern_teacher", teacher)):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for f in sorted((src / sub).iterdir()):
            if f.is_file() and f.name.startswith("concern_") and f.name != cm.META_FILE and not (out / sub / f.name).exists():
                shutil.copy2(f, out / sub / f.name)
        meta = json.loads((src / sub / cm.META_FILE).read_text(encoding="utf-8"))
        (out / sub / cm.META_FILE).write_text(json.dumps({**meta, **(edit or {})}, indent=1), encoding="utf-8")
    print(f"candidate folder written: {out}")


def figures(flags: np.ndarray, Y: np.ndarray) -> dict:
    concerning = Y.any(1)
    rec = {lab: float(flags[Y[:, j], j].mean()) for j, lab in enumerate(cm.LABELS)}
    return {"recall": rec, "mean": float(np.mean(list(rec.values()))),
            "caught": float(flags[concerning].any(1).mean()), "clean": float(flags[~concerning].any(1).mean()),
            "clean_n": int(flags[~concerning].any(1).sum())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/either_choice.npz")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    cascade = cm.load_default()
    send = cascade.shares                     # per label (all equal while the shipped setting is one number)
    shipped = {cm.LABELS[j] for j in cascade.either}
    ids, texts, Y = posts()
    concerning = Y.any(1)
    print(f"{len(texts)} posts from writer_{FILES[0]} ... writer_{FILES[-1]}: {int(concerning.sum())} concerning, "
          f"{int((~concerning).sum())} clean; per category "
          + ", ".join(f"{lab} {int(Y[:, j].sum())}" for j, lab in enumerate(cm.LABELS)))
    share, teacher, tthr = scores(texts, Path(a.cache), float(send.min()), a.threads)
    others = [lab for lab in cm.LABELS if lab not in shipped]
    sets = [frozenset(shipped)] + [frozenset(shipped - {lab}) for lab in sorted(shipped)]
    sets += [frozenset(shipped | set(c)) for k in (1, 2) for c in itertools.combinations(others, k)]
    base = figures(simulate(share, teacher, tthr, send, set(shipped)), Y)
    print(f"\nshipped set {sorted(shipped)}: mean category recall {base['mean']:.3f}, caught {base['caught']:.3f}, "
          f"clean flagged {base['clean']:.4f} ({base['clean_n']})")
    print("  " + ", ".join(f"{lab} {r:.3f}" for lab, r in base["recall"].items()))
    rows = []
    for s in sets:
        f = figures(simulate(share, teacher, tthr, send, set(s)), Y)
        ok = (f["clean"] <= base["clean"] + CLEAN_SLACK
              and all(f["recall"][lab] >= base["recall"][lab] for lab in cm.LABELS))
        rows.append((s, f, ok))
    print(f"\n{'set (beyond or less than the shipped one)':48s} mean   caught  clean (n)      eligible  recall changed")
    for s, f, ok in sorted(rows, key=lambda r: -r[1]["mean"]):
        name = " ".join([f"+{x}" for x in sorted(s - shipped)] + [f"-{x}" for x in sorted(shipped - s)]) or "(shipped)"
        moved = ", ".join(f"{lab} {f['recall'][lab] - base['recall'][lab]:+.3f}" for lab in cm.LABELS
                          if abs(f["recall"][lab] - base["recall"][lab]) >= 0.0005)
        print(f"{name:48s} {f['mean']:.3f}  {f['caught']:.3f}   {f['clean']:.4f} ({f['clean_n']:4d})  "
              f"{'yes' if ok else 'no ':3s}       {moved}")
    eligible = [r for r in rows if r[2]]
    best = max(eligible, key=lambda r: (r[1]["mean"], -r[1]["clean"]))
    gain = best[1]["mean"] - base["mean"]
    print(f"\nrule X: best eligible set {sorted(best[0])}, mean category recall {best[1]['mean']:.3f} "
          f"({gain:+.3f} against the shipped set); "
          + ("goes to validation" if gain >= MEAN_GAIN else f"below the +{MEAN_GAIN} bar: nothing goes to validation"))


if __name__ == "__main__":
    main()
