"""Text analysers: what a post, comment, like, repost (or text read from an image) says.

    units (one per post text, or OCR text from the image analyser)
      -> cheap checks on every text: word lists (data/lexicon.toml), regular expressions, and the
         offensive-language model (hashed n-grams, one sparse product for the whole batch)
      -> one batched spaCy pass (`nlp.pipe`, NER only) over the texts that need entities: work
         context (confidentiality), a number/e-mail/postcode hint (personal data), or offensive
         language (is it aimed at a named person?)
      -> Presidio on the texts with a personal-data hint, given the spaCy doc as its
         `nlp_artifacts` (it never runs spaCy again)
      -> Findings: rule, evidence (the words or entity), a one-sentence explanation naming each
         element found, and the span when one match defines the finding.

Likes and reposts are findings too (the user endorsed the text), one severity step lower.
The user's own names and handles (profile, and what the importers learned) are never treated as
third-party data or as the target of abuse.

Engines are built once per scan through `ctx.shared`. Tests inject a cheap engine with
`ctx.cache[NLP_KEY] = rule_based_nlp(...)`; the real model is only loaded when nothing was
injected, and when it is not installed the scan stops with the install command (never downloads).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Iterator, Sequence

from .. import offline
from ..config import ConfigError
from ..model import Finding, Post, Problem
from ..plugins import AnalysisContext, TextUnit
from .text_model import OffensiveModel, load_default, normalise

NLP_KEY = "text.nlp"
PRESIDIO_KEY = "text.presidio"
MODEL_KEY = "text.offensive_model"
BATCH_SIZE = 256
MAX_CHARS = 20_000            # longer texts (OCR of documents) are cut before NER
PII_ENTITIES = ["PHONE_NUMBER", "UK_PHONE_NUMBER", "EMAIL_ADDRESS", "UK_NHS", "UK_NINO", "UK_POSTCODE",
                "DATE_OF_BIRTH"]
PII_RULE = {"PHONE_NUMBER": "PII001", "UK_PHONE_NUMBER": "PII001", "EMAIL_ADDRESS": "PII002", "UK_POSTCODE": "PII003",
            "UK_NHS": "PII004", "UK_NINO": "PII004", "DATE_OF_BIRTH": "PII005"}
PII_WORDS = {"PHONE_NUMBER": "a phone number", "UK_PHONE_NUMBER": "a UK phone number",
             "EMAIL_ADDRESS": "an e-mail address", "UK_POSTCODE": "a postcode",
             "UK_NHS": "an NHS number (valid check digit)", "UK_NINO": "a National Insurance number",
             "DATE_OF_BIRTH": "a date of birth"}
PII_MIN_SCORE = {"PHONE_NUMBER": 0.4, "UK_PHONE_NUMBER": 0.5, "EMAIL_ADDRESS": 0.5, "UK_POSTCODE": 0.1, "UK_NHS": 0.5,
                 "UK_NINO": 0.5, "DATE_OF_BIRTH": 0.5}
LOWER = {"high": "medium", "medium": "low", "low": "low"}
CHARACTERISTIC_WORDS = {
    "race": "race", "religion_or_belief": "religion or belief", "sex": "sex",
    "sexual_orientation": "sexual orientation", "gender_reassignment": "gender reassignment",
    "disability": "disability", "age": "age", "pregnancy": "pregnancy and maternity",
    "marriage": "marriage and civil partnership"}


class ModelMissing(ConfigError):
    """The spaCy model is not installed: the message gives the install command."""


# -- word lists --------------------------------------------------------------------------------

def _alternation(words: Iterable[str]) -> str:
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        if "\\" in w:                      # already a regular expression (e.g. "bed \\d+")
            parts.append(w)
            continue
        star = w.endswith("*")
        w = w.rstrip("*")
        p = re.escape(w).replace(r"\ ", r"\s+")
        parts.append(p + (r"[\w'-]*" if star else ""))
    return r"(?<![\w@])(?:" + "|".join(parts) + r")(?![\w])"


def _rx(words: Iterable[str]) -> re.Pattern:
    return re.compile(_alternation(words), re.IGNORECASE)


@dataclass
class Lexicon:
    strong: re.Pattern
    weak: re.Pattern
    first_person_work: re.Pattern
    family: re.Pattern
    conditions: re.Pattern
    dates: re.Pattern
    slurs: dict[str, re.Pattern]
    groups: dict[str, re.Pattern]
    contempt: re.Pattern
    generalisers: re.Pattern
    belief_topics: re.Pattern
    belief_opinion: re.Pattern
    insults: re.Pattern
    grievance_targets: re.Pattern
    complaints: re.Pattern
    raw: dict = field(default_factory=dict, repr=False)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = tomllib.loads((resources.files(__package__) / "data" / "lexicon.toml").read_text(encoding="utf-8"))
    return Lexicon(
        strong=_rx(raw["work_context"]["strong"]), weak=_rx(raw["work_context"]["weak"]),
        first_person_work=_rx(raw["first_person_work"]["words"]), family=_rx(raw["family"]["words"]),
        conditions=_rx(raw["conditions"]["words"]), dates=_rx(raw["dates"]["words"]),
        slurs={k: _rx(v) for k, v in raw["slurs"].items()},
        groups={k: _rx(v) for k, v in raw["groups"].items()},
        contempt=_rx(raw["contempt"]["words"]), generalisers=_rx(raw["contempt"]["generalisers"]),
        belief_topics=_rx(raw["belief"]["topics"]), belief_opinion=_rx(raw["belief"]["opinion"]),
        insults=_rx(raw["insults"]["words"]), grievance_targets=_rx(raw["grievance"]["targets"]),
        complaints=_rx(raw["grievance"]["complaints"]), raw=raw)


# -- regular expressions -----------------------------------------------------------------------

I = re.IGNORECASE
ADJECTIVE_PATIENT = re.compile(
    r"(?:\b(?:be|so|very|stay|being|more|too|remain|was|is|am|are|'m|im|been|extremely|really|"
    r"incredibly|just|keep|staying|learn to|must be|to be)\s+patient\b)|\bpatient\s+(?:with|enough)\b", I)
AGE = re.compile(r"\b\d{1,3}\s?(?:yo|y/o|y\.o\.?|yrs? old|years? old|-years?-old|-yrs?-old|yom|yof)\b"
                 r"|\baged\s\d{1,3}\b|\bin (?:his|her|their) (?:early |late |mid-?)?\d0s\b", I)
TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")
STREET = re.compile(r"\b(?:\d{1,4}[a-z]?\s)?(?:[A-Z][a-z]+\s){1,2}(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|"
                    r"Close|Drive|Crescent|Way|Terrace|Gardens|Grove|Place|Court|Estate|Walk|Row|Hill)\b")
HOUSE_ADDRESS = re.compile(r"\b\d{1,4}[a-z]?\s(?:[A-Z][a-z]+\s){1,2}(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|"
                           r"Close|Drive|Crescent|Way|Terrace|Gardens|Grove|Place|Court|Walk|Row)\b")
LIST_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s?(?:[A-Z]\.?\s?){0,2}[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")
PATIENT_ROW = re.compile(r"(?im)^[^\n]*?\b(?:bay|bed|room|cubicle|side room|sr)\s*\d{1,3}\b[^\n]*?"
                         r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s?(?:[A-Z]\.?\s?){0,2}[A-Z][a-z]+[^\n]*$")
MENTION = re.compile(r"(?<![\w@])@(\w{1,30})")
SECOND_PERSON = re.compile(r"\b(?:you|your|you're|youre|yourself|u|ur|ya|yall|y'all)\b", I)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|me|my|we|we're|were|us|our)\b", I)
PII_HINT = re.compile(r"\d(?:\D{0,3}\d){5}|[\w.+-]@[\w-]+\.\w|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"
                      r"|\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b|\b(?:dob|d\.o\.b|born)\b", I)
SELF_BORN = re.compile(r"\b(?:i was|i'm|im|i am)\s+born\b|\bmy (?:dob|date of birth|birthday)\b", I)
PERSON_LABELS = ("PERSON",)
PLACE_LABELS = ("GPE", "LOC", "FAC")
DATE_LABELS = ("DATE", "TIME")

_V = r"(?:vaccin\w*|vax\w*|jabs?|mmr|mrna|covid\s+shots?|boosters?|immunis\w*)"
MISINFO = [
    ("vaccines", re.compile(_V + r"\W+(?:\w+\W+){0,4}?(?:cause[sd]?|causing|give[sn]?|linked to|leads? to|"
                            r"results? in)\W+(?:\w+\W+){0,3}?(?:autism|infertility|cancer|sids|turbo cancer|"
                            r"death|deaths|dementia|paralysis|sterility)", I)),
    ("vaccines", re.compile(_V + r"\W+(?:\w+\W+){0,4}?(?:alters?|changes?|modif\w+|rewrites?)\s+(?:your\s+|our\s+)?dna"
                            r"|" + _V + r"\W+(?:\w+\W+){0,5}?(?:microchips?|poison\w*|bioweapon|depopulation|"
                            r"experimental gene therapy|kill(?:ing|ed|s)? (?:more|people|millions|thousands))", I)),
    ("vaccines", re.compile(r"\b(?:don't|dont|do not|never)\s+(?:let them\s+)?"
                            r"(?:vaccinate|jab|get\s+(?:the\s+|your\s+)?"
                            r"(?:jab|vaccine|vax|booster))", I)),
    ("COVID-19", re.compile(r"\b(?:covid|covid-19|coronavirus|corona|the virus|pandemic)\b\W+(?:\w+\W+){0,4}?"
                            r"(?:hoax|scam|fake|made up|doesn't exist|does not exist|no worse than (?:the )?flu|"
                            r"just (?:a |the )?(?:cold|flu)|a lie|isn't real|is not real)|\bplandemic\b|"
                            r"\bscamdemic\b|\b5g\b\W+(?:\w+\W+){0,5}?(?:covid|virus|corona)", I)),
    ("masks", re.compile(r"\bmasks?\s+(?:don't|dont|do not|never)\s+work", I)),
    ("cures", re.compile(r"\b(?:bleach|mms|chlorine dioxide|ivermectin|hydroxychloroquine|colloidal silver|turmeric|"
                         r"vitamin c|alkaline (?:diet|water)|apricot kernels?|laetrile|juic\w+|essential oils?|"
                         r"homeopath\w*|garlic|cannabis oil|fasting)\W+(?:\w+\W+){0,3}?(?:cures?|cured|curing|"
                         r"reverses?|kills?|prevents?)\W+(?:\w+\W+){0,2}?(?:cancer|covid|autism|diabetes|hiv|"
                         r"aids|coronavirus|the virus|everything|tumou?rs?)", I)),
    ("cures", re.compile(r"\bchemo(?:therapy)?\s+(?:is poison|kills more|doesn't work|does not work)|"
                         r"\b(?:big pharma|they)\s+(?:is |are )?hid(?:ing|es|den)\s+the\s+cure", I)),
]
REBUTTAL = re.compile(r"\b(?:myths?|debunk\w*|no evidence|not true|isn't true|is false|false claims?|"
                      r"misinformation|disinformation|conspiracy|fact[- ]?check\w*|claims? that|"
                      r"the lie that|rumou?rs?|people who (?:think|believe|say)|nonsense that|"
                      r"stop saying|antivax\w*|anti-vax\w*)\b", I)
_WHO = r"(?:patient|service user|client|pt|resident)s?"
BOUNDARY_CONTACT = [
    re.compile(r"\b(?:a|my|one of my|an? (?:ex-?|former)|the|this)\s+" + _WHO + r"(?:'s)?\s+(?:from\s+\w+\s+)?"
               r"(?:\w+\s+){0,2}?(?:just\s+|has\s+|have\s+|had\s+|keeps?\s+|only\s+)?"
               r"(?:added|adds|followed|follows|messaged|dm'?d|dmed|inboxed|friend[- ]?requested|requested|"
               r"found|tagged|asked me out|asked for my (?:number|insta|snap))\b(?:\W+\w+){0,4}?\W+me\b", I),
    re.compile(r"\b(?:added|accepted|friended|followed|messaged|dm'?d|dmed|texted|snapchatted)\s+"
               r"(?:a|my|one of my|an? (?:ex-?|former)|the)\s+" + _WHO + r"\b", I),
    re.compile(r"\b(?:dating|date|seeing|went out with|slept with|hooked up with|kissed|going out with)\s+"
               r"(?:a|my|one of my|an? (?:ex-?|former)|the)\s+" + _WHO + r"\b", I),
    re.compile(r"\b(?:looked up|stalked|stalking|found|facebook-?stalked)\s+(?:a|my|one of my|the|this)\s+"
               + _WHO + r"(?:'s)?\s+(?:\w+\s+)?(?:on\s+)?(?:facebook|fb|insta\w*|ig|twitter|tiktok|profile|page)", I),
]
PRIVATE_OFFER = re.compile(
    r"\b(?:dm|pm|message|inbox|whatsapp|text)\s+me\s+(?:for|to book|about|if you want)\s+(?:\w+\s+){0,3}?"
    r"(?:treatments?|sessions?|appointments?|consultations?|advice|physio|massages?|therapy|botox|fillers?|"
    r"prescriptions?|scans?|tests?|jabs?|injections?)\b", I)
DRINK = re.compile(r"\b(?:drunk|hammered|sloshed|legless|plastered|shitfaced|trollied|wasted on \w+|"
                   r"paralytic|blacked out|hungover|tipsy|pissed(?!\s+(?:off|at|with|about|me))|"
                   r"(?:\w+|\d+)\s+pints\s+(?:down|deep|in)|bottles? of (?:wine|prosecco|vodka) (?:down|deep))\b", I)
DRUGS = re.compile(r"\b(?:cocaine|mdma|ketamine|ket|pingers|shrooms|magic mushrooms|spliff|bong|edibles|stoned|"
                   r"(?:dropp\w*|popp\w*|took|taking|on|from)\s+(?:a\s+|some\s+|the\s+|two\s+|2\s+)?"
                   r"(?:pills|pingers|molly|mandy|xans?|xanax|e's)|"
                   r"off my (?:face|tits|head)|doing lines|line of coke|bag of coke|"
                   r"(?:smok\w+|blaz\w+)\s+(?:some\s+)?weed|"
                   r"weed\s+(?:smok\w+|brownies)|nitrous|laughing gas)\b", I)
MILD_WORDS = {"shit", "shite", "crap", "joke", "clown", "clowns", "lazy", "useless", "pathetic", "clueless",
              "stupid", "muppet", "muppets"}
INTOXICATED = re.compile(r"\b(?:buzzing|still high|so high|wired|rushing|coming down|comedown|mashed|wrecked|"
                         r"munted|off (?:my|our) (?:face|tits|head)|no sleep)\b", I)
THIRD_PARTY = re.compile(r"\b(?:police|seized|arrested|dealer|dealing|he|she|they|patient|overdose|found)\b", I)
DEHUMANISING = re.compile(r"\b(?:are|is|r|all)\s+(?:\w+\s+){0,2}?(parasites?|vermin|scum|animals|savages|"
                          r"cockroach(?:es)?|rats|subhuman|sub-human|filth|degenerates?)\b", I)
OFF_SICK = re.compile(r"\b(?:pull(?:ed|ing)?|throw(?:n|ing)?|threw|took)\s+a\s+sick(?:ie|y)\b|"
                      r"\b(?:call(?:ed|ing)?|phon(?:ed|ing)|rang|ring(?:ing)?)\s+in\s+sick\b|\boff\s+sick\b|"
                      r"\bsick\s+day\b", I)
SICKIE = re.compile(r"\bsick(?:ie|y)\b", I)
FUN = re.compile(r"\b(?:beach|party|partying|festival|pub|drinking|drinks|pints?|shopping|holiday|gig|concert|"
                 r"match|day out|spa|bbq|cocktails?|wine|prosecco|races|sunbathing|road trip|night out|ibiza|"
                 r"vegas|lads|girls|boozing|bottomless brunch|brunch|theme park|golf)\b", I)
PROMOTION = re.compile(r"\b(?:guaranteed?\s+(?:results|cure|to\s+(?:cure|fix|heal|work))|miracle\s+(?:cure|treatment)|"
                       r"100%\s+(?:cure|success|effective|guaranteed|results)|cures?\s+(?:all|everything)|"
                       r"(?:discount|promo)\s+code|use\s+(?:my\s+)?code\s+\w+|"
                       r"pain[- ]free\s+in\s+(?:one|1)\s+session)\b", I)
NON_PERSON_TARGETS = {"work", "my job", "this job", "the rota", "the service", "the practice", "cqc"}


LINK = re.compile(r"\b(?:https?://|www\.)\S+", I)


def mask_links(text: str) -> str:
    """Links blanked out (same length, so offsets still point into the post's text): a short link's
    code is not a postcode, and its path is not a place."""
    return LINK.sub(lambda m: " " * len(m.group(0)), text) if "http" in text or "www." in text else text


# -- engines -----------------------------------------------------------------------------------

def load_nlp(model_name: str = offline.MODEL_PACKAGE, fast_numpy_ops: bool = True):
    """The spaCy pipeline with only the entity recogniser (the small English model's NER has its
    own embedding layer, so tagger, parser and lemmatizer are not loaded)."""
    if not offline.model_available(model_name):
        raise ModelMissing(f"The spaCy model {model_name!r} is not installed, and the scan never downloads "
                           f"anything. Install it with: {offline.MODEL_INSTALL}")
    offline.configure()
    import spacy
    from thinc.api import NumpyOps, use_ops
    with use_ops("numpy", use_blis=not fast_numpy_ops):
        nlp = spacy.load(model_name, exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                              "lemmatizer", "senter"])
    # some layers are built outside the context above: give every layer the chosen ops
    ops = NumpyOps(use_blis=not fast_numpy_ops)
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "walk"):
            for layer in model.walk():
                layer.ops = ops
    return nlp


def rule_based_nlp(entities: dict[str, Sequence[str]] | None = None):
    """A cheap engine for tests: spaCy's tokenizer plus an entity ruler (label -> phrases).
    No statistical model is loaded."""
    import spacy
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": phrase}
                        for label, phrases in (entities or {}).items() for phrase in phrases])
    return nlp


class Presidio:
    """Presidio's analyzer with an explicit recognizer list, fed the spaCy docs we already have."""

    def __init__(self, nlp, model_name: str):
        offline.configure()
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            EmailRecognizer, NhsRecognizer, PhoneRecognizer, UkNinoRecognizer, UkPostcodeRecognizer)
        self._artifacts = NlpArtifacts
        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model_name}])
        engine.nlp = {"en": nlp}           # already loaded: Presidio must not load (or fetch) another
        self.engine = engine
        dob = PatternRecognizer(
            supported_entity="DATE_OF_BIRTH", name="DateOfBirthRecognizer",
            patterns=[Pattern("DOB", r"(?i)\b(?:dob|d\.o\.b\.?|date of birth|born(?: on)?)\s*[:\-]?\s*"
                                     r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)?\s+"
                                     r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{4})", 0.85)])
        # UK numbers by shape as well: libphonenumber rejects some allocated-but-unused ranges
        uk_phone = PatternRecognizer(
            supported_entity="UK_PHONE_NUMBER", name="UkPhoneShapeRecognizer",
            patterns=[Pattern("UK mobile", r"(?<![\w+])(?:\+44\s?7\d{3}|\(?07\d{3}\)?)\s?\d{3}\s?\d{3}(?!\d)", 0.6),
                      Pattern("UK landline",
                              r"(?<![\w+])(?:\+44\s?|0)(?:1\d{2,4}|2\d)\)?\s?\d{3,4}\s?\d{3,4}(?!\d)", 0.5)])
        registry = RecognizerRegistry(supported_languages=["en"])
        for r in (EmailRecognizer(), PhoneRecognizer(supported_regions=("GB", "US", "IE")), NhsRecognizer(),
                  UkNinoRecognizer(), UkPostcodeRecognizer(), dob, uk_phone):
            registry.add_recognizer(r)
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])

    def analyze(self, text: str, doc) -> list:
        arts = self._artifacts(entities=list(doc.ents), tokens=doc,
                               tokens_indices=[t.idx for t in doc], lemmas=[t.lower_ for t in doc],
                               nlp_engine=self.engine, language="en", scores=[0.85] * len(doc.ents))
        return self.analyzer.analyze(text, language="en", entities=PII_ENTITIES, nlp_artifacts=arts)


def engines(ctx: AnalysisContext) -> tuple[Any, OffensiveModel]:
    s = ctx.config.settings
    nlp = ctx.shared(NLP_KEY, lambda: load_nlp(s.nlp_model, s.fast_numpy_ops))
    model = ctx.shared(MODEL_KEY, load_default)
    return nlp, model


def presidio(ctx: AnalysisContext, nlp) -> Presidio:
    return ctx.shared(PRESIDIO_KEY, lambda: Presidio(nlp, ctx.config.settings.nlp_model))


# -- helpers -----------------------------------------------------------------------------------

def own_names(ctx: AnalysisContext) -> set[str]:
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


def _is_own(text: str, own: set[str]) -> bool:
    t = text.strip().lstrip("@").casefold()
    if not t:
        return False
    if t in own:
        return True
    words = [w for w in re.split(r"\W+", t) if w]
    return bool(words) and all(w in own for w in words)


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.casefold())


def _uniq(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for i in items:
        k = i.casefold()
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def _q(words: Sequence[str], limit: int = 4) -> str:
    return ", ".join(f"'{w}'" for w in list(words)[:limit])


def _employer_rx(ctx: AnalysisContext) -> re.Pattern | None:
    p = ctx.config.profile
    names = [n for n in (p.employer, *p.employer_aliases) if n and len(n) > 1]
    return _rx(names) if names else None


@dataclass
class Unit:
    """One text in the batch, with everything the checks share."""
    unit: TextUnit
    text: str
    score: float
    doc: Any = None
    work_strong: list[str] = field(default_factory=list)
    work_weak: list[str] = field(default_factory=list)
    pii_hint: bool = False


# -- the checks --------------------------------------------------------------------------------

class Checks:
    def __init__(self, ctx: AnalysisContext, model: OffensiveModel, presidio_get):
        self.ctx = ctx
        self.lex = lexicon()
        self.model = model
        self.threshold = model.threshold
        self.own = own_names(ctx)
        self.own_squashed = {_squash(n) for n in self.own if len(_squash(n)) > 2}
        self.employer = _employer_rx(ctx)
        self._presidio = presidio_get

    # cheap pass: decides whether the text needs NER / Presidio
    def prepare(self, u: Unit) -> bool:
        t = u.text
        adjective = [a.span() for a in ADJECTIVE_PATIENT.finditer(t)]
        strong = [m.group(0) for m in self.lex.strong.finditer(t)
                  if not any(a0 <= m.start() < a1 for a0, a1 in adjective)]
        u.work_strong = strong
        u.work_weak = [m.group(0) for m in self.lex.weak.finditer(t)]
        u.pii_hint = bool(PII_HINT.search(t))
        return bool(u.work_strong or u.work_weak or u.pii_hint or u.score >= self.threshold)

    def run(self, u: Unit) -> Iterator[tuple]:
        """Yields (rule, evidence, explanation, confidence, span[, severity, action])."""
        yield from self.confidentiality(u)
        yield from self.personal_data(u)
        disc = list(self.discriminatory(u))
        yield from disc
        grievance = list(self.grievance(u))
        attacked = any(g[0] == "GRV001" for g in grievance)
        offensive = [o for o in self.offensive(u)
                     # one finding per post and concern: a discriminatory or grievance finding already
                     # says the language is abusive, so an untargeted or model-only one adds nothing
                     if not ((disc or attacked) and o[0] == "OFF002")
                     and not (disc and len(o) > 5)]
        yield from offensive
        if not disc and not offensive and u.score < self.threshold:
            yield from self.belief(u)
        yield from grievance
        yield from self.misinformation(u)
        yield from self.boundaries(u)
        yield from self.conduct(u)
        yield from self.promotion(u)

    # confidentiality ------------------------------------------------------------------------
    def _ents(self, u: Unit, labels: Sequence[str]) -> list[str]:
        if u.doc is None:
            return []
        return [e.text for e in u.doc.ents if e.label_ in labels and any(c.isalpha() for c in e.text)]

    def confidentiality(self, u: Unit):
        t = u.text
        rows = [m.group(0).strip() for m in PATIENT_ROW.finditer(t)]
        if len(rows) >= 2:     # a bed state, handover sheet or clinic list (often read from a photo)
            names = _uniq(m.group(0) for r in rows for m in LIST_NAME.finditer(r))
            yield ("CONF001", "; ".join(names[:3]) or rows[0][:40],
                   f"A list of {len(rows)} patients or service users with names or beds, e.g. "
                   f"{_q(rows, 2)}: anyone can read who is in care.", 0.9 if names else 0.75, None)
            return
        conditions = _uniq(m.group(0) for m in self.lex.conditions.finditer(t))
        ages = _uniq(m.group(0) for m in AGE.finditer(t))
        if not u.work_strong and not (u.work_weak and (conditions or ages)):
            return
        if self.lex.family.search(t) and not self.lex.first_person_work.search(t):
            return            # a relative or friend, or the writer as a patient: not a breach
        names = _uniq([n for n in self._ents(u, PERSON_LABELS) if not _is_own(n, self.own)
                       and "@" not in n and not n.startswith("RT ") and not self.lex.strong.fullmatch(n)]
                      + [m.group(0) for m in TITLE_NAME.finditer(t) if not _is_own(m.group(0), self.own)])
        places = _uniq([p for p in self._ents(u, PLACE_LABELS) if "@" not in p]
                       + [m.group(0) for m in STREET.finditer(t)])
        dates = _uniq([m.group(0) for m in self.lex.dates.finditer(t)]
                      + [d for d in self._ents(u, DATE_LABELS) if not d.strip().isdigit()])
        context = _uniq(u.work_strong or u.work_weak)
        details = [("age", ages), ("condition", conditions), ("place", places), ("date", dates)]
        present = [(k, v) for k, v in details if v]
        found = ([("work context", context)] + ([("name", names)] if names else []) + present)
        described = "; ".join(f"{k} {_q(v, 3)}" for k, v in found)
        evidence = "; ".join(v[0] for _, v in found)
        if names or len(present) >= 2:
            if not u.work_strong and len(present) + bool(names) < 3:
                pass          # weak context ('shift', 'case') needs more before it is called identifiable
            else:
                conf = min(0.95, 0.55 + 0.1 * len(present) + (0.15 if names else 0))
                yield ("CONF001", evidence,
                       f"Details that together could identify a service user: {described}.", conf, None)
                return
        if ages or conditions:
            yield ("CONF002", evidence,
                   f"A case from work discussed with a clinical detail: {described}.", 0.5, None)

    # personal data --------------------------------------------------------------------------
    def personal_data(self, u: Unit):
        t = u.text
        for m in HOUSE_ADDRESS.finditer(t):
            yield ("PII003", m.group(0), f"A street address: '{m.group(0)}'.", 0.6, m.span())
        if not u.pii_hint or u.doc is None:
            return
        try:
            results = self._presidio().analyze(t, u.doc)
        except Exception as exc:  # one odd text must not stop the others
            raise RuntimeError(f"Presidio failed on a text: {exc!r}") from exc
        seen: set = set()
        taken: list[tuple[int, int]] = []
        for r in sorted(results, key=lambda r: (-r.score, r.start)):
            ent = r.entity_type
            if r.score < PII_MIN_SCORE.get(ent, 0.5) or ent not in PII_RULE:
                continue
            value = t[r.start:r.end]
            key = (PII_RULE[ent], _squash(value))
            if key in seen or any(a < r.end and r.start < b for a, b in taken):
                continue      # the same value, or one already explained (an NHS number is not a phone)
            if ent == "EMAIL_ADDRESS" and any(n in _squash(value.split("@")[0]) for n in self.own_squashed):
                continue      # the user's own address
            if ent == "DATE_OF_BIRTH" and SELF_BORN.search(t[max(0, r.start - 25):r.end]):
                continue
            if ent.endswith("PHONE_NUMBER") and (sum(c.isdigit() for c in value) < 10 or "/" in value):
                continue
            seen.add(key)
            taken.append((r.start, r.end))
            yield (PII_RULE[ent], value, f"Contains {PII_WORDS[ent]}: '{value}' (Presidio score {r.score:.2f}).",
                   min(0.95, max(0.4, float(r.score))), (r.start, r.end))

    # offensive and discriminatory -----------------------------------------------------------
    def _targets(self, u: Unit) -> list[str]:
        text = re.sub(r"^RT @\w+:\s*", "", u.text)       # a repost's author is not its target
        out = [f"@{m.group(1)}" for m in MENTION.finditer(text) if not _is_own(m.group(1), self.own)]
        out += [n for n in self._ents(u, PERSON_LABELS) if not _is_own(n, self.own) and not n.startswith("@")]
        if SECOND_PERSON.search(u.text):
            out.append("'you'")
        return _uniq(out)

    def offensive(self, u: Unit):
        t = u.text
        dehumanising = DEHUMANISING.search(t)
        if u.score < self.threshold and not dehumanising:
            return
        insults = _uniq(m.group(0) for m in self.lex.insults.finditer(t))
        if dehumanising and not insults:
            insults = [dehumanising.group(1)]
        targets = self._targets(u)
        if not insults:
            # the model alone: no abusive word we can point to, so ask the user to look, not to delete
            words = self.model.top_words(normalise(t))
            why = (f"the words that weighed most: {_q(words)}" if words
                   else "no single word stands out; the phrasing as a whole")
            yield ("OFF002", ", ".join(words[:3]) or t[:40],
                   f"Reads like offensive posts the model was trained on (score {u.score:.2f}; {why}), "
                   f"but has no abusive word: worth a look.", min(float(u.score), 0.6), None,
                   "low", "review")
            return
        conf = max(float(u.score), 0.7 if dehumanising else 0.6)
        said = f"abusive or insulting words {_q(insults)}"
        if dehumanising:
            said = f"a group described as '{dehumanising.group(1)}'"
        if targets:
            yield ("OFF001", ", ".join(insults[:2] + targets[:1]),
                   f"Offensive language: {said}, aimed at {', '.join(targets[:3])}.", conf, None)
        elif not dehumanising and all(w.lower() in MILD_WORDS for w in insults):
            yield ("OFF002", ", ".join(insults[:3]),
                   f"Mild swearing or rudeness ({_q(insults)}) aimed at no one: worth a look.",
                   min(conf, 0.6), None, "low", "review")
        else:
            yield ("OFF002", ", ".join(insults[:3]),
                   f"Offensive language: {said} (model score {u.score:.2f}).", conf, None)

    def discriminatory(self, u: Unit):
        t = u.text
        for ch, rx in self.lex.slurs.items():
            m = rx.search(t)
            if m:
                yield ("DIS001", m.group(0),
                       f"A slur for people by {CHARACTERISTIC_WORDS[ch]} (a protected characteristic): "
                       f"'{m.group(0)}'.", 0.9, m.span())
        contempt = list(self.lex.contempt.finditer(t))
        for ch, rx in self.lex.groups.items():
            m = rx.search(t)
            if not m:
                continue
            before = t[max(0, m.start() - 20):m.start()]
            general = self.lex.generalisers.search(before)
            near = [c for c in contempt if -30 < c.start() - m.start() < 60]
            if near or (general and u.score >= self.threshold):
                how = (f"with contempt ({_q([c.group(0) for c in near], 2)})" if near else
                       f"in a generalisation ('{general.group(0)} {m.group(0)}')" if general else
                       f"with offensive language (model score {u.score:.2f})")
                yield ("DIS002", m.group(0),
                       f"Names a group by {CHARACTERISTIC_WORDS[ch]} ('{m.group(0)}') {how}.",
                       0.8 if near else 0.65, m.span())
                return

    def belief(self, u: Unit):
        topic = self.lex.belief_topics.search(u.text)
        if not topic:
            return
        opinion = self.lex.belief_opinion.search(u.text)
        if opinion:
            yield ("DIS003", topic.group(0),
                   f"An opinion ('{opinion.group(0)}') on a question of belief or politics ('{topic.group(0)}'), "
                   f"without contempt: protected expression, worth a look only.", 0.3, topic.span())

    # grievance ------------------------------------------------------------------------------
    def grievance(self, u: Unit):
        t = u.text
        targets = [m.group(0) for m in self.lex.grievance_targets.finditer(t)]
        if self.employer is not None:
            targets += [m.group(0) for m in self.employer.finditer(t)]
        if not targets:
            return
        people = [x for x in targets if x.lower() not in NON_PERSON_TARGETS]
        insults = _uniq(m.group(0) for m in self.lex.insults.finditer(t))
        complaints = _uniq(m.group(0) for m in self.lex.complaints.finditer(t))
        if people and (insults or u.score >= self.threshold):
            what = _q(insults) if insults else f"offensive language (model score {u.score:.2f})"
            yield ("GRV001", f"{people[0]}: {insults[0] if insults else 'offensive'}",
                   f"Insults ({what}) about {_q(_uniq(people), 2)}.", 0.75, None)
        elif complaints or insults:
            yield ("GRV002", f"{targets[0]}: {(complaints or insults)[0]}",
                   f"A complaint ({_q(complaints or insults, 2)}) about {_q(_uniq(targets), 2)}.", 0.45, None)

    # misinformation, boundaries, conduct, promotion -----------------------------------------
    def misinformation(self, u: Unit):
        t = u.text
        if REBUTTAL.search(t):
            return
        for topic, rx in MISINFO:
            m = rx.search(t)
            if not m:
                continue
            tail = t[m.end():m.end() + 40]
            if re.match(r"[^.!\n]*\?", tail):
                continue      # asked, not stated
            yield ("MIS001", m.group(0),
                   f"A claim about {topic} against public-health advice, stated as fact: '{m.group(0)}'.",
                   0.75, m.span())
            return

    def boundaries(self, u: Unit):
        for rx in BOUNDARY_CONTACT:
            m = rx.search(u.text)
            if m:
                yield ("BND001", m.group(0), f"Online contact with a service user: '{m.group(0)}'.", 0.75, m.span())
                break
        m = PRIVATE_OFFER.search(u.text)
        if m:
            yield ("BND002", m.group(0), f"An offer of private treatment or advice by message: '{m.group(0)}'.",
                   0.6, m.span())

    def conduct(self, u: Unit):
        t = u.text
        sick = OFF_SICK.search(t)
        if sick:
            fun = FUN.search(t)
            if fun or SICKIE.search(sick.group(0)):
                extra = f" with '{fun.group(0)}'" if fun else ""
                yield ("CND002", sick.group(0),
                       f"Says you were off sick ('{sick.group(0)}'){extra}.", 0.7, sick.span())
        drink = DRINK.search(t)
        drugs = DRUGS.search(t)
        m = drugs or drink
        window = t[max(0, m.start() - 40):m.end() + 20] if m is not None else ""
        first = m is not None and (FIRST_PERSON.search(window) or (
            drugs is not None and INTOXICATED.search(t) and not THIRD_PARTY.search(window)
            and u.unit.post.kind not in ("like", "repost")))
        created = u.unit.post.created_at
        late = created is not None and (created.hour >= 23 or created.hour < 5)
        if drink and late:
            yield ("CND003", drink.group(0),
                   f"Drink ('{drink.group(0)}') in a post sent at {created:%H:%M} UTC.", 0.55, drink.span())
        elif m is not None and first:
            what = "drug use" if drugs else "drinking"
            yield ("CND001", m.group(0), f"A first-person post about {what}: '{m.group(0)}'.", 0.55, m.span())

    def promotion(self, u: Unit):
        m = PROMOTION.search(u.text)
        if m:
            yield ("PRM001", m.group(0), f"A promotional claim that may mislead: '{m.group(0)}'.", 0.5, m.span())


# -- the public entry points -------------------------------------------------------------------

ENDORSED = {"like": "You liked this post", "repost": "You reposted this"}


def _finding(u: Unit, rule: str, evidence: str, explanation: str, conf: float,
             span: tuple[int, int] | None, severity: str | None = None, action: str | None = None) -> Finding:
    from ..rules import get
    post = u.unit.post
    if post.endorsement:
        severity = LOWER[severity or get(rule).severity]
        explanation = f"{ENDORSED.get(post.kind, 'You shared this')} (someone else's words): {explanation}"
        conf *= 0.9
    if u.unit.origin == "ocr":
        explanation = f"Text read from the image: {explanation}"
        conf *= 0.85
    elif u.unit.origin == "caption":
        explanation = f"In the caption: {explanation}"
    return Finding(rule, post.ref, evidence=evidence[:120], explanation=explanation,
                   confidence=round(min(1.0, max(0.0, conf)), 3), media_path=u.unit.media_path,
                   span=span, severity=severity, action=action)


def analyse_units(units: Sequence[TextUnit], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
    """Run every text check over a batch of texts. Used for post texts and by the image analyser
    for OCR text (findings then carry the unit's media_path)."""
    units = [u for u in units if u.text and u.text.strip()]
    if not units:
        return
    nlp, model = engines(ctx)
    checks = Checks(ctx, model, lambda: presidio(ctx, nlp))
    texts = [u.text[:MAX_CHARS] for u in units]
    scores = model.scores([normalise(t) for t in texts])
    batch = [Unit(u, mask_links(t), float(s)) for u, t, s in zip(units, texts, scores)]
    need = [b for b in batch if checks.prepare(b)]
    for b, doc in zip(need, nlp.pipe((b.text for b in need), batch_size=BATCH_SIZE)):
        b.doc = doc
    for i, b in enumerate(batch):
        try:
            for rule, evidence, explanation, conf, span, *overrides in checks.run(b):
                yield _finding(b, rule, evidence, explanation, conf, span, *overrides)
        except Exception as exc:  # a bad record becomes a Problem; the rest is read
            src = b.unit.post.source
            yield Problem(src.archive, src.member, f"text checks failed on {b.unit.post.ref}: {exc!r}")
        if i % 500 == 499:
            ctx.progress(i + 1)


class TextAnalyser:
    name = "text"
    ORDER = 20

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        units = [TextUnit(p, p.text) for p in posts if p.text and p.text.strip()]
        yield from analyse_units(units, ctx)


ANALYSERS = [TextAnalyser]
