"""The learned concern classifier: a small fine-tuned encoder (MiniLM-L6) that scores a text for each of
the ten text concerns at once, run with onnxruntime and `tokenizers` (no torch, no transformers).

Files (in `data/`, written by `benchmarks/training/train_concern_model.py`):
- `concern_model.onnx`: the int8 encoder with its multi-label head (inputs `input_ids`, `attention_mask`;
  output `logits`, shape (batch, 10); a model may have a second, internal output that is not read);
- `concern_tokenizer.json`: its WordPiece tokenizer;
- `concern_model.json`: labels, per-label calibration and thresholds, maximum length, the encoder's
  window and pad tokens when they are not BERT's (`special_tokens`), the sha256 of every file of the
  bundle (the ONNX file, the tokenizer, and any file beside them that holds ONNX weights kept outside the
  graph; all checked before loading: a missing or different file is a `ConcernModelError`), training
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
from collections import OrderedDict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Collection, Sequence

import numpy as np

from ...files import sha256_file

LABELS: tuple[str, ...] = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
                           "misinformation", "boundaries", "conduct", "promotion", "workplace")
MODEL_FILE = "concern_model.onnx"
TOKENIZER_FILE = "concern_tokenizer.json"
META_FILE = "concern_model.json"
SPECIAL_TOKENS = {"cls": "[CLS]", "sep": "[SEP]", "pad": "[PAD]"}   # MiniLM's; a bundle may name others
SALIENT_MAX_WORDS = 12         # words weighed per explanation (occlusion: each costs one encoder row)
SALIENT_MIN_SHARE = 0.4        # a word is named only if it carries this share of the strongest word's weight

_URL = re.compile(r"https?://\S+|\bwww\.\S+")
LINK_WORD = "URL"               # what a link becomes in every text the models read (training and scan)
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"(?:^|\s)RT\s?@USER:?")
_REPEAT = re.compile(r"(\S)\1{3,}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[\w'’]+(?:[-/.][\w'’]+)*")
QUOTES = "'‘’"
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]\"“”]")


def unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """text[start:end] without the quotation marks at either end: "'speaks English'" -> "speaks English"."""
    while start < end and text[start] in QUOTES:
        start += 1
    while end > start and text[end - 1] in QUOTES:
        end -= 1
    return start, end


def word_forms(word: str) -> tuple[str, str]:
    """How a word is compared with a word list: casefolded, ’ read as ', no quotation marks at either end;
    and that without a possessive 's ("today's" is "today")."""
    key = word.casefold().replace("’", "'").strip(QUOTES)
    return key, key[:-2] if key.endswith("'s") else key


def bases(key: str) -> tuple[str, ...]:
    """The forms a casefolded word may be an inflection of, for looking it up in a word list that names only
    the base form: "thinks" -> "think", "saying" -> "say", "needed" -> "need", "putting" -> "put". A stem
    must keep three letters (four before a plural -s, so that "cans" is not read as "can")."""
    out = []
    if key.endswith("s") and not key.endswith("ss") and len(key) >= 5:
        out.append(key[:-1])
        if key.endswith("es"):
            out.append(key[:-2])
    for end in ("ing", "ed"):
        stem = key[:-len(end)]
        if key.endswith(end) and len(stem) >= 3:
            out += [stem, stem + "e"]
            if len(stem) >= 4 and stem[-1] == stem[-2]:
                out.append(stem[:-1])                 # "putting" -> "put"
    return tuple(out)


def listed(word: str, words: Collection[str]) -> bool:
    """`word` is in `words` (casefolded forms, `word_forms`), as itself, without a possessive 's, or as an
    inflection of a listed base form (`bases`)."""
    key, bare = word_forms(word)
    return key in words or bare in words or any(b in words for b in bases(bare))


class ConcernModelError(RuntimeError):
    """The shipped model files are missing, damaged or do not match their recorded checksum."""


class ConcernModelMismatch(ConcernModelError):
    """The model loads but gives other answers on this computer than where it was checked (its `self_check`):
    its verdicts cannot be trusted here."""


SELF_CHECK_TOLERANCE = 0.25     # largest logit difference allowed on the self-check texts (int8 rounding is ~0.01)


def normalise(text: str) -> str:
    """The same text preparation at training and scan time: entities unescaped, links replaced by a
    placeholder, common spelling disguises undone (`deobfuscate`), mentions replaced by a placeholder (the
    convention of the OLID tweets), a retweet marker dropped, runs of one character cut to three, white
    space collapsed. Case is kept (the tokenizer lower-cases)."""
    t = html.unescape(html.unescape(text or ""))
    t = _URL.sub(LINK_WORD, t)
    t = deobfuscate(t)
    t = _MENTION.sub("@USER", t)
    t = _RT.sub(" ", t)
    t = _REPEAT.sub(lambda m: m.group(1) * 3, t)
    return _SPACE.sub(" ", t).strip()


# ---- spelling disguises ------------------------------------------------------------------------
# Words hidden from filters by their spelling ("i d i o t", "1d10t", "sc@m", "$hit") are read as the word.
# Conservative on purpose: numbers, times, dates, prices, codes, mentions, e-mail addresses, links,
# hashtags and placeholders are left as they are (see the tests for the cases decided).
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# three or more single letters, each separated from the next by the same single space or single dot
_SPACED = re.compile(r"(?<![\w'’@#$&.])[A-Za-z](?P<sep>[ .])[A-Za-z](?:(?P=sep)[A-Za-z])+(?![\w'’@#$&])")
# single-letter words of text speak ("u r a ...", "y u", "b4", "c u"): a run of only these is left
_TEXT_SPEAK = frozenset("aiurybcnkox")
# a word of letters, leet digits and @ $: not after a word character, #, @, an apostrophe, a currency sign
# or a number's punctuation; not followed by another word character, an apostrophe, or a dot, colon,
# slash or hyphen that carries on into a word or number (e-mail addresses, domains, 24/7, 3:15)
_LEET_WORD = re.compile(r"(?<![\w'’@#$£€¥.:/&-])[A-Za-z0-9$][A-Za-z0-9@$]*(?![\w'’@$&]|[.:/-]\w)")
_LEET_INNER = re.compile(r"[A-Za-z][0-9@$]+[A-Za-z]")
_UK_OUTWARD = re.compile(r"(?:EC|SW|WC|W|E|N|NW|SE)\d[A-Z]")           # SW1A, EC1A, N1C ...
_POSTCODE_TAIL = re.compile(r"\s?\d[A-Za-z]{2}\b")                      # "SW1A 1AA": the inward part


def deobfuscate(text: str) -> str:
    """`text` with spaced-out letters joined ("i d i o t", "i.d.i.o.t" -> "idiot") and leetspeak inside
    words read as letters ("1d10t" -> "idiot", "sc@m" -> "scam", "$hit" -> "shit"); everything else kept.

    Spaced letters: a run of three or more single letters separated by the same single space or dot is
    joined into one word ("U.S.A" -> "USA", "J.R.R" -> "JRR": harmless); a run made only of text-speak
    letters ("u r a", "A B C") is left; when the run starts with such letters ("u r a i d i o t") they
    stay words of their own where the rest reads as fewer word pieces of the shipped tokenizer, two at
    most ("u r a idiot"), and a leading "a" before three or more letters is read as the article ("a
    cunt"; so "a r s e" -> "a rse", a known miss). Initials with a dot and a space ("J. K. Rowling")
    and pairs ("G P") are left.

    Leetspeak: a word with at least two letters whose other characters are all 0 1 3 4 5 7 @ $, with at
    least one of them between two letters ("sh1t", "1d10t", "sc@m") or a $ beside lowercase letters
    ("$hit", "bada$$"); every one of them mapped. Left: a number joined to letters at one end only
    (3pm, 1st, B12, MP3, COVID19, 10am), capitals with fewer than three letters or a run of two digits
    (H1N1, A7X, AB51ABC), codes with a plural s (F1s, FY1s), UK postcodes (SW1A 1AA), an '@' that
    looks like a mention glued to a word (after more than three letters, after RT, or before capitals
    in a word not all capitals: "thanks@bob", "RT@Jo", "ho@RealJo", OLID's "f@USER"), a $ before a
    digit (a price) or before capitals (a cashtag)."""
    if not text:
        return text
    t = _SPACED.sub(_join_spaced, text)
    return _LEET_WORD.sub(lambda m: _unleet(m.group(), m.string, m.end()), t)


def _join_spaced(m: re.Match) -> str:
    run = m.group()
    letters = run.replace(m.group("sep"), "")
    lead = 0
    while lead < len(letters) and letters[lead].lower() in _TEXT_SPEAK:
        lead += 1
    if lead == len(letters):
        return run                                   # text speak or a list of letters: left
    best, best_n = 0, _pieces(letters)
    for k in range(1, min(lead, len(letters) - 3) + 1):
        n = _pieces(letters[k:])
        # fewer pieces, and at most two ("u r a c u n t"; not "i m b e c i l e"); on a tie, an article
        # "a" before three or more letters ("a c u n t": "a cunt")
        if (n < best_n and n <= 2) or (n == best_n and k == best + 1 and letters[best] == "a"
                                             and len(letters) - k >= 3):
            best, best_n = k, n
    return " ".join([*letters[:best], letters[best:]])


def _unleet(word: str, text: str, end: int) -> str:
    letters = sum(c.isalpha() for c in word)
    if letters < 2 or not any(c in _LEET for c in word) or any(not c.isalpha() and c not in _LEET for c in word):
        return word
    if word.endswith("@"):
        return word
    if "$" in word and re.search(r"\$(?:[0-9]|[A-Z]{2})", word):       # $5, $3ph, $JPM
        return word
    at = word.find("@")
    while at != -1:                        # a mention glued to a word: "thanks@bob", "F@USER", "RT@Jo"
        after = word[at + 1:]
        if (after.startswith("USER") or sum(c.isalpha() for c in word[:at]) > 3 or word.startswith("RT@")
                or (any(c.isupper() for c in after) and not word.isupper())):
            return word
        at = word.find("@", at + 1)
    inner = _LEET_INNER.search(word) is not None
    dollar = re.search(r"\$[a-z]{2}|[a-z]{2}\$", word) is not None
    if not (inner or dollar):
        return word                        # 3pm, 1st, B12, MP3, COVID19, 0bama
    alpha = [c for c in word if c.isalpha()]
    if all(c.isupper() for c in alpha) and (letters < 3 or re.search(r"\d\d", word)):
        return word                        # H1N1, A7X, AB51ABC
    if re.fullmatch(r"[A-Z]+\d+s", word) or _UK_OUTWARD.fullmatch(word) or _POSTCODE_TAIL.match(text, end):
        return word                        # F1s, FY1s; SW1A; "W1D 4FA"
    out = "".join(_LEET.get(c, c) for c in word)
    return out if out.isalpha() else word


@lru_cache(maxsize=1)
def _vocab_tokenizer():
    return load_tokenizer(Path(str(resources.files("auditor.analysers") / "data")))


@lru_cache(maxsize=4096)
def _pieces(word: str) -> int:
    """How many word pieces the shipped tokenizer reads `word` as (fewer: a more familiar word)."""
    return len(_vocab_tokenizer().encode(word.lower(), add_special_tokens=False).ids)


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
        self._count_lock = threading.Lock()     # predict runs in several threads at once (engine.SCORERS)
        self._memo: OrderedDict[bytes, np.ndarray] = OrderedDict()     # digest -> logits, last used last
        self._memo_lock = threading.Lock()
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
            for name, want in self.meta["sha256"].items():     # the model, its tokenizer, and any file
                p = self.data_dir / name                       # the model's weights are split into
                if Path(name).name != name:
                    raise ConcernModelError(f"the concern model's settings name a file outside its folder: {name!r}")
                if not p.is_file():
                    raise ConcernModelError(f"the concern model file is missing: {p}")
                got = sha256_file(p)
                if got != want:
                    raise ConcernModelError(f"the concern model file {p} does not match its recorded "
                                            f"checksum (sha256 {got}, expected {want})")
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
            self._cls, self._sep, self._pad = self._special_ids(tok)
            session = ort.InferenceSession(str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"])
            self._self_check(session)
            self._session = session

    def ready(self) -> None:
        """Load now (checksums, the session, the self-check) instead of at the first text: a refusal is then
        known before the scan reads anything."""
        self._load()

    def _self_check(self, session) -> None:
        """Score the texts of the settings' `self_check` (each alone, as a scan does) and compare with the logits
        recorded where the model was measured. A CPU whose int8 arithmetic differs (an onnxruntime kernel that
        saturates on it, say) gives other answers: that is a ConcernModelMismatch, never a silent scan."""
        check = self.meta.get("self_check")
        if not check:
            return
        try:
            texts, want = list(check["texts"]), np.asarray(check["logits"], dtype=np.float32)
            tol = float(check.get("tolerance", SELF_CHECK_TOLERANCE))
        except (KeyError, TypeError, ValueError) as e:
            raise ConcernModelError(f"the concern model's self-check is damaged ({e!r}): "
                                    f"{self.data_dir / META_FILE}") from e
        got = np.full(want.shape, -30.0, dtype=np.float32)
        rows, owner = self._rows([normalise(t) for t in texts])        # the tokenizer is loaded; the session not yet
        for row, i in zip(rows, owner):
            ids = np.asarray([row], dtype=np.int64)
            z = session.run(["logits"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
            got[i] = np.maximum(got[i], z[:want.shape[1]])
        worst = float(np.abs(got - want).max()) if want.size else 0.0
        if not np.isfinite(worst) or worst > tol:
            raise ConcernModelMismatch(
                f"the text model in {self.data_dir} gives different answers on this computer than on the one "
                f"where it was checked (largest difference {worst:.2f}, allowed {tol:.2f}), so its verdicts cannot "
                f"be trusted here")

    def _special_ids(self, tok) -> tuple[int, int, int]:
        """Ids of the tokens that open and close a window and pad a batch: the encoder's own, named in
        concern_model.json's `special_tokens` (MPNet's `<s>`, `</s>`, `<pad>`); BERT's [CLS], [SEP] and
        [PAD] (MiniLM) when it names none. A named token the tokenizer lacks is a ConcernModelError."""
        names = {**SPECIAL_TOKENS, **(self.meta.get("special_tokens") or {})}
        ids = []
        for role in ("cls", "sep", "pad"):
            i = tok.token_to_id(str(names[role]))
            if i is None:
                raise ConcernModelError(f"the concern model's {role} token {names[role]!r} is not in its "
                                        f"tokenizer ({self.data_dir / TOKENIZER_FILE})")
            ids.append(int(i))
        return ids[0], ids[1], ids[2]

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
        """Raw head outputs (n, 10); a text read in several windows gets the maximum per label.

        A text this model scored lately (the last MEMO texts, by their normalised form) is not scored again:
        each text is scored alone, so the stored row is the one a new run would give. This serves the same
        words posted twice (a caption cross-posted to two platforms, the same repost in two archives),
        a text's own row when its explanation is weighed, and the occluded variants shared by two labels."""
        self._load()
        n = len(texts)
        out = np.full((n, len(LABELS)), -30.0, dtype=np.float32)
        if n == 0:
            return out
        for c in range(0, n, self.CHUNK):     # bounded memory for any number of texts
            part = texts[c:c + self.CHUNK]
            norm = list(part) if prepared else [normalise(t) for t in part]
            out[c:c + len(part)] = self._remembered(norm)
        return out

    CHUNK = 2048
    MEMO = 8192                   # texts whose logits are kept (10 floats and a 16-byte digest each); 0: none

    def forget(self) -> None:
        """Drop the remembered texts (the next scores are computed afresh)."""
        with self._memo_lock:
            self._memo.clear()

    def _remembered(self, norm: list[str]) -> np.ndarray:
        if self.MEMO <= 0:
            return self._logits(norm)
        keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in norm]
        out = np.empty((len(norm), len(LABELS)), dtype=np.float32)
        todo: dict[bytes, list[int]] = {}
        with self._memo_lock:
            for i, k in enumerate(keys):
                row = self._memo.get(k)
                if row is None:
                    todo.setdefault(k, []).append(i)
                else:
                    self._memo.move_to_end(k)
                    out[i] = row
        if todo:
            first = [idx[0] for idx in todo.values()]
            got = self._logits([norm[i] for i in first])
            with self._memo_lock:
                for (k, idx), row in zip(todo.items(), got):
                    out[idx] = row
                    self._memo[k] = row
                while len(self._memo) > self.MEMO:
                    self._memo.popitem(last=False)
        return out

    def _logits(self, norm: list[str]) -> np.ndarray:
        """(n, 10) logits of normalised texts: every window one encoder row, rows run `batch_size` at a
        time in order of length."""
        out = np.full((len(norm), len(LABELS)), -30.0, dtype=np.float32)
        rows, owner = self.rows(norm)
        with self._count_lock:
            self.rows_run += len(rows)
        for idx, ids, mask in self.calls(rows, self.batch_size):
            z = self._session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
            np.maximum.at(out, owner[idx], z.astype(np.float32))
        return out

    def rows(self, norm: Sequence[str]) -> tuple[list[list[int]], np.ndarray]:
        """Every window of the normalised texts as one encoder row (token ids with the specials), and the
        index of the text each row belongs to."""
        self._load()
        return self._rows(norm)

    def _rows(self, norm: Sequence[str]) -> tuple[list[list[int]], np.ndarray]:
        rows, owner = [], []
        for i, e in enumerate(self._tokenizer.encode_batch(list(norm), add_special_tokens=False)):
            for w in self._windows(e.ids):
                rows.append(w)
                owner.append(i)
        return rows, np.asarray(owner, dtype=np.int64)

    def calls(self, rows: list[list[int]], batch_size: int):
        """The encoder calls for `rows`: (row indices, input ids, attention mask), rows in order of length,
        `batch_size` to a call, padded to the longest in the call."""
        self._load()                   # the pad token's id
        order = sorted(range(len(rows)), key=lambda j: len(rows[j]))
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            width = max(len(rows[j]) for j in idx)
            ids = np.full((len(idx), width), self._pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, j in enumerate(idx):
                ids[r, :len(rows[j])] = rows[j]
                mask[r, :len(rows[j])] = 1
            yield idx, ids, mask

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
                      skip: Collection[str] = (), base: float | None = None,
                      min_share: float = SALIENT_MIN_SHARE) -> list[tuple[int, int, float]]:
        """Which words carried the decision for `label`. Returns up to k non-overlapping character spans
        of `text` (start, end, weight), strongest first, weight = the drop in the label's probability
        (0..1) when the word is removed, only spans whose removal lowers it and whose weight is at least
        `min_share` of the strongest span's (so that a word that barely moved the verdict is not shown
        beside the one that decided it: "'trust', 'organise', 'piss'" read as if all three were offensive).

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
        variants = [_occlude(text, groups[x]) for x in keys]
        if base is None or not np.isfinite(base):
            p = self.predict([text, *variants])[:, j]
            base, p = float(p[0]), p[1:]
        else:
            base, p = float(base), self.predict(variants)[:, j]
        floor = max(0.02 * base, 1e-4)
        cands = [(float(base - p[i]), groups[x][0]) for i, x in enumerate(keys)]
        # pairs: neighbouring words, both among the four strongest and each carrying a quarter of the top
        strong = sorted((c for c in cands if c[0] > floor), key=lambda c: -c[0])[:4]
        strong = sorted((c for c in strong if c[0] >= 0.25 * strong[0][0]), key=lambda c: c[1][0]) if strong else []
        pairs = []
        for (d1, (s1, e1)), (d2, (s2, e2)) in zip(strong, strong[1:]):
            gap = text[e1:s2]
            if (len(_WORD.findall(gap)) <= 1 and "@" not in gap and "\n" not in gap and len(gap) <= 12
                    and not _CLAUSE_BREAK.search(gap)):    # "'country, send'", "'photo: today's'" read as one
                pairs.append(((s1, e2), max(d1, d2)))
        if pairs:
            pp = self.predict([_occlude(text, [sp]) for sp, _ in pairs])[:, j]
            cands += [(float(base - pp[i]), sp) for i, (sp, best) in enumerate(pairs) if base - pp[i] > 1.25 * best]
        ranked = sorted(cands, key=lambda x: (-x[0], x[1][1] - x[1][0]))
        out: list[tuple[int, int, float]] = []
        for d, (s, e) in ranked:
            if d <= floor or d < min_share * ranked[0][0]:
                break
            if any(s < oe and os_ < e for os_, oe, _ in out):
                continue
            out.append((s, e, round(d, 4)))
            if len(out) >= k:
                break
        return out


def _candidates(text: str, skip: Collection[str]) -> dict[str, list[tuple[int, int]]]:
    """The words an explanation may name, casefolded -> their spans in `text` (see salient_spans). A
    disguised word ("s t u p i d", "1d10t", "sc@m") is one candidate under the word it disguises, its
    span the disguise as written."""
    skip_set = {w.casefold().replace("’", "'") for w in skip}
    disguised = _disguised(text)
    found = list(disguised)
    for m in _WORD.finditer(text):
        if not any(m.start() < e and s < m.end() for s, e, _ in disguised):
            found.append((m.start(), m.end(), m.group()))
    groups: dict[str, list[tuple[int, int]]] = {}
    for s, e, w in sorted(found):
        if s > 0 and text[s - 1] == "@":
            continue
        if w == text[s:e]:                      # a quotation mark is not part of the word: 'speaks English'
            s, e = unquoted(text, s, e)
            w = text[s:e]
        key, _ = word_forms(w)
        if sum(c.isalpha() for c in w) < 3 or listed(w, skip_set) or key in ("url", "user"):
            continue
        groups.setdefault(key, []).append((s, e))
    return groups


def _disguised(text: str) -> list[tuple[int, int, str]]:
    """(start, end, the word read) of each disguised word of `text` (see deobfuscate)."""
    out = []
    for m in _SPACED.finditer(text):
        joined = _join_spaced(m)
        if joined != m.group():
            lead = joined.count(" ")                  # text-speak letters left as words of their own
            out.append((m.start() + 2 * lead, m.end(), joined.split(" ")[-1]))
    for m in _LEET_WORD.finditer(text):
        read = _unleet(m.group(), text, m.end())
        if read != m.group() and not any(m.start() < e and s < m.end() for s, e, _ in out):
            out.append((m.start(), m.end(), read))
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


class Cascade:
    """Two models, one verdict: the small model reads every text; a text it finds anywhere near a concern
    (its probability for some label at least `send` x that label's threshold; `send` one share for every
    label, or one per label) is read again by the larger `teacher`, whose verdict is final. A text not sent
    keeps, per label, the small model's probability as a share of its threshold times the teacher's
    threshold: under the teacher's threshold (the share is below `send` <= 1), still ordered by the small
    model's confidence. Thresholds are the teacher's. The explanations' occlusion runs on the small model
    (the teacher would cost several times more per word).
    `either`: labels on which the small model's own flag is kept (a text is flagged for such a label when
    either model flags it): for each, the larger of the teacher's probability and the small model's share
    of its threshold times the teacher's threshold.
    Same interface as ConcernModel: labels, thresholds, meta, predict, flags, salient_spans, rows_run."""

    def __init__(self, cheap: ConcernModel, teacher: ConcernModel, send: float | dict[str, float],
                 either: Collection[str] = ()):
        if isinstance(send, dict):
            unknown = [lab for lab in send if lab not in teacher.labels]
            if unknown or len(send) != len(teacher.labels):
                raise ConcernModelError(f"the concern model's cascade setting send names {sorted(send)}; expected "
                                        f"one share for each of {list(teacher.labels)}")
            shares = np.array([float(send[lab]) for lab in teacher.labels], dtype=np.float32)
        else:
            shares = np.full(len(teacher.labels), float(send), dtype=np.float32)
        if not np.all((shares > 0) & (shares <= 1)):
            raise ConcernModelError(f"the concern model's cascade setting send must be in (0, 1], not {send}")
        unknown = [lab for lab in either if lab not in teacher.labels]
        if unknown:
            raise ConcernModelError(f"the concern model's cascade setting either names unknown labels {unknown}; "
                                    f"expected some of {list(teacher.labels)}")
        self.cheap, self.teacher = cheap, teacher
        self.shares = shares            # per label: the small model's share of its threshold that sends a text
        self.labels, self.thresholds = teacher.labels, teacher.thresholds
        self.either = [list(teacher.labels).index(lab) for lab in either]
        self.meta = {**teacher.meta, "encoder": f"{cheap.meta.get('encoder', '?')} on every text; "
                     f"{teacher.meta.get('encoder', '?')} on the texts it sends (send "
                     + (", ".join(f"{lab} {v:g}" for lab, v in send.items()) if isinstance(send, dict) else f"{send:g}")
                     + (f"; either model's flag for {', '.join(either)}" if either else "") + ")"}
        self.data_dir = teacher.data_dir
        self.sent = 0                   # texts the teacher read so far
        self._count_lock = threading.Lock()

    @property
    def rows_run(self) -> int:
        return self.cheap.rows_run + self.teacher.rows_run

    def ready(self) -> None:
        """Both models loaded now (the teacher otherwise waits for the first text sent to it)."""
        self.cheap.ready()
        self.teacher.ready()

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        share = np.asarray(self.cheap.predict(texts)) / self.cheap.thresholds
        send = (share >= self.shares).any(1)
        scaled = (share * self.teacher.thresholds).astype(np.float32)
        out = scaled.copy()
        if send.any():
            out[send] = self.teacher.predict([t for t, s in zip(texts, send) if s])
        if self.either:
            out[:, self.either] = np.maximum(out[:, self.either], scaled[:, self.either])
        with self._count_lock:
            self.sent += int(send.sum())
        return out

    def flags(self, probs: np.ndarray) -> np.ndarray:
        return np.asarray(probs) >= self.thresholds

    def forget(self) -> None:
        self.cheap.forget()
        self.teacher.forget()

    def salient_spans(self, text: str, label: str, k: int = 3, max_words: int = SALIENT_MAX_WORDS,
                      skip: Collection[str] = (), base: float | None = None,
                      min_share: float = SALIENT_MIN_SHARE) -> list[tuple[int, int, float]]:
        """The small model's occlusion (`base`, the cascade's probability, is not the small model's, so
        it is not passed on: the small model's own row for the text is remembered from its verdict)."""
        return self.cheap.salient_spans(text, label, k=k, max_words=max_words, skip=skip, min_share=min_share)


def open_model(data_dir: Path | None = None, threads: int = 1) -> ConcernModel | Cascade:
    """The model a folder holds: its concern_model.json's `cascade` ({"teacher": subfolder, "send": f or
    {label: f, ...} for every label, optionally "either": [labels]}) makes it the small model of a Cascade
    with the teacher in that subfolder."""
    cheap = ConcernModel(data_dir, threads=threads)
    spec = cheap.meta.get("cascade")
    if not spec:
        return cheap
    try:
        sub, send = str(spec["teacher"]), spec["send"]
        send = {str(k): float(v) for k, v in send.items()} if isinstance(send, dict) else float(send)
        either = spec.get("either", [])
        if not isinstance(either, list):
            raise TypeError(f"either must be a list of labels, not {either!r}")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConcernModelError(f"the concern model's cascade setting is damaged ({e!r}): {cheap.data_dir}") from e
    if Path(sub).name != sub:
        raise ConcernModelError(f"the concern model's teacher must be a subfolder of {cheap.data_dir}, not {sub!r}")
    return Cascade(cheap, ConcernModel(cheap.data_dir / sub, threads=threads), send, either)


@lru_cache(maxsize=4)
def load_default(threads: int = 1) -> ConcernModel | Cascade:
    """The shipped model (settings read now; the encoders themselves on the first `predict`)."""
    return open_model(threads=threads)


FIGURES_FILE = "concern_figures.json"


def validation_figures(data_dir: Path | None = None) -> dict | None:
    """How the whole text check did on posts written outside the project (`concern_figures.json`:
    concerning posts and how many it found, clean look-alikes and how many it flagged), or None when
    those figures were measured with other model files than the ones here (each file they were
    measured with is pinned by its sha256) or cannot be read: a figure is never shown for a model it
    was not measured on."""
    base = Path(data_dir) if data_dir is not None else Path(str(resources.files("auditor.analysers") / "data"))
    try:
        figures = json.loads((base / FIGURES_FILE).read_text(encoding="utf-8"))
        pins = figures["for_sha256"]
        if not pins or any(sha256_file(base / name) != want for name, want in pins.items()):
            return None
        if not (0 < int(figures["found"]) <= int(figures["concerning"])
                and 0 <= int(figures["clean_flagged"]) <= int(figures["clean"]) and int(figures["clean"]) > 0):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return figures
