"""Training data for the concern classifier: our written posts plus the public corpora's training data,
as one table of texts, labels, label masks (which labels are known for a row), weights and folds.

Sources (see benchmarks/training/data/README.md and auditor/analysers/data/MODEL_CARD.md):
- benchmarks/training/data/writer_*.jsonl: written for this project (MIT, invented people); every label
  known (`categories` lists the positives, [] = clean).
- OLID v1.0 training set (CC BY 4.0), ../shared/corpora/offensive/olid/olid-training-v1.0.tsv.
- Davidson et al. 2017 (MIT), ../shared/corpora/offensive/davidson/labeled_data.dev.csv.
ETHOS (GPL-3.0) is never read. ../shared/corpora/ftp/ is validation only and is never read here.

Masks for the public rows (1 = a real label, 0 = unknown, left out of the loss):
- offensive: known for every public row (OLID OFF/NOT; Davidson hate and offensive = 1, neither = 0).
- discriminatory: Davidson hate = 1; Davidson neither and OLID NOT = 0 (not offensive at all, so not
  contempt for a group either); Davidson 'offensive' and OLID OFF unknown (their slurs and group insults
  were not told apart from other abuse).
- confidentiality, personal-data, boundaries, workplace, promotion = 0 (these need a care-work setting,
  third parties' contact data or selling health claims, which general 2009-2019 tweets almost never have:
  a rare wrong 0 costs less than never seeing ordinary tweets as clean for these labels).
- grievance, misinformation, conduct unknown (general tweets often complain about bosses, repeat health
  or political claims, or talk about drink, drugs and sex; the corpora did not annotate these).
"""
from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(__file__).resolve().parent / "data"
LABELS = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
          "misinformation", "boundaries", "conduct", "promotion", "workplace")
L = {lab: i for i, lab in enumerate(LABELS)}


def default_shared() -> Path:
    """../shared beside the repository (or beside its worktree folder)."""
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (cand / "corpora").is_dir():
            return cand
    return ROOT.parent / "shared"


PUBLIC_NEGATIVE = ("confidentiality", "personal-data", "boundaries", "workplace", "promotion")


@dataclass
class Table:
    texts: list[str] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    mask: list[np.ndarray] = field(default_factory=list)
    source: list[str] = field(default_factory=list)     # written / olid / davidson
    orig: list[str] = field(default_factory=list)       # OFF/NOT, hate/offensive/neither, or the writer file
    rowid: list[str] = field(default_factory=list)

    def add(self, text, y, mask, source, orig, rowid):
        self.texts.append(text)
        self.y.append(y)
        self.mask.append(mask)
        self.source.append(source)
        self.orig.append(orig)
        self.rowid.append(rowid)

    def arrays(self):
        return np.stack(self.y).astype(np.float32), np.stack(self.mask).astype(np.float32)


def _public(positive: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    y = np.zeros(len(LABELS), dtype=np.float32)
    m = np.zeros(len(LABELS), dtype=np.float32)
    for lab in PUBLIC_NEGATIVE:
        m[L[lab]] = 1
    for lab, v in positive.items():
        if v is None:
            m[L[lab]] = 0
        else:
            m[L[lab]] = 1
            y[L[lab]] = v
    return y, m


def read_written(data_dir: Path = DATA_DIR) -> tuple[list[dict], list[str]]:
    """Every well-formed line of writer_*.jsonl; returns (records, problems). Duplicate texts are kept
    once."""
    recs, problems, seen = [], [], set()
    for path in sorted(data_dir.glob("writer_*.jsonl")):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                text, cats = r["text"], r["categories"]
                assert isinstance(text, str) and text.strip() and isinstance(cats, list)
                bad = [c for c in cats if c not in L]
                if bad:
                    problems.append(f"{path.name}:{n}: unknown categories {bad} (dropped)")
                r["categories"] = [c for c in cats if c in L]
            except Exception as e:
                problems.append(f"{path.name}:{n}: {e!r}")
                continue
            key = re.sub(r"\s+", " ", text.strip().lower())
            if key in seen:
                continue
            seen.add(key)
            r["_file"] = path.name
            r["_line"] = n
            recs.append(r)
    return recs, problems


def load_olid(shared: Path):
    path = shared / "corpora/offensive/olid/olid-training-v1.0.tsv"
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8")][1:]
    return [(r[0], r[1], r[2]) for r in rows]


def load_davidson(shared: Path):
    path = shared / "corpora/offensive/davidson/labeled_data.dev.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {0: "hate", 1: "offensive", 2: "neither"}
    return [(r[""], r["tweet"], names[int(r["class"])]) for r in rows]


def build(shared: Path, davidson_offensive: int = 4000, seed: int = 13, data_dir: Path = DATA_DIR,
          written_only: bool = False):
    """The training table. Davidson's 'offensive' class (77 % of its rows) is sub-sampled to
    `davidson_offensive` rows so that it does not set the model's prior; its hate and neither rows are
    all kept. Returns (table, info)."""
    t = Table()
    recs, problems = read_written(data_dir)
    for r in recs:
        y = np.zeros(len(LABELS), dtype=np.float32)
        for c in r["categories"]:
            y[L[c]] = 1
        t.add(r["text"], y, np.ones(len(LABELS), dtype=np.float32), "written", r["_file"],
              str(r.get("id") or f"{r['_file']}:{r['_line']}"))
    info = {"written": len(recs), "written_problems": problems}
    if written_only:
        return t, info
    for rid, text, lab in load_olid(shared):
        off = int(lab == "OFF")
        y, m = _public({"offensive": off, "discriminatory": None if off else 0})
        t.add(text, y, m, "olid", lab, f"olid:{rid}")
    rows = load_davidson(shared)
    rng = random.Random(seed)
    offensive_rows = [r for r in rows if r[2] == "offensive"]
    keep = set(id(r) for r in rng.sample(offensive_rows, min(davidson_offensive, len(offensive_rows))))
    n_dav = {"hate": 0, "offensive": 0, "neither": 0}
    for r in rows:
        rid, text, lab = r
        if lab == "offensive" and id(r) not in keep:
            continue
        n_dav[lab] += 1
        if lab == "hate":
            y, m = _public({"offensive": 1, "discriminatory": 1})
        elif lab == "offensive":
            y, m = _public({"offensive": 1, "discriminatory": None})
        else:
            y, m = _public({"offensive": 0, "discriminatory": 0})
        t.add(text, y, m, "davidson", lab, f"davidson:{rid}")
    info.update(olid=sum(1 for s in t.source if s == "olid"), davidson=n_dav,
                davidson_offensive_available=len(offensive_rows))
    return t, info


def folds(t: Table, k: int, seed: int = 0) -> np.ndarray:
    """A fold number per row, stratified by source and label pattern (deterministic)."""
    rng = random.Random(seed)
    groups: dict[str, list[int]] = {}
    for i, (s, o) in enumerate(zip(t.source, t.orig)):
        key = s + ":" + (",".join(LABELS[j] for j in np.flatnonzero(t.y[i])) if s == "written" else o)
        groups.setdefault(key, []).append(i)
    f = np.zeros(len(t.texts), dtype=np.int64)
    offset = 0
    for key in sorted(groups):
        idx = groups[key]
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            f[i] = (n + offset) % k
        offset += len(idx)
    return f


# ---- augmentation (written rows only; on the fly, so each epoch sees a different variant) -------------
_EMOJI = ["😂", "🤣", "🙄", "😬", "🤦\u200d♀️", "💀", "😭", "🍷", "🙈", "👀", "😡", "🥴", "❤️", "😇", "🔥", "#nhs"]
_SPEAK = [(r"\byou\b", "u"), (r"\bare\b", "r"), (r"\bto\b", "2"), (r"\bfor\b", "4"), (r"\bbecause\b", "cos"),
          (r"\bpeople\b", "ppl"), (r"\bplease\b", "pls"), (r"\btonight\b", "2nite"), (r"\bwith\b", "w")]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op < 0.7:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def augment(text: str, rng: random.Random) -> str:
    """A plausible variant of how the same post could have been typed: case, punctuation, typos, text
    speak, an emoji or hashtag. Never removes words (that could remove the concern)."""
    t = text
    if rng.random() < 0.3:
        words = t.split(" ")
        for _ in range(rng.randint(1, 2)):
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
        t = " ".join(words)
    if rng.random() < 0.2:
        for pat, rep in _SPEAK:
            if rng.random() < 0.6:
                t = re.sub(pat, rep, t, flags=re.I)
    if rng.random() < 0.2:
        t = re.sub(r"[.,;:!?]+", "", t)
    r = rng.random()
    if r < 0.25:
        t = t.lower()
    elif r < 0.3:
        t = t.upper()
    if rng.random() < 0.2:
        e = rng.choice(_EMOJI)
        t = t + " " + e if rng.random() < 0.7 else e + " " + t
    return t
