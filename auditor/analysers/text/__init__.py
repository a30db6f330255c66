"""Text concerns: what a post, comment, caption, like or repost (or text read from an image) says.

`engine.py` runs the models once per text and hands one `TextSignals` to each concern module
(`confidentiality.py`, `personal_data.py`, `offensive.py`, `discriminatory.py`, `grievance.py`,
`misinformation.py`, `boundaries.py`, `conduct.py`, `promotion.py`, `workplace.py`), each of which
declares its RULES beside its check. Word lists live in ``auditor/analysers/data/text_*.toml``.
"""
from .engine import (CONCERN_KEY, NLP_KEY, PRESIDIO_KEY, TextAnalyser, analyse_units, concern_modules,
                     engines, presidio)
from .nlp import ModelMissing, Presidio, load_nlp, rule_based_nlp

__all__ = ["CONCERN_KEY", "NLP_KEY", "PRESIDIO_KEY", "ModelMissing", "Presidio", "TextAnalyser",
           "analyse_units", "concern_modules", "engines", "load_nlp", "presidio", "rule_based_nlp"]
