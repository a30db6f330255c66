"""The learned concern classifier: a small fine-tuned encoder (MiniLM-L6) that scores a text for each of
the ten text concerns at once, run with onnxruntime and `tokenizers` (no torch, no transformers).

Files (in `data/`, written by `benchmarks/training/train_concern_model.py`):
- `concern_model.onnx`: the int8 encoder with its multi-label head (inputs `input_ids`, `attention_mask`;
  output `logits`, shape (batch, 10); a model may have a second, internal output that is not read). It
  may also have `token_logits`, shape (batch, seq, 10): w_j . h_t for each token's last hidden state h_t
  (added by benchmarks/training/add_token_output.py, same weights, `logits` bit-identical). The head is
  linear over the mean of the h_t, so these are each token's additive share of a label's logit: with
  TOKEN_SHARES on, the explanations read them from the verdict's own encoder row (see `salient_spans`;
  off as shipped, and the shipped file has no such output: MODEL_CARD.md says why);
- `concern_tokenizer.json`: its WordPiece tokenizer;
- `concern_model.json`: labels, per-label calibration and thresholds, maximum length, the sha256 of the
  ONNX file (checked before loading: a missing or different file is a `ConcernModelError`), training
  summary and figures;
- `concern_gate.npz` and `concern_gate.json` (written by `benchmarks/training/train_gate.py`): an optional
  cheap gate that clears texts it is sure the encoder would not flag, so the encoder runs only on the
  rest; the json holds its kind, settings, per-label `clear_below`, the npz's sha256 and its figures.
  Kind "ngrams": hashed word and character n-grams, one linear model per label; kind "embedding": a
  small token table derived from the encoder's own word embeddings, mean and max pooled, one hidden
  layer (numpy only). A text it clears gets probability 0 for every label.

Nothing is downloaded: the files ship inside the package. Use `load_default()` (one model per process,
loaded on first use) or `ConcernModel(data_dir, threads=...)`.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections import OrderedDict
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
GATE_FILE = "concern_gate.npz"
GATE_META_FILE = "concern_gate.json"
SALIENT_MAX_WORDS = 12         # words weighed per explanation (occlusion: each costs one encoder row)
TOKEN_OUTPUT = "token_logits"  # the optional per-token output (benchmarks/training/add_token_output.py)
TOKEN_SHARES = False           # explain from the token shares when the model has TOKEN_OUTPUT (else occlusion);
                               # off: measured once on validation (27 Nov 2026) the hybrid saved 1.17x CPU,
                               # its rule asked 1.25x (MODEL_CARD.md), and the shipped model has no such output
EXPLAIN_METHOD = "hybrid"      # "shares": token shares alone (no encoder row); "hybrid": the shares pick the
                               # candidates, occlusion weighs the CONFIRM strongest (and pairs of them)
CONFIRM = 4                    # hybrid: words the shares pick for occlusion to weigh
SHARES_KEPT = 4096             # flagged texts whose token shares are kept from their verdict (LRU)

_URL = re.compile(r"https?://\S+|\bwww\.\S+")
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"(?:^|\s)RT\s?@USER:?")
_REPEAT = re.compile(r"(\S)\1{3,}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[\w'’]+(?:[-/.][\w'’]+)*")
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")   # as html.unescape's


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


def _sub_mapped(rx: re.Pattern, repl, s: str, idx: list[int]) -> tuple[str, list[int]]:
    """rx.sub(repl, s) that also carries idx (the original position of each character of s): kept
    characters keep theirs; a replacement that is a prefix of what it replaces keeps the prefix's, any
    other gets the match's first position."""
    out: list[str] = []
    oidx: list[int] = []
    last = 0
    for m in rx.finditer(s):
        out.append(s[last:m.start()])
        oidx += idx[last:m.start()]
        r = repl(m) if callable(repl) else repl
        if m.group().startswith(r):
            oidx += idx[m.start():m.start() + len(r)]
        else:
            oidx += [idx[m.start()] if m.start() < len(idx) else (idx[-1] if idx else 0)] * len(r)
        out.append(r)
        last = m.end()
    out.append(s[last:])
    oidx += idx[last:]
    return "".join(out), oidx


def normalise_map(text: str) -> tuple[str, list[int]]:
    """`normalise(text)` and, for each of its characters, its position in `text` (a placeholder's
    characters point at what it replaced), so that the tokenizer's offsets lead back to the words of the
    text as written. The caller checks the string equals normalise(text)."""
    t = text or ""
    idx = list(range(len(t)))
    for _ in range(2):
        if "&" in t:
            t, idx = _sub_mapped(_CHARREF, lambda m: html.unescape(m.group()), t, idx)
    t, idx = _sub_mapped(_URL, "URL", t, idx)
    t, idx = _sub_mapped(_MENTION, "@USER", t, idx)
    t, idx = _sub_mapped(_RT, " ", t, idx)
    t, idx = _sub_mapped(_REPEAT, lambda m: m.group(1) * 3, t, idx)
    t, idx = _sub_mapped(_SPACE, " ", t, idx)
    lead = len(t) - len(t.lstrip())
    t2 = t.strip()
    return t2, idx[lead:lead + len(t2)]


class TokenShares:
    """One text's token shares, kept from the encoder row(s) that gave its verdict: the normalised
    text, its tokens' character offsets in it (no specials), and per window: the logits (10,), the
    window's first token (index into offsets) and its `token_logits` rows (window length with [CLS]
    and [SEP], 10)."""
    __slots__ = ("norm", "offsets", "logits", "starts", "tokens")

    def __init__(self, norm: str, offsets: list[tuple[int, int]]):
        self.norm, self.offsets = norm, offsets
        self.logits: list[np.ndarray] = []
        self.starts: list[int] = []
        self.tokens: list[np.ndarray] = []


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
        self._has_gate: bool | None = None
        self._lock = threading.Lock()
        self.rows_run = 0               # encoder rows (windows) scored so far: a cost count for tests
        self.has_token_output = False   # set when the encoder loads: the ONNX file has TOKEN_OUTPUT
        self._kept: OrderedDict[str, TokenShares] = OrderedDict()   # flagged texts' token shares
        self._kept_lock = threading.Lock()

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
            self.has_token_output = any(o.name == TOKEN_OUTPUT for o in self._session.get_outputs())

    # ---- scoring -------------------------------------------------------------------------------
    def _windows(self, ids: list[int]) -> list[list[int]]:
        """Token ids (no specials) -> one or more windows of at most max_length with [CLS]/[SEP]; a long
        text is read in overlapping windows so that nothing past the first window goes unread."""
        return [w for _, w in self._windows_at(ids)]

    def _windows_at(self, ids: list[int]) -> list[tuple[int, list[int]]]:
        """`_windows` with each window's first token (an index into ids)."""
        body = self.max_length - 2
        if len(ids) <= body:
            return [(0, [self._cls, *ids, self._sep])]
        step = max(1, body - self.stride)
        out = []
        for start in range(0, len(ids), step):
            out.append((start, [self._cls, *ids[start:start + body], self._sep]))
            if start + body >= len(ids):
                break
        return out

    def logits(self, texts: Sequence[str], prepared: bool = False, keep: bool = True) -> np.ndarray:
        """Raw head outputs (n, 10); a text read in several windows gets the maximum per label. `keep`:
        flagged texts' token shares are kept for their explanation (when the model has them and
        TOKEN_SHARES is on); the explanation's own variants are scored with keep=False."""
        self._load()
        n = len(texts)
        out = np.full((n, len(LABELS)), -30.0, dtype=np.float32)
        if n == 0:
            return out
        for c in range(0, n, self.CHUNK):     # bounded memory for any number of texts
            part = texts[c:c + self.CHUNK]
            norm = list(part) if prepared else [normalise(t) for t in part]
            out[c:c + len(part)] = self._logits(norm, keep=keep)
        return out

    CHUNK = 2048

    def logits_and_shares(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenShares | None]]:
        """`logits` and every text's TokenShares (None for all when the model has no TOKEN_OUTPUT); the
        same encoder rows, the same logits."""
        self._load()
        norm = [normalise(t) for t in texts]
        if not norm:
            return np.full((0, len(LABELS)), -30.0, dtype=np.float32), []
        return self._logits(norm, keep_all=True)

    def _logits(self, norm: list[str], keep_all: bool = False, keep: bool = True):
        """(n, 10) logits; with keep_all also each text's TokenShares. Otherwise, when the model has
        TOKEN_OUTPUT and TOKEN_SHARES is on, the shares of texts with a flag are kept for their
        explanation (`_shares_of`)."""
        out = np.full((len(norm), len(LABELS)), -30.0, dtype=np.float32)
        encs = self._tokenizer.encode_batch(norm, add_special_tokens=False)
        rows, owner, starts = [], [], []
        for i, e in enumerate(encs):
            for st, w in self._windows_at(e.ids):
                rows.append(w)
                owner.append(i)
                starts.append(st)
        want = self.has_token_output and (keep_all or (keep and TOKEN_SHARES))
        fetch = ["logits", TOKEN_OUTPUT] if want else ["logits"]
        zs: list[np.ndarray | None] = [None] * len(rows)       # per row, when `want`: its logits and
        tls: list[np.ndarray | None] = [None] * len(rows)      # its token_logits (views, no copy)
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
            res = self._session.run(fetch, {"input_ids": ids, "attention_mask": mask})
            z = res[0]
            np.maximum.at(out, owner[idx], z.astype(np.float32))
            if want:
                for r, j in enumerate(idx):
                    zs[j], tls[j] = z[r], res[1][r, :len(rows[j])]
        if not want:
            return (out, [None] * len(norm)) if keep_all else out
        which = (range(len(norm)) if keep_all
                 else np.flatnonzero(self.flags(self.calibrate(out)).any(axis=1)))
        shares: list[TokenShares | None] = [None] * len(norm)
        for i in which:
            shares[i] = TokenShares(norm[i], encs[i].offsets)
        for j, i in enumerate(owner):
            sh = shares[i]
            if sh is not None:
                sh.logits.append(np.array(zs[j], dtype=np.float32))
                sh.starts.append(starts[j])
                sh.tokens.append(np.array(tls[j], dtype=np.float32))
        if keep_all:
            return out, shares
        if len(which):
            with self._kept_lock:
                for i in which:
                    self._kept[norm[i]] = shares[i]
                    self._kept.move_to_end(norm[i])
                while len(self._kept) > SHARES_KEPT:
                    self._kept.popitem(last=False)
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
        """A gate ships: its weights (concern_gate.npz) and its settings (concern_gate.json); looked at
        once per model."""
        if self._has_gate is None:
            self._has_gate = (self.data_dir / GATE_FILE).is_file() and (self.data_dir / GATE_META_FILE).is_file()
        return self._has_gate

    def _load_gate(self):
        """The gate from concern_gate.npz, checked against the sha256 that concern_gate.json records; a
        missing or damaged file is a ConcernModelError. Two kinds (concern_gate.json "kind"):
        "ngrams" (default): (coef, intercept) of a linear model over hashed n-grams (gate_features);
        "embedding": a token table (int8, a scale per column) and a one-hidden-layer network over the mean
        and maximum of a text's token rows (embed_gate_features, mlp_scores). Returns a dict with "kind",
        "clear" (per-label clear_below) and the arrays."""
        with self._lock:
            if self._gate is None:
                path, meta_path = self.data_dir / GATE_FILE, self.data_dir / GATE_META_FILE
                if not path.is_file() or not meta_path.is_file():
                    gone = path if not path.is_file() else meta_path
                    raise ConcernModelError(f"the concern gate file is missing: {gone}")
                try:
                    meta = json.loads(meta_path.read_text(encoding="utf-8"))
                    want = str(meta["sha256"][GATE_FILE])
                    kind = str(meta.get("kind", "ngrams"))
                    if kind not in ("ngrams", "embedding"):
                        raise ValueError(f"kind {kind!r}")
                    nf = int(meta["n_features"]) if kind == "ngrams" else 0
                    clear = np.array([meta["clear_below"][lab] for lab in LABELS], dtype=np.float32)
                    if tuple(meta.get("labels", LABELS)) != LABELS:
                        raise ValueError(f"labels {meta.get('labels')}")
                except (KeyError, TypeError, ValueError) as e:
                    raise ConcernModelError(f"the concern gate's settings file is damaged ({e!r}): {meta_path}") from e
                if sha256_file(path) != want:
                    raise ConcernModelError(f"the concern gate file {path} does not match its recorded checksum")
                try:
                    with np.load(path, allow_pickle=False) as z:
                        arrays = {k: z[k] for k in z.files}
                except (OSError, ValueError, EOFError) as e:
                    raise ConcernModelError(f"the concern gate file {path} could not be read ({e!r})") from e
                gate = {"kind": kind, "clear": clear, "n_features": nf}
                n = len(LABELS)
                try:
                    if kind == "ngrams":
                        gate["coef"] = arrays["coef"].astype(np.float32)          # (2 * n_features, 10)
                        gate["intercept"] = arrays["intercept"].astype(np.float32)
                        ok = gate["coef"].shape == (2 * nf, n) and gate["intercept"].shape == (n,)
                    else:
                        table, scale = arrays["table"], arrays["table_scale"].astype(np.float32)
                        gate["table"], gate["scale"] = table, scale
                        for k in ("w1", "b1", "w2", "b2"):
                            gate[k] = arrays[k].astype(np.float32)
                        dims, hidden = table.shape[1] if table.ndim == 2 else -1, gate["b1"].shape[0]
                        ok = (table.dtype == np.int8 and table.ndim == 2 and scale.shape == (dims,)
                              and gate["w1"].shape == (2 * dims + 1, hidden) and gate["w2"].shape == (hidden, n)
                              and gate["b2"].shape == (n,))
                except KeyError as e:
                    raise ConcernModelError(f"the concern gate file {path} lacks {e}") from e
                if not ok:
                    raise ConcernModelError(f"the concern gate file {path} has the wrong shapes")
                self.gate_meta = meta
                self._gate = gate
        return self._gate

    def gate_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The cheap model's probabilities (n, 10) (not calibrated; for gating only)."""
        g = self._load_gate()
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        if g["kind"] == "ngrams":
            X = gate_features([normalise(t).lower() for t in texts], g["n_features"])
            return _sigmoid(np.asarray(X @ g["coef"]) + g["intercept"]).astype(np.float32)
        self._load()
        encs = self._tokenizer.encode_batch([normalise(t) for t in texts], add_special_tokens=False)
        F = embed_gate_features([e.ids for e in encs], g["table"], g["scale"])
        return mlp_scores(F, g["w1"], g["b1"], g["w2"], g["b2"])

    def predict_gated(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(probs, sent): the encoder runs only on texts the gate cannot clear (any label's gate score at
        or above its `clear_below`); the others get probability 0 for every label. `sent` says which
        texts went to the encoder. Without a gate file every text goes to the encoder."""
        n = len(texts)
        if not self.has_gate:
            return self.predict(texts), np.ones(n, dtype=bool)
        clear = self._load_gate()["clear"]
        sent = (self.gate_scores(texts) >= clear).any(axis=1)
        probs = np.zeros((n, len(LABELS)), dtype=np.float32)
        idx = np.flatnonzero(sent)
        if len(idx):
            probs[idx] = self.predict([texts[i] for i in idx])
        return probs, sent

    # ---- explanation ---------------------------------------------------------------------------
    def salient_spans(self, text: str, label: str, k: int = 3, max_words: int = SALIENT_MAX_WORDS,
                      skip: Collection[str] = (), base: float | None = None,
                      method: str | None = None) -> list[tuple[int, int, float]]:
        """Which words carried the decision for `label`. Returns up to k non-overlapping character spans
        of `text` (start, end, weight), strongest first, weight = the drop in the label's probability
        (0..1) when the word is removed, only spans whose removal lowers it.

        Only words that could be named are weighed: at least three letters, not a link or mention
        placeholder, not a mention (the model sees '@USER', never the handle), not in `skip` (casefolded:
        the caller's function words and the user's own names). A word that occurs several times is
        removed everywhere at once.

        `method` (default: EXPLAIN_METHOD when TOKEN_SHARES is on and the model has TOKEN_OUTPUT, else
        "occlusion"):
        - "occlusion": each word is removed in turn and the drop measured, one encoder row each; at most
          `max_words` words (the longest, when a text has more). A pair of neighbouring words (at most one
          other word between) is weighed only where both were among the strongest single words, and
          counts when it carries clearly more than either alone. Cost: (base? 0 : 1) + words + (at most
          3 pairs) encoder rows.
        - "shares": no encoder row (when the text's verdict was computed by this model: its token shares
          are kept; else one row). The head is linear over the mean of the tokens' states, so removing a
          word's tokens changes the logit to (logit - mean share) + (sum of the other shares) / (tokens
          left): the drop is estimated from that, in the window that gave the verdict. No pairs.
        - "hybrid": the shares rank the words, occlusion weighs the CONFIRM strongest (and pairs of them,
          as above), so every weight is a measured drop. Cost: CONFIRM + (at most 3 pairs) rows.
        A text whose shares cannot be mapped back to its words falls back to occlusion.
        `base`: the text's probability for `label` when the caller has it (from `predict` on this very
        text), which saves one encoder row."""
        j = LABELS.index(label)
        text = text or ""
        groups = _candidates(text, skip)
        if not groups:
            return []
        if method is None:
            method = EXPLAIN_METHOD if TOKEN_SHARES else "occlusion"
        if method != "occlusion":
            self._load()
            est = self._share_drops(text, groups, j) if self.has_token_output else None
            if est is not None:
                p0, drops = est
                if method == "shares":
                    return _ranked([(drops[x], groups[x][0]) for x in groups], p0, k)
                keys = sorted(groups, key=lambda x: -drops[x])[:CONFIRM]     # sign aside: the shares are flat
                return self._occlusion(text, j, groups, keys, p0 if base is None or not np.isfinite(base) else base, k)
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
            p = self.calibrate(self.logits([text, *variants], keep=False))[:, j]
            base, p = float(p[0]), p[1:]
        else:
            base, p = float(base), self.calibrate(self.logits(variants, keep=False))[:, j]
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
            pp = self.calibrate(self.logits([_occlude(text, [sp]) for sp, _ in pairs], keep=False))[:, j]
            cands += [(float(base - pp[i]), sp) for i, (sp, best) in enumerate(pairs) if base - pp[i] > 1.25 * best]
        return _ranked(cands, base, k)

    def _shares_of(self, text: str) -> tuple[TokenShares, list[int]] | None:
        """The text's token shares (kept from its verdict, else one encoder row now) and, for each
        character of the normalised text, its position in `text`; None when the two texts cannot be
        aligned."""
        self._load()
        norm, idx = normalise_map(text)
        if norm != normalise(text) or len(idx) != len(norm):
            return None
        with self._kept_lock:
            sh = self._kept.get(norm)
        if sh is None:
            _, got = self._logits([norm], keep_all=True)
            sh = got[0]
        return (sh, idx) if sh is not None and sh.tokens else None

    def _share_drops(self, text: str, groups: dict[str, list[tuple[int, int]]],
                     j: int) -> tuple[float, dict[str, float]] | None:
        """(the label's probability, the estimated drop per candidate word) from the token shares of
        the window that gave the verdict; None when there are no shares to read."""
        got = self._shares_of(text)
        if got is None:
            return None
        sh, idx = got
        owner = np.full(len(text) + 1, -1, dtype=np.int64)
        keys = list(groups)
        for q, x in enumerate(keys):
            for s, e in groups[x]:
                owner[s:e] = q
        wlog = np.array([z[j] for z in sh.logits], dtype=np.float64)
        w = int(np.argmax(wlog))
        others = np.delete(wlog, w)
        T = sh.tokens[w][:, j].astype(np.float64)
        n = len(T)
        start = sh.starts[w]
        word_sum = np.zeros(len(keys))
        word_n = np.zeros(len(keys))
        for r in range(1, n - 1):                   # the window's body tokens ([CLS] and [SEP] are no word)
            s0 = sh.offsets[start + r - 1][0]
            if s0 >= len(idx):
                continue
            q = owner[idx[s0]]
            if q >= 0:
                word_sum[q] += T[r]
                word_n[q] += 1
        a, b = float(self._cal_a[j]), float(self._cal_b[j])
        cal = lambda z: float(_sigmoid(np.float64(z * a + b)))  # noqa: E731
        p0 = cal(max(wlog.max(), -30.0))
        rest = wlog[w] - T.mean()                   # the bias, as this row sees it
        drops = {}
        for q, x in enumerate(keys):
            if word_n[q] == 0 or word_n[q] >= n:
                drops[x] = 0.0
                continue
            z = rest + (T.sum() - word_sum[q]) / (n - word_n[q])
            if len(others):
                z = max(z, float(others.max()))
            drops[x] = p0 - cal(z)
        return p0, drops


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


def gate_features(texts: Sequence[str], n_features: int):
    """Hashed word 1-2-grams and character 2-4-grams (within word boundaries), l2-normalised each."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import HashingVectorizer
    word = HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False, norm="l2",
                             token_pattern=r"(?u)[\w']+|[^\w\s]", lowercase=False)
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=n_features,
                             alternate_sign=False, norm="l2", lowercase=False)
    return hstack([word.transform(texts), char.transform(texts)]).tocsr()


def load_tokenizer(data_dir: Path):
    """The shipped WordPiece tokenizer, no truncation, no padding (the encoder and the embedding gate
    read it; windows and padding are made by ConcernModel)."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(Path(data_dir) / TOKENIZER_FILE))
    tok.no_truncation()
    tok.no_padding()
    return tok


def embed_gate_features(ids_list: Sequence[Sequence[int]], table: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per text: the mean and the maximum of its tokens' rows of the gate's token table (int8 rows times
    `scale`), and log(1 + number of tokens); (n, 2 * dims + 1) float32. A text without tokens gets zeros."""
    n, dims = len(ids_list), table.shape[1]
    out = np.zeros((n, 2 * dims + 1), dtype=np.float32)
    lens = np.fromiter((len(x) for x in ids_list), dtype=np.int64, count=n)
    has = np.flatnonzero(lens > 0)
    if len(has) == 0:
        return out
    flat = np.fromiter((t for i in has for t in ids_list[i]), dtype=np.int64, count=int(lens[has].sum()))
    np.clip(flat, 0, table.shape[0] - 1, out=flat)
    rows = table[flat].astype(np.float32) * scale
    starts = np.concatenate(([0], np.cumsum(lens[has])[:-1]))
    out[has, :dims] = np.add.reduceat(rows, starts, axis=0) / lens[has, None]
    out[has, dims:2 * dims] = np.maximum.reduceat(rows, starts, axis=0)
    out[:, -1] = np.log1p(lens)
    return out


def mlp_scores(F: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """One hidden ReLU layer, a sigmoid per label: (n, 10) float32."""
    h = np.maximum(F @ w1 + b1, 0.0)
    return _sigmoid(h @ w2 + b2).astype(np.float32)


@lru_cache(maxsize=4)
def load_default(threads: int = 1) -> ConcernModel:
    """The shipped model (settings read now; the encoder itself on the first `predict`)."""
    return ConcernModel(threads=threads)
