"""The learned concern classifier: a small fine-tuned encoder (MiniLM-L6) that scores a text for each of
the ten text concerns at once, run with onnxruntime and `tokenizers` (no torch, no transformers).

Files (in `data/`, written by `benchmarks/training/train_concern_model.py`):
- `concern_model.onnx`: the int8 encoder with its multi-label head (inputs `input_ids`, `attention_mask`;
  output `logits`, shape (batch, 10); a model may have a second, internal output that is not read);
- `concern_tokenizer.json`: its WordPiece tokenizer;
- `concern_model.json`: labels, per-label calibration and thresholds, maximum length, the sha256 of the
  ONNX file (checked before loading: a missing or different file is a `ConcernModelError`), training
  summary and figures;
- `concern_gate.npz`: an optional cheap gate (hashed word and character n-grams, one linear model per
  label) that clears texts it is sure are clean, so the encoder runs only on the rest.

Nothing is downloaded: the files ship inside the package. Use `load_default()` (one model per process,
loaded on first use) or `ConcernModel(data_dir, threads=...)`.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

LABELS: tuple[str, ...] = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
                           "misinformation", "boundaries", "conduct", "promotion", "workplace")
MODEL_FILE = "concern_model.onnx"
TOKENIZER_FILE = "concern_tokenizer.json"
META_FILE = "concern_model.json"
GATE_FILE = "concern_gate.npz"

_URL = re.compile(r"https?://\S+|\bwww\.\S+")
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"(?:^|\s)RT\s?@USER:?")
_REPEAT = re.compile(r"(\S)\1{3,}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[\w'’]+(?:[-/.][\w'’]+)*")


class ConcernModelError(RuntimeError):
    """The shipped model files are missing, damaged or do not match their recorded checksum."""


def normalise(text: str) -> str:
    """The same text preparation at training and scan time: entities unescaped, mentions and links
    replaced by placeholders (the convention of the OLID tweets), a retweet marker dropped, runs of one
    character cut to three, white space collapsed. Case is kept (the tokenizer lower-cases)."""
    t = html.unescape(html.unescape(text or ""))
    t = _URL.sub("URL", t)
    t = _MENTION.sub("@USER", t)
    t = _RT.sub(" ", t)
    t = _REPEAT.sub(lambda m: m.group(1) * 3, t)
    return _SPACE.sub(" ", t).strip()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class ConcernModel:
    """Scores texts for the ten concerns. Thread-safe for `predict` (onnxruntime sessions are).

    `threads`: onnxruntime intra-op threads. `batch_size`: 1 (default) scores each text alone, so a
    text's score never depends on the other texts of the scan (int8 dynamic quantisation scales the
    activations per batch; in a length-sorted batch of 32 a logit moved by up to 0.8 in our checks)."""

    def __init__(self, data_dir: Path | None = None, threads: int = 1, batch_size: int = 1):
        self.data_dir = (Path(data_dir) if data_dir is not None
                         else Path(str(resources.files("auditor.analysers") / "data")))
        self.threads = max(1, int(threads))
        self.batch_size = batch_size
        meta_path = self.data_dir / META_FILE
        if not meta_path.is_file():
            raise ConcernModelError(f"the concern model's settings file is missing: {meta_path}")
        try:
            self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
            labels = tuple(self.meta["labels"])
            self.max_length = int(self.meta["max_length"])
            self.stride = int(self.meta.get("stride", self.max_length // 4))
            cal = self.meta["calibration"]
            self._cal_a = np.array([cal[lab]["a"] for lab in labels], dtype=np.float32)
            self._cal_b = np.array([cal[lab]["b"] for lab in labels], dtype=np.float32)
            self.thresholds = np.array([self.meta["thresholds"][lab] for lab in labels], dtype=np.float32)
            self.expected_sha256 = str(self.meta["sha256"][MODEL_FILE])
        except (KeyError, TypeError, ValueError) as e:
            raise ConcernModelError(f"the concern model's settings file is damaged ({e!r}): {meta_path}") from e
        if labels != LABELS:
            raise ConcernModelError(f"the concern model's labels {labels} are not the expected {LABELS}")
        self.labels = LABELS
        self._session = None
        self._tokenizer = None
        self._gate = None
        self._lock = threading.Lock()

    # ---- loading -------------------------------------------------------------------------------
    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            onnx_path = self.data_dir / MODEL_FILE
            tok_path = self.data_dir / TOKENIZER_FILE
            for p in (onnx_path, tok_path):
                if not p.is_file():
                    raise ConcernModelError(f"the concern model file is missing: {p}")
            got = sha256_file(onnx_path)
            if got != self.expected_sha256:
                raise ConcernModelError(f"the concern model file {onnx_path} does not match its recorded "
                                        f"checksum (sha256 {got}, expected {self.expected_sha256})")
            want_tok = self.meta["sha256"].get(TOKENIZER_FILE)
            if want_tok and sha256_file(tok_path) != want_tok:
                raise ConcernModelError(f"the concern tokenizer file {tok_path} does not match its recorded checksum")
            from ... import offline
            offline.configure()        # tokenizers never fetches, onnxruntime sends no telemetry
            import onnxruntime as ort
            from tokenizers import Tokenizer
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.log_severity_level = 3
            tok = Tokenizer.from_file(str(tok_path))
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
            self._cls = tok.token_to_id("[CLS]")
            self._sep = tok.token_to_id("[SEP]")
            self._pad = tok.token_to_id("[PAD]") or 0
            self._session = ort.InferenceSession(str(onnx_path), sess_options=opts,
                                                 providers=["CPUExecutionProvider"])

    # ---- scoring -------------------------------------------------------------------------------
    def _windows(self, ids: list[int]) -> list[list[int]]:
        """Token ids (no specials) -> one or more windows of at most max_length with [CLS]/[SEP]; a long
        text is read in overlapping windows so that nothing past the first window goes unread."""
        body = self.max_length - 2
        if len(ids) <= body:
            return [[self._cls, *ids, self._sep]]
        step = max(1, body - self.stride)
        out = []
        for start in range(0, len(ids), step):
            out.append([self._cls, *ids[start:start + body], self._sep])
            if start + body >= len(ids):
                break
        return out

    def logits(self, texts: Sequence[str], prepared: bool = False) -> np.ndarray:
        """Raw head outputs (n, 10); a text read in several windows gets the maximum per label."""
        self._load()
        n = len(texts)
        out = np.full((n, len(LABELS)), -30.0, dtype=np.float32)
        if n == 0:
            return out
        for c in range(0, n, self.CHUNK):     # bounded memory for any number of texts
            part = texts[c:c + self.CHUNK]
            norm = list(part) if prepared else [normalise(t) for t in part]
            out[c:c + len(part)] = self._logits(norm)
        return out

    CHUNK = 2048

    def _logits(self, norm: list[str]) -> np.ndarray:
        out = np.full((len(norm), len(LABELS)), -30.0, dtype=np.float32)
        encs = self._tokenizer.encode_batch(norm, add_special_tokens=False)
        rows, owner = [], []
        for i, e in enumerate(encs):
            for w in self._windows(e.ids):
                rows.append(w)
                owner.append(i)
        order = sorted(range(len(rows)), key=lambda j: len(rows[j]))
        owner = np.asarray(owner)
        for b in range(0, len(order), self.batch_size):
            idx = order[b:b + self.batch_size]
            width = max(len(rows[j]) for j in idx)
            ids = np.full((len(idx), width), self._pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, j in enumerate(idx):
                ids[r, :len(rows[j])] = rows[j]
                mask[r, :len(rows[j])] = 1
            z = self._session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
            np.maximum.at(out, owner[idx], z.astype(np.float32))
        return out

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        """Per-label Platt scaling fitted on predictions for training data the model did not train on."""
        return _sigmoid(logits * self._cal_a + self._cal_b).astype(np.float32)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (len(texts), 10), columns in `LABELS` order."""
        return self.calibrate(self.logits(texts))

    def flags(self, probs: np.ndarray) -> np.ndarray:
        """Boolean (n, 10): probability at or above the label's shipped threshold."""
        return np.asarray(probs) >= self.thresholds

    # ---- cheap gate ----------------------------------------------------------------------------
    @property
    def has_gate(self) -> bool:
        return (self.data_dir / GATE_FILE).is_file() and "gate" in self.meta

    def _load_gate(self):
        if self._gate is None:
            path = self.data_dir / GATE_FILE
            want = self.meta["sha256"].get(GATE_FILE)
            if not path.is_file() or (want and sha256_file(path) != want):
                raise ConcernModelError(f"the concern gate file is missing or damaged: {path}")
            with np.load(path) as z:
                coef = z["coef"].astype(np.float32)         # (2 * n_features, 10)
                intercept = z["intercept"].astype(np.float32)
            self._gate = (coef, intercept, int(self.meta["gate"]["n_features"]),
                          np.array([self.meta["gate"]["clear_below"][lab] for lab in LABELS], dtype=np.float32))
        return self._gate

    def gate_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The cheap model's probabilities (n, 10) (not calibrated; for gating only)."""
        coef, intercept, nf, _ = self._load_gate()
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        X = gate_features([normalise(t).lower() for t in texts], nf)
        return _sigmoid(np.asarray(X @ coef) + intercept).astype(np.float32)

    def predict_gated(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(probs, sent): the encoder runs only on texts the gate cannot clear (any label's gate score at
        or above its `clear_below`); the others get probability 0 for every label. `sent` says which
        texts went to the encoder. Without a gate file every text goes to the encoder."""
        n = len(texts)
        if not self.has_gate:
            return self.predict(texts), np.ones(n, dtype=bool)
        clear = self._load_gate()[3]
        sent = (self.gate_scores(texts) >= clear).any(axis=1)
        probs = np.zeros((n, len(LABELS)), dtype=np.float32)
        idx = np.flatnonzero(sent)
        if len(idx):
            probs[idx] = self.predict([texts[i] for i in idx])
        return probs, sent

    # ---- explanation ---------------------------------------------------------------------------
    def salient_spans(self, text: str, label: str, k: int = 3, max_words: int = 80) -> list[tuple[int, int, float]]:
        """Which words carried the decision for `label`: each word (and each pair of neighbouring words)
        is removed in turn and the drop in the label's probability measured (occlusion). Returns up to k
        non-overlapping character spans of `text` (start, end, weight), strongest first, weight = the
        drop (0..1), only spans whose removal lowers the probability. Costs one encoder pass per word,
        so call it for the few flagged texts only."""
        j = LABELS.index(label)
        words = [(m.start(), m.end()) for m in _WORD.finditer(text or "") if any(c.isalnum() for c in m.group())]
        if not words:
            return []
        words = words[:max_words]
        pairs = [(words[i][0], words[i + 1][1]) for i in range(len(words) - 1)]
        variants = [text] + [text[:s] + " " + text[e:] for s, e in words + pairs]
        p = self.predict(variants)[:, j]
        base = float(p[0])
        single = p[0] - p[1:1 + len(words)]
        pair = p[0] - p[1 + len(words):]
        cands = list(zip(single, words))
        # a pair of words counts when it carries clearly more than either word alone (e.g. "send them")
        cands += [(d, sp) for i, (d, sp) in enumerate(zip(pair, pairs)) if d > 1.25 * max(single[i], single[i + 1])]
        ranked = sorted(cands, key=lambda x: (-x[0], x[1][1] - x[1][0]))
        out: list[tuple[int, int, float]] = []
        for d, (s, e) in ranked:
            if d <= max(0.02 * base, 1e-4):
                break
            if any(s < oe and os_ < e for os_, oe, _ in out):
                continue
            out.append((s, e, round(float(d), 4)))
            if len(out) >= k:
                break
        return out


def gate_features(texts: Sequence[str], n_features: int):
    """Hashed word 1-2-grams and character 2-4-grams (within word boundaries), l2-normalised each."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import HashingVectorizer
    word = HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False, norm="l2",
                             token_pattern=r"(?u)[\w']+|[^\w\s]", lowercase=False)
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=n_features,
                             alternate_sign=False, norm="l2", lowercase=False)
    return hstack([word.transform(texts), char.transform(texts)]).tocsr()


@lru_cache(maxsize=4)
def load_default(threads: int = 1) -> ConcernModel:
    """The shipped model (settings read now; the encoder itself on the first `predict`)."""
    return ConcernModel(threads=threads)
