"""The text scan's speed measures (issue 13), checked for what they must not change: the explanation's
words are content words that index the text and its cost is bounded (counted in encoder rows, never
timed); the model scoring the next chunk in worker threads gives the same findings as the plain
sequential scan. Every text here is invented."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone

import numpy as np
import pytest

from auditor.analysers import text as T
from auditor.analysers.text import engine
from auditor.analysers.text import model as cm
from auditor.analysers.text.fixed import FixedConcerns
from auditor.analysers.text.signals import COMMON, lexicon
from auditor.config import Config, Profile
from auditor.model import Finding, Post
from auditor.plugins import AnalysisContext, TextUnit

STOP = lexicon(COMMON).word_set("explanation.stopwords")


@pytest.fixture(scope="module")
def model() -> cm.ConcernModel:
    return cm.ConcernModel(threads=1)


# -- explanations --------------------------------------------------------------------------------
def test_salient_spans_are_content_words_that_index_the_text(model):
    text = "honestly you are the most useless fucking idiot I have ever met, @garyidiot is not"
    spans = model.salient_spans(text, "offensive", k=6, skip=STOP)
    assert spans
    for s, e, w in spans:
        assert 0 <= s < e <= len(text) and w > 0
        piece = text[s:e]
        assert piece.strip() == piece and piece
        words = piece.casefold().split()
        assert not (len(words) == 1 and words[0] in STOP), piece
        assert sum(c.isalpha() for c in piece) >= 3
        assert "garyidiot" not in piece           # a mention: the model sees only '@USER'
    assert spans == sorted(spans, key=lambda x: -x[2])
    assert any(w in text[s:e].lower() for s, e, _ in spans for w in ("useless", "fucking", "idiot"))


def test_salient_spans_skip_the_words_given(model):
    text = "Tamsin Polglaze is a useless lazy cow and everyone knows it"
    spans = model.salient_spans(text, "offensive", k=6, skip=STOP | {"tamsin", "polglaze"})
    picked = " ".join(text[s:e] for s, e, _ in spans).lower()
    assert "tamsin" not in picked and "polglaze" not in picked
    assert model.salient_spans("", "offensive") == []
    assert model.salient_spans("it is what it is, 12 34", "offensive", skip=STOP) == []


def test_salient_spans_leave_out_words_that_barely_moved_the_verdict(model, monkeypatch):
    """A word is named only if removing it costs at least SALIENT_MIN_SHARE of what removing the strongest
    word costs (weights from a stand-in for the encoder: the label's probability with each word removed)."""
    j = cm.LABELS.index("offensive")
    without = {"alpha": 0.3, "bravo": 0.78, "charlie": 0.5}    # drops 0.6, 0.12 (a fifth of 0.6), 0.4

    def predict(texts):
        out = np.zeros((len(texts), len(cm.LABELS)))
        for i, t in enumerate(texts):
            gone = [w for w in without if w not in t.split()]
            out[i, j] = without[gone[0]] if len(gone) == 1 else 0.9
        return out
    monkeypatch.setattr(model, "predict", predict)
    text = "alpha bravo charlie"
    got = [(text[s:e], round(w, 2)) for s, e, w in model.salient_spans(text, "offensive", k=3, base=0.9)]
    assert got == [("alpha", 0.6), ("charlie", 0.4)]
    got = model.salient_spans(text, "offensive", k=3, base=0.9, min_share=0.0)
    assert [text[s:e] for s, e, _ in got] == ["alpha", "charlie", "bravo"]


def test_salient_spans_never_join_words_across_a_comma_and_drop_quotes(model, monkeypatch):
    """Two neighbouring strong words make one span only inside one clause ("'country, send'" read as one
    phrase); a quotation mark or a possessive's "'s" is not part of the word ("'English'", "today's")."""
    j = cm.LABELS.index("offensive")

    def predict(texts):        # the verdict needs both words: each alone carries half, the pair all of it
        out = np.zeros((len(texts), len(cm.LABELS)))
        for i, t in enumerate(texts):
            out[i, j] = 0.9 - 0.4 * ("country" not in t) - 0.4 * ("send" not in t) - 0.3 * ("English" not in t)
        return out
    monkeypatch.setattr(model, "predict", predict)
    text = "ruin this country, send them 'English' lessons today's"
    got = [text[s:e] for s, e, _ in model.salient_spans(text, "offensive", k=3, skip=STOP, base=0.9)]
    assert sorted(got) == ["English", "country", "send"], got
    text = "ruin this country send them"                  # one clause: the pair is named as one
    got = [text[s:e] for s, e, _ in model.salient_spans(text, "offensive", k=3, skip=STOP, base=0.9)]
    assert got == ["country send"], got
    assert "today's" not in cm._candidates("today's list", STOP) and "list" in cm._candidates("today's list", STOP)


def test_salient_cost_is_bounded_in_encoder_rows(model):
    words = ("apricot bramble cobbler damson elderflower fennel gooseberry hazelnut juniper kohlrabi lovage "
             "medlar nutmeg oregano parsnip quince rhubarb sorrel tarragon ugli vanilla walnut yarrow").split()
    text = " and ".join(words) + " you stupid idiot"
    j = cm.LABELS.index("offensive")
    base = float(model.predict([text])[0, j])
    before = model.rows_run
    model.salient_spans(text, "offensive", k=3, max_words=12, skip=STOP, base=base)
    used = model.rows_run - before
    assert used <= 12 + 3, used                 # 12 words and at most three pairs; the base was given
    before = model.rows_run
    model.salient_spans(text, "offensive", k=3, max_words=12, skip=STOP)
    assert model.rows_run - before <= 1 + 12 + 3
    before = model.rows_run
    model.salient_spans("the and of it is to", "offensive", skip=STOP)
    assert model.rows_run == before              # nothing to weigh, nothing run


def test_the_engine_asks_for_content_words_and_passes_the_base(monkeypatch):
    seen = []

    class Spy(FixedConcerns):
        def salient_spans(self, text, label, k=3, **kw):
            seen.append(kw)
            return super().salient_spans(text, label, k)
    fixed = Spy(lambda t: {lab: (0.9 if lab == "grievance" else 0.05) for lab in engine.LABELS},
                salient=lambda t, lab: ["manager"])
    ctx = AnalysisContext(Config(Profile(full_name="Jordan Ashby")))
    nlp = T.rule_based_nlp({})
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = fixed
    when = datetime(2023, 5, 1, 12, 0, tzinfo=timezone.utc)
    out = list(T.TextAnalyser().analyse([Post("twitter:1", "twitter", "post", when,
                                              "Honestly the manager on our unit this week, no words")], ctx))
    assert any(isinstance(f, Finding) for f in out)
    assert seen and seen[0]["base"] == pytest.approx(0.9)
    assert {"the", "own"} <= seen[0]["skip"] and {"jordan", "ashby"} <= seen[0]["skip"]
    assert seen[0]["max_words"] == engine.SALIENT_MAX_WORDS <= 16


# -- overlap = sequential ---------------------------------------------------------------------------
TEXTS = [
    "Night shift done, home to bed",
    "Our ward manager Debbie is the laziest, most useless woman I've ever worked under",
    "Call Kerensa on 07911 123456 if you want the tickets",
    "shut your fat mouth you useless piece of shit",
    "Lovely lady called Margaret Tregarthen on the ward today, 91 years old",
    "As a nurse I'm telling you: vaccines cause autism, do your research",
    "Made a lasagne for the first time and it actually worked",
    "Still hammered from last night and about to start my shift lol",
]


def scan_setup(concern, copies: int) -> tuple[AnalysisContext, list[TextUnit]]:
    """A context with a rule-based NLP and `concern` as the concern model, and TEXTS `copies` times over,
    each copy numbered so that no two texts are the same."""
    nlp = T.rule_based_nlp({"PERSON": ["Debbie", "Kerensa", "Margaret Tregarthen"]})
    ctx = AnalysisContext(Config(Profile(full_name="Jordan Ashby")))
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = concern
    when = datetime(2022, 2, 2, 9, 0, tzinfo=timezone.utc)
    units = [TextUnit(Post(f"twitter:{i}", "twitter", "post", when, f"{t} ({i})"), f"{t} ({i})")
             for i, t in enumerate(TEXTS * copies)]
    return ctx, units


def scan_all(ctx, units, overlap: bool, monkeypatch) -> list[dict]:
    monkeypatch.setattr(engine, "OVERLAP", overlap)
    return [asdict(f) if isinstance(f, Finding) else repr(f) for f in engine.analyse_units(units, ctx)]


@pytest.mark.parametrize("real", [False, True], ids=["fixed-model", "shipped-model"])
def test_overlap_gives_the_sequential_findings(real, model, monkeypatch):
    if real:
        concern = model
    else:
        concern = FixedConcerns(lambda t: {lab: (0.9 if (len(t) + j) % 5 == 0 else 0.05)
                                           for j, lab in enumerate(engine.LABELS)},
                                salient=lambda t, lab: t.split()[-2:])
    ctx, units = scan_setup(concern, copies=3)
    monkeypatch.setattr(engine, "CHUNK", 5)                 # five chunks: the worker always has one ahead
    seq = scan_all(ctx, units, False, monkeypatch)
    par = scan_all(ctx, units, True, monkeypatch)
    assert seq and par == seq


def test_several_scoring_threads_give_the_sequential_findings_and_counts(monkeypatch):
    """The shipped cascade (small model and teacher) scoring pieces of two texts in three threads at once:
    the findings, their order, the encoder rows and the texts sent to the teacher are the sequential
    scan's."""
    concern = cm.load_default()
    ctx, units = scan_setup(concern, copies=2)
    monkeypatch.setattr(engine, "CHUNK", 7)
    monkeypatch.setattr(engine, "SCORE_PIECE", 2)
    counts = []
    runs = []
    for overlap, scorers in ((False, 0), (True, 3)):
        monkeypatch.setattr(engine, "SCORERS", scorers)
        concern.forget()                                # rows counted from scratch both ways
        r0, s0 = concern.rows_run, concern.sent
        runs.append(scan_all(ctx, units, overlap, monkeypatch))
        counts.append((concern.rows_run - r0, concern.sent - s0))
    assert engine.scorers() == 3
    assert runs[0] and runs[1] == runs[0]
    assert counts[0][1] > 0 and counts[1] == counts[0]      # some texts went to the teacher, as many both ways


def test_scoring_threads_default_to_the_cores_at_most_four(monkeypatch):
    from auditor.analysers import media
    monkeypatch.setattr(engine, "SCORERS", 0)
    for cores, want in ((1, 1), (2, 2), (16, 4)):
        monkeypatch.setattr(media, "cpu_count", lambda c=cores: c)
        assert engine.scorers() == want
    monkeypatch.setattr(engine, "SCORERS", 2)
    assert engine.scorers() == 2


def test_an_error_in_the_worker_reaches_the_caller(monkeypatch):
    class Breaks(FixedConcerns):
        def predict(self, texts):
            if any("boom" in t for t in texts):
                raise RuntimeError("model failed")
            return super().predict(texts)
    nlp = T.rule_based_nlp({})
    ctx = AnalysisContext(Config())
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = Breaks({}, default=float("nan"))
    when = datetime(2022, 2, 2, 9, 0, tzinfo=timezone.utc)
    units = [TextUnit(Post(f"twitter:{i}", "twitter", "post", when, t), t)
             for i, t in enumerate(["fine post"] * 6 + ["boom"])]
    monkeypatch.setattr(engine, "CHUNK", 3)
    monkeypatch.setattr(engine, "OVERLAP", True)
    with pytest.raises(RuntimeError, match="model failed"):
        list(engine.analyse_units(units, ctx))


def test_rules_only_stand_in_runs_every_rule_and_no_model(monkeypatch):
    """bench_text's `--speed-against rules-only` floor: no verdict on any label, so the rules run alone
    (as for a label the model does not cover) and no finding is the model's alone."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_text
    none = bench_text.RulesOnly()
    assert np.isnan(none.predict(["a", "b"])).all() and none.rows_run == 0
    nlp = T.rule_based_nlp({"PERSON": ["Kerensa Polwhele"]})
    ctx = AnalysisContext(Config())
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = none
    when = datetime(2022, 2, 2, 9, 0, tzinfo=timezone.utc)
    texts = ["Text Kerensa Polwhele on 07700 900123 if you want the spare room",
             "lovely walk on the cliffs today", "all those people are vermin and should be sent back"]
    units = [TextUnit(Post(f"twitter:{i}", "twitter", "post", when, t), t) for i, t in enumerate(texts)]
    found = [f for f in engine.analyse_units(units, ctx) if isinstance(f, Finding)]
    assert found, "the rules found nothing"
    assert {f.post_ref for f in found} <= {"twitter:0", "twitter:2"}
    assert not any("reads like" in f.explanation.lower() for f in found)
    none.forget()
    assert none.calls == []


def test_paired_counts_tell_a_fall_of_two_made_of_losses_from_one_made_of_churn(capsys):
    """bench_text's `--paired-with`: per category the posts the second model loses and gains, so that two
    candidates with the same recall are told apart (invented labels and flags)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_text
    truth = [{"grievance"}] * 4 + [{"workplace", "grievance"}] + [set()] * 2
    first = [{"grievance"}, {"grievance"}, set(), set(), {"grievance"}, {"offensive"}, set()]
    second = [{"grievance"}, set(), {"grievance"}, set(), {"workplace"}, set(), {"conduct"}]
    out = bench_text.paired_table(truth, first, second, ["grievance", "workplace"])
    assert out["grievance"] == (3, 2, 2, 1)          # flagged 3 -> 2: lost 2, gained 1
    assert out["workplace"] == (0, 1, 0, 1)
    assert out["any concern"] == (3, 3, 1, 1)        # post 1 lost, post 2 gained
    assert out["clean newly flagged"] == 1 and out["clean no longer flagged"] == 1
    assert "lost" in capsys.readouterr().out
