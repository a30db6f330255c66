"""The text concerns with the real engines: the spaCy model, Presidio and the shipped concern model
(marked `model`: slower; skipped when the spaCy model is not installed). Invented people."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from auditor import offline
from auditor.plugins import AnalysisContext
from auditor.analysers import text as T
from auditor.config import Config, Profile
from auditor.model import Finding, Post

pytestmark = [pytest.mark.model,
              pytest.mark.skipif(not offline.model_available(), reason="spaCy model not installed")]

PROFILE = Profile(full_name="Jordan Ashby", handles=("jordan_runs",), employer="Riverside NHS Trust")


@pytest.fixture(scope="module")
def shared_cache():
    ctx = AnalysisContext(Config(PROFILE))
    T.engines(ctx)
    return ctx.cache


def scan(shared_cache, *texts):
    ctx = AnalysisContext(Config(PROFILE), cache=dict(shared_cache))
    when = datetime(2021, 7, 3, 14, 0, tzinfo=timezone.utc)
    posts = [Post(f"twitter:{i}", "twitter", "post", when, t) for i, t in enumerate(texts)]
    out = list(T.TextAnalyser().analyse(posts, ctx))
    assert all(isinstance(x, Finding) for x in out), out
    return {i: {f.rule for f in out if f.post_ref == f"twitter:{i}"} for i in range(len(texts))}, out


def test_only_the_entity_recogniser_is_loaded(shared_cache):
    assert shared_cache[T.NLP_KEY].pipe_names == ["ner"]


CASES = [
    ("Lovely lady called Margaret Tregarthen on the ward today, 91 years old and still sharp", {"CONF001"}, set()),
    ("Went to see Margaret Tregarthen at the cinema today", set(), {"CONF001", "CONF002"}),
    ("My dad was admitted to the stroke unit in Truro yesterday", set(), {"CONF001", "CONF002"}),
    ("Call Kerensa on 07911 123456 if you want the tickets", {"PII001"}, set()),
    ("Kevin Marsh is a complete idiot and a liar", {"OFF001"}, set()),
    ("Had a great run with @jordan_runs crew this morning", set(), {"OFF001", "OFF002", "CONF001"}),
    ("The vaccine causes autism, do your research", {"MIS001"}, set()),
]


def test_real_model_table(shared_cache):
    got, out = scan(shared_cache, *[c[0] for c in CASES])
    for i, (text, must, must_not) in enumerate(CASES):
        assert must <= got[i], (text, got[i], [f.explanation for f in out if f.post_ref == f"twitter:{i}"])
        assert not (must_not & got[i]), (text, got[i])


def test_name_from_ner_is_named_in_the_explanation(shared_cache):
    _, out = scan(shared_cache, CASES[0][0])
    conf = [f for f in out if f.rule == "CONF001"][0]
    assert "Margaret Tregarthen" in conf.explanation and "'91 years old'" in conf.explanation


@pytest.mark.parametrize("fast", [True, False])
def test_blis_switch_reaches_every_layer(fast):
    nlp = T.load_nlp(fast_numpy_ops=fast)
    assert {layer.ops.use_blis for layer in nlp.get_pipe("ner").model.walk()} == {not fast}
    assert [e.text for e in nlp("Jane Smith moved to Leeds on Monday").ents] == ["Jane Smith", "Leeds", "Monday"]


# -- the shipped concern model with the rules: clear invented cases --------------------------------
CONCERN_CASES = [
    ("I'll be voting yes in the strike ballot. Pay restoration for ambulance staff now.", set(),
     {"DIS001", "DIS002", "GRV001", "GRV002"}),
    ("The covid vaccine changes your DNA. Do your own research before you let them jab your kids", {"MIS001"},
     {"OFF001", "OFF002"}),
    ("Lovely walk by the river this afternoon", set(), None),
    ("Immigrants are vermin and should all be sent home", {"DIS002"}, set()),
    ("My manager is a useless cow", {"GRV001"}, set()),
    ("Attended a 91 year old lady on Carrow Street with a broken hip this morning, Mrs Penrose was lovely",
     {"CONF001"}, set()),
    ("@someone you are a pathetic idiot", {"OFF001"}, set()),
    ("Rates of sepsis in over 65s rose 12% nationally last year according to new figures", set(),
     {"CONF001", "CONF002"}),
    ("Called in sick so I could go to the festival, best day ever", {"CND002"}, set()),
    ("A patient I discharged last month just sent me a friend request", {"BND001"}, set()),
]
FORBIDDEN = re.compile(r"\b(?:score|weight|probability|model|presidio|spacy|0\.\d+|[A-Z]{3}\d{3})\b", re.IGNORECASE)


def test_concern_model_with_the_rules(shared_cache):
    got, out = scan(shared_cache, *[c[0] for c in CONCERN_CASES])
    for i, (text, must, must_not) in enumerate(CONCERN_CASES):
        assert must <= got[i], (text, got[i])
        assert (not got[i]) if must_not is None else not (must_not & got[i]), (text, got[i])
    for f in out:
        text = CONCERN_CASES[int(f.post_ref.split(":")[1])][0]
        assert not FORBIDDEN.search(f.explanation), f.explanation
        for s in f.spans:
            assert f"'{text[s.start:s.end]}'" in f.explanation, (f.explanation, text[s.start:s.end])
        if f.explanation.startswith("Reads like"):
            assert f.action == "review"
