"""Confidentiality's public frame (auditor/analysers/text/confidentiality.py, `public_frame`): a news or
court report, an appeal or a tribute told in the third person, with nothing that puts the writer at
work in it, is not flagged on the concern model's verdict alone; the same details about the writer's
own patient still are. Invented people and places (the entity ruler of test_text_analysers knows them)."""
from __future__ import annotations

import pytest

from auditor.analysers.text import confidentiality
from test_text_analysers import C, engines, rule_ids, run  # noqa: F401 (engines: fixture)

NEWS = [
    "Polwithen Rovers striker Corin Vasey, 27, has been ruled out for the season with a broken leg, the club "
    "confirmed on Monday.",
    "MISSING: have you seen Alys Penhallow, 78, from Truro? She has dementia and was last seen on Elm Road on "
    "Monday. Call 101.",
    "Tributes have been paid to Kevin Marsh, 78, of Truro, who died on Monday after a stroke. Funeral details to "
    "follow.",
    "Man, 42, charged after a woman was stabbed on Elm Road in Truro on Monday night, police said.",
]
PATIENT = [   # the same details, the writer at work
    "Had Corin Vasey, 27, in clinic on Monday with his broken leg, the club have not said how bad it is",
    "Scanned Corin Vasey's broken leg on Monday, 27 and out for the season, the club confirmed nothing yet",
    "My patient Alys Penhallow, 78, from Truro has dementia and went missing from Elm Road on Monday, please share",
    "Tributes to Kevin Marsh, 78, of Truro, who died on Monday after a stroke. I was his district nurse for years",
]


def conf(findings) -> set[str]:
    return {r for r in rule_ids(findings) if r.startswith("CONF")}


@pytest.mark.parametrize("text", NEWS)
def test_third_person_report_is_not_flagged_on_the_model_verdict_alone(engines, text):
    from test_text_policy import conf_at
    assert confidentiality.PUBLIC_FRAME
    assert conf_at(engines, text, 0.6) == [], text
    # the model clear that it is about someone in care (P17, P11): a look naming why it was set aside
    assert conf(run(engines, text, {C})) == {"CONF002"} and confidentiality.CLEARLY <= 0.9, text
    [f] = conf_at(engines, text, 0.9)
    assert f.action == "review" and "public report" in f.explanation, text


@pytest.mark.parametrize("text", PATIENT)
def test_own_patient_with_the_same_details_is_still_flagged(engines, text):
    assert "CONF001" in conf(run(engines, text, {C})), text


def test_the_frame_is_what_clears_the_report(engines, monkeypatch):
    monkeypatch.setattr(confidentiality, "PUBLIC_FRAME", False)   # the rule as it was before
    for text in NEWS:
        assert "CONF001" in conf(run(engines, text, {C})), text


def test_first_person_keeps_the_model_verdict(engines):
    # the writer is in the post: the frame does not decide (the model's verdict and the details do)
    text = "Get well soon to our captain Corin Vasey, 27, who broke his leg at Polwithen on Monday"
    assert "CONF001" in conf(run(engines, text, {C}))


def test_no_model_verdict_no_frame_effect(engines):
    # the frame only overrules a model verdict: with the model saying no, a report is not flagged either way
    assert conf(run(engines, NEWS[0], set())) == set()
