"""The learned concern classifier: a small fine-tuned encoder (MiniLM-L6) that scores a text for each of
the ten text concerns at once, run with onnxruntime and `tokenizers` (no torch, no transformers).

Files (in `data/`, written by `benchmarks/training/train_concern_model.py`):
- `concern_model.onnx`: the int8 encoder with its multi-label head (inputs `input_ids`, `attention_mask`;
  output `logits`, shape (batch, 10); a model may have a second, internal output that is not read);
- `concern_tokenizer.json`: its WordPiece tokenizer;
- `concern_model.json`: labels, per-label calibration and thresholds, maximum length, the sha256 of the
  ONNX file (checked before loading: a missing or different file is a `ConcernModelError`), training
  summary and figures.

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
from typing import Collection, Sequence

import numpy as np

LABELS: tuple[str, ...] = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
                           "misinformation", "boundaries", "conduct", "promotion", "workplace")
MODEL_FILE = "concern_model.onnx"
TOKENIZER_FILE = "concern_tokenizer.json"
META_FILE = "concern_model.json"
SALIENT_MAX_WORDS = 12         # words weighed per explanation (occlusion: each costs one encoder row)

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
        self._lock = threading.Lock()
        self.rows_run = 0               # encoder rows (windows) scored so far: a cost count for tests

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
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.log_severity_level = 3
            tok = self._tokenizer = load_tokenizer(self.data_dir)
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
        """(n, 10) logits of normalised texts: every window one encoder row, rows run `batch_size` at a
        time in order of length."""
        out = np.full((len(norm), len(LABELS)), -30.0, dtype=np.float32)
        encs = self._tokenizer.encode_batch(norm, add_special_tokens=False)
        rows, owner = [], []
        for i, e in enumerate(encs):
            for w in self._windows(e.ids):
                rows.append(w)
                owner.append(i)
        order = sorted(range(len(rows)), key=lambda j: len(rows[j]))
        owner = np.asarray(owner)
        self.rows_run += len(rows)
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

    # ---- explanation ---------------------------------------------------------------------------
    def salient_spans(self, text: str, label: str, k: int = 3, max_words: int = SALIENT_MAX_WORDS,
                      skip: Collection[str] = (), base: float | None = None) -> list[tuple[int, int, float]]:
        """Which words carried the decision for `label`. Returns up to k non-overlapping character spans
        of `text` (start, end, weight), strongest first, weight = the drop in the label's probability
        (0..1) when the word is removed, only spans whose removal lowers it.

        Only words that could be named are weighed: at least three letters, not a link or mention
        placeholder, not a mention (the model sees '@USER', never the handle), not in `skip` (casefolded:
        the caller's function words and the user's own names). A word that occurs several times is
        removed everywhere at once.

        Occlusion: each word is removed in turn and the drop measured, one encoder row each; at most
        `max_words` words (the longest, when a text has more). A pair of neighbouring words (at most one
        other word between) is weighed only where both were among the strongest single words, and counts
        when it carries clearly more than either alone. Cost: (base? 0 : 1) + words + (at most 3 pairs)
        encoder rows.
        `base`: the text's probability for `label` when the caller has it (from `predict` on this very
        text), which saves one encoder row."""
        j = LABELS.index(label)
        text = text or ""
        groups = _candidates(text, skip)
        if not groups:
            return []
        keys = list(groups)
        if len(keys) > max_words:      # the longest words (rarer, more meaning), then back in text order
            keep = set(sorted(keys, key=lambda x: (-len(x), groups[x][0][0]))[:max_words])
            keys = [x for x in keys if x in keep]
        return self._occlusion(text, j, groups, keys, base, k)

    def _occlusion(self, text: str, j: int, groups: dict[str, list[tuple[int, int]]], keys: list[str],
                   base: float | None, k: int) -> list[tuple[int, int, float]]:
        """Each word of `keys` removed in turn (one encoder row each), then pairs of neighbouring strong
        words; the ranked spans (see salient_spans)."""
        variants = [_occlude(text, groups[x]) for x in keys]
        if base is None or not np.isfinite(base):
            p = self.calibrate(self.logits([text, *variants]))[:, j]
            base, p = float(p[0]), p[1:]
        else:
            base, p = float(base), self.calibrate(self.logits(variants))[:, j]
        floor = max(0.02 * base, 1e-4)
        cands = [(float(base - p[i]), groups[x][0]) for i, x in enumerate(keys)]
        # pairs: neighbouring words, both among the four strongest and each carrying a quarter of the top
        strong = sorted((c for c in cands if c[0] > floor), key=lambda c: -c[0])[:4]
        strong = sorted((c for c in strong if c[0] >= 0.25 * strong[0][0]), key=lambda c: c[1][0]) if strong else []
        pairs = []
        for (d1, (s1, e1)), (d2, (s2, e2)) in zip(strong, strong[1:]):
            gap = text[e1:s2]
            if len(_WORD.findall(gap)) <= 1 and "@" not in gap and "\n" not in gap and len(gap) <= 12:
                pairs.append(((s1, e2), max(d1, d2)))
        if pairs:
            pp = self.calibrate(self.logits([_occlude(text, [sp]) for sp, _ in pairs]))[:, j]
            cands += [(float(base - pp[i]), sp) for i, (sp, best) in enumerate(pairs) if base - pp[i] > 1.25 * best]
        return _ranked(cands, base, k)


def _candidates(text: str, skip: Collection[str]) -> dict[str, list[tuple[int, int]]]:
    """The words an explanation may name, casefolded -> their spans in `text` (see salient_spans)."""
    skip_set = {w.casefold().replace("’", "'") for w in skip}
    groups: dict[str, list[tuple[int, int]]] = {}
    for m in _WORD.finditer(text):
        w = m.group()
        key = w.casefold().replace("’", "'")
        if (sum(c.isalpha() for c in w) < 3 or key in skip_set or key in ("url", "user")
                or (m.start() > 0 and text[m.start() - 1] == "@")):
            continue
        groups.setdefault(key, []).append((m.start(), m.end()))
    return groups


def _ranked(cands: list[tuple[float, tuple[int, int]]], base: float, k: int) -> list[tuple[int, int, float]]:
    """Up to k non-overlapping spans by drop, strongest first, each dropping more than 2 % of base."""
    floor = max(0.02 * base, 1e-4)
    ranked = sorted(cands, key=lambda x: (-x[0], x[1][1] - x[1][0]))
    out: list[tuple[int, int, float]] = []
    for d, (s, e) in ranked:
        if d <= floor:
            break
        if any(s < oe and os_ < e for os_, oe, _ in out):
            continue
        out.append((s, e, round(d, 4)))
        if len(out) >= k:
            break
    return out


def _occlude(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with each span replaced by one space."""
    out, last = [], 0
    for s, e in sorted(spans):
        out.append(text[last:s])
        out.append(" ")
        last = e
    out.append(text[last:])
    return "".join(out)


def load_tokenizer(data_dir: Path):
    """The shipped WordPiece tokenizer, no truncation, no padding (windows and padding are made by
    ConcernModel)."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(Path(data_dir) / TOKENIZER_FILE))
    tok.no_truncation()
    tok.no_padding()
    return tok


@lru_cache(maxsize=4)
def load_default(threads: int = 1) -> ConcernModel:
    """The shipped model (settings read now; the encoder itself on the first `predict`)."""
    return ConcernModel(threads=threads)
