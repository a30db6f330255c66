"""baseline.apply: decisions survive a re-scan, deleted posts are confirmed, a partial-platform
scan leaves other platforms alone, stale entries are reported; the file holds no content."""
from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from auditor import baseline as bl
from auditor.config import Config, Settings
from auditor.model import Finding, Post
from auditor.pipeline import ArchiveSummary, ScanResult
from conftest import write_zip
from test_baseline_helpers import TWEETS, run_scan, twitter_members

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


def scan_rows(tmp_path, rows, name="x", **kw):
    arc = write_zip(tmp_path / f"{name}.zip", twitter_members(rows, **kw))
    return run_scan([arc])


def by_post(result, ref):
    return [f for f in result.findings if f.post_ref == ref]


def test_first_scan_marks_everything_new(tmp_path):
    base = bl.Baseline()
    r = bl.apply(scan_rows(tmp_path, TWEETS), base, T0)
    assert set(r.statuses.values()) == {"new"}
    assert set(r.statuses) == {f.id for f in r.findings}
    s = r.baseline_summary
    assert s["new"] == len(r.findings) == s["attention"] and s["deleted"] == [] and s["stale"] == []
    assert s["platforms_scanned"] == ["twitter"]
    assert all(e.first_seen == e.last_seen == "2026-01-10T09:00:00Z" for e in base.entries.values())


def test_decisions_survive_a_rescan_of_a_newer_download(tmp_path):
    base = bl.Baseline()
    first = bl.apply(scan_rows(tmp_path, TWEETS, "old"), base, T0)
    f1 = by_post(first, "twitter:1001")
    f2 = by_post(first, "twitter:1002")
    f4 = by_post(first, "twitter:1004")
    assert f1 and f2 == [] and f4
    base.mark(f1[0].id, "accepted", note="my own coffee shop, fine", now=T0)
    for f in f4:
        base.mark(f.id, "false-positive", now=T0)
    path = tmp_path / "baseline.json"
    base.save(path)

    newer = TWEETS + [(1006, "Coffee break before the late shift", None, None)]
    again = bl.apply(scan_rows(tmp_path, newer, "new", parts=2), bl.Baseline.load(path), T1)
    assert again.statuses[f1[0].id] == "accepted"
    assert all(again.statuses[f.id] == "false-positive" for f in f4)
    new_ids = {f.id for f in by_post(again, "twitter:1006")}
    assert new_ids and all(again.statuses[i] == "new" for i in new_ids)
    untouched = {f.id for f in first.findings} - {f1[0].id} - {f.id for f in f4}
    assert all(again.statuses[i] == "new" for i in untouched)
    assert again.baseline_summary["new"] == len(new_ids)
    assert again.baseline_summary["attention"] == len(new_ids) + len(untouched)


def test_to_delete_still_present_is_still_there_and_gone_is_deleted(tmp_path):
    base = bl.Baseline()
    first = bl.apply(scan_rows(tmp_path, TWEETS, "old"), base, T0)
    gone = by_post(first, "twitter:1003")          # the user deleted this one
    kept = by_post(first, "twitter:1001")          # ... and forgot this one
    for f in gone + kept:
        base.mark(f.id, "to-delete", now=T0)
    rows = [t for t in TWEETS if t[0] != 1003]
    second = bl.apply(scan_rows(tmp_path, rows, "new"), base, T1)
    s = second.baseline_summary
    assert all(second.statuses[f.id] == "still-there" for f in kept)
    assert set(s["still_there"]) == {f.id for f in kept}
    deleted = {d["id"]: d for d in s["deleted"]}
    assert set(deleted) == {f.id for f in gone}
    assert all(d["newly"] and d["decision"] == "to-delete" and d["gone_since"] == "2026-11-21T09:00:00Z"
               for d in deleted.values())
    assert all(base.entries[f.id].status == "deleted" for f in gone)
    assert not any(i in second.statuses for i in deleted)      # not findings of this run any more
    # a third scan: still gone, no longer "newly"; the date it went stays
    third = bl.apply(scan_rows(tmp_path, rows, "newer"), base, datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert {d["id"] for d in third.baseline_summary["deleted"]} == set(deleted)
    assert not any(d["newly"] for d in third.baseline_summary["deleted"])
    assert all(base.entries[i].gone_since == "2026-11-21T09:00:00Z" for i in deleted)


def test_post_that_comes_back_is_still_there_again(tmp_path):
    base = bl.Baseline()
    first = bl.apply(scan_rows(tmp_path, TWEETS, "a"), base, T0)
    f = by_post(first, "twitter:1001")[0]
    base.mark(f.id, "delete", now=T0)
    bl.apply(scan_rows(tmp_path, TWEETS[1:], "b"), base, T1)
    assert base.entries[f.id].status == "deleted"
    back = bl.apply(scan_rows(tmp_path, TWEETS, "c"), base, T1)     # an older archive scanned again
    assert back.statuses[f.id] == "still-there" and base.entries[f.id].gone_since is None


def test_post_the_export_lists_as_deleted_counts_as_gone():
    base = two_platform_baseline()
    gone = replace(post("twitter:1"), deleted=True)          # e.g. from X's deleted-tweets.js
    r = bl.apply(fake_result([gone, post("twitter:2")], [finding("twitter:1"), finding("twitter:2")],
                             ["twitter"]), base, T1)
    assert r.statuses[finding("twitter:1").id] == "deleted"
    assert [d["post_ref"] for d in r.baseline_summary["deleted"]] == ["twitter:1"]
    assert r.baseline_summary["attention"] == 1 and r.baseline_summary["still_there"] == []


# -- partial scans -----------------------------------------------------------------------------
def fake_result(posts, findings, platforms, now=T1, include_messages=False, problems=0):
    archives = [ArchiveSummary(f"{p}.zip", p, "test", posts=sum(1 for x in posts if x.platform == p),
                               problems=problems) for p in platforms]
    return ScanResult(now, Config(settings=Settings(include_messages=include_messages)), archives,
                      list(posts), list(findings), [], {}, {f.id: "new" for f in findings})


def post(ref, kind="post"):
    return Post(ref, ref.split(":")[0], kind, T0, text=f"text of {ref}")


def finding(ref, evidence="ev"):
    return Finding("GEO001", ref, evidence, "why")


def two_platform_baseline():
    posts = [post("twitter:1"), post("twitter:2"), post("facebook:ha"), post("facebook:hb"),
             post("instagram:hc"), post("facebook:hm", "message")]
    findings = [finding(p.ref) for p in posts]
    base = bl.Baseline()
    bl.apply(fake_result(posts, findings, ["twitter", "facebook", "instagram"], now=T0,
                         include_messages=True), base, T0)
    base.mark(finding("facebook:ha").id, "to-delete", now=T0)
    base.mark(finding("facebook:hb").id, "accepted", note="fine", now=T0)
    base.mark(finding("twitter:1").id, "to-delete", now=T0)
    return base


def test_twitter_only_rescan_leaves_facebook_decisions_alone():
    base = two_platform_baseline()
    before = {i: e.as_dict() for i, e in base.entries.items() if e.platform != "twitter"}
    r = bl.apply(fake_result([post("twitter:2")], [finding("twitter:2")], ["twitter"]), base, T1)
    s = r.baseline_summary
    assert [d["post_ref"] for d in s["deleted"]] == ["twitter:1"]
    assert s["platforms_left_alone"] == ["facebook", "instagram"]
    assert s["left_alone"] == 4 and s["stale"] == []
    after = {i: e.as_dict() for i, e in base.entries.items() if e.platform != "twitter"}
    assert after == before                                   # not even last_seen moved


def test_platform_with_no_posts_read_is_left_alone_with_a_warning():
    base = two_platform_baseline()
    r = bl.apply(fake_result([post("twitter:1")], [finding("twitter:1")], ["twitter", "facebook"]), base, T1)
    s = r.baseline_summary
    assert [d["post_ref"] for d in s["deleted"]] == ["twitter:2"] and "facebook" in s["platforms_left_alone"]
    assert any("no facebook posts were read" in w for w in s["warnings"])
    assert base.entries[finding("facebook:ha").id].status == "to-delete"


def test_messages_not_read_this_time_are_left_alone():
    base = two_platform_baseline()
    posts = [post("facebook:ha"), post("facebook:hb")]
    r = bl.apply(fake_result(posts, [finding(p.ref) for p in posts], ["facebook"]), base, T1)
    s = r.baseline_summary
    assert finding("facebook:hm").id not in {d["id"] for d in s["deleted"]}
    assert any("messages were not read" in w for w in s["warnings"])
    assert r.statuses[finding("facebook:ha").id] == "still-there"
    assert r.statuses[finding("facebook:hb").id] == "accepted"


def test_problems_reading_a_platform_add_a_caution_to_deletions():
    base = two_platform_baseline()
    r = bl.apply(fake_result([post("twitter:2")], [finding("twitter:2")], ["twitter"], problems=1), base, T1)
    assert any("could not be read" in w for w in r.baseline_summary["warnings"])


def test_finding_gone_but_post_still_there_is_stale_and_kept():
    base = two_platform_baseline()
    # twitter:1 edited: the post is there, its old evidence is not
    r = bl.apply(fake_result([post("twitter:1"), post("twitter:2")],
                             [finding("twitter:1", "other evidence"), finding("twitter:2")], ["twitter"]), base, T1)
    stale = r.baseline_summary["stale"]
    assert [d["id"] for d in stale] == [finding("twitter:1").id]
    assert stale[0]["decision"] == "to-delete" and "no longer triggers" in stale[0]["reason"]
    assert base.entries[finding("twitter:1").id].stale
    assert r.statuses[finding("twitter:1", "other evidence").id] == "new"
    # it triggers again later: no longer stale, decision back in force
    bl.apply(fake_result([post("twitter:1")], [finding("twitter:1")], ["twitter"]), base, T1)
    assert not base.entries[finding("twitter:1").id].stale
    assert base.entries[finding("twitter:1").id].status == "still-there"


def test_unknown_rule_is_reported_as_retired():
    base = bl.Baseline()
    base.entries["00000000000000aa"] = bl.Entry("00000000000000aa", "OLD999", "twitter:2", "twitter",
                                                status="accepted", decision="accepted")
    r = bl.apply(fake_result([post("twitter:2")], [], ["twitter"]), base, T1)
    assert r.baseline_summary["stale"][0]["reason"] == "rule retired or renamed"


# -- the file ----------------------------------------------------------------------------------
def test_baseline_file_holds_no_post_text_or_evidence(tmp_path):
    rows = TWEETS + [(1010, "Saw Mrs Eloise Pennywhistle at 14 Larkspur Close today", (53.7, -1.6), "SecretPic9")]
    base = bl.Baseline()
    r = bl.apply(scan_rows(tmp_path, rows), base, T0)
    path = tmp_path / "b.json"
    base.save(path)
    raw = path.read_text(encoding="utf-8").casefold()
    needles = [p.text for p in r.posts] + [f.evidence for f in r.findings]
    needles += ["Eloise", "Pennywhistle", "Larkspur", "SecretPic9", "53.70000", "q_tester_77", "coffee"]
    needles += [f.media_path for f in r.findings if f.media_path]
    for n in needles:
        for piece in [n] + [w for w in n.split() if len(w) > 4]:
            assert piece.casefold() not in raw, piece
    doc = json.loads(raw)
    assert doc["schema"] == bl.SCHEMA and len(doc["entries"]) == len(r.findings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_is_atomic_and_round_trips(tmp_path, monkeypatch):
    base = two_platform_baseline()
    path = tmp_path / "b.json"
    base.save(path)
    loaded = bl.Baseline.load(path)
    assert loaded.to_json() == base.to_json()
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]          # no temporary file left
    # a failure half-way leaves the old file as it was
    import os
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    base.mark(finding("twitter:2").id, "accepted")
    with pytest.raises(OSError):
        base.save(path)
    assert bl.Baseline.load(path).to_json() == loaded.to_json()
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]


@pytest.mark.parametrize("content, words", [
    ("not json", "not a baseline file"),
    ('{"schema": "footprint-auditor/findings/v1"}', "is not supported"),
    ('["a"]', "not a baseline file"),
    ('{"schema": "footprint-auditor/baseline/v1", "salt": "zz"}', "salt"),
    ('{"schema": "footprint-auditor/baseline/v1", "salt": "00112233445566778899aabbccddeeff", '
     '"entries": [{"id": "123", "status": "new"}]}', "16 hex digits"),
    ('{"schema": "footprint-auditor/baseline/v1", "salt": "00112233445566778899aabbccddeeff", '
     '"entries": [{"id": "0011223344556677", "status": "gone"}]}', "is not one of"),
])
def test_bad_baseline_files_give_clear_messages(tmp_path, content, words):
    p = tmp_path / "b.json"
    p.write_text(content)
    with pytest.raises(bl.BaselineError, match=words):
        bl.Baseline.load(p)


def test_mark_accepts_prefixes_and_aliases_and_refuses_the_rest():
    base = two_platform_baseline()
    fid = finding("twitter:2").id
    e = base.mark(fid[:8], "keep", note="line one\nline two \x1b[31m", now=T1)
    assert (e.decision, e.status, e.decided) == ("accepted", "accepted", "2026-11-21T09:00:00Z")
    assert e.note == "line one line two [31m"
    assert base.mark(fid, "new").decision is None and base.entries[fid].decided is None
    with pytest.raises(bl.BaselineError, match="not a decision"):
        base.mark(fid, "deleted")
    with pytest.raises(bl.BaselineError, match="at least the first 6"):
        base.mark(fid[:3], "keep")
    with pytest.raises(bl.BaselineError, match="no finding with this id"):
        base.mark("ffffffffffffffff"[:10] if not fid.startswith("ffffffffff") else "0000000000", "keep")


def test_mark_on_a_deleted_entry_keeps_it_deleted(tmp_path):
    base = two_platform_baseline()
    bl.apply(fake_result([post("twitter:2")], [finding("twitter:2")], ["twitter"]), base, T1)
    e = base.mark(finding("twitter:1").id, "accepted")
    assert e.status == "deleted" and e.decision == "accepted"


def test_apply_returns_a_copy_and_keeps_the_scan_intact(tmp_path):
    r = scan_rows(tmp_path, TWEETS)
    out = bl.apply(r, bl.Baseline(), T0)
    assert r.baseline_summary is None and out.baseline_summary is not None
    assert out.findings == r.findings and out.posts == r.posts
    assert replace(out, baseline_summary=None, statuses=r.statuses) == r


def test_platforms_count_by_the_posts_read_not_the_archive_kind():
    """An Instagram export also holds Threads posts: a Threads post gone from it is deleted."""
    posts = [post("instagram:hi1"), post("threads:ht1"), post("threads:ht2")]
    base = bl.Baseline()
    bl.apply(fake_result(posts, [finding(p.ref) for p in posts], ["instagram"], now=T0), base, T0)
    r = bl.apply(fake_result(posts[:2], [finding(p.ref) for p in posts[:2]], ["instagram"]), base, T1)
    assert [d["post_ref"] for d in r.baseline_summary["deleted"]] == ["threads:ht2"]
    assert r.baseline_summary["platforms_scanned"] == ["instagram", "threads"]


def test_summary_lines_name_deleted_and_stale_entries_without_content():
    base = two_platform_baseline()
    r = bl.apply(fake_result([post("twitter:1")], [finding("twitter:1", "other")], ["twitter"]), base, T1)
    lines = bl.summary_lines(r.baseline_summary)
    assert lines[0].startswith("Baseline: 1 first seen this time, 1 without a decision")
    assert f"  deleted: twitter:2 (GEO001, finding {finding('twitter:2').id})" in lines
    assert any(line.startswith("  stale: twitter:1 (GEO001") for line in lines)
    assert "  left alone (not in this scan): facebook, instagram" in lines
    assert not any("text of" in line for line in lines)
    assert bl.summary_lines({}) == []


def test_first_seen_this_time_and_notes_go_to_the_report(tmp_path):
    base = bl.Baseline()
    first = bl.apply(scan_rows(tmp_path, TWEETS, "old"), base, T0)
    assert first.baseline_summary["first_seen_ids"] == []          # a first check: nothing is "new since"
    f1 = by_post(first, "twitter:1001")[0]
    base.mark(f1.id, "to-delete", note="ask my mentor", now=T0)
    newer = TWEETS + [(1006, "Coffee break before the late shift", None, None)]
    again = bl.apply(scan_rows(tmp_path, newer, "new"), base, T1)
    new_ids = {f.id for f in by_post(again, "twitter:1006")}
    assert new_ids and set(again.baseline_summary["first_seen_ids"]) == new_ids
    assert again.baseline_summary["notes"] == {f1.id: "ask my mentor"}
    from auditor import report
    doc = report.build(again)
    got = {f["id"]: f for f in doc["findings"]}
    assert got[f1.id]["note"] == "ask my mentor" and got[f1.id]["status"] == "still-there"
    assert {i for i, f in got.items() if f["new_since_last"]} == new_ids
    assert all(got[i]["status"] == "new" for i in new_ids)


def test_refresh_shows_a_decision_made_after_the_scan(tmp_path):
    base = bl.Baseline()
    r = bl.apply(scan_rows(tmp_path, TWEETS), base, T0)
    fid = r.findings[0].id
    saved = json.dumps(base.to_json())
    base.mark(fid, "to-delete", note="tonight", now=T0)
    again = bl.refresh(r, base)
    assert again.statuses[fid] == "to-delete" and again.baseline_summary["notes"] == {fid: "tonight"}
    assert r.statuses[fid] == "new"                                 # the scan's own result is unchanged
    assert len(base.scans) == len(json.loads(saved)["scans"])        # no scan recorded
