"""The offensive-language classifier: a linear model over hashed word and character n-grams, and
`LinearConcerns`, which offers it to the engine as a concern model with a verdict on one label
(offensive) and none on the others (the rules decide those alone).

Weights are plain arrays (`data/offensive_model.npz`, no pickles) with their settings in
`data/offensive_model.json`. They are trained by `benchmarks/train_offensive.py` on the Davidson et al.
(2017) tweets (MIT) and the OLID v1.0 training set (CC BY 4.0); see `data/MODEL_CARD.md`.
Scoring needs no spaCy: a batch of texts is a sparse matrix product.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

_URL = re.compile(r"https?://\S+|\bwww\.\S+")
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"\bRT\b:?")
_REPEAT = re.compile(r"(\w)\1{2,}")
TOKEN_PATTERN = r"(?u)[\w']+|[^\w\s]"
_TOKEN = re.compile(TOKEN_PATTERN)
# never offered as "the words that weighed most" (they carry weight only through their neighbours)
STOPWORDS = frozenset("""url @user the and you your are was were this that for with have has had but not
    all they them she her him his its our out get got just like what who how when why can cant don't dont
    i'm im it's its you're that's there their then than too from into onto some any one about over
    off him she's he's yes nah lol lmao omg gonna wanna""".split())


def normalise(text: str) -> str:
    """The same normalisation at training and at scan time: mentions and links replaced by
    placeholders (OLID's own convention), entities unescaped, letter runs shortened, lower case."""
    t = html.unescape(html.unescape(text or ""))
    t = _URL.sub("URL", t)
    t = _MENTION.sub("@USER", t)
    t = _RT.sub(" ", t)
    t = _REPEAT.sub(r"\1\1", t)
    return t.lower()


def vectorizers(n_features: int):
    from sklearn.feature_extraction.text import HashingVectorizer
    word = HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False,
                             norm="l2", token_pattern=TOKEN_PATTERN, lowercase=False)
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=n_features,
                             alternate_sign=False, norm="l2", lowercase=False)
    return word, char


def features(texts: Sequence[str], n_features: int):
    from scipy.sparse import hstack
    word, char = vectorizers(n_features)
    return hstack([word.transform(texts), char.transform(texts)]).tocsr()


@dataclass
class OffensiveModel:
    coef: np.ndarray          # 2 * n_features weights (word block, then character block)
    intercept: float
    n_features: int
    threshold: float
    meta: dict

    @classmethod
    def from_files(cls, weights, meta) -> "OffensiveModel":
        with np.load(weights) as z:
            coef = z["coef"].astype(np.float32)
            intercept = float(z["intercept"][0])
        m = json.loads(meta.read_text(encoding="utf-8")) if hasattr(meta, "read_text") else json.load(open(meta))
        return cls(coef, intercept, int(m["n_features"]), float(m["threshold"]), m)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Probability-like score in 0..1 for each text (already normalised with `normalise`)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        z = features(texts, self.n_features) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def top_words(self, normalised: str, k: int = 3, min_weight: float = 0.8) -> list[str]:
        """The words whose own (unigram) weights pushed the score up most: the explanation."""
        word, _ = vectorizers(self.n_features)
        seen, out = set(), []
        for tok in _TOKEN.findall(normalised):
            if tok in seen or tok in STOPWORDS or len(tok) < 3 or not any(c.isalpha() for c in tok):
                continue
            seen.add(tok)
            idx = word.transform([tok]).indices
            w = float(self.coef[idx].sum()) if len(idx) else 0.0
            if w >= min_weight:
                out.append((w, tok))
        return [t for _, t in sorted(out, reverse=True)[:k]]


@lru_cache(maxsize=1)
def load_default() -> OffensiveModel:
    data = resources.files("auditor.analysers") / "data"
    return OffensiveModel.from_files(data / "offensive_model.npz", data / "offensive_model.json")


class LinearConcerns:
    """The linear offensive-language model as a concern model: probabilities (n, len(labels)) with the
    offensive column filled and NaN ("no say") elsewhere."""

    def __init__(self, model: OffensiveModel, labels: Sequence[str]):
        self.model = model
        self.labels = tuple(labels)
        self.thresholds = np.array([model.threshold if lab == "offensive" else 0.5 for lab in self.labels],
                                   dtype=np.float32)

    def predict_gated(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        out = np.full((len(texts), len(self.labels)), np.nan, dtype=np.float32)
        if "offensive" in self.labels and len(texts):
            out[:, self.labels.index("offensive")] = self.model.scores([normalise(t) for t in texts])
        return out, np.ones(len(texts), dtype=bool)

    def salient_spans(self, text: str, label: str, k: int = 3) -> list[tuple[int, int, float]]:
        if label != "offensive":
            return []
        words = self.model.top_words(normalise(text), k=k)
        out = []
        for w in words:
            m = re.search(r"(?<!\w)" + re.escape(w) + r"(?!\w)", text, re.IGNORECASE)
            if m:
                out.append((m.start(), m.end(), 1.0))
        return out
