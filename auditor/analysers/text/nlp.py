"""The language engines the text concerns share: the spaCy entity recogniser (loaded once per scan,
NER only), a cheap rule-based stand-in for tests, and Presidio's recognizers fed the spaCy docs we
already have (it never runs spaCy itself and never downloads anything)."""
from __future__ import annotations

from typing import Sequence

from ... import offline
from ...config import ConfigError
from .signals import lexicon

PII_ENTITIES = ["PHONE_NUMBER", "UK_PHONE_NUMBER", "EMAIL_ADDRESS", "UK_NHS", "UK_NINO", "UK_POSTCODE",
                "DATE_OF_BIRTH"]


class ModelMissing(ConfigError):
    """The spaCy model is not installed: the message gives the install command."""


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
        lex = lexicon("personal_data")
        dob = PatternRecognizer(
            supported_entity="DATE_OF_BIRTH", name="DateOfBirthRecognizer",
            patterns=[Pattern("DOB", "(?i)" + p, 0.85) for p in lex.table("date_of_birth.patterns")])
        uk_phone = PatternRecognizer(
            supported_entity="UK_PHONE_NUMBER", name="UkPhoneShapeRecognizer",
            patterns=[Pattern("UK mobile", p, 0.6) for p in lex.table("phone.uk_mobile_patterns")]
            + [Pattern("UK landline", p, 0.5) for p in lex.table("phone.uk_landline_patterns")])
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
