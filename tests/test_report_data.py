"""Golden tests for the report data: build() (findings.json, a contract), the view model beside it
(sections by urgency, cards, counts, plain words), the CSV checklist and the audit record, from one
fixed ScanResult of an invented registrant.

The rules used here are test rules registered for the test (IDs T...), so catalogue edits by
other work do not change these goldens; the citations are given, not looked up.
"""
from __future__ import annotations

import base64
import csv
import io
import json
from datetime import datetime, timezone

import pytest
from PIL import Image, ImageDraw

from auditor import report, rules
from auditor.config import Config, Profile, Settings
from auditor.model import Gap, Finding, Media, Place, Post, Problem, Rule, SourceRef, Span, Standard
from auditor.pipeline import ArchiveSummary, ScanResult
from auditor.report import summary, words

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
LINK = "https://www.hcpc-uk.org/standards/standards-of-conduct-performance-and-ethics/"


def _thumb() -> str:
    """A small invented picture as a data URI (what the image analyser hands the report)."""
    im = Image.new("RGB", (96, 72), (70, 120, 170))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 48, 96, 72), fill=(90, 150, 80))
    d.ellipse((60, 8, 84, 32), fill=(250, 210, 80))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


THUMB = _thumb()

TEST_RULES = [
    Rule("TCNF001", "patient-identifiable", "confidentiality", "high", "delete",
         "Names or details that could identify a service user.", what="w", why="y", example="e", fix="f"),
    Rule("TGRV001", "workplace-grievance", "grievance", "medium", "review",
         "Complaints about the employer or colleagues.", what="w", why="y", example="e", fix="f"),
    Rule("TOFF001", "insult", "offensive", "medium", "edit",
         "Insulting words.", what="w", why="y", example="e", fix="f"),
    Rule("TGEO001", "platform-location", "location", "medium", "edit",
         "The platform kept a location.", what="w", why="y", example="e", fix="f"),
    Rule("TPD001", "contact-details", "personal-data", "high", "delete",
         "Someone else's contact details.", what="w", why="y", example="e", fix="f"),
    Rule("TWRK001", "uniform", "workplace", "low", "review",
         "Uniform or badge in a photo.", what="w", why="y", example="e", fix="f"),
]


@pytest.fixture
def fake_rules(monkeypatch):
    for r in TEST_RULES:
        monkeypatch.setitem(rules._BY_ID, r.id, r)
    return TEST_RULES


def std(edition: str, clause: str, title: str, verified: bool = True) -> Standard:
    return Standard("HCPC", edition, clause, title, LINK, verified)


def at(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=timezone.utc)


T1 = "Long shift. Mrs Jane Doe in bay 4 was so rude, ring her on 07700 900123 lol @bob_smith @alexparamedic"
T2 = "Anyone else think the new rota is a joke? Management are useless idiots"
T5 = "Email me at jane.doe@example.com or pop round, LS1 4AB"


def make_result(statuses: dict[str, str] | None = None) -> ScanResult:
    """An invented paramedic's three exports: X, Facebook, Instagram."""
    tw, fb, ig = "exports/twitter-2026.zip", "exports/facebook-2026.zip", "exports/instagram-2026.zip"
    posts = [
        Post("twitter:1001", "twitter", "post", at(2015, 3, 2, 22, 15), T1,
             url="https://x.com/alexparamedic/status/1001", audience="public",
             source=SourceRef(tw, "data/tweets.js", 0)),
        Post("twitter:1002", "twitter", "reply", at(2019, 11, 20, 8, 5), T2,
             url="https://x.com/alexparamedic/status/1002", source=SourceRef(tw, "data/tweets.js", 1)),
        Post("twitter:1003", "twitter", "post", at(2021, 5, 1), "Quiet night, lovely sunrise",
             url="https://x.com/alexparamedic/status/1003", source=SourceRef(tw, "data/tweets.js", 2)),
        Post("facebook:hf1", "facebook", "post", at(2016, 2, 10, 7, 30), "Off to work <3",
             media=(Media("photos/10001.jpg", "photo", Place(53.8, -1.55, None, "exif-data"), archive=fb),),
             audience="friends", source=SourceRef(fb, "your_facebook_activity/posts/your_posts__check_ins__"
                                                       "photos_and_videos_1.json", 0)),
        Post("facebook:hf2", "facebook", "post", at(2024, 10, 5, 19, 0), T5,
             source=SourceRef(fb, "your_facebook_activity/posts/your_posts_1.json", 1),
             how_to_find="Facebook Activity log > Posts, 5 Oct 2024: \"Email me at ...\""),
        Post("instagram:hi1", "instagram", "photo", at(2012, 7, 7, 15, 45), "",
             media=(Media("media/posts/201207/1.jpg", "photo", archive=ig),),
             source=SourceRef(ig, "your_instagram_activity/content/posts_1.json", 0),
             notes=("Instagram gives no link to your own posts.",)),
        Post("twitter:1004", "twitter", "post", None, "no date here", source=SourceRef(tw, "data/tweets.js", 3)),
    ]
    s = T1.index("Mrs Jane Doe")
    findings = [
        Finding("TCNF001", "twitter:1001", "Mrs Jane Doe",
                "Names a person next to a care setting (\"Mrs Jane Doe\", \"bay 4\").", 0.91,
                spans=(Span(s, s + len("Mrs Jane Doe"), "person"),)),
        Finding("TGRV001", "twitter:1002", "Management are useless",
                "Complains about managers at work.", 0.62),
        Finding("TOFF001", "twitter:1002", "idiots", "Calls people \"idiots\".", 0.8,
                spans=(Span(T2.index("idiots"), T2.index("idiots") + 6),)),
        Finding("TGEO001", "facebook:hf1", "53.80000, -1.55000",
                "Facebook kept the photo's GPS position (53.80000, -1.55000).", 0.99,
                media_path="photos/10001.jpg"),
        Finding("TPD001", "facebook:hf2", "jane.doe@example.com",
                "Shares an e-mail address (jane.doe@example.com).", 0.95),
        Finding("TWRK001", "instagram:hi1", "uniform", "A uniform is visible in the photo.", 0.4,
                media_path="media/posts/201207/1.jpg", severity="low"),
    ]
    cit = {
        findings[0].id: [std("2008", "10", "Keep information about service users confidential", False),
                         std("2024", "5.1", "Treat information about service users as confidential")],
        findings[1].id: [std("2016", "2.7", "Use social media responsibly"),
                         std("2024", "2.10", "Use social networking and media-sharing sites responsibly")],
        findings[2].id: [std("2016", "2.7", "Use social media responsibly"),
                         std("2024", "2.1", "Be polite and considerate")],
        findings[3].id: [std("2016", "5.1", "Keep information about service users confidential"),
                         std("2024", "5.1", "Treat information about service users as confidential")],
        findings[4].id: [std("2024", "5.1", "Treat information about service users as confidential")],
        findings[5].id: [std("2008", "13", "Behave with honesty and integrity", False),
                         std("2024", "9.1", "Make sure your conduct justifies public trust")],
    }
    st = {f.id: "new" for f in findings}
    st[findings[4].id] = "accepted"
    st[findings[5].id] = "still-there"
    st.update(statuses or {})
    cfg = Config(Profile(full_name="Alex Example", handles=("@alexparamedic",), regulator="HCPC",
                         profession="paramedic"), Settings())
    archives = [ArchiveSummary(tw, "twitter", "tweets.js (2022+)", "", 4, 0, 1),
                ArchiveSummary(fb, "facebook", "your_facebook_activity (2024+)", "", 2, 1, 0),
                ArchiveSummary(ig, "instagram", "your_instagram_activity (2022+)", "", 1, 1, 0)]
    problems = [Problem(tw, "data/like.js", "could not parse: Expecting value: line 1 column 1")]
    result = ScanResult(NOW, cfg, archives, posts, findings, problems, cit, st)
    result.gaps = [Gap(tw, "data/like.js", "We could not read your likes in data/like.js: the file is damaged.",
                       "Download your X archive again and check the new zip.")]
    result.thumbnails = {(fb, "photos/10001.jpg"): THUMB}   # set by the image analyser in a scan
    return result


# -- golden: findings.json --------------------------------------------------------------------
def test_build_golden(fake_rules):
    doc = report.build(make_result())
    assert list(doc) == ["schema", "generated_at", "tool", "archives", "posts", "findings", "problems", "complete"]
    assert doc["schema"] == "footprint-auditor/findings/v1"
    assert doc["generated_at"] == "2026-11-21T12:00:00Z"
    assert doc["archives"][0] == {"path": "exports/twitter-2026.zip", "platform": "twitter",
                                  "layout": "tweets.js (2022+)", "posts": 4, "media": 0, "problems": 1}
    assert doc["posts"][3] == {
        "ref": "facebook:hf1", "platform": "facebook", "kind": "post", "created_at": "2016-02-10T07:30:00Z",
        "text": "Off to work <3", "url": None, "audience": "friends",
        "place": None,
        "media": [{"path": "photos/10001.jpg", "kind": "photo",
                   "place": {"lat": 53.8, "lon": -1.55, "name": None, "source": "exif-data"}}],
        "source": {"archive": "exports/facebook-2026.zip",
                   "member": "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json",
                   "index": 0}}
    # the v1 keys, then the additive ones
    assert [list(f) for f in doc["findings"]][0] == [
        "id", "rule", "name", "category", "severity", "confidence", "post_ref", "media_path", "evidence",
        "explanation", "standards", "action", "status", "urgency", "level", "note", "new_since_last"]
    # action is the urgency's: the rule's at "act", "review" at "check" (TGRV001's rule says review too)
    assert [(f["rule"], f["severity"], f["action"], f["status"], f["confidence"], f["urgency"], f["level"])
            for f in doc["findings"]] == [
        ("TCNF001", "high", "delete", "new", 0.91, 0.91, "act"),
        ("TGRV001", "medium", "review", "new", 0.62, 0.372, "check"),
        ("TOFF001", "medium", "edit", "new", 0.8, 0.48, "act"),
        ("TGEO001", "medium", "edit", "new", 0.99, 0.594, "act"),
        ("TPD001", "high", "delete", "accepted", 0.95, 0.95, "act"),
        ("TWRK001", "low", "review", "still-there", 0.4, 0.12, "check")]
    assert {(f["note"], f["new_since_last"]) for f in doc["findings"]} == {("", False)}
    assert doc["findings"][0]["standards"] == [
        {"regulator": "HCPC", "edition": "2008", "clause": "10",
         "title": "Keep information about service users confidential"},
        {"regulator": "HCPC", "edition": "2024", "clause": "5.1",
         "title": "Treat information about service users as confidential"}]
    assert doc["findings"][0]["id"] == "db58e498bed86485"
    assert doc["problems"] == [{"archive": "exports/twitter-2026.zip", "member": "data/like.js",
                                "message": "could not parse: Expecting value: line 1 column 1"}]
    assert json.loads(report.to_json(doc)) == doc


def test_a_check_level_finding_is_to_review_whatever_its_rule_says(fake_rules):
    res = make_result()
    f = Finding("TCNF001", "twitter:1003", "sunrise", "A guess.", 0.3)     # high but unsure: 0.3 < 0.45
    res.findings.append(f)
    res.citations[f.id] = []
    res.statuses[f.id] = "new"
    got = next(x for x in report.build(res)["findings"] if x["id"] == f.id)
    assert (got["action"], got["level"], got["urgency"]) == ("review", "check", 0.3)


def with_baseline(res: ScanResult) -> ScanResult:
    """As auditor.baseline.apply leaves it: one finding first seen this time, notes from a review."""
    fs = res.findings
    res.baseline_summary = {"new": 1, "counts": {"new": 4, "still-there": 1, "accepted": 1},
                            "first_seen_ids": [fs[1].id], "notes": {fs[0].id: "ask my mentor", fs[5].id: "gone?"},
                            "deleted": [{"post_ref": "twitter:9", "rule": "TOFF001", "id": "ab", "newly": True}],
                            "stale": []}
    return res


def test_build_carries_notes_and_what_is_new_since_last_time(fake_rules):
    doc = report.build(with_baseline(make_result()))
    by_rule = {f["rule"]: f for f in doc["findings"]}
    assert by_rule["TCNF001"]["note"] == "ask my mentor" and by_rule["TWRK001"]["note"] == "gone?"
    assert [f["rule"] for f in doc["findings"] if f["new_since_last"]] == ["TGRV001"]
    assert {f["status"] for f in doc["findings"] if f["new_since_last"]} == {"new"}


def test_coverage_block_per_archive_is_additive(fake_rules):
    from auditor.plugins import Coverage
    res = make_result()
    tw, fb = res.archives[0], res.archives[1]
    tw.coverage = [Coverage("data/tweets.js", "posts", 4, 5, {"not readable": 1})]
    fb.coverage = [Coverage("a.json", "posts", 2, 2), Coverage("b.json", "comments", 1, None, {"empty": 3})]
    doc = report.build(res)
    assert doc["archives"][0]["coverage"] == {
        "expected": {"posts": 5}, "read": {"posts": 4}, "skipped": {"not readable": 1},
        "files": [{"member": "data/tweets.js", "what": "posts", "read": 4, "expected": 5,
                   "skipped": {"not readable": 1}}]}
    assert doc["archives"][1]["coverage"]["expected"] == {"posts": 2, "comments": 4}
    assert doc["archives"][1]["coverage"]["read"] == {"posts": 2, "comments": 1}
    assert doc["archives"][1]["coverage"]["skipped"] == {"empty": 3}
    assert "coverage" not in doc["archives"][2]
    assert list(doc["archives"][0])[:6] == ["path", "platform", "layout", "posts", "media", "problems"]
    v = report.view_model(res)
    assert v["coverage"]["archives"][1]["skipped"] == [{"reason": "empty", "count": 3}]
    res.archives[0].problems = 0
    tw.coverage = [Coverage("data/tweets.js", "posts", 4, 5)]          # no problem, but short
    html = report.to_html(report.view_model(res))
    assert "1 item(s) it lists were not read." in html


# -- the view model ------------------------------------------------------------------------------
def test_sections_by_urgency_most_urgent_first(fake_rules):
    v = report.view_model(make_result())
    assert [(c["ref"], c["level"], c["action"], c["status"]) for c in v["cards"]] == [
        ("twitter:1001", "act", "delete", "undecided"),       # 0.91
        ("facebook:hf1", "act", "edit", "undecided"),         # 0.594
        ("twitter:1002", "act", "delete", "undecided"),       # 0.48; X cannot edit an old post
        ("instagram:hi1", "check", "review", "still-there"),  # 0.12
        ("facebook:hf2", "decided", "delete", "accepted"),
    ]
    assert [(s["key"], s["title"], s["count"]) for s in v["sections"]] == [
        ("act", "Deal with these first", 3), ("check", "Look at these when you can", 1),
        ("decided", "Already decided", 1)]
    assert v["counts"] == {"act": 3, "check": 1, "decided": 1}
    g = v["cards"][0]
    assert g["date"] == "2 Mar 2015" and g["year"] == "2015" and g["audience"] == "public"
    assert [s["text"] for s in g["segments"] if s["mark"]] == ["Mrs Jane Doe"]
    assert "".join(s["text"] for s in g["segments"]) == T1 and g["truncated"] is False
    g2 = v["cards"][2]
    assert [s["text"] for s in g2["segments"] if s["mark"]] == ["Management are useless", "idiots"]
    assert [f["rule"] for f in g2["findings"]] == ["TOFF001", "TGRV001"]       # most urgent first
    assert g2["why"] == 'Calls people "idiots".' and g2["also"] == ["Complains about managers at work."]


def test_a_card_says_what_to_do_and_how_in_plain_words(fake_rules):
    v = report.view_model(make_result())
    by = {c["ref"]: c for c in v["cards"]}
    x = by["twitter:1001"]
    assert (x["badge"], x["action_label"], x["fix"]) == ("Act first", "Delete this post", "f")
    assert x["link"] == {"href": "https://x.com/alexparamedic/status/1001", "label": "Open your post on X",
                         "is_post": True}
    assert x["steps"].startswith("On X, open the post and select")
    assert x["standard"] == "Treat information about service users as confidential: HCPC standard 5.1 (2024)"
    fb = by["facebook:hf1"]
    assert fb["action_label"] == "Remove the location" and "Edit post" in fb["steps"]
    assert fb["link"] is None and fb["where"].startswith("Your post of 10 Feb 2016")
    assert fb["thumbs"] == [{"src": THUMB, "alt": "Your photo 10001.jpg"}]
    ig = by["instagram:hi1"]
    assert (ig["badge"], ig["action_label"], ig["status_label"]) == (
        "Look at", "Read it again and decide", "Still there: you chose to delete it")
    assert ig["caveats"] == ["Instagram gives no link to your own posts."]
    assert by["facebook:hf2"]["where"].startswith("Facebook Activity log > Posts, 5 Oct 2024")
    for c in v["cards"]:
        for text in (c["why"], *c["also"], c["badge"], c["status_label"], c["action_label"], c["steps"]):
            assert not words.technical(text), text


def test_technical_words_stay_out_of_the_card(fake_rules):
    res = make_result()
    f = Finding("TPD001", "twitter:1003", "Quiet night", "Contains an e-mail address: 'x@example.org' "
                "(Presidio score 1.00).", 0.9)
    g = Finding("TOFF001", "twitter:1003", "sunrise", "Reads like offensive posts the model was trained on "
                "(score 0.56; the words that weighed most: 'own'), but has no abusive word.", 0.9)
    for x in (f, g):
        res.findings.append(x)
        res.citations[x.id] = []
        res.statuses[x.id] = "new"
    card = next(c for c in report.view_model(res)["cards"] if c["ref"] == "twitter:1003")
    assert card["why"] == "Contains an e-mail address: 'x@example.org'."
    assert card["also"] == ["Reads like offensive posts we have seen before, but has no abusive word."]
    details = {x["explanation"] for x in card["findings"]}      # the checks' own words, in the details
    assert f.explanation in details


def test_plain_words():
    assert words.plain("Photo taken at 1, 2: the photo file's EXIF metadata holds the GPS position where it "
                       "was taken.") == "Photo taken at 1, 2: the photo file itself records where it was taken."
    assert words.plain("Offensive language: 'cow' (model score 0.84).") == "Offensive language: 'cow'."
    assert words.sure(0.95).startswith("We are very sure") and words.sure(0.63).startswith("We are fairly sure")
    assert words.sure(0.3).startswith("We are not sure")
    long = "Details that together could identify a service user: " + "; ".join(f"name 'N{i}'" for i in range(20))
    assert words.one_line(long) == "Details that together could identify a service user."
    assert words.one_line("Text read from the image: " + long) == (
        "Text read from the image: Details that together could identify a service user.")
    assert words.one_line("short one") == "short one"
    assert len(words.one_line("word " * 80)) <= 151
    # a colon inside brackets, or one followed by a sentence rather than a list, is not cut there
    cues = ("Photo with workplace or uniform cues (caption: 'In my greens'; text in the photo: 'NHS', "
            "'Ambulance', 'Trust', 'Paramedic', 'Northvale Ambulance').")
    assert words.one_line(cues).startswith("Photo with workplace or uniform cues (caption: 'In my greens'")
    place = ("Location Millbrook Ambulance Station (53.80080, -1.54910), Leeds, City and Borough of Leeds, "
             "West Yorkshire: the post is a check-in at a named place.")
    assert words.one_line(place, 120).endswith("\u2026") and words.one_line(place) == place


def test_new_since_last_time_is_not_the_same_as_not_decided(fake_rules):
    v = report.view_model(with_baseline(make_result()))
    by = {c["ref"]: c for c in v["cards"]}
    assert by["twitter:1002"]["new_since_last"] and "new-since-last" in by["twitter:1002"]["statuses"]
    assert by["twitter:1001"]["status"] == "undecided" and not by["twitter:1001"]["new_since_last"]
    assert by["twitter:1001"]["notes"] == ["ask my mentor"] and by["instagram:hi1"]["notes"] == ["gone?"]
    ch = v["changes"]
    assert (ch["new"], ch["still_there"], ch["deleted"], ch["undecided"]) == (1, 1, 1, 2)
    assert [x["status"] for x in ch["links"]] == ["new-since-last", "still-there", "deleted", "undecided"]
    assert {o["value"] for o in v["filters"]["status"]} == {"new-since-last", "undecided", "still-there",
                                                           "accepted"}
    assert report.view_model(make_result())["changes"] is None          # a first check


def test_headline_says_what_could_not_be_read_first(fake_rules):
    v = report.view_model(make_result())                   # one problem: data/like.js
    h = v["headline"]
    assert h["complete"] is False and h["level"] == "gaps"
    assert h["text"].startswith("We could not read everything, so this is not an all-clear: We could not read "
                                "your likes in data/like.js: the file is damaged. "
                                "Download your X archive again and check the new zip.")
    assert "Expecting value" not in h["text"]               # a technical message is not quoted
    assert "Deal with 3 posts first, and look at 1 more when you can." in h["text"]
    assert h["text"].endswith("We checked 7 posts and 2 photos or videos (3 downloads, 2012 to 2024).")
    assert h["text"].index("could not read") < h["text"].index("Deal with")


class Gap:
    def __init__(self, archive, member, message, advice):
        self.archive, self.member, self.message, self.advice = archive, member, message, advice


def test_headline_uses_the_scans_gaps_and_advice(fake_rules):
    res = make_result()
    res.gaps = [Gap("exports/twitter-2026.zip", "data/like.js", "the likes file is cut short",
                    "Download your X archive again")]
    h = report.view_model(res)["headline"]
    assert h["text"].startswith("We could not read everything, so this is not an all-clear: the likes file is "
                                "cut short. Download your X archive again. Deal with 3 posts first")
    res.gaps, res.problems = [], []
    h = report.view_model(res)["headline"]
    assert h["complete"] and h["level"] == "act" and h["text"].startswith("Deal with 3 posts first")


def test_an_empty_result_says_how_much_was_checked(fake_rules):
    res = make_result()
    res.findings, res.problems, res.gaps = [], [], []
    v = report.view_model(res)
    assert v["headline"]["text"] == ("Nothing needs your attention. We checked 7 posts and 2 photos or videos "
                                     "(3 downloads, 2012 to 2024). The check can miss things, so it is still worth "
                                     "reading through your older posts yourself.")
    assert v["headline"]["level"] == "clear" and [s["key"] for s in v["sections"]] == ["act", "check"]
    res.gaps = [Gap("exports/twitter-2026.zip", "data/like.js", "the likes file is cut short", "")]
    assert "The check can miss things" in report.view_model(res)["headline"]["text"]     # never a promise
    res.gaps, res.findings = [], make_result().findings
    assert "can miss" not in report.view_model(res)["headline"]["text"]   # posts to deal with come first


def test_clauses_then_and_now(fake_rules):
    v = report.view_model(make_result())
    f = v["cards"][0]["findings"][0]
    assert [(s["edition"], s["clause"], s["verified"]) for s in f["then"]] == [("2008", "10", False)]
    assert [(s["edition"], s["clause"], s["verified"]) for s in f["now"]] == [("2024", "5.1", True)]
    assert f["then_is_current"] is False and f["sure"] == "We are very sure about this."
    hf2 = next(c for c in v["cards"] if c["ref"] == "facebook:hf2")["findings"][0]
    assert [(s["edition"], s["clause"]) for s in hf2["then"]] == [("2024", "5.1")]
    assert hf2["now"] == [] and hf2["then_is_current"] is True


def test_summaries_count_posts(fake_rules):
    v = report.view_model(make_result())
    boxes = {b["dim"]: b for b in v["boxes"]}
    assert [(r["key"], r["posts"], r["act"]) for r in boxes["level"]["rows"]] == [
        ("act", 3, 3), ("check", 1, 0), ("decided", 1, 0)]
    assert [(r["label"], r["posts"]) for r in boxes["platform"]["rows"]] == [
        ("Facebook", 2), ("X (Twitter)", 2), ("Instagram", 1)]
    assert [r["key"] for r in boxes["year"]["rows"]] == ["2012", "2015", "2016", "2019", "2024"]
    assert boxes["clause"]["rows"][0] == {"key": "hcpc-2024-5.1", "posts": 3, "act": 2,
                                          "label": "Treat information about service users as confidential "
                                                   "(HCPC 2024, 5.1)"}
    assert len(boxes["category"]["rows"]) == 6
    # every summary row can be recounted from the cards' dimensions (the page's script does)
    for b in v["boxes"]:
        for r in b["rows"]:
            assert r["posts"] == sum(1 for c in v["cards"] if r["key"] in c["dims"][b["dim"]])
    assert [o["value"] for o in v["filters"]["year"]] == ["2012", "2015", "2016", "2019", "2024"]
    assert v["filters"]["platform"][2] == {"value": "twitter", "label": "X (Twitter)"}
    c = v["coverage"]
    assert (c["posts"], c["media"], c["undated"], c["date_range"]) == (7, 2, 1, ["2012-07-07", "2024-10-05"])


def test_timeline_golden(fake_rules):
    t = report.view_model(make_result())["timeline"]
    assert t["unit"] == "year"            # 2012 to 2024 is longer than ten years
    assert [b["key"] for b in t["bars"]] == [str(y) for y in range(2012, 2025)]
    counts = {b["key"]: (b["n"], [(x["cls"], x["n"]) for x in b["layers"]]) for b in t["bars"]}
    assert counts["2015"] == (1, [("act", 1)])
    assert counts["2019"] == (1, [("act", 1)])
    assert counts["2012"] == (1, [("check", 1)])
    assert counts["2024"] == (1, [])     # decided: not overlaid
    assert counts["2013"] == (0, [])
    assert t["peak"] == 1 and t["bars"][3]["tip"] == "2015: 1 post read, 1 to deal with first"
    assert [x["text"] for x in t["labels"]][:3] == ["2012", "2014", "2016"]


def test_timeline_monthly_for_short_histories():
    d = [at(2024, 1, 5), at(2024, 1, 9), at(2024, 3, 1)]
    t = summary.timeline(d, {"act": [at(2024, 1, 9)], "check": []})
    assert t["unit"] == "month"
    assert [(b["key"], b["n"]) for b in t["bars"]] == [("2024-01", 2), ("2024-02", 0), ("2024-03", 1)]
    assert t["bars"][0]["layers"][0]["n"] == 1 and t["bars"][0]["layers"][0]["h"] == t["bars"][0]["h"] / 2
    assert summary.timeline([], {}) is None


def test_long_posts_are_cut_on_the_card_and_whole_in_the_details(fake_rules):
    res = make_result()
    p0 = res.posts[0]
    long = T1 + " " + "and then the rest of a long story " * 40
    res.posts[0] = Post(p0.ref, p0.platform, p0.kind, p0.created_at, long, url=p0.url, source=p0.source)
    card = report.view_model(res)["cards"][0]
    assert card["truncated"] and "".join(s["text"] for s in card["segments"]) == long
    shown = "".join(s["text"] for s in card["short"])
    assert len(shown) <= 481 and shown.endswith("\u2026") and shown.startswith("Long shift. Mrs Jane Doe")


# -- golden: CSV checklist -------------------------------------------------------------------
def test_csv_checklist_golden(fake_rules):
    text = report.to_csv(report.view_model(with_baseline(make_result())))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(report.CSV_COLUMNS)
    assert len(rows) == 1 + 5                   # one row per flagged post
    r = dict(zip(rows[0], rows[1]))
    assert r == {
        "done": "", "urgency": "Deal with these first", "action": "Delete this post",
        "post_date": "2015-03-02 22:15:00 UTC", "platform": "X (Twitter)", "kind": "post", "audience": "public",
        "text_excerpt": T1, "why": "Names a person next to a care setting (\"Mrs Jane Doe\", \"bay 4\").",
        "how_to_fix": "f", "link": "https://x.com/alexparamedic/status/1001", "where": r["where"],
        "steps": r["steps"], "status": "Not decided yet", "note": "ask my mentor", "new_since_last": "",
        "severity": "high", "rules": "TCNF001 patient-identifiable", "categories": "confidentiality",
        "clauses_then": "HCPC 2008 10 (unverified)", "clauses_now": "HCPC 2024 5.1",
        "post_ref": "twitter:1001", "finding_ids": "db58e498bed86485"}
    assert r["steps"].startswith("On X, open the post")
    r3 = dict(zip(rows[0], rows[3]))
    assert r3["rules"] == "TOFF001 insult; TGRV001 workplace-grievance" and r3["new_since_last"] == "yes"
    assert r3["status"] == "Not decided yet"
    assert r3["clauses_then"] == "HCPC 2016 2.7" and r3["clauses_now"] == "HCPC 2024 2.1; HCPC 2024 2.10"
    r4 = dict(zip(rows[0], rows[4]))
    assert (r4["urgency"], r4["status"], r4["note"]) == ("Look at these when you can",
                                                         "Still there: you chose to delete it", "gone?")
    last = dict(zip(rows[0], rows[5]))
    assert last["post_ref"] == "facebook:hf2" and last["status"] == "You chose to keep it"
    assert last["urgency"] == "Already decided" and last["clauses_now"] == "same"


def test_csv_done_when_all_deleted(fake_rules):
    res = make_result()
    res.statuses = {fid: "deleted" for fid in res.statuses}
    rows = list(csv.DictReader(io.StringIO(report.to_csv(report.view_model(res))[1:])))
    assert {r["done"] for r in rows} == {"yes"} and {r["status"] for r in rows} == {"Deleted"}


def test_csv_cells_never_formulas():
    assert report.cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert report.cell("@bob hi") == "'@bob hi"
    assert report.cell("-1") == "'-1" and report.cell("+44") == "'+44"
    assert report.cell("fine") == "fine" and report.cell(None) == ""


# -- audit record ---------------------------------------------------------------------------
def test_audit_record_golden(fake_rules):
    v = report.view_model(make_result())
    rec = dict(v["audit"])
    assert len(rec.pop("rules_version")) == 12
    rec.pop("rules")
    eds = rec.pop("editions")
    assert eds and eds[-1].endswith("to now)")
    assert rec == {
        "checked_at": "2026-11-21T12:00:00Z", "tool": "footprint-auditor 0.1.0", "regulator": "HCPC",
        "profession": "paramedic", "name": "Alex Example",
        "archives": [
            {"path": "exports/twitter-2026.zip", "name": "twitter-2026.zip", "platform": "twitter",
             "layout": "tweets.js (2022+)", "posts": 4, "media": 0, "problems": 1,
             "from": "2015-03-02", "to": "2021-05-01"},
            {"path": "exports/facebook-2026.zip", "name": "facebook-2026.zip", "platform": "facebook",
             "layout": "your_facebook_activity (2024+)", "posts": 2, "media": 1, "problems": 0,
             "from": "2016-02-10", "to": "2024-10-05"},
            {"path": "exports/instagram-2026.zip", "name": "instagram-2026.zip", "platform": "instagram",
             "layout": "your_instagram_activity (2022+)", "posts": 1, "media": 1, "problems": 0,
             "from": "2012-07-07", "to": "2012-07-07"}],
        "date_range": ["2012-07-07", "2024-10-05"], "posts_read": 7, "media_read": 2, "problems": 1,
        "complete": False, "findings": 6, "by_severity": {"high": 2, "medium": 3, "low": 1},
        "by_status": {"accepted": 1, "new": 4, "still-there": 1},
        "posts_flagged": 5, "posts_act": 3, "posts_check": 1, "posts_decided": 1, "baseline": None,
        "options": {"include_messages": False, "ocr": "auto", "redacted": False}}
    text = v["audit_text"]
    assert "Checked at:      2026-11-21T12:00:00Z (21 Nov 2026, 12:00 UTC)" in text
    assert "Options:         include messages: no, ocr: auto, redacted: no" in text
    assert "Checked by:      Alex Example, paramedic" in text
    assert "Problems:        1 (files or records not read, or checks that failed): NOT everything" in text
    assert "Posts flagged:   5 (3 to deal with first, 1 to look at, 1 already decided)" in text
    assert ("twitter-2026.zip: twitter (tweets.js (2022+)), 4 posts, 0 media, 1 problems, 2015-03-02 to "
            "2021-05-01") in text
    assert "Mrs Jane Doe" not in text and "idiots" not in text      # counts only, no content


def test_audit_dates_count_posts_of_other_platforms_in_the_same_archive(fake_rules):
    res = make_result()
    ig = "exports/instagram-2026.zip"
    res.posts.append(Post("threads:t1", "threads", "post", at(2025, 1, 2), "hello",
                          source=SourceRef(ig, "your_instagram_activity/threads/threads_and_replies.json", 0)))
    rec = report.view_model(res)["audit"]
    assert [(a["name"], a["from"], a["to"]) for a in rec["archives"]][2] == ("instagram-2026.zip", "2012-07-07",
                                                                            "2025-01-02")


def test_rules_version_tracks_the_catalogue(monkeypatch):
    before = report.rules_version()
    assert before == report.rules_version()
    extra = Rule("ZZZ999", "x", "conduct", "low", "review", "s", "w", "y", "e", "f")
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, extra])
    assert report.rules_version() != before


def test_audit_record_names_the_baseline_when_used(fake_rules):
    v = report.view_model(with_baseline(make_result()))
    assert v["audit"]["baseline"].startswith("1 first seen this time, 4 without a decision, 1 still there")
    assert "Earlier checks:  1 first seen this time" in v["audit_text"]


def test_unsafe_links_are_not_links(fake_rules):
    res = make_result()
    res.posts[0] = Post("twitter:1001", "twitter", "post", at(2015, 3, 2), T1, url="javascript:alert(1)",
                        source=res.posts[0].source)
    v = report.view_model(res)
    assert v["cards"][0]["link"]["href"] == "https://x.com/i/status/1001"      # built from the id instead
    assert "javascript:" not in report.to_html(v)


def test_highlight_ignores_spans_that_do_not_point_at_the_evidence():
    f = Finding("X", "p", "idiots", "e", spans=(Span(0, 4),))
    assert report.highlight_ranges("You idiots", [f]) == [(4, 10)]
    g = Finding("X", "p", "", "e", spans=(Span(0, 3),))
    assert report.highlight_ranges("You idiots", [g]) == [(0, 3)]
    h = Finding("X", "p", "bay  4", "e", media_path="a.jpg", spans=(Span(0, 3),))
    assert report.highlight_ranges("in bay\n4 now", [h]) == [(3, 8)]
    k = Finding("X", "p", "Home visit; Karen Whitfield; today", "e")
    t = "Home visit today. Karen Whitfield said hi"
    assert [t[s:e] for s, e in report.highlight_ranges(t, [k])] == ["Home visit", "today", "Karen Whitfield"]


def test_highlight_uses_every_span_a_finding_carries():
    class Multi:
        evidence, media_path, span = "Home visit; Karen Whitfield", None, None
        spans = ((0, 10, "work context"), (18, 33, "name"))
    t = "Home visit today. Karen Whitfield said hi"
    assert [t[s:e] for s, e in report.highlight_ranges(t, [Multi()])] == ["Home visit", "Karen Whitfield"]


def test_thumbnails_in_either_form_and_only_inline(fake_rules):
    res = make_result()
    fb = "exports/facebook-2026.zip"
    res.thumbnails = {(fb, "photos/10001.jpg"): {"data_uri": THUMB, "width": 96, "height": 72}}
    g = next(x for x in report.view_model(res)["cards"] if x["ref"] == "facebook:hf1")
    assert g["thumbs"] == [{"src": THUMB, "alt": "Your photo 10001.jpg"}]
    for bad in ("https://cdn.example/p.jpg", "file:///etc/passwd", "data:image/svg+xml;base64,PHN2Zz4=", None):
        res.thumbnails = {(fb, "photos/10001.jpg"): bad}
        g = next(x for x in report.view_model(res)["cards"] if x["ref"] == "facebook:hf1")
        assert g["thumbs"] == [], bad
    del res.thumbnails                                     # a ScanResult without the attribute
    assert next(x for x in report.view_model(res)["cards"] if x["ref"] == "facebook:hf1")["thumbs"] == []
