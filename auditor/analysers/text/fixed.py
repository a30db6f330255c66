"""A concern model whose verdicts are given, not computed: the cheap engine for tests (set
probabilities per text) and for benchmarks that must score texts with out-of-fold predictions (a model
never sees the texts it is scored on). Same interface as the shipped model: `labels`, `thresholds`,
`predict(texts) -> probs`, `salient_spans(text, label, k)`."""
from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

import numpy as np

from .engine import LABELS


class FixedConcerns:
    """`verdicts(text) -> {label: probability}` (or a mapping text -> {label: probability}); labels
    not given get `default` (NaN: no verdict). `salient(text, label) -> words` names the words that
    carried a verdict (each is found in the text). Every call to predict is recorded in
    `calls`, so tests can check the model runs once per text."""

    def __init__(self, verdicts: Callable[[str], Mapping[str, float]] | Mapping[str, Mapping[str, float]],
                 default: float = 0.0, threshold: float = 0.5,
                 salient: Callable[[str, str], Sequence[str]] | None = None):
        self._verdicts = verdicts if callable(verdicts) else (lambda t, v=verdicts: v.get(t, {}))
        self.default = default
        self.labels = LABELS
        self.thresholds = np.full(len(LABELS), threshold, dtype=np.float32)
        self._salient = salient
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.full((len(texts), len(LABELS)), self.default, dtype=np.float32)
        for i, t in enumerate(texts):
            for lab, p in self._verdicts(t).items():
                out[i, LABELS.index(lab)] = p
        return out

    def salient_spans(self, text: str, label: str, k: int = 3, **_kw) -> list[tuple[int, int, float]]:
        """The given words' first places in the text (the shipped model's options, max_words and
        skip, are accepted and not needed: the words are given)."""
        if self._salient is None:
            return []
        out = []
        for w in self._salient(text, label):
            m = re.search(r"(?<!\w)" + re.escape(w) + r"(?!\w)", text)
            if m:
                out.append((m.start(), m.end(), 0.5))
        return out[:k]
