"""Golden tests for the report data: build() (findings.json, a contract), the view beside it,
the CSV checklist and the audit record, from one fixed ScanResult of an invented registrant.

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
from auditor.model import Finding, Media, Place, Post, Problem, Rule, SourceRef, Span, Standard
from auditor.pipeline import ArchiveSummary, ScanResult

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
    result.thumbnails = {(fb, "photos/10001.jpg"): THUMB}   # set by the image analyser in a scan
    return result


# -- golden: findings.json --------------------------------------------------------------------
def test_build_golden(fake_rules):
    doc = report.build(make_result())
    assert list(doc) == ["schema", "generated_at", "tool", "archives", "posts", "findings", "problems"]
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
    assert [list(f) for f in doc["findings"]][0] == [
        "id", "rule", "name", "category", "severity", "confidence", "post_ref", "media_path", "evidence",
        "explanation", "standards", "action", "status"]
    assert [(f["rule"], f["post_ref"], f["severity"], f["action"], f["status"], f["confidence"])
            for f in doc["findings"]] == [
        ("TCNF001", "twitter:1001", "high", "delete", "new", 0.91),
        ("TGRV001", "twitter:1002", "medium", "review", "new", 0.62),
        ("TOFF001", "twitter:1002", "medium", "edit", "new", 0.8),
        ("TGEO001", "facebook:hf1", "medium", "edit", "new", 0.99),
        ("TPD001", "facebook:hf2", "high", "delete", "accepted", 0.95),
        ("TWRK001", "instagram:hi1", "low", "review", "still-there", 0.4)]
    assert doc["findings"][0]["standards"] == [
        {"regulator": "HCPC", "edition": "2008", "clause": "10",
         "title": "Keep information about service users confidential"},
        {"regulator": "HCPC", "edition": "2024", "clause": "5.1",
         "title": "Treat information about service users as confidential"}]
    assert doc["findings"][0]["id"] == "db58e498bed86485"
    assert doc["problems"] == [{"archive": "exports/twitter-2026.zip", "member": "data/like.js",
                                "message": "could not parse: Expecting value: line 1 column 1"}]
    # the JSON round-trips as written
    assert json.loads(report.to_json(doc)) == doc


# -- golden: the view beside the contract ------------------------------------------------------
def test_view_sections_and_order(fake_rules):
    v = report.view_model(make_result())
    assert [(g["ref"], g["section"], g["severity"], g["action"]) for g in v["groups"]] == [
        ("twitter:1001", "delete", "high", "delete"),
        ("facebook:hf1", "review", "medium", "edit"),
        ("twitter:1002", "review", "medium", "edit"),
        ("instagram:hi1", "review", "low", "review"),
        ("facebook:hf2", "reviewed", "high", "delete"),
    ]
    assert [g["ref"] for g in v["to_delete"]] == ["twitter:1001"]
    assert [g["ref"] for g in v["reviewed"]] == ["facebook:hf2"]
    g = v["groups"][0]
    assert g["date"] == "2015-03-02 22:15 UTC" and g["year"] == "2015" and g["audience"] == "public"
    assert g["link"] == "https://x.com/alexparamedic/status/1001"
    assert [s["text"] for s in g["segments"] if s["mark"]] == ["Mrs Jane Doe"]
    assert "".join(s["text"] for s in g["segments"]) == T1
    # the grievance evidence is found by search, the insult by its span
    g2 = next(g for g in v["groups"] if g["ref"] == "twitter:1002")
    assert [s["text"] for s in g2["segments"] if s["mark"]] == ["Management are useless", "idiots"]
    assert [f["rule"] for f in g2["findings"]] == ["TOFF001", "TGRV001"]


def test_view_clauses_then_and_now(fake_rules):
    v = report.view_model(make_result())
    f = v["groups"][0]["findings"][0]
    assert [(s["edition"], s["clause"], s["verified"]) for s in f["then"]] == [("2008", "10", False)]
    assert [(s["edition"], s["clause"], s["verified"]) for s in f["now"]] == [("2024", "5.1", True)]
    assert f["then_is_current"] is False
    hf2 = next(g for g in v["groups"] if g["ref"] == "facebook:hf2")["findings"][0]
    assert [(s["edition"], s["clause"]) for s in hf2["then"]] == [("2024", "5.1")]
    assert hf2["now"] == [] and hf2["then_is_current"] is True


def test_view_how_to_find_and_thumbnails(fake_rules):
    v = report.view_model(make_result())
    by = {g["ref"]: g for g in v["groups"]}
    assert by["facebook:hf2"]["how_to_find"].startswith("Facebook Activity log > Posts, 5 Oct 2024")
    assert by["facebook:hf1"]["link"] is None
    assert "Activity log" in by["facebook:hf1"]["how_to_find"] and "2016-02-10" in by["facebook:hf1"]["how_to_find"]
    assert "2012-07-07" in by["instagram:hi1"]["how_to_find"]
    assert by["facebook:hf1"]["thumbs"] == [{"src": THUMB, "alt": "10001.jpg"}]
    assert by["instagram:hi1"]["thumbs"] == []
    assert by["instagram:hi1"]["notes"] == ["Instagram gives no link to your own posts."]


def test_view_summary_golden(fake_rules):
    v = report.view_model(make_result())
    s = v["summary"]
    assert s["severities"] == [{"key": "high", "findings": 2, "posts": 2},
                               {"key": "medium", "findings": 3, "posts": 2},
                               {"key": "low", "findings": 1, "posts": 1}]
    assert s["platforms"] == [{"key": "twitter", "findings": 3, "posts": 2},
                              {"key": "facebook", "findings": 2, "posts": 2},
                              {"key": "instagram", "findings": 1, "posts": 1}]
    assert [(c["edition"], c["clause"], c["findings"], c["posts"]) for c in s["clauses"]] == [
        ("2008", "10", 1, 1), ("2008", "13", 1, 1), ("2016", "2.7", 2, 1), ("2016", "5.1", 1, 1),
        ("2024", "2.1", 1, 1), ("2024", "2.10", 1, 1), ("2024", "5.1", 3, 3), ("2024", "9.1", 1, 1)]
    assert [r["key"] for r in s["categories"]] == ["confidentiality", "grievance", "location", "offensive",
                                                   "personal-data", "workplace"]
    assert v["filters"] == {"platform": ["facebook", "instagram", "twitter"],
                            "category": ["confidentiality", "grievance", "location", "offensive",
                                         "personal-data", "workplace"],
                            "severity": ["high", "medium", "low"],
                            "year": ["2012", "2015", "2016", "2019", "2024"],
                            "status": ["new", "still-there", "accepted"]}
    assert [(r["id"], r["findings"], r["posts"]) for r in v["rules_fired"]] == [
        ("TCNF001", 1, 1), ("TGEO001", 1, 1), ("TGRV001", 1, 1), ("TOFF001", 1, 1), ("TPD001", 1, 1),
        ("TWRK001", 1, 1)]
    c = v["coverage"]
    assert (c["posts"], c["media"], c["undated"], c["problems"], c["date_range"]) == (
        7, 2, 1, 1, ["2012-07-07", "2024-10-05"])
    assert c["percent_flagged"] == 71.4


def test_timeline_golden(fake_rules):
    t = report.view_model(make_result())["timeline"]
    assert t["unit"] == "year"            # 2012 to 2024 is longer than ten years
    assert [b["key"] for b in t["bars"]] == [str(y) for y in range(2012, 2025)]
    counts = {b["key"]: (b["n"], [(l["cls"], l["n"]) for l in b["layers"]]) for b in t["bars"]}
    assert counts["2015"] == (1, [("to-delete", 1)])
    assert counts["2019"] == (1, [("to-review", 1)])
    assert counts["2021"] == (1, [])
    assert counts["2024"] == (1, [])     # its finding is accepted: not overlaid
    assert counts["2013"] == (0, [])
    assert t["peak"] == 1
    assert [l["text"] for l in t["labels"]][:3] == ["2012", "2014", "2016"]


def test_timeline_monthly_for_short_histories():
    d = [at(2024, 1, 5), at(2024, 1, 9), at(2024, 3, 1)]
    t = report._timeline(d, {"to-delete": [at(2024, 1, 9)], "to-review": []})
    assert t["unit"] == "month"
    assert [(b["key"], b["n"]) for b in t["bars"]] == [("2024-01", 2), ("2024-02", 0), ("2024-03", 1)]
    assert t["bars"][0]["layers"][0]["n"] == 1 and t["bars"][0]["layers"][0]["h"] == t["bars"][0]["h"] / 2
    assert report._timeline([], {}) is None


# -- golden: CSV checklist -------------------------------------------------------------------
def test_csv_checklist_golden(fake_rules):
    text = report.to_csv(report.view_model(make_result()))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(report.CSV_COLUMNS)
    assert len(rows) == 1 + 5                   # one row per flagged post
    r = dict(zip(rows[0], rows[1]))
    assert r == {
        "done": "", "post_date": "2015-03-02 22:15:00 UTC", "platform": "twitter", "kind": "post",
        "audience": "public", "text_excerpt": T1, "link": "https://x.com/alexparamedic/status/1001",
        "how_to_find": r["how_to_find"], "action": "delete", "severity": "high",
        "rules": "TCNF001 patient-identifiable", "categories": "confidentiality",
        "clauses_then": "HCPC 2008 10 (unverified)", "clauses_now": "HCPC 2024 5.1", "status": "new",
        "post_ref": "twitter:1001", "finding_ids": "db58e498bed86485"}
    assert r["how_to_find"].startswith("X: ") and '"from:alexparamedic"' in r["how_to_find"]
    r2 = dict(zip(rows[0], rows[3]))
    assert r2["rules"] == "TOFF001 insult; TGRV001 workplace-grievance"
    assert r2["clauses_then"] == "HCPC 2016 2.7" and r2["clauses_now"] == "HCPC 2024 2.1; HCPC 2024 2.10"
    last = dict(zip(rows[0], rows[5]))
    assert last["post_ref"] == "facebook:hf2" and last["status"] == "accepted" and last["clauses_now"] == "same"


def test_csv_done_when_all_deleted(fake_rules):
    res = make_result()
    res.statuses = {fid: "deleted" for fid in res.statuses}
    rows = list(csv.DictReader(io.StringIO(report.to_csv(report.view_model(res))[1:])))
    assert {r["done"] for r in rows} == {"yes"}


def test_csv_cells_never_formulas():
    assert report._cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert report._cell("@bob hi") == "'@bob hi"
    assert report._cell("-1") == "'-1" and report._cell("+44") == "'+44"
    assert report._cell("fine") == "fine" and report._cell(None) == ""


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
        "findings": 6, "by_severity": {"high": 2, "medium": 3, "low": 1},
        "by_status": {"accepted": 1, "new": 4, "still-there": 1},
        "posts_flagged": 5, "posts_to_delete": 1, "posts_to_review": 3, "baseline": None,
        "options": {"include_messages": False, "ocr": "auto", "redacted": False}}
    text = v["audit_text"]
    assert "Checked at:      2026-11-21T12:00:00Z (21 Nov 2026, 12:00 UTC)" in text
    assert "Options:         include messages: no, ocr: auto, redacted: no" in text
    assert "Checked by:      Alex Example, paramedic" in text
    assert "twitter-2026.zip: twitter (tweets.js (2022+)), 4 posts, 0 media, 1 problems, 2015-03-02 to 2021-05-01" in text
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


# -- redaction -----------------------------------------------------------------------------
def test_redactor_masks_third_parties_keeps_owner(fake_rules):
    res = make_result()
    r = report.Redactor(res)
    assert r.mask(T1) == ("Long shift. [name] in bay 4 was so rude, ring her on [phone] lol @[user] "
                          "@alexparamedic")
    assert r.mask(T5) == "Email me at [email] or pop round, [postcode]"
    assert r.mask("NHS 943 476 5919 and 123 456 7890") == "NHS [NHS no.] and [number]"
    assert r.mask("Alex Example here") == "Alex Example here"
    assert r.mask("call +44 113 496 0000 or 0113 496 0000") == "call [phone] or [phone]"
    assert r.mask("name 'Mrs Okafor'; at 53.81200, -1.58303 v1.2") == "name '[name]'; at [coordinates] v1.2"


def test_identifying_parts_of_evidence():
    assert report.identifying_parts("late shift; Mr Okafor; 64 year old; chest pain; Moor Lane; today") == {
        "Mr Okafor", "64 year old", "Moor Lane"}
    assert report.identifying_parts("Care home visit; Priya Sandhu; diabetes") == {"Priya Sandhu"}
    assert report.identifying_parts("Bay 1; NOF") == {"Bay 1"}
    assert report.identifying_parts("Okafor") == {"Okafor"}               # a lone name as the evidence
    assert report.identifying_parts("patient") == set()
    r = report.Redactor(terms=report.identifying_parts("night shift; Mr Okafor; 64 year old; Moor Lane"))
    assert r.mask("Night shift: Mr Okafor (64 year old) fell on Moor Lane, dr Jones came") == (
        "Night shift: [name] ([redacted]) fell on [redacted], dr Jones came")


def test_redacted_doc_keeps_contract_and_ids(fake_rules):
    res = make_result()
    doc = report.build(res)
    red = report.Redactor(res).doc(doc)
    assert list(red) == list(doc)
    assert [list(f) for f in red["findings"]] == [list(f) for f in doc["findings"]]
    assert [f["id"] for f in red["findings"]] == [f["id"] for f in doc["findings"]]
    assert red["findings"][0]["evidence"] == "[redacted]"
    assert red["findings"][0]["explanation"] == "Names a person next to a care setting (\"[name]\", \"bay 4\")."
    assert red["findings"][4]["evidence"] == "[redacted]"
    assert "jane.doe" not in json.dumps(red) and "Jane Doe" not in json.dumps(red)
    assert "07700" not in json.dumps(red) and "bob_smith" not in json.dumps(red)
    assert doc["findings"][0]["evidence"] == "Mrs Jane Doe"           # the original is untouched
    assert red["findings"][3]["evidence"] == "[coordinates]" and "53.8" not in red["findings"][3]["explanation"]
    assert red["posts"][3]["media"][0]["place"] == {"lat": None, "lon": None, "name": None, "source": "exif-data"}
    assert doc["posts"][3]["media"][0]["place"]["lat"] == 53.8


def test_redacted_view_masks_segments_and_images(fake_rules):
    v = report.view_model(make_result(), options=report.Options(redact=True))
    g = v["groups"][0]
    red = [s for s in g["segments"] if s["redacted"]]
    assert [(s["text"], s["mark"]) for s in red] == [("[name]", True), ("[phone]", False), ("@[user]", False)]
    assert "Jane" not in "".join(s["text"] for s in g["segments"])
    fb = next(x for x in v["groups"] if x["ref"] == "facebook:hf1")
    assert fb["thumbs"] == [] and fb["hidden_media"] == 1
    hf2 = next(x for x in v["groups"] if x["ref"] == "facebook:hf2")
    assert "Email me at" in hf2["how_to_find"]
    csv_text = report.to_csv(v)
    assert "Jane" not in csv_text and "07700" not in csv_text and "jane.doe@" not in csv_text
    assert v["audit"]["options"]["redacted"] is True


def test_unsafe_links_are_not_links(fake_rules):
    res = make_result()
    res.posts[0] = Post("twitter:1001", "twitter", "post", at(2015, 3, 2), T1, url="javascript:alert(1)",
                        source=res.posts[0].source)
    v = report.view_model(res)
    assert v["groups"][0]["link"] is None
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


def test_most_serious_first_uses_the_worst_findings_confidence(fake_rules):
    res = make_result()
    a = Finding("TCNF001", "twitter:1002", "useless", "x", 0.6)          # high but unsure, beside
    res.findings.append(a)                                               # a sure medium (TOFF001 0.8)
    res.citations[a.id] = []
    res.statuses[a.id] = "new"
    v = report.view_model(res)
    assert [g["ref"] for g in v["to_delete"]] == ["twitter:1001", "twitter:1002"]   # 0.91 before 0.6
    assert v["to_delete"][1]["findings"][0]["rule"] == "TCNF001"
    assert "No clause of the HCPC standards is mapped" in report.to_html(v)


def test_audit_record_names_the_baseline_when_used(fake_rules):
    res = make_result()
    res.baseline_summary = {"new": 2, "counts": {"new": 4, "still-there": 1, "accepted": 1},
                            "deleted": [{"post_ref": "twitter:9", "rule": "TOFF001", "id": "ab", "newly": True}],
                            "stale": []}
    v = report.view_model(res)
    assert v["audit"]["baseline"].startswith("2 first seen this time, 4 without a decision, 1 still there")
    assert "Earlier checks:  2 first seen this time" in v["audit_text"]
    assert "Compared with your earlier decisions: 2 first seen" in report.to_html(v)


def test_thumbnails_in_either_form_and_only_inline(fake_rules):
    res = make_result()
    fb = "exports/facebook-2026.zip"
    res.thumbnails = {(fb, "photos/10001.jpg"): {"data_uri": THUMB, "width": 96, "height": 72}}
    g = next(x for x in report.view_model(res)["groups"] if x["ref"] == "facebook:hf1")
    assert g["thumbs"] == [{"src": THUMB, "alt": "10001.jpg"}]
    for bad in ("https://cdn.example/p.jpg", "file:///etc/passwd", "data:image/svg+xml;base64,PHN2Zz4=", None):
        res.thumbnails = {(fb, "photos/10001.jpg"): bad}
        g = next(x for x in report.view_model(res)["groups"] if x["ref"] == "facebook:hf1")
        assert g["thumbs"] == [], bad
    del res.thumbnails                                     # a ScanResult without the attribute
    assert next(x for x in report.view_model(res)["groups"] if x["ref"] == "facebook:hf1")["thumbs"] == []
