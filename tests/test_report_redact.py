"""Redaction works from what the analysers found (their spans), not from patterns of its own; a
finding without a usable span falls back to the identifying parts of its evidence."""
from __future__ import annotations

import json
from dataclasses import dataclass

from auditor import report
from auditor.model import Finding, Span

from test_report_data import T1, T5, fake_rules, make_result  # noqa: F401  (fixture)


@dataclass(frozen=True)
class Spanned:
    """A finding as the text analysers will give it: a span for every element found."""
    rule: str
    post_ref: str
    evidence: str
    spans: tuple
    media_path: str | None = None
    span: tuple | None = None


def test_spans_of_personal_data_findings_are_masked(fake_rules):
    text = "Visited Mrs Ada Lovelace, 91, at 4 Mill Lane on a night shift"
    f = Spanned("TCNF001", "p:1", "night shift; Mrs Ada Lovelace; 91; 4 Mill Lane",
                ((8, 24, "name"), (26, 28, "age"), (33, 44, "place"), (50, 61, "work context")))
    r = report.Redactor(findings=[f], texts={"p:1": text})
    assert r.mask(text, "p:1") == "Visited [name], [age], at [place] on a night shift"
    # the words masked there are masked wherever else they appear, other posts included
    assert r.mask("Mrs Ada Lovelace again") == "[redacted] again"
    assert r.fallbacks == 0


def test_a_single_span_counts_only_when_it_points_at_the_evidence(fake_rules):
    text = "Email me at jane.doe@example.com or pop round"
    good = Finding("TPD001", "p:2", "jane.doe@example.com", "e", 0.9, spans=(Span(12, 32),))
    assert report.Redactor(findings=[good], texts={"p:2": text}).mask(text, "p:2") == (
        "Email me at [redacted] or pop round")       # TPD001 is a test rule: no label of its own
    wrong = Finding("TPD001", "p:2", "jane.doe@example.com", "e", 0.9, spans=(Span(0, 5),))
    r = report.Redactor(findings=[wrong], texts={"p:2": text})
    assert r.fallbacks == 1 and r.mask(text, "p:2") == "Email me at [redacted] or pop round"


def test_spans_then_fallback_on_the_sample_result(fake_rules):
    res = make_result()
    r = report.Redactor(res)
    assert r.mask(T1, "twitter:1001") == ("Long shift. [name] in bay 4 was so rude, ring her on 07700 900123 "
                                          "lol @bob_smith @alexparamedic")
    assert r.mask(T5, "facebook:hf2") == "Email me at [redacted] or pop round, LS1 4AB"
    assert r.mask("Alex Example here") == "Alex Example here"           # the user's own name
    assert r.mask("at 53.81200, -1.58303 v1.2") == "at [position] v1.2"   # the location checks' positions


def test_identifying_parts_of_evidence():
    assert report.identifying_parts("late shift; Mr Okafor; 64 year old; chest pain; Moor Lane; today") == {
        "Mr Okafor", "64 year old", "Moor Lane"}
    assert report.identifying_parts("Care home visit; Priya Sandhu; diabetes") == {"Priya Sandhu"}
    assert report.identifying_parts("Bay 1; NOF") == {"Bay 1"}
    assert report.identifying_parts("Okafor") == {"Okafor"}
    assert report.identifying_parts("patient") == set()


def test_own_names_are_never_masked(fake_rules):
    f = Spanned("TCNF001", "p:1", "Alex Example", ((0, 12, "name"),))
    r = report.Redactor(findings=[f], texts={"p:1": "Alex Example on shift"}, own_names=["Alex Example"])
    assert r.mask("Alex Example on shift", "p:1") == "Alex Example on shift"


def test_redacted_doc_keeps_contract_and_ids(fake_rules):
    res = make_result()
    doc = report.build(res)
    red = report.Redactor(res).doc(doc)
    assert list(red) == list(doc)
    assert [list(f) for f in red["findings"]] == [list(f) for f in doc["findings"]]
    assert [f["id"] for f in red["findings"]] == [f["id"] for f in doc["findings"]]
    assert red["findings"][0]["evidence"] == "[redacted]"
    assert red["findings"][0]["explanation"] == "Names a person next to a care setting (\"[redacted]\", \"bay 4\")."
    assert red["findings"][4]["evidence"] == "[redacted]"
    blob = json.dumps(red)
    assert "jane.doe" not in blob and "Jane Doe" not in blob
    assert doc["findings"][0]["evidence"] == "Mrs Jane Doe"           # the original is untouched
    assert red["findings"][3]["evidence"] == "[position]" and "53.8" not in red["findings"][3]["explanation"]
    assert red["posts"][3]["media"][0]["place"] == {"lat": None, "lon": None, "name": None, "source": "exif-data"}
    assert doc["posts"][3]["media"][0]["place"]["lat"] == 53.8


def test_redacted_view_masks_segments_images_csv_and_routes(fake_rules):
    v = report.view_model(make_result(), options=report.Options(redact=True))
    g = v["cards"][0]
    red = [s for s in g["segments"] if s["redacted"]]
    assert [(s["text"], s["mark"]) for s in red] == [("[name]", True)]
    assert "Jane" not in "".join(s["text"] for s in g["segments"])
    fb = next(x for x in v["cards"] if x["ref"] == "facebook:hf1")
    assert fb["thumbs"] == [] and fb["hidden_media"] == 1
    csv_text = report.to_csv(v)
    assert "Jane" not in csv_text and "jane.doe@" not in csv_text
    assert v["audit"]["options"]["redacted"] is True
    assert all("Jane" not in c["where"] for c in v["cards"])


def test_notes_are_masked_too(fake_rules):
    res = make_result()
    res.baseline_summary = {"notes": {res.findings[0].id: "told Mrs Jane Doe's family"}}
    doc = report.Redactor(res).doc(report.build(res))
    assert doc["findings"][0]["note"] == "told [redacted]'s family"


def test_the_text_analysers_span_kinds_mask_people_and_contacts_and_keep_context(fake_rules):
    text = "Home visit to Mr Tom Reed, 84, dementia, 12 Oak Road, call 07700 900456 re night shift"
    f = Finding("TCNF001", "p:3", "Mr Tom Reed; 84; dementia; 12 Oak Road", "e", 0.9,
                spans=(Span(14, 25, "person"), Span(27, 29, "age"), Span(31, 39, "health"),
                       Span(41, 52, "address"), Span(59, 71, "contact"), Span(75, 86, "work")))
    r = report.Redactor(findings=[f], texts={"p:3": text})
    assert r.mask(text, "p:3") == ("Home visit to [name], [age], dementia, [address], call [contact] re night shift")


def test_a_number_plate_is_masked_as_one():
    text = "Silver Audi FN66 XRT parks across my drive every night"
    f = Finding("PII007", "p:4", "FN66 XRT", "e", 0.9, spans=(Span(12, 20, "id-number"),))
    r = report.Redactor(findings=[f], texts={"p:4": text})
    assert r.mask(text, "p:4") == "Silver Audi [number plate] parks across my drive every night"
