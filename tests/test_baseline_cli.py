"""`auditor scan --baseline`, `auditor mark` and `auditor review` (lines on a pipe) end to end.

The analysers are the cheap ones from test_baseline_helpers (patched into the pipeline), so these
tests follow the baseline logic, not the wording of the real analysers."""
from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from auditor.cli import main
from conftest import write_folder, write_zip
from test_baseline_helpers import TWEETS, PlaceAnalyser, WordAnalyser, twitter_members


@pytest.fixture(autouse=True)
def cheap_analysers(monkeypatch):
    monkeypatch.setattr("auditor.pipeline.default_analysers", lambda: [WordAnalyser(3), PlaceAnalyser()])
    monkeypatch.setenv("AUDITOR_NOW", "2026-11-21T09:00:00Z")


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def findings(out):
    return json.loads((out / "findings.json").read_text())["findings"]


def test_two_scans_keep_decisions_and_confirm_deletions(tmp_path):
    old = write_zip(tmp_path / "twitter-2026-01-10-aaaa.zip", twitter_members())
    base = tmp_path / "decisions.json"
    r = run("scan", old, "--out", tmp_path / "r1", "--baseline", base)
    assert r.exit_code == 1, r.output
    fs = findings(tmp_path / "r1")
    assert {f["status"] for f in fs} == {"new"}
    assert f"Baseline {base}: {len(fs)} first seen this time, {len(fs)} without a decision" in r.output
    assert stat.S_IMODE(base.stat().st_mode) == 0o600

    by_post = {}
    for f in fs:
        by_post.setdefault(f["post_ref"], []).append(f["id"])
    for fid in by_post["twitter:1003"] + by_post["twitter:1001"]:
        assert run("mark", fid, "to-delete", "--baseline", base).exit_code == 0
    others = [f["id"] for f in fs if f["post_ref"] not in ("twitter:1003", "twitter:1001")]
    for fid in others:
        r = run("mark", fid[:8], "keep", "--baseline", base, "--note", "reviewed with my educator")
        assert r.exit_code == 0 and "accepted" in r.output

    # the user deleted 1003 but not 1001, and posted 1006; a new download, unpacked to a folder
    rows = [t for t in TWEETS if t[0] != 1003] + [(1006, "Station barbecue tonight", None, None)]
    new = write_folder(tmp_path / "twitter-2026-11-20-bbbb", twitter_members(rows, parts=2))
    r = run("scan", new, "--out", tmp_path / "r2", "--baseline", base)
    assert r.exit_code == 1, r.output                     # 1001 still there, 1006 new
    status = {f["id"]: f["status"] for f in findings(tmp_path / "r2")}
    assert all(status[i] == "still-there" for i in by_post["twitter:1001"])
    assert all(status[i] == "accepted" for i in others)
    assert [s for s in status.values() if s == "new"]
    assert "deleted: twitter:1003" in r.output and "still there (marked to delete)" in r.output
    doc = json.loads(base.read_text())
    assert {e["status"] for e in doc["entries"] if e["post_ref"] == "twitter:1003"} == {"deleted"}
    assert {e["note"] for e in doc["entries"] if e["id"] in others} == {"reviewed with my educator"}

    # everything decided and the forgotten post deleted: nothing needs attention, exit 0
    for f in findings(tmp_path / "r2"):
        if f["status"] == "new":
            run("mark", f["id"], "fp", "--baseline", base)
    rows = [t for t in rows if t[0] != 1001]
    newest = write_zip(tmp_path / "twitter-2027.zip", twitter_members(rows))
    r = run("scan", newest, "--out", tmp_path / "r3", "--baseline", base)
    assert r.exit_code == 0, r.output
    assert "deleted: twitter:1001" in r.output


def test_bad_baseline_stops_before_scanning(tmp_path):
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    bad = tmp_path / "b.json"
    bad.write_text('{"schema": "something/else"}')
    r = run("scan", arc, "--out", tmp_path / "out", "--baseline", bad)
    assert r.exit_code == 2 and "is not supported; expected footprint-auditor/baseline/v1" in r.output
    assert not (tmp_path / "out").exists()
    assert bad.read_text() == '{"schema": "something/else"}'


def test_baseline_inside_the_archive_folder_is_refused(tmp_path):
    arc = write_folder(tmp_path / "export", twitter_members())
    before = sorted(p.name for p in arc.rglob("*"))
    r = run("scan", arc, "--out", tmp_path / "out", "--baseline", arc / "b.json")
    assert r.exit_code == 2 and "inside the archive folder" in r.output
    assert sorted(p.name for p in arc.rglob("*")) == before


def test_baseline_in_a_missing_folder_is_refused(tmp_path):
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    r = run("scan", arc, "--out", tmp_path / "out", "--baseline", tmp_path / "nope" / "b.json")
    assert r.exit_code == 2 and "does not exist" in r.output


@pytest.mark.parametrize("args, words", [
    (["0123456789abcdef", "keep"], "no such baseline file"),
])
def test_mark_without_a_baseline_file(tmp_path, args, words):
    r = run("mark", *args, "--baseline", tmp_path / "none.json")
    assert r.exit_code == 2 and words in r.output


def test_mark_errors_exit_2(tmp_path):
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    base = tmp_path / "b.json"
    run("scan", arc, "--out", tmp_path / "out", "--baseline", base)
    fid = findings(tmp_path / "out")[0]["id"]
    before = base.read_text()
    for args, words in [((fid, "gone"), "not a decision"), (("abc", "keep"), "at least the first 6"),
                        (("0000000000000000", "keep"), "no finding with this id")]:
        r = run("mark", *args, "--baseline", base)
        assert r.exit_code == 2 and words in r.output, r.output
    assert base.read_text() == before


def test_review_on_a_pipe_saves_each_answer(tmp_path):
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    out = tmp_path / "out"
    run("scan", arc, "--out", out)                          # no baseline yet: review creates it
    base = tmp_path / "b.json"
    r = run("review", out, "--baseline", base, input="d\nk\nx\nb\nf\nn\nmy note\ns\nq\n")
    assert r.exit_code == 0, r.output
    order = [f["id"] for f in findings(out)]
    doc = {e["id"]: e for e in json.loads(base.read_text())["entries"]}
    assert set(doc) == set(order)
    assert doc[order[0]]["decision"] == "to-delete"
    assert doc[order[1]]["decision"] == "false-positive"     # k, then back, then f
    assert doc[order[2]]["note"] == "my note" and doc[order[2]]["decision"] == "skipped"
    assert all(doc[i]["decision"] is None for i in order[3:])
    assert "unknown key" in r.output and "Reviewed 3 of" in r.output
    # next review starts with what is still new
    r = run("review", out / "findings.json", "--baseline", base, input="q\n")
    assert f"finding {order[3]}" in r.output


def test_review_needs_a_findings_file(tmp_path):
    r = run("review", tmp_path, "--baseline", tmp_path / "b.json")
    assert r.exit_code == 2 and "findings.json" in r.output
