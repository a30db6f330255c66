"""The text engine: one step per batch of texts, then every concern module over each text.

    units (a post's own text, a caption, or text read from one of its images)
      -> normalise: links blanked (same length, so offsets still index the text), long texts cut
      -> the concern model once per text (model.py: the fine-tuned encoder) -> a calibrated
         probability and a verdict per concern; the model scores the next chunk in worker threads
         (one per core, SCORERS) while the steps below run (OVERLAP)
      -> one batched spaCy pass (NER only) over the texts some concern asked entities for
         (`needs_entities`): a name, a place, a date, whom abuse is aimed at, a number for Presidio
      -> one `TextSignals` per text, handed to every concern module in ORDER; each yields `Hit`s
      -> Findings: the rule, evidence, one plain-words explanation, confidence, and the spans of every
         element the explanation names. Likes and reposts are one severity step lower; text read
         from an image says so and carries the image's path.

Concern modules are found, not listed: every module of this package with LABEL and check(). Each
declares its RULES beside its check (auditor/rules.py gathers them). The engines are built once per
scan through `ctx.shared`; tests inject cheap ones under NLP_KEY, PRESIDIO_KEY and CONCERN_KEY. The
real spaCy model is loaded only when nothing was injected, and when it is not installed the scan stops
with the install command (nothing is ever downloaded).
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from types import ModuleType
from typing import Any, Iterator, Sequence

import numpy as np

from ...config import ConfigError
from ...model import Finding, Post, Problem
from ...plugins import AnalysisContext, TextUnit
from .model import LINK_WORD, SALIENT_MAX_WORDS    # the link placeholder; the words weighed per model-only explanation
from .nlp import Presidio, load_nlp
from .signals import COMMON, Hit, Scan, TextSignals, lexicon, word_pattern

NLP_KEY = "text.nlp"
PRESIDIO_KEY = "text.presidio"
CONCERN_KEY = "text.concern_model"
CHECKED_KEY = "text.concern_model.checked"     # (the model or NoVerdict, why it was not used or "")
REFUSED_SAID = "text.concern_model.refusal_reported"
LABELS: tuple[str, ...] = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
                           "misinformation", "boundaries", "conduct", "promotion", "workplace")
BATCH_SIZE = 256              # spaCy's batch
CHUNK = 2048                  # texts per engine step: bounds memory whatever the archive's size
MAX_CHARS = 20_000            # longer texts (OCR of documents) are cut
OVERLAP = True                # the model scores the next chunk while NER and the concerns run on this one
SCORERS = 0                   # threads scoring at once with OVERLAP; 0: one per core this process may use, at most 4
SCORE_PIECE = 64              # texts per scoring job: the workers share a chunk's texts in pieces of this size
LOWER = {"high": "medium", "medium": "low", "low": "low"}
ENDORSED = {"like": "You liked this post", "repost": "You reposted this"}


# -- the concern modules ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def concern_modules() -> tuple[ModuleType, ...]:
    """Every module of this package that declares LABEL and check(), in ORDER."""
    pkg = importlib.import_module(__package__)
    mods = []
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        mod = importlib.import_module(info.name)
        if isinstance(getattr(mod, "LABEL", None), str) and callable(getattr(mod, "check", None)):
            mods.append(mod)
    return tuple(sorted(mods, key=lambda m: (getattr(m, "ORDER", 50), m.__name__)))


# -- engines -------------------------------------------------------------------------------------
class ConcernModelMissing(ConfigError):
    """The shipped concern model's files are missing or damaged: the scan stops (never a text scan
    without its judgement, never a download)."""


def _load_concern_model():
    from .model import load_default
    return load_default(threads=1)


def concern_model(ctx: AnalysisContext):
    """The concern model (auditor/analysers/text/model.py), built once per scan; tests and benchmarks
    inject their own under CONCERN_KEY."""
    return ctx.shared(CONCERN_KEY, _load_concern_model)


def not_loaded(exc: Exception) -> ConcernModelMissing:
    """The scan-stopping error for a shipped model that is missing or damaged."""
    return ConcernModelMissing(f"The text model that ships with the tool could not be loaded ({exc}). "
                               f"Reinstall the tool (./setup.sh) and scan again.")


class NoVerdict:
    """Stands in for a concern model that was refused on this computer (its self-check gave other answers):
    no verdict on any text (NaN), so the word lists and patterns still run, as they do for a label a model
    does not cover. The scan is then marked not complete (AnalysisContext.check_not_run)."""

    def __init__(self, refused) -> None:
        self.labels = LABELS
        self.thresholds = np.asarray(refused.thresholds, dtype=np.float32)
        self.meta = {"encoder": "none (refused on this computer)"}

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return np.full((len(texts), len(LABELS)), np.nan, dtype=np.float32)


REFUSED_GAP = ("What your posts say was judged by the word lists alone: the text model, which decides most "
               "concerns (a patient made identifiable, insults, grievances, misinformation and the rest), gives "
               "different answers on this computer than where it was checked, so it was not used. Most posts "
               "that could worry your regulator may be missing from this report.",
               "Do not rely on this check for your posts: look through them yourself, and please report this "
               "problem (the report lists the technical message under \"Every problem\").")


def checked_model(ctx: AnalysisContext):
    """The concern model, every part loaded and self-checked before any text is read. A model refused on this
    computer (ConcernModelMismatch) is replaced by NoVerdict, the scan marked not complete and the reason kept
    as a Problem; a missing or damaged one still stops the scan (ConcernModelMissing)."""
    def build():
        model = concern_model(ctx)
        ready = getattr(model, "ready", None)
        if ready is None:
            return model, ""
        try:
            ready()
        except Exception as exc:
            from .model import ConcernModelError, ConcernModelMismatch
            if isinstance(exc, ConcernModelMismatch):
                ctx.check_not_run(*REFUSED_GAP)
                return NoVerdict(model), f"the text model was not used: {exc}"
            if isinstance(exc, ConcernModelError):
                raise not_loaded(exc) from exc
            raise
        return model, ""
    return ctx.shared(CHECKED_KEY, build)


def engines(ctx: AnalysisContext) -> tuple[Any, Any]:
    s = ctx.config.settings
    model, _ = checked_model(ctx)
    nlp = ctx.shared(NLP_KEY, lambda: load_nlp(s.nlp_model, s.fast_numpy_ops))
    return nlp, model


def presidio(ctx: AnalysisContext, nlp) -> Presidio:
    return ctx.shared(PRESIDIO_KEY, lambda: Presidio(nlp, ctx.config.settings.nlp_model))


def predict(model, texts: Sequence[str]) -> np.ndarray:
    """(n, len(LABELS)) probabilities in LABELS order; NaN where the model has no verdict."""
    if not texts:
        return np.zeros((0, len(LABELS)), dtype=np.float32)
    try:
        probs = model.predict(list(texts))
    except Exception as exc:
        from .model import ConcernModelError, ConcernModelMismatch
        if isinstance(exc, ConcernModelMismatch):
            raise ConcernModelMissing(f"The text check stopped: {exc}. Rather than tell you that nothing was found, "
                                      f"the scan stops here. Please report this problem, with this message.") from exc
        if isinstance(exc, ConcernModelError):
            raise not_loaded(exc) from exc
        raise
    probs = np.asarray(probs, dtype=np.float32)
    labels = tuple(getattr(model, "labels", LABELS))
    if labels == LABELS:
        return probs
    out = np.full((len(texts), len(LABELS)), np.nan, dtype=np.float32)
    for j, lab in enumerate(labels):
        if lab in LABELS:
            out[:, LABELS.index(lab)] = probs[:, j]
    return out


def thresholds(model) -> dict[str, float]:
    labels = tuple(getattr(model, "labels", LABELS))
    return {lab: float(t) for lab, t in zip(labels, np.asarray(model.thresholds, dtype=np.float32))}


# -- helpers -------------------------------------------------------------------------------------
def own_names(ctx: AnalysisContext) -> set[str]:
    """The user's own names and handles (profile and what the importers learned), casefolded."""
    names = set(ctx.config.profile.own_names())
    owner = ctx.owner or {}
    for key in ("handles", "aliases", "names"):
        for v in owner.get(key, []) or []:
            if isinstance(v, str) and v.strip():
                names.add(v.strip().lstrip("@").casefold())
    full = owner.get("full_name")
    if isinstance(full, str) and full.strip():
        names.add(full.strip().casefold())
        names |= {p.casefold() for p in full.split() if len(p) > 2}
    return names


def employer_pattern(ctx: AnalysisContext):
    p = ctx.config.profile
    names = [n for n in (p.employer, *p.employer_aliases) if n and len(n) > 1]
    return word_pattern(names) if names else None


def mask_links(text: str, fill: str = "") -> str:
    """Links blanked out (same length, so offsets still point into the post's text): a short link's
    code is not a postcode, and its path is not a place. `fill`: a word put where each link was, the
    rest of its length blank (`model_text`)."""
    if "http" not in text and "www." not in text:
        return text
    for rx in lexicon(COMMON).patterns("links.patterns"):
        text = rx.sub(lambda m: fill[:len(m.group(0))].ljust(len(m.group(0))), text)
    return text


def model_text(text: str) -> str:
    """What the concern model reads: each link as the placeholder its training texts carry ("URL", the
    preparation of `model.normalise`), so that a post sharing a link reads as one, not as a bare
    headline; the same length as the post's text, so that the spans of its explanation index it."""
    return mask_links(text, LINK_WORD)


def make_scan(ctx: AnalysisContext, nlp, model) -> Scan:
    own = own_names(ctx)
    # never weighed for an explanation: function words (never named, P4) and the user's own names
    skip = frozenset(lexicon(COMMON).word_set("explanation.stopwords")) | {
        w for n in own for w in re.split(r"\W+", n) if w}

    def salient(sig: TextSignals, label: str, k: int) -> list[tuple[int, int]]:
        fn = getattr(model, "salient_spans", None)
        if fn is None:
            return []
        try:
            spans = fn(sig.model_text, label, k=k, max_words=SALIENT_MAX_WORDS, skip=skip, base=sig.p(label))
        except TypeError:           # a model whose salient_spans takes only (text, label, k)
            spans = fn(sig.model_text, label, k=k)
        return [(int(s), int(e)) for s, e, *_ in spans]
    return Scan(ctx, own, employer_pattern(ctx), lambda: presidio(ctx, nlp), salient)


# -- the step --------------------------------------------------------------------------------------
def signals(units: Sequence[TextUnit], model) -> list[TextSignals]:
    texts = [mask_links(u.text[:MAX_CHARS]) for u in units]
    read = [model_text(u.text[:MAX_CHARS]) for u in units]
    probs = predict(model, read)
    th = thresholds(model)
    return [TextSignals(u, t, dict(zip(LABELS, map(float, row))), th, model_text=r)
            for u, t, r, row in zip(units, texts, read, probs)]


def run_concerns(sig: TextSignals, scan: Scan) -> list[Hit]:
    found: list[Hit] = []
    for mod in concern_modules():
        found.extend(mod.check(sig, scan, tuple(found)))
    return found


def to_finding(sig: TextSignals, hit: Hit) -> Finding:
    from ...rules import get
    post = sig.unit.post
    severity, explanation, conf = hit.severity, hit.explanation, hit.confidence
    if post.endorsement:
        severity = LOWER[severity or get(hit.rule).severity]
        explanation = f"{ENDORSED.get(post.kind, 'You shared this')} (someone else's words): {explanation}"
        conf *= 0.9
    if sig.unit.origin == "ocr":
        explanation = f"Text read from the image: {explanation}"
        conf *= 0.85
    elif sig.unit.origin == "caption":
        explanation = f"In the caption: {explanation}"
    return Finding(hit.rule, post.ref, evidence=hit.evidence[:120], explanation=explanation,
                   confidence=round(min(1.0, max(0.0, conf)), 3), media_path=sig.unit.media_path,
                   spans=hit.spans, severity=severity, action=hit.action)


def analyse_units(units: Sequence[TextUnit], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
    """Every text concern over a batch of texts. Used for post texts and by the image analyser for
    text read from images (findings then carry the unit's media_path and their spans index that
    text).

    With OVERLAP, the concern model scores chunk n+1 in worker threads (`scorers()`, pieces of
    SCORE_PIECE texts) while this one runs NER and the concern modules on chunk n (onnxruntime and
    tokenizers release the GIL, so the threads share the cores). Each text is scored alone either way, so
    the findings are the same, in the same order."""
    units = [u for u in units if u.text and u.text.strip()]
    if not units:
        return
    nlp, model = engines(ctx)
    _, refused = checked_model(ctx)
    if refused and not ctx.cache.get(REFUSED_SAID):
        ctx.cache[REFUSED_SAID] = True
        yield Problem("", "", refused)
    scan = make_scan(ctx, nlp, model)
    mods = [m for m in concern_modules() if callable(getattr(m, "needs_entities", None))]
    chunks = [units[c:c + CHUNK] for c in range(0, len(units), CHUNK)]
    done = 0
    for batch in _scored(chunks, model):
        need = [s for s in batch if any(m.needs_entities(s, scan) for m in mods)]
        for s, doc in zip(need, nlp.pipe((s.text for s in need), batch_size=BATCH_SIZE)):
            s.doc = doc
        for sig in batch:
            try:
                for hit in run_concerns(sig, scan):
                    yield to_finding(sig, hit)
            except Exception as exc:  # a bad record becomes a Problem; the rest is read
                src = sig.unit.post.source
                yield Problem(src.archive, src.member, f"text checks failed on {sig.unit.post.ref}: {exc!r}")
            sig.doc = None
            done += 1
            if done % 500 == 0:
                ctx.progress(done)


def scorers() -> int:
    """Threads that score texts at once: SCORERS, or one per core this process may use (at most 4: the
    main thread's NER and concern checks need a core too, and the model's sessions are shared)."""
    if SCORERS > 0:
        return SCORERS
    from ..media import cpu_count
    return max(1, min(4, cpu_count()))


def _scored(chunks: list[Sequence[TextUnit]], model) -> Iterator[list[TextSignals]]:
    """`signals` of each chunk in order; with OVERLAP (and more than one text) the chunks are scored by
    `scorers()` worker threads in pieces of SCORE_PIECE texts, the next chunk's while the caller works on
    this one (at most two chunks' signals held). An error in a worker is raised here, at the chunk it
    belongs to."""
    if not OVERLAP or sum(map(len, chunks)) < 2:
        for chunk in chunks:
            yield signals(chunk, model)
        return
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(max_workers=scorers(), thread_name_prefix="text-model")

    def submit(chunk):
        return [pool.submit(signals, chunk[p:p + SCORE_PIECE], model) for p in range(0, len(chunk), SCORE_PIECE)]
    try:
        nxt = submit(chunks[0])
        for i in range(len(chunks)):
            pieces = nxt
            if i + 1 < len(chunks):
                nxt = submit(chunks[i + 1])
            yield [s for f in pieces for s in f.result()]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class TextAnalyser:
    name = "text"
    ORDER = 20

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        units = [TextUnit(p, p.text) for p in posts if p.text and p.text.strip()]
        yield from analyse_units(units, ctx)


ANALYSERS = [TextAnalyser]
