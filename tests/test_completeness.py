"""Completeness is a result (issue 14): every file an importer reads gives a Coverage (what it should
hold against what was read, skipped by reason); what could not be read becomes a Gap, the result is
incomplete, the terminal says which file and what to do before anything else, the exit code is 3
and the all-clear is never printed. Fixtures are built at test time, as zips and as folders."""
from __future__ import annotations

import json
import zipfile
import zlib

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.config import Config, Profile
from auditor.model import Finding, Gap
from auditor.pipeline import ArchiveSummary, ScanResult, scan
from auditor.plugins import Coverage
from conftest import write_zip
from test_twitter_layouts import (OWNER, current_archive, grailbird_archive, tweet, utc, ytd)

TWEETS_21 = [{"tweet": tweet(str(1000 + i), utc(2024, 1, 1 + i), f"Post number {i} about the garden")}
             for i in range(21)]


def manifest(**counts: int) -> str:
    files = {"tweets": "data/tweets.js", "like": "data/like.js"}
    return "window.__THAR_CONFIG = " + json.dumps({"userInfo": {"userName": OWNER}, "dataTypes": {
        k: {"files": [{"fileName": files[k], "count": str(n)}]} for k, n in counts.items()}})


def quiet_scan(*paths, analysers=()):
    return scan([str(p) for p in paths], Config(Profile(full_name="Ann Example")), analysers=list(analysers))


@pytest.fixture
def no_analysers(monkeypatch):
    monkeypatch.setattr("auditor.pipeline.default_analysers", lambda: [])


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# -- coverage of a healthy export -----------------------------------------------------------------
def test_coverage_per_file_from_the_manifest(make_archive):
    res = quiet_scan(make_archive(current_archive()))
    [s] = res.archives
    cov = {c.member: c for c in s.coverage}
    assert cov["data/tweets.js"] == Coverage("data/tweets.js", "posts", 3, 3, {})
    assert cov["data/tweets-part1.js"] == Coverage("data/tweets-part1.js", "posts", 5, 5, {})
    assert (cov["data/like.js"].read, cov["data/like.js"].expected) == (2, 2)
    assert (cov["data/note-tweet.js"].what, cov["data/note-tweet.js"].read) == ("long posts", 2)
    # messages are not read unless asked: skipped with the reason
    assert cov["data/direct-messages.js"] == Coverage("data/direct-messages.js", "conversations", 0, 1,
                                                      {"messages not included": 1})
    media = cov["data/tweets_media/"]
    assert media.what == "photos and videos" and media.expected == media.read + media.skipped["not in the archive"]
    block = s.coverage_block()
    assert set(block) == {"expected", "read", "skipped", "files"}
    assert block["expected"]["posts"] == block["read"]["posts"] == 8
    assert block["skipped"]["messages not included"] == 1
    assert json.loads(json.dumps(block)) == block                     # plain JSON for findings.json
    assert res.complete and res.gaps == []


def test_coverage_block_totals_and_unknown_expected():
    s = ArchiveSummary("a.zip", "twitter", "x", coverage=[
        Coverage("data/tweets.js", "posts", 5, 7, {"not readable": 1, "duplicate": 1}),
        Coverage("data/tweets-part1.js", "posts", 3, None, {"duplicate": 2}),
        Coverage("data/like.js", "likes", 4, 4)])
    b = s.coverage_block()
    assert b["expected"] == {"posts": 7 + 5, "likes": 4}          # no count given: what the file held
    assert b["read"] == {"posts": 8, "likes": 4}
    assert b["skipped"] == {"not readable": 1, "duplicate": 3}
    assert [f["member"] for f in b["files"]] == ["data/tweets.js", "data/tweets-part1.js", "data/like.js"]
    assert b["files"][1]["expected"] is None


# -- a tweets.js cut short: never the all-clear, never exit 0 ------------------------------------------
@pytest.mark.parametrize("keep", [0, 3])
def test_cut_short_tweets_js_is_incomplete_and_names_the_file(make_archive, tmp_path, no_analysers, keep):
    full = ytd("tweets", TWEETS_21[:5])
    if keep:
        cut = full[: full.index('"Post number 3')]                    # in the middle of the 4th record
    else:
        cut = "window.YTD.tweets.part0 = [ "                          # nothing after the bracket
    path = make_archive({"data/tweets.js": cut})
    res = quiet_scan(path)
    assert len(res.posts) == keep
    assert not res.complete
    [gap] = res.gaps
    assert gap.member == "data/tweets.js" and "cut short" in gap.message
    assert "Download your X archive again" in gap.advice
    r = cli("scan", path, "--out", tmp_path / "out")
    assert r.exit_code == 3, r.output
    first = r.output.splitlines()[0]
    assert first.startswith("NOT COMPLETE")
    assert "data/tweets.js" in r.output and "Download your X archive again" in r.output
    assert "Nothing needs your attention" not in r.output
    assert r.output.index("data/tweets.js") < r.output.index("Read ")          # before the summary
    doc = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert any(p["member"] == "data/tweets.js" and "cut short" in p["message"] for p in doc["problems"])


def _damaged_zip(path, members, member, chunk_from):
    """A zip whose `member` has bytes changed from offset `chunk_from` of its stored data (its CRC
    no longer matches): a damaged region, as a bad download or disk gives."""
    write_zip(path, members)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + chunk_from, start + info.compress_size):
        raw[k] ^= 0x5A
    path.write_bytes(bytes(raw))
    return path


def test_damaged_region_reads_part_and_says_which_file(tmp_path, monkeypatch, no_analysers):
    import auditor.importers.twitter as tw
    monkeypatch.setattr(tw, "CHUNK", 256)                 # stream in small pieces, as a big file is
    members = {"data/manifest.js": manifest(tweets=21), "data/tweets.js": ytd("tweets", TWEETS_21)}
    # stored (not deflated) so the bytes before the damage still stream out
    path = tmp_path / "twitter.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("data/tweets.js")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 2000] ^= 0x01                              # one flipped byte in a string: CRC fails at the end
    path.write_bytes(bytes(raw))
    res = quiet_scan(path)
    [cov] = [c for c in res.archives[0].coverage if c.member == "data/tweets.js"]
    assert 0 < cov.read < 21 and cov.expected == 21
    [gap] = res.gaps
    assert gap.message.startswith(f"We read {cov.read} of the 21 posts in data/tweets.js")
    assert "damaged" in gap.message and "Download your X archive again" in gap.advice
    assert "CRC" not in gap.message and "(" not in gap.message           # plain words; details in problems
    assert any("CRC" in p.message for p in res.problems)
    r = cli("scan", path, "--out", tmp_path / "out")
    assert r.exit_code == 3 and "data/tweets.js" in r.output.splitlines()[1], r.output


def test_damaged_deflated_member_from_the_start(tmp_path, no_analysers):
    path = _damaged_zip(tmp_path / "t.zip", {"data/manifest.js": manifest(tweets=21),
                                             "data/tweets.js": ytd("tweets", TWEETS_21)}, "data/tweets.js", 40)
    res = quiet_scan(path)
    assert res.posts == [] and not res.complete
    assert res.gaps[0].member == "data/tweets.js" and "0 of the 21 posts" in res.gaps[0].message


def test_file_listed_in_the_manifest_but_absent_asks_for_the_other_parts(make_archive):
    m = json.loads(manifest(tweets=2)[len("window.__THAR_CONFIG = "):])
    m["dataTypes"]["tweets"]["files"].append({"fileName": "data/tweets-part1.js", "count": "40"})
    path = make_archive({"data/manifest.js": "window.__THAR_CONFIG = " + json.dumps(m),
                         "data/tweets.js": ytd("tweets", TWEETS_21[:2])})
    res = quiet_scan(path)
    assert len(res.posts) == 2
    [gap] = res.gaps
    assert gap.member == "data/tweets-part1.js" and "0 of the 40 posts" in gap.message
    assert "every part of your download" in gap.advice


def test_damaged_records_are_gaps_but_duplicates_are_not(make_archive):
    items = [TWEETS_21[0], "not a record", TWEETS_21[1], TWEETS_21[1]]
    path = make_archive({"data/manifest.js": manifest(tweets=4), "data/tweets.js": ytd("tweets", items)})
    res = quiet_scan(path)
    [cov] = [c for c in res.archives[0].coverage if c.member == "data/tweets.js"]
    assert (cov.read, cov.expected, dict(cov.skipped)) == (2, 4, {"not readable": 1, "duplicate": 1})
    [gap] = res.gaps
    assert "1 of the posts in data/tweets.js could not be read" in gap.message
    # only a duplicate: complete
    path = make_archive({"data/manifest.js": manifest(tweets=3),
                         "data/tweets.js": ytd("tweets", [TWEETS_21[0], TWEETS_21[1], TWEETS_21[1]])})
    assert quiet_scan(path).complete


def test_an_export_that_says_it_is_empty_is_complete_but_one_that_reads_nothing_is_not(make_archive):
    honest = make_archive({"data/manifest.js": manifest(tweets=0, like=0), "data/tweets.js": ytd("tweets", []),
                           "data/like.js": ytd("like", [])})
    res = quiet_scan(honest)
    assert res.complete and res.posts == []
    assert any("says it holds no posts" in n for n in res.notices)
    silent = make_archive({"data/tweets.js": ytd("tweets", [])})
    res = quiet_scan(silent)
    assert not res.complete and "We read nothing from this X archive" in res.gaps[0].message


def test_more_records_than_the_manifest_says_is_not_a_gap(make_archive):
    path = make_archive({"data/manifest.js": manifest(tweets=2), "data/tweets.js": ytd("tweets", TWEETS_21[:3])})
    res = quiet_scan(path)
    assert res.complete and len(res.posts) == 3
    assert any(p.member == "data/manifest.js" for p in res.problems)


# -- 2012-2019 archives --------------------------------------------------------------------------
def test_grailbird_coverage_from_tweet_index(make_archive):
    res = quiet_scan(make_archive(grailbird_archive()))
    cov = {c.member: c for c in res.archives[0].coverage}
    assert (cov["data/js/tweets/2014_12.js"].read, cov["data/js/tweets/2014_12.js"].expected) == (2, 2)
    assert (cov["data/js/tweets/2015_01.js"].read, cov["data/js/tweets/2015_01.js"].expected) == (2, 2)
    # tweets.csv is a second copy: it adds only the post the monthly files lacked
    assert cov["tweets.csv"].what == "posts (second copy in tweets.csv)" and cov["tweets.csv"].read == 1
    assert cov["tweets.csv"].skipped == {"already read from the monthly files": 4}
    assert res.complete, res.gaps


def test_grailbird_damaged_month_filled_from_csv_is_complete_without_csv_is_not(make_archive):
    members = grailbird_archive()
    members["data/js/tweets/2014_12.js"] = "Grailbird.data.tweets_2014_12 = \n[ {\n  \"source\" : \"web\",\n  \"te"
    res = quiet_scan(make_archive(members))
    assert res.complete, res.gaps                          # tweets.csv held both December posts
    del members["tweets.csv"]
    res = quiet_scan(make_archive(members))
    assert not res.complete
    assert res.gaps[0].member == "data/js/tweets/2014_12.js" and "0 of the 2 posts" in res.gaps[0].message


def test_csv_only_archive_counts_rows(make_archive):
    members = {"tweets.csv": grailbird_archive()["tweets.csv"] + '"600","","","2015-01-01"\n'}
    res = quiet_scan(make_archive(members))
    [cov] = res.archives[0].coverage
    assert (cov.member, cov.what, cov.read, dict(cov.skipped)) == ("tweets.csv", "posts", 5, {"not readable": 1})
    assert not res.complete


# -- photos --------------------------------------------------------------------------------------
def test_photo_folder_coverage_and_a_damaged_photo(tmp_path):
    from test_images_helpers import jpeg
    good = write_zip(tmp_path / "photos.zip", {"DCIM/a.jpg": jpeg(), "DCIM/b.jpg": jpeg()})
    res = quiet_scan(good)
    assert res.archives[0].coverage == [Coverage("", "photos", 2, 2, {})] and res.complete
    bad = _damaged_zip(tmp_path / "bad.zip", {"DCIM/a.jpg": jpeg(), "DCIM/b.jpg": jpeg()}, "DCIM/b.jpg", 10)
    res = quiet_scan(bad)
    assert res.archives[0].coverage == [Coverage("", "photos", 1, 2, {"not readable": 1})]
    assert not res.complete and "1 of the photos in this folder could not be read" in res.gaps[0].message


# -- the importer or an analyser stops -----------------------------------------------------------
def test_importer_that_stops_is_a_gap(make_archive, monkeypatch):
    import auditor.importers.twitter as tw
    real = tw.read

    def crashing(archive, det, ctx):
        for i, item in enumerate(real(archive, det, ctx)):
            if i == 1:
                raise RuntimeError("bug")
            yield item
    monkeypatch.setattr(tw, "read", crashing)
    res = quiet_scan(make_archive({"data/tweets.js": ytd("tweets", TWEETS_21[:3])}))
    assert not res.complete and "stopped part-way" in res.gaps[0].message
    assert "fault in Footprint Auditor" in res.gaps[0].advice


def test_analyser_that_stops_is_a_gap(make_archive):
    class Broken:
        name = "words"

        def analyse(self, posts, ctx):
            raise ValueError("bug")
            yield
    res = quiet_scan(make_archive({"data/tweets.js": ytd("tweets", TWEETS_21[:3])}), analysers=[Broken()])
    assert not res.complete and "words" in res.gaps[-1].message


# -- exit codes and the terminal ------------------------------------------------------------------
class OneFinding:
    name = "one"

    def analyse(self, posts, ctx):
        for p in posts[:1]:
            yield Finding("GEO001", p.ref, "53.8, -1.5", "Your post records where you were.", 0.9)


@pytest.mark.parametrize("damaged,finding,code", [(False, False, 0), (False, True, 1), (True, False, 3),
                                                  (True, True, 3)])
def test_exit_codes(tmp_path, monkeypatch, damaged, finding, code):
    monkeypatch.setattr("auditor.pipeline.default_analysers", lambda: [OneFinding()] if finding else [])
    members = {"data/manifest.js": manifest(tweets=4 if damaged else 3), "data/tweets.js": ytd("tweets", TWEETS_21[:3])}
    path = write_zip(tmp_path / "x.zip", members)
    r = cli("scan", path, "--out", tmp_path / "out")
    assert r.exit_code == code, r.output
    assert ("Nothing needs your attention in the 3 posts checked" in r.output) == (code == 0)
    assert ("The check can miss things" in r.output) == (code == 0)      # an all-clear is never a promise
    assert ("NOT COMPLETE" in r.output) == damaged
    if damaged:
        assert r.output.startswith("NOT COMPLETE")
    # --quiet still says what could not be read
    r = cli("scan", path, "--out", tmp_path / "out2", "--quiet")
    assert r.exit_code == code and ("NOT COMPLETE" in r.output) == damaged


def test_no_profile_is_a_visible_notice(tmp_path, no_analysers):
    path = write_zip(tmp_path / "x.zip", {"data/tweets.js": ytd("tweets", TWEETS_21[:1])})
    r = cli("scan", path, "--out", tmp_path / "out")
    assert "Note: You gave no profile" in r.output and "HCPC" in r.output
    res = scan([str(path)], Config(), analysers=[])
    assert any("no profile" in n for n in res.notices)
    cfg = tmp_path / "auditor.toml"
    cfg.write_text('[profile]\nfull_name = "Ann Example"\nregulator = "NMC"\n')
    r = cli("scan", path, "--out", tmp_path / "out2", "--config", cfg)
    assert "Note:" not in r.output
    # a profile that names no regulator: said, and the HCPC's standards are used
    cfg.write_text('[profile]\nfull_name = "Ann Example"\n')
    r = cli("scan", path, "--out", tmp_path / "out3", "--config", cfg)
    assert "does not name your regulator" in r.output


def test_scan_result_shape_for_the_report():
    res = ScanResult(utc(2026, 1, 1), Config(), [], [], [], [])
    assert res.gaps == [] and res.notices == [] and res.ignored == [] and res.complete
    res.gaps.append(Gap("a.zip", "data/tweets.js", "We read 3 of the 21 posts.", "Download again."))
    assert not res.complete


def test_inspect_shows_coverage_and_gaps(make_archive):
    path = make_archive({"data/manifest.js": manifest(tweets=21), "data/tweets.js": ytd("tweets", TWEETS_21[:3])})
    r = cli("inspect", path)
    assert r.exit_code == 3, r.output
    assert "data/tweets.js: 3 of 21 posts read" in r.output
    assert r.output.startswith("NOT COMPLETE")
    ok = make_archive({"data/manifest.js": manifest(tweets=3), "data/tweets.js": ytd("tweets", TWEETS_21[:3])})
    assert cli("inspect", ok).exit_code == 0


def test_deflate_damage_helper_really_damages(tmp_path):
    path = _damaged_zip(tmp_path / "d.zip", {"a.txt": "x" * 5000}, "a.txt", 5)
    with zipfile.ZipFile(path) as zf, pytest.raises((zipfile.BadZipFile, zlib.error)):
        zf.read("a.txt")


def test_a_part_that_reads_nothing_is_a_gap_only_when_given_alone():
    from auditor.pipeline import assess
    media_only = ArchiveSummary("ig-part2.zip", "instagram", "media files only (one part of a split export)")
    posts_part = ArchiveSummary("ig-part1.zip", "instagram", "your_instagram_activity (2022+)", posts=3)
    gaps, _ = assess([posts_part, media_only], [])
    assert gaps == []
    gaps, _ = assess([media_only], [])
    [gap] = gaps
    assert gap.archive == "ig-part2.zip" and "We read nothing from this Instagram archive" in gap.message
    assert "every part of your download" in gap.advice
    # another platform's posts do not count
    gaps, _ = assess([ArchiveSummary("x.zip", "twitter", "tweets.js (2022+)", posts=5), media_only], [])
    assert len(gaps) == 1


def test_a_check_that_could_not_run_makes_the_scan_incomplete(make_archive):
    """An analyser whose check could not run at all (a photo model refused on this computer, say) records it on
    the context; the scan's result is then not complete and says so in the analyser's own plain words."""
    class Refused:
        name = "refused"

        def analyse(self, posts, ctx):
            ctx.check_not_run("What 3 of your photos show was not checked.", "Look through them yourself.")
            ctx.check_not_run("What 3 of your photos show was not checked.", "Look through them yourself.")
            return iter(())
    res = quiet_scan(make_archive(current_archive()), analysers=[Refused()])
    assert not res.complete
    [gap] = res.gaps
    assert (gap.message, gap.advice) == ("What 3 of your photos show was not checked.", "Look through them yourself.")
