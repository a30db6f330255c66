"""What every concern module is given: one `TextSignals` per text (the model's verdicts, the entities,
lazily the Presidio results and the words that carried a model verdict), the `Scan` they share (the
user's own names, the employer, the engines), the `Hit` a check returns, and the helpers that turn
matched words into an explanation and the spans of every element it names.

Word lists and patterns live in ``auditor/analysers/data/text_<concern>.toml`` (see text_common.toml
for the conventions) and are read through `lexicon()`; no list is written in code.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterable, Sequence

from ...model import Span
from ...plugins import AnalysisContext, TextUnit
from .model import deobfuscate, listed, unquoted, word_forms

# -- confidence levels: how sure the tool is, placed on the one urgency scale (model.urgency) -------
# A finding backed by a precise detector (checksum, slur, phone number, patient list) or by the
# words the rules point at *and* the model's verdict is sure; one the rules found but the model
# doubts is worth a look; one the model alone found is always "check" (review), whatever its rule.
SURE = 0.9                 # rule and model agree, or a precise detector
LIKELY = 0.75              # rule found it and the model has no say (no model for that label)
DOUBTED = 0.4              # rule found it, the model disagrees: look, do not act
MODEL_ONLY_LOW, MODEL_ONLY_HIGH = 0.2, 0.42   # model alone: below ACT_FROM even for a high rule


def model_only_confidence(p: float) -> float:
    """A model-only finding's confidence: rises with the model's probability, but stays below the
    "act" level of the urgency scale for every severity."""
    p = 0.0 if not math.isfinite(p) else min(1.0, max(0.0, p))
    return round(MODEL_ONLY_LOW + (MODEL_ONLY_HIGH - MODEL_ONLY_LOW) * p, 3)


def agreed_confidence(p: float, threshold: float) -> float:
    """Rule and model agree: from LIKELY at the threshold to SURE and a little above when certain."""
    if not math.isfinite(p):
        return LIKELY
    span = max(1e-6, 1.0 - threshold)
    return round(min(0.95, LIKELY + (0.95 - LIKELY) * max(0.0, p - threshold) / span), 3)


# -- word lists ----------------------------------------------------------------------------------
DATA = "auditor.analysers.data"


def _word(w: str) -> str:
    if "\\" in w:                       # already a regular expression (e.g. "bed \\d+")
        return w
    star = w.endswith("*")
    w = w.rstrip("*")
    p = re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]")
    return p + (r"[\w'’-]*" if star else "")


def word_pattern(words: Iterable[str]) -> re.Pattern:
    """Whole words or phrases, any case; an empty list matches nothing."""
    words = sorted(set(words), key=len, reverse=True)
    if not words:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![\w@])(?:" + "|".join(_word(w) for w in words) + r")(?![\w])", re.IGNORECASE)


class Lexicon:
    """One concern's data file, compiled on first use: `words(key)` for a word list (dotted keys for
    nested tables), `patterns(key)` for a list of regular expressions, `table(key)` for raw values."""

    def __init__(self, name: str):
        self.name = name
        path = resources.files(DATA) / f"text_{name}.toml"
        self.raw = tomllib.loads(path.read_text(encoding="utf-8"))
        self._cache: dict[tuple[str, str], Any] = {}

    def table(self, key: str | tuple[str, ...]) -> Any:
        """A value by dotted key ("work_context.strong"), or by a tuple of parts for keys that hold a
        dot themselves (("claims", "COVID-19", "patterns"))."""
        node: Any = self.raw
        for part in (key.split(".") if isinstance(key, str) else key):
            node = node[part]
        return node

    def words(self, key: str | tuple[str, ...]) -> re.Pattern:
        k = ("w", str(key))
        if k not in self._cache:
            self._cache[k] = word_pattern(self.table(key))
        return self._cache[k]

    def word_set(self, key: str | tuple[str, ...]) -> frozenset[str]:
        k = ("s", str(key))
        if k not in self._cache:
            self._cache[k] = frozenset(w.casefold() for w in self.table(key))
        return self._cache[k]

    def patterns(self, key: str | tuple[str, ...]) -> list[re.Pattern]:
        k = ("p", str(key))
        if k not in self._cache:
            self._cache[k] = [re.compile(p, re.IGNORECASE) for p in self.table(key)]
        return self._cache[k]

    def groups(self, key: str | tuple[str, ...]) -> dict[str, re.Pattern]:
        """A table of name -> word list, each compiled."""
        k = ("g", str(key))
        if k not in self._cache:
            self._cache[k] = {name: word_pattern(ws) for name, ws in self.table(key).items()}
        return self._cache[k]


@lru_cache(maxsize=None)
def lexicon(name: str) -> Lexicon:
    return Lexicon(name)


COMMON = "common"


# -- pieces of text named in an explanation ------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    """Words of the text that an explanation names: their characters and what they are."""
    text: str
    start: int
    end: int
    kind: str = "trigger"

    def span(self) -> Span:
        return Span(self.start, self.end, self.kind)


def pieces(matches: Iterable[re.Match], kind: str = "trigger", group: int = 0) -> list[Piece]:
    out = []
    for m in matches:
        s, e = m.span(group)
        if s < e:
            out.append(Piece(_tidy(m.group(group)), s, e, kind))
    return out


def find(rx: re.Pattern | Sequence[re.Pattern], text: str, kind: str = "trigger", group: int = 0) -> list[Piece]:
    rxs = [rx] if isinstance(rx, re.Pattern) else list(rx)
    out: list[Piece] = []
    for r in rxs:
        out += pieces(r.finditer(text), kind, group)
    return sorted(out, key=lambda p: (p.start, -p.end))


def _tidy(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def key(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().casefold()


def distinct(ps: Iterable[Piece]) -> list[Piece]:
    """First occurrence of each distinct text, in text order; overlapping pieces keep the longer."""
    ps = sorted(ps, key=lambda p: (p.start, -(p.end - p.start)))
    out: list[Piece] = []
    seen: set[str] = set()
    for p in ps:
        if key(p.text) in seen or any(p.start < q.end and q.start < p.end for q in out):
            continue
        seen.add(key(p.text))
        out.append(p)
    return out


def quote(ps: Sequence[Piece], limit: int = 4) -> str:
    return ", ".join(f"'{p.text}'" for p in distinct(ps)[:limit])


class Named:
    """Collects the elements an explanation names, renders them, and gives the spans of exactly
    those elements (every occurrence of each, so that redaction removes them all)."""

    def __init__(self, text: str):
        self.text = text
        self.parts: list[tuple[str, list[Piece]]] = []

    def add(self, label: str, ps: Sequence[Piece], limit: int = 3) -> "Named":
        ps = distinct(ps)[:limit]
        if ps:
            self.parts.append((label, ps))
        return self

    def __bool__(self) -> bool:
        return bool(self.parts)

    def render(self, sep: str = "; ") -> str:
        return sep.join((f"{label} " if label else "") + ", ".join(f"'{p.text}'" for p in ps)
                        for label, ps in self.parts)

    def named(self) -> list[Piece]:
        return [p for _, ps in self.parts for p in ps]

    def spans(self, also: Iterable[Piece] = ()) -> tuple[Span, ...]:
        return spans_of(self.text, [*self.named(), *also])


def spans_of(text: str, named: Iterable[Piece]) -> tuple[Span, ...]:
    """The spans of the named pieces, and of every other place the same words occur, in text order."""
    out: dict[tuple[int, int], Span] = {}
    for p in named:
        out.setdefault((p.start, p.end), p.span())
        if len(p.text) >= 3:
            rx = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in p.text.split()) + r"(?!\w)",
                            re.IGNORECASE)
            for m in rx.finditer(text):
                out.setdefault(m.span(), Span(m.start(), m.end(), p.kind))
    spans = sorted(out.values(), key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for s in spans:                     # nested duplicates (a name inside a longer name) go
        if any(k.start <= s.start and s.end <= k.end and k != s for k in kept):
            continue
        kept.append(s)
    return tuple(kept)


# -- what a check returns ------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    rule: str
    evidence: str             # short: the words, entity or number (part of the finding's id)
    explanation: str          # one sentence: which concern, which words or details, why it matters
    confidence: float
    spans: tuple[Span, ...] = ()
    severity: str | None = None
    action: str | None = None
    model_only: bool = False  # the model alone found it (no rule could point at the words)


# -- one text and what is known about it -----------------------------------------------------------
@dataclass
class TextSignals:
    """One text of the batch with what the engine learned about it, shared by every concern."""
    unit: TextUnit
    text: str                                  # links blanked (same length: offsets index unit.text)
    probs: dict[str, float]                    # label -> calibrated probability; NaN: no model verdict
    thresholds: dict[str, float]
    doc: Any = None                            # spaCy doc when a concern asked for entities
    memo: dict[Any, Any] = field(default_factory=dict)
    model_text: str = ""                       # what the model read: links as its placeholder, same length

    def __post_init__(self):
        if not self.model_text:
            self.model_text = self.text

    def p(self, label: str) -> float:
        return self.probs.get(label, math.nan)

    def says(self, label: str) -> bool | None:
        """The model's verdict on one concern: True, False, or None when it has no say."""
        p = self.p(label)
        if not math.isfinite(p):
            return None
        return p >= self.thresholds.get(label, 0.5)

    def yes(self, label: str) -> bool:
        return self.says(label) is True

    def no(self, label: str) -> bool:
        return self.says(label) is False

    def confidence(self, label: str) -> float:
        """Confidence of a rule finding on this concern, given the model's verdict."""
        said = self.says(label)
        if said is None:
            return LIKELY
        if said:
            return agreed_confidence(self.p(label), self.thresholds.get(label, 0.5))
        return DOUBTED

    def find(self, rx: re.Pattern | Sequence[re.Pattern], kind: str = "trigger", group: int = 0) -> list[Piece]:
        rxs = (rx,) if isinstance(rx, re.Pattern) else tuple(rx)
        k = ("find", tuple((r.pattern, r.flags) for r in rxs), kind, group)
        if k not in self.memo:
            self.memo[k] = find(rx, self.text, kind, group)
        return self.memo[k]

    def ents(self, labels: Sequence[str], kind: str) -> list[Piece]:
        if self.doc is None:
            return []
        out = []
        for e in self.doc.ents:
            if e.label_ not in labels or not any(c.isalpha() for c in e.text):
                continue
            s, t = unquoted(self.text, e.start_char, e.end_char)   # "'Brightsmile Dental'": not the quotes
            if e.label_ == "PERSON":
                name = as_name(self.text, s, t)
                if name is None:
                    continue
                s, t = name
            out.append(Piece(_tidy(self.text[s:t]), s, t, kind))
        return out

    @property
    def endorsed(self) -> bool:
        return self.unit.post.endorsement


@dataclass
class Scan:
    """What the concerns share for one batch: the user's own names and handles (never third-party
    data), the employer's names, the lazily built engines, and the model's explanation hook."""
    ctx: AnalysisContext
    own: set[str]
    employer: re.Pattern | None
    presidio: Callable[[], Any]
    salient: Callable[[TextSignals, str, int], list[tuple[int, int]]]

    @property
    def own_squashed(self) -> set[str]:
        if "_own_squashed" not in self.__dict__:
            self.__dict__["_own_squashed"] = {squash(n) for n in self.own if len(squash(n)) > 2}
        return self.__dict__["_own_squashed"]

    def is_own(self, text: str) -> bool:
        t = text.strip().lstrip("@").casefold()
        if not t:
            return False
        if t in self.own:
            return True
        words = [w for w in re.split(r"\W+", t) if w]
        return bool(words) and all(w in self.own for w in words)

    def words_that_carried(self, sig: TextSignals, label: str, k: int = 3) -> list[Piece]:
        """The words that carried the model's verdict on `label`, in plain words: placeholders,
        numbers, single letters and function words are never offered."""
        memo = f"salient:{label}"
        if memo not in sig.memo:
            out: list[Piece] = []
            try:
                spans = self.salient(sig, label, k + 3)
            except Exception:          # an explanation aid: its failure must not lose the finding
                spans = []
            for s, e in spans:
                p = meaningful(sig.text, s, e)
                if p is not None and not any(p.start < q.end and q.start < p.end for q in out):
                    out.append(p)
                if len(out) >= k:
                    break
            sig.memo[memo] = sorted(out, key=lambda p: p.start)
        return sig.memo[memo]


def squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.casefold())


_TOKEN = re.compile(r"[\w'’]+(?:[-/.][\w'’]+)*|[^\w\s]")


def unpossessive(text: str, start: int, end: int) -> int:
    """The end of text[start:end] without a possessive 's ("Okafor's" -> "Okafor")."""
    return end - 2 if end - start > 3 and text[end - 2:end] in ("'s", "’s") else end


def meaningful(text: str, start: int, end: int) -> Piece | None:
    """The stretch text[start:end] trimmed of function words and placeholders at either end; None
    when nothing meaningful is left (a number, a single letter, 'own', 'URL'). A stretch that is one
    disguised word ("s t u p i d", "1d10t", "sc@m": model.deobfuscate) is kept whole, as written."""
    stop = lexicon(COMMON).word_set("explanation.stopwords")
    whole = text[start:end]
    read = deobfuscate(whole)
    if read != whole and whole == whole.strip() and read.isalpha() and len(read) >= 3 and read.casefold() not in stop:
        return Piece(whole, start, end, "trigger")      # one disguised word, as written: "s t u p i d", "1d10t"
    toks = [(m.start() + start, m.end() + start, m.group()) for m in _TOKEN.finditer(text[start:end])]

    def ok(t: str) -> bool:
        k, _ = word_forms(t)
        return (not listed(t, stop) and sum(c.isalpha() for c in t) >= 3 and not t.startswith("@")
                and k not in ("url", "user"))
    while toks and not ok(toks[0][2]):
        toks.pop(0)
    while toks and not ok(toks[-1][2]):
        toks.pop()
    if not toks:
        return None
    s, e = unquoted(text, toks[0][0], toks[-1][1])     # quotation marks around the words are not the words
    e = unpossessive(text, s, e)                       # "the coordinator's": the word is "coordinator"
    return Piece(_tidy(text[s:e]), s, e, "trigger")


def as_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where in text[start:end], an entity the recogniser calls a person, the name is: without a greeting
    before it ("Cheers Jen"), a number, an emoji or a stop after it ("Mrs Lloyd 2", "Mike 🙂") or a
    possessive 's ("Mr Okafor's list"; a place keeps its own, "St Mary's"); None when it cannot be a name
    (it starts in lower case, "ma career", or is a hashtag, "#Rehab")."""
    m = lexicon(COMMON).words("names.greetings").match(text, start, end)
    if m and m.end() < end and text[m.end()] == " ":
        start = m.end() + 1
    end = unpossessive(text, start, end)
    while end > start and not text[end - 1].isalpha():      # "Mrs Lloyd 2", "Mike 🙂", "Jason."
        end -= 1
    if end <= start or not text[start].isupper() or text[max(0, start - 1):start] == "#":
        return None
    return start, end


def preceded(sig: TextSignals, p: Piece, patterns: Sequence[re.Pattern], n: int = 30) -> bool:
    """One of `patterns` matches the n characters just before `p` (patterns anchored with $ say "right
    before it"): "another drunk", "no discount codes", "told my mate"."""
    before = sig.text[max(0, p.start - n):p.start]
    return any(rx.search(before) for rx in patterns)


def denied(sig: TextSignals, p: Piece) -> bool:
    """A negation just before `p`, in the same clause, denies it: "gay men are not perverts", "you're not
    stupid" (text_common.toml [negation])."""
    before = re.split(r"[.!?;:,\n]", sig.text[max(0, p.start - 40):p.start])[-1]
    lex = lexicon(COMMON)
    return (any(rx.search(before) for rx in lex.patterns("negation.before_patterns"))
            and not lex.words("negation.conditional").search(before))


def uniq(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for i in items:
        k = i.casefold()
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def joined(text: str, ps: Sequence[Piece]) -> list[Piece]:
    """`ps` with neighbours that touch in the text (a space or a hyphen between) read as one piece, as a
    reader would quote them: 'Bluebell', 'Court' -> 'Bluebell Court'; 'gross', 'misconduct' -> 'gross
    misconduct'. Order as given, a joined piece where its first part was."""
    by_start = sorted(ps, key=lambda p: p.start)
    merged: dict[int, Piece] = {}          # id of a piece -> the piece it became part of
    runs: list[list[Piece]] = []
    for p in by_start:
        if runs and re.fullmatch(r"[ -]{1,2}", text[runs[-1][-1].end:p.start]):
            runs[-1].append(p)
        else:
            runs.append([p])
    for run in runs:
        whole = run[0] if len(run) == 1 else Piece(_tidy(text[run[0].start:run[-1].end]), run[0].start, run[-1].end,
                                                    run[0].kind)
        for p in run:
            merged[id(p)] = whole
    out: list[Piece] = []
    for p in ps:
        w = merged[id(p)]
        if all(w is not q for q in out):
            out.append(w)
    return out


# -- findings the model alone made -------------------------------------------------------------
def resembles(sig: TextSignals, scan: Scan, rule: str, label: str, what: str, why: str,
              also: Sequence[Piece] = (), words: Sequence[Piece] | None = None) -> Hit:
    """A model-only finding: no rule could point at the words, so it says what the post reads like,
    with the words that carried the model's verdict (and any element a rule did find, `also`), and
    asks for a review. Its evidence is the resemblance itself, so that its id survives a new model.
    `words`: the words to name instead of the model's, where another finding has already found them."""
    if words is None:
        words = scan.words_that_carried(sig, label)
    named = joined(sig.text, distinct([*also, *words]))[:4]
    detail = ": " + ", ".join(f"'{p.text}'" for p in named) if named else ", from the post as a whole"
    return Hit(rule, what.lower(), f"{what}{detail}; {why}.", model_only_confidence(sig.p(label)),
               spans_of(sig.text, named), action="review", model_only=True)
