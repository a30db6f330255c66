"""docs/policy.md, line by line: each test is named after the policy line it checks (test_p1_...),
and the last test makes sure no line of the policy is left without one. Cheap engines as in
test_text_analysers.py (entity ruler, set model verdicts). Invented people."""
from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from auditor import rules, standards
from auditor.analysers import text as T
from auditor.analysers.text.fixed import FixedConcerns
from auditor.model import ACT_FROM, Finding
from auditor.pipeline import finding_urgency
from test_text_analysers import (B, C, D, G, K, M, NO, O, P, R, W, engines, make_ctx, post, rule_ids, run,  # noqa: F401
                                  verdicts)

POLICY = Path(__file__).resolve().parent.parent / "docs" / "policy.md"


def level(f: Finding) -> str:
    return finding_urgency(f).level


def test_p1_model_decides_rules_say_what(engines):
    text = "My manager is a useless cow"
    assert "GRV001" in rule_ids(run(engines, text, {G, O}))
    assert not rule_ids(run(engines, text, set()))               # the model reads banter: nothing
    # precise detectors stay when the model doubts them, for review
    [f] = [f for f in run(engines, "Ring Corin on 07911 123456 about the car", set()) if f.rule == "PII001"]
    assert level(f) == "check"
    [n] = [f for f in run(engines, "Can't find NHS no 943 476 5919 on the system", set()) if f.rule == "PII004"]
    assert level(n) == "act"                                      # a valid check digit is exact
    # specific phrasings stay when the model doubts them, for review; single words do not
    for text, rule in (("Called in sick and went to the festival", "CND002"), ("COVID is a hoax", "MIS001"),
                       ("A patient from last week just added me on here lol", "BND001"),
                       ("Guaranteed results in one session! Use code SAVE20", "PRM001")):
        [f] = [f for f in run(engines, text, set()) if f.rule == rule]
        assert level(f) == "check" and f.action is None, (text, f)
        assert level([f for f in run(engines, text, {K, M, B, R}) if f.rule == rule][0]) == "act" or \
            rules.get(rule).severity != "high"
    for text in ("@corin_v you daft cow", "Immigrants are everywhere in this town, so sick of hearing it",
                 "Management at the trust do not care about staff", "In my scrubs on the ward today"):
        assert not rule_ids(run(engines, text, set())), text


def test_p2_model_alone_is_review_and_says_what_it_resembles(engines):
    for text, model, rule in (("Sharon on days has done it again, leaving everything for us", {G}, "GRV002"),
                              ("Elderberry syrup does more than any flu jab ever did", {M}, "MIS001"),
                              ("Tough one today, thinking of the family", {C}, "CONF002")):
        [f] = [f for f in run(engines, text, model) if f.rule == rule]
        assert f.action == "review" and level(f) == "check" and f.explanation.startswith("Reads like"), f


def test_p3_one_urgency_scale(engines):
    texts = ["@someone you are a pathetic idiot", "That match was shite lol", "COVID is a hoax",
             "Management at the trust do not care about staff", "Pulled a sickie, beach day!",
             "Kevin Marsh had better watch himself", "Absolutely hammered, I love my friends"]
    model = {O, M, G, K}
    found = [f for t in texts for f in run(engines, t, model)]
    assert len(found) >= len(texts)
    for f in found:
        u = finding_urgency(f)
        rule = rules.get(f.rule)
        if u.action in ("delete", "edit"):
            assert u.score >= ACT_FROM
        if (f.severity or rule.severity) == "low":
            assert u.level == "check" and u.action == "review"
    shown_delete = [finding_urgency(f).score for f in found if finding_urgency(f).action == "delete"]
    shown_review = [finding_urgency(f).score for f in found if finding_urgency(f).action == "review"]
    assert shown_delete and shown_review and min(shown_delete) > max(
        s for s in shown_review if s < ACT_FROM)


def test_p4_explanations_are_plain_words_with_spans(engines):
    text = "The covid vaccine changes your DNA. Do your own research, see https://t.co/x1 now"
    got = run(engines, text, {M, O}, salient=lambda t, lab: ["own", "your", "1", "URL", "research"])
    assert got
    for f in got:
        assert not re.search(r"\b(?:score|weight|model|0\.\d+|[A-Z]{3}\d{3})\b", f.explanation), f.explanation
        assert "'own'" not in f.explanation and "'your'" not in f.explanation
        for s in f.spans:
            assert f"'{text[s.start:s.end]}'" in f.explanation


def test_p18_two_standards_two_findings_when_the_model_reads_both(engines):
    when = datetime(2025, 3, 1, tzinfo=timezone.utc)
    for text, first, second, model in (
            ("On shift on the ward with Mrs Trelawny, 78 year old, dementia, bless her", "CONF001", "WRK004", {C, W}),
            ("Immigrants are vermin", "DIS002", "OFF002", {D, O}),
            ("My manager is a useless cow", "GRV001", "OFF002", {G, O})):
        both = {f.rule: f for f in run(engines, text, model)}
        assert {first, second} <= set(both), (text, set(both))
        assert both[second].spans and not both[second].explanation.startswith("Reads like"), both[second]
        clauses = {r: {c.clause for c in standards.cite("HCPC", r, rules.get(r).category, when)} for r in both}
        assert clauses[second] - clauses[first], (text, clauses)          # a standard of its own
        alone = rule_ids(run(engines, text, model - {O, W}))
        assert first in alone and second not in alone, (text, alone)
    # an offer of private treatment the model also reads as promotion: a boundaries finding and a promotion look
    text = "DM me for discount Botox, I bring everything to your house"
    assert {"BND002", "PRM001"} <= rule_ids(run(engines, text, {B, R}))
    assert "PRM001" not in rule_ids(run(engines, text, {B}))

def test_p5_union_activity_is_not_discrimination_or_grievance(engines):
    for text in ("I'll be voting yes in the strike ballot. Pay restoration for ambulance staff now.",
                 "On the picket line at the Riverside from 7, bring a flask"):
        for model in (set(), None):
            got = rule_ids(run(engines, text, model))
            assert not {r for r in got if r.startswith(("DIS", "GRV"))}, (text, model, got)
        assert not {r for r in rule_ids(run(engines, text, {G})) if r.startswith("GRV")}, text
    # on its own: a named colleague complained of is a grievance, whoever the writer is taking it to
    assert "GRV002" in rule_ids(run(engines, "Kevin Marsh has cut my hours twice this year, going to the union", {G}))
    # a word of theirs used otherwise is no union activity
    assert "GRV002" in rule_ids(run(engines, "The night manager strikes again, left the sluice full for us", {G}))


def test_p6_civil_opinion_is_not_discrimination(engines):
    assert "DIS003" in rules.RETIRED
    for text in ("I believe abortion should never be legal", "As a Christian I think marriage is for life",
                 "I think immigration is too high and the government should reduce it"):
        got = rule_ids(run(engines, text, set()))
        assert not {r for r in got if r.startswith("DIS")}, (text, got)
    # a belief stated with contempt for a group is still DIS002
    assert "DIS002" in rule_ids(run(engines, "Muslims are vermin and should be deported", {D, O}))


def test_p6_denied_contempt_is_counter_speech(engines):
    for text in ("gay men are not perverts, grow up", "disabled people are not a drain, they pay in too",
                 "trans people aren't freaks", "Refugees are not vermin, they are people"):
        got = rule_ids(run(engines, text, {D}))
        assert not {r for r in got if r.startswith("DIS")}, (text, got)
    # contempt said beside a denial is still found
    [f] = [f for f in run(engines, "Immigrants are not welcome here, vermin the lot of them", {D})
           if f.rule == "DIS002"]
    assert "'vermin'" in f.explanation
    assert "DIS002" in rule_ids(run(engines, "Refugees are vermin", {D}))
    # a negation in a condition, or one whose reach ends at "because" or "that", denies nothing
    for text in ("I'd be fine with refugees if they weren't such vermin",
                 "Refugees shouldn't be nurses. Not because they're vermin, they just can't",
                 "Is it not obvious that refugees are vermin?"):
        assert "DIS002" in rule_ids(run(engines, text, {D})), text


def test_p7_news_about_public_figures_is_not_discrimination(engines):
    text = "The minister said today that migrants are a burden and should be deported. Shameful."
    assert not {r for r in rule_ids(run(engines, text, set())) if r.startswith("DIS")}


def test_p8_slur_characteristic_and_national_origin_is_not_race(engines):
    [f] = [f for f in run(engines, "typical poofter", {D, O}) if f.rule == "DIS001"]
    assert "sexual orientation" in f.explanation
    for text in ("Immigrants are ruining this country, send them all back", "Refugees are vermin"):
        [d] = [f for f in run(engines, text, {D}) if f.rule == "DIS002"]
        assert "race" not in d.explanation and "migration status" in d.explanation, d.explanation


def test_p8_a_slur_look_alike_in_an_everyday_phrasing_is_not_a_slur(engines):
    # the dish and cigarettes: no slur, and a reading of contempt or abuse that leans on the word is dropped
    for text in ("Faggots and mushy peas for tea, proper northern comfort food",
                 "Mam's faggots in gravy are the best thing about going home",
                 "Six months off the fags today, used to give smoking cessation advice",
                 "Nipped out for a fag on my break", "Twenty fags a day for thirty years and he wonders why",
                 "Faggots, mushy peas and gravy, proper Black Country tea", "Walked 20 miles of Offa's Dyke path today",
                 "Brexit. Covid. Strikes. Just waiting for the frogs and locusts now",
                 "Dug a wildlife pond. Within a week: 3 frogs and a newt", "Crochet shop open: frogs, bees and an octopus"):
        got = rule_ids(run(engines, text, {D, O}))
        assert not {r for r in got if r.startswith(("DIS", "OFF"))}, (text, got)
    # the slur itself, and abuse beside a look-alike, are still found
    assert "DIS001" in rule_ids(run(engines, "shut up you fags", {D, O}))
    assert "DIS001" in rule_ids(run(engines, "faggots the lot of them", {D, O}))
    assert "DIS001" in rule_ids(run(engines, "the dykes down the road are at it again", {D, O}))
    assert "DIS001" in rule_ids(run(engines, "the frogs across the Channel can keep their wine", {D, O}))
    got = rule_ids(run(engines, "Twenty fags a day and still a pathetic idiot @dazza", {O}))
    assert "OFF001" in got


def test_p9_a_denied_insult_calls_no_one_anything(engines):
    from auditor.analysers.text import TextAnalyser
    from auditor.analysers.text.fixed import FixedConcerns
    from test_text_analysers import NO, make_ctx, post

    def found(text, p_off):
        fixed = FixedConcerns(lambda t: {O: p_off}, default=NO)
        return {f.rule for f in TextAnalyser().analyse([post(text)], make_ctx(engines, fixed))}
    text = "you're not stupid, you're exhausted, go to bed"
    assert not found(text, 0.55)                         # over the threshold, not clearly offensive
    assert found(text, 0.9) == {"OFF002"}                # clearly: the model's own finding, for review
    assert "OFF001" in rule_ids(run(engines, "@dazza you are not only stupid but a liar", {O}))
    assert "OFF001" in rule_ids(run(engines, "@dazza you are stupid", {O}))


def test_p9_affection_idiom_and_mild_swearing(engines):
    for text in ("@corin_v you daft cow, love you loads", "Going to kill two birds with one stone today",
                 "Oh shit, forgot my lunch again"):
        assert not {r for r in rule_ids(run(engines, text, set())) if r.startswith("OFF")}, text
    [f] = [f for f in run(engines, "Oh shit, forgot my lunch again", {O}) if f.rule.startswith("OFF")]
    assert (f.severity, f.action, level(f)) == ("low", "review", "check")
    # a rude word in an everyday saying, a name after it: mild swearing at no one, not abuse of Bryn
    got = [f for f in run(engines, "Stop taking the piss Bryn", None) if f.rule.startswith("OFF")]
    assert [(f.rule, f.severity, f.action) for f in got] == [("OFF002", "low", "review")], got


def conf_at(engines, text: str, p: float) -> list[Finding]:
    """The confidentiality findings of `text` with the model at probability `p` for confidentiality (its
    threshold here 0.5) and no other concern."""
    from auditor.analysers.text.fixed import FixedConcerns
    from test_text_analysers import T, make_ctx, post, verdicts
    fixed = FixedConcerns(lambda t: {**verdicts(set()), C: p}, default=0.05)
    return [f for f in T.TextAnalyser().analyse([post(text)], make_ctx(engines, fixed)) if f.rule.startswith("CONF")]


def set_aside_but_clear(engines, text: str, reason: str) -> None:
    """A post a rule sets aside as not about someone in the writer's care: nothing at the model's usual verdict;
    where the model reads it clearly as such, a look naming why it was set aside, never a deletion."""
    assert not conf_at(engines, text, 0.6), text
    [f] = conf_at(engines, text, 0.95)
    assert f.rule == "CONF002" and f.action == "review" and level(f) == "check", (text, f)
    assert reason in f.explanation and "check whether any detail is about someone you cared for" in f.explanation


def test_p10_public_health_statistics_are_not_confidential(engines):
    for text in ("1 in 3 patients over 80 with dementia waited over 12 hours in A&E last winter",
                 "Sepsis kills 48,000 people a year in the UK: 20% of patients are admitted via A&E",
                 "New figures show stroke admissions in Leeds rose 12% this year"):
        for model in (set(), None):
            got = rule_ids(run(engines, text, model))
            assert not {r for r in got if r.startswith("CONF")}, (text, model, got)
        set_aside_but_clear(engines, text, "it gives figures about many people")
    # a percentage that is not about people is no statistic: the patient in the post stays identifiable
    text = "Thursday on the ward: Polwithen lad, 15, sats 88% on air, convinced his season was over"
    assert "CONF001" in rule_ids(run(engines, text, {C}))
    # a case study is one person, not a study of many
    text = "Case study from our clinic this term: a 78 year old from Polwithen with dementia"
    assert "CONF001" in rule_ids(run(engines, text, {C}))
    assert not {r for r in rule_ids(run(engines, "A study of 2,000 patients in Leeds found fewer falls", {C}))
                if r == "CONF001"}


def test_p11_own_family_and_self_as_patient(engines):
    for text in ("My nan is 84 and has dementia, visited her on the ward today",
                 "I was a patient in A&E in Leeds today with a broken arm, staff were brilliant"):
        for model in ({C}, None):
            assert not {r for r in rule_ids(run(engines, text, model)) if r.startswith("CONF") and r != "CONF002"}, text
        assert not {r for r in rule_ids(run(engines, text, None)) if r.startswith("CONF")}, text
        set_aside_but_clear(engines, text, "it mentions your own family or friends")
    # a relative told something is whom it went to, not whom it is about: no reason to set the post aside
    assert conf_at(engines, "Had a lad on the ward today with HIV, told my mate who knows him", 0.6)
    assert not conf_at(engines, "My mate has HIV, told him I'd come to the ward with him today", 0.6)
    # a family word is not always the person described: with the model clear, the patient is not lost
    text = "The man in bed 4 with the chest drain today turns out to be my mate's dad"
    set_aside_but_clear(engines, text, "it mentions your own family or friends")


def test_p17_public_report_is_not_about_someone_in_your_care(engines):
    report = "Tributes have been paid to Kevin Marsh, 78, of Truro, who died on Monday after a stroke"
    assert not conf_at(engines, report, 0.6)
    set_aside_but_clear(engines, report, "it reads like a public report, appeal or wish")
    # with the model reading no one in care, a named person beside a work word in a report is no case either
    obituary = "Dr Kevin Marsh, the GP who looked after patients in Truro for 40 years, has died aged 78"
    assert not conf_at(engines, obituary, 0.05)
    assert conf_at(engines, "Dr Kevin Marsh, my patient in Truro for 40 years, has died aged 78", 0.05)
    at_work = report + ". I was his district nurse for years"
    assert "CONF001" in rule_ids(run(engines, at_work, {C}))


def test_p12_own_names_handles_and_lines(engines):
    assert "CONF001" not in rule_ids(run(engines, "Jordan Ashby on the ward this morning", {C}))
    assert "PII002" not in rule_ids(run(engines, "Email me at jordan.ashby@example.com", {P}))
    assert not any("@jordan_runs" in f.explanation
                   for f in run(engines, "@jordan_runs you absolute idiot", {O}))
    assert "PII001" not in rule_ids(run(engines, "To book a session call me on 07911 123456", {P}))
    # a number plate is someone's personal data, unless the sentence gives it as the writer's own or the service's
    [f] = [f for f in run(engines, "The lad in the black Golf WP61 XKD cut me up again. Anyone know him?", {P})
           if f.rule == "PII007"]
    assert "'WP61 XKD'" in f.explanation and [s.kind for s in f.spans] == ["id-number"]
    for own in ("Some idiot keyed my car last night, silver Fiesta SV09 KLP, outside Tesco",
                "Our ambulance KX19 WFE is back from the garage", "Mine's the blue Corsa NX12 ABE by the gate"):
        assert "PII007" not in rule_ids(run(engines, own, {P})), own
    for not_a_plate in ("Flight #MH17 HAD left on time", "wp61 xkd", "Form AB12 CDEF sent"):
        assert "PII007" not in rule_ids(run(engines, not_a_plate, {P})), not_a_plate
    # an address or number offered as the writer's own or a service's is not named as someone else's
    for own in ("Baby clothes free to a good home, porch pick up, 12 Mandale Road, first come first served",
                "Selling my sofa, collection from 12 Orford Lane, ask for details",
                "Our clinic's new address: 12 Market Street, Ludlow. Same team, bigger car park!",
                "my new work phone is 07911 123456 for any of my placement families"):
        assert not {r for r in rule_ids(run(engines, own, {P})) if r in ("PII001", "PII003")}, own
    assert "PII003" in rule_ids(run(engines, "The bloke at 42 Beverley Road parks across three spaces", {P}))
    # a service's line by its shape, a call that opens its sentence, a role's or an organisation's e-mail address
    for service in ("If anything comes up the team duty line is 0113 496 0381, Monday to Friday",
                    "Closed Wednesday afternoon. Normal service Thursday, main line 01584 496 030",
                    "Any questions ring the club on 0161 496 0719",
                    "Lost dog near the park, answers to Biscuit. Call 07911 123456",
                    "Missing cat, ginger tom. If found, ring 07911 123456 any time",
                    "We're hiring! Apply via the website or email jobs@example.com",
                    "Chair is Pat, reachable via the association email pinewoodra@example.org",
                    "For the conference, e-mail the organising team at pt-events@example.org"):
        assert not {r for r in rule_ids(run(engines, service, set())) if r in ("PII001", "PII002")}, service
    for service in ("Christmas hours are on the door, or ring the shop on 0117 496 0150",
                    "The surgery phone lines (01632 960441) are open 8am to 6.30pm",
                    "This is my personal mobile: 07911 123456, for the choir committee only",
                    "Our online booking is live: book via the app or ring 07911 123456"):
        assert "PII001" not in rule_ids(run(engines, service, set())), service
    for someone in ("Call Corin on 07911 123456 and tell him what you think",
                    "My sister's mobile is 07911 123456 if anyone wants to ask her out", "My neighbour, call 07911 123456 and tell her",
                    "Anyone know this guy? His email is dave.smith@example.com, he owes me 50 quid"):
        assert {r for r in rule_ids(run(engines, someone, set())) if r in ("PII001", "PII002")}, someone
    # what offers a detail as the writer's own must say so in the same sentence
    assert "PII001" in rule_ids(run(engines, "He keeps ringing my mobile. His number's 07911 123456, block him", {P}))
    # the model doubts it: still found, for a look
    [d] = [f for f in run(engines, "BK21 OWL in a white Range Rover took the staff space again", set())
           if f.rule == "PII007"]
    assert level(d) == "check"


CONFIDENTIALITY_TITLE = re.compile(r"confidential|information about|patient information|identif|privacy and dignity|their care",
                                   re.IGNORECASE)


def test_p13_locations_cite_privacy_and_safety_not_confidentiality():
    when = datetime(2023, 6, 1, tzinfo=timezone.utc)
    for reg in standards.regulators():
        for rule_id in ("GEO001", "GEO002", "GEO003", "WRK001"):
            rule = rules.get(rule_id)
            cited = standards.cite(reg, rule_id, rule.category, when)
            assert cited, (reg, rule_id)
            for s in cited:
                assert not CONFIDENTIALITY_TITLE.search(s.title), (reg, s.edition, rule_id, s.clause, s.title)
        conf = standards.cite(reg, "CONF101", rules.get("CONF101").category, when)
        assert any(CONFIDENTIALITY_TITLE.search(s.title) for s in conf), (reg, [s.title for s in conf])


def test_p16_a_position_alone_is_a_tidy_up_near_home_or_work_is_urgent():
    from test_locations_platform import HOME, STATION, offset, post, run as run_locations
    from auditor.model import Media, Place
    far = Place(51.5007, -0.1246, None, "tweet-coordinates")
    named = Place(None, None, "The Fox and Hounds", "checkin")
    file_gps = Place(51.5007, -0.1246, None, "exif")
    posts = [post("1", far), post("2", named, platform="facebook"),
             post("3", media=(Media("p.jpg", "photo", place=file_gps),), platform="photos"),
             post("4", Place(*offset(STATION.lat, STATION.lon, 80), None, "tweet-coordinates")),
             post("5", Place(*offset(HOME.lat, HOME.lon, 50), None, "tweet-coordinates"))]
    fs, _ = run_locations(posts)
    alone = [f for f in fs if f.rule in ("GEO001", "GEO002")]
    assert {f.rule for f in alone} == {"GEO001", "GEO002"} and len(alone) == 5
    assert all(level(f) == "check" for f in alone), [(f.rule, f.confidence) for f in alone]
    near = [f for f in fs if f.rule in ("WRK001", "GEO003")]
    assert {f.rule for f in near} == {"WRK001", "GEO003"}
    assert all(level(f) == "act" for f in near)


def test_p14_endorsements_one_step_lower(engines):
    own = [f for f in run(engines, "COVID is a hoax", {M}) if f.rule == "MIS001"][0]
    for kind in ("like", "repost"):
        f = [f for f in run(engines, "COVID is a hoax", {M}, kind=kind) if f.rule == "MIS001"][0]
        assert own.severity is None and f.severity == "medium"
        assert f.explanation.startswith(("You liked this post", "You reposted this"))


def test_p15_reported_or_rebutted_claims(engines):
    for text in ("The myth that vaccines cause autism has been debunked again",
                 "Do vaccines cause autism? Short answer: no.",
                 "Fact check: no, the covid vaccine does not alter your DNA",
                 "no, the covid vaccine doesn't change your DNA, booked my booster today"):
        for model in (set(), None):
            assert "MIS001" not in rule_ids(run(engines, text, model)), (text, model)
    assert "MIS001" in rule_ids(run(engines, "Masks don't work and never did", None))
    for text in ("Had my first jab today, sore arm, no microchip, all good",
                 "The covid vaccine doesn't contain a microchip", "5G doesn't spread covid, radio waves can't carry it"):
        assert "MIS001" not in rule_ids(run(engines, text, set())), text
    # a claim answered right after it is rebutted; a bare denial elsewhere answers no claim
    for text in ('"The HPV jab causes infertility," my patient said. It doesn\'t. It prevents cancers',
                 "A mum asked if vaccines cause autism. Studies of millions of children found no link"):
        for model in (set(), None):
            assert "MIS001" not in rule_ids(run(engines, text, model)), (text, model)
    assert "MIS001" in rule_ids(run(engines, "They say it's safe. It isn't. Vaccines cause autism, look it up", set()))
    # a rebuttal word the writer says OF something asserts: the model's reading decides, the patterns do not
    text = "Antibiotic resistance is a myth made up to save money on prescriptions"
    assert "MIS001" in rule_ids(run(engines, text, {M})) and "MIS001" not in rule_ids(run(engines, text, set()))
    assert "MIS001" not in rule_ids(run(engines, "The idea that vaccines cause autism is a myth, get your kids done", set()))
    # saying one is not anti-vax rebuts nothing
    for model in (set(), None, {M}):
        assert "MIS001" in rule_ids(run(engines, "I'm not anti-vax, but the MMR causes autism in some kids", model))


def test_p19_stated_permission_is_for_review_not_deletion(engines):
    text = "Lovely 84yo lady with dementia on Elm Road this morning, shared with her permission"
    [f] = [f for f in run(engines, text, {C}) if f.rule == "CONF001"]
    assert f.action == "review" and level(f) == "check"
    assert "gave permission" in f.explanation and "condition 'dementia'" in f.explanation
    for taken_back in ("Lovely 84yo lady with dementia on Elm Road this morning, with her permission? didn't ask",
                       "Lovely 84yo lady with dementia on Elm Road this morning"):
        [g] = [f for f in run(engines, taken_back, {C}) if f.rule == "CONF001"]
        assert g.action is None and level(g) == "act", taken_back


def test_every_policy_line_has_a_test():
    lines = set(re.findall(r"\*\*P(\d+)\.", POLICY.read_text(encoding="utf-8")))
    tested = {m.group(1) for name in dir(sys.modules[__name__])
              for m in [re.match(r"test_p(\d+)_", name)] if m}
    assert lines and lines == tested, (lines - tested, tested - lines)


def test_p20_a_shared_link_is_read_as_the_training_placeholder_and_the_rules_never_see_it(engines):
    from auditor.analysers.text.model import normalise
    text = "Ebola claims life of third doctor https://t.co/AbC123xYz9 via @newsdesk"
    seen = []
    fixed = FixedConcerns(lambda t: seen.append(t) or verdicts({M}), default=NO,
                          salient=lambda t, lab: ["Ebola", "AbC123xYz9"])
    got = list(T.TextAnalyser().analyse([post(text)], make_ctx(engines, fixed)))
    [read] = seen
    # the placeholder the training texts carry (model.normalise), at the link's place and length
    assert len(read) == len(text) and "URL" in read and "http" not in read and "t.co" not in read
    assert normalise(read) == normalise(text)
    # the explanation names a word of the post, never the link or its placeholder
    [f] = [f for f in got if f.rule == "MIS001"]
    assert "'Ebola'" in f.explanation and "URL" not in f.explanation and "AbC123" not in f.explanation
    assert all(text[s.start:s.end] in ("Ebola",) for s in f.spans), f.spans
