"""Minimal reproducers of crashes the fuzzer (tests/test_fuzz_importers.py, benchmarks/fuzz_long.py)
found, kept as plain tests so they stay fixed. Each names the case it came from."""
from __future__ import annotations

import json

import pytest

from auditor.archive import Archive
from auditor.config import Config
from auditor.model import Span
from auditor.pipeline import scan
from auditor.importers import twitter
from auditor.plugins import ImportContext
from test_hostile_zipwriter import TWEETS_JS


def read_all(module, path):
    with Archive.open(path) as arc:
        out = []
        for det in module.detect(arc):
            out.extend(module.read(arc, det, ImportContext()))
        return out


# fuzz case: "seed synthetic-x-2022: tree data/manifest.js: replace 'files'" (files became a number):
# importers/twitter.py _type_files iterated `entry.get("files") or []` -> TypeError, and the
# pipeline then lost every post of the archive ("importer failed").
@pytest.mark.parametrize("files", ["1", "true", "2.5"])
def test_twitter_manifest_files_not_a_list(make_archive, files):
    manifest = 'window.__THAR_CONFIG = {"dataTypes": {"tweets": {"files": %s}}}' % files
    path = make_archive({"data/tweets.js": TWEETS_JS, "data/manifest.js": manifest})
    items = read_all(twitter, path)
    assert [i.ref for i in items if hasattr(i, "ref")] == ["twitter:101"]


# deep nesting: json.loads raises RecursionError (not a ValueError) on ~100,000 nested brackets
@pytest.mark.parametrize("member", ["data/tweets.js", "data/account.js", "data/manifest.js"])
def test_twitter_deeply_nested_json(make_archive, member):
    members = {"data/tweets.js": TWEETS_JS}
    members[member] = (members.get(member, b"window.YTD.x.part0 = ") if member != "data/tweets.js"
                       else b"window.YTD.tweets.part0 = ") + b"[" * 100_000 + b"]" * 100_000
    if member != "data/tweets.js":
        members["data/tweets.js"] = TWEETS_JS
    path = make_archive(members)
    res = scan([str(path)], Config(), analysers=[])
    assert not [p for p in res.problems if "failed:" in p.message], res.problems
    if member != "data/tweets.js":
        assert [p.ref for p in res.posts] == ["twitter:101"]
    else:
        assert any(p.member.startswith("data/tweets.js") for p in res.problems)


# lone surrogates and NUL in text reach the report writer, which encodes UTF-8
def test_lone_surrogate_and_nul_in_tweet_text_reach_a_written_report(make_archive, tmp_path):
    from auditor import report
    tweets = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "7", "created_at": '
              '"Sat Jun 06 13:02:35 +0000 2020", "full_text": "bad \\ud800 text \\u0000 here", "entities": {}}}]')
    path = make_archive({"data/tweets.js": tweets})
    res = scan([str(path)], Config(), analysers=[])
    report.write_all(res, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert [p["ref"] for p in doc["posts"]] == ["twitter:7"]


# benchmarks/hostile_memory.py case huge_tweet_text (one 22 MB tweet): the scan never finished.
# auditor/report.py segments() builds the highlighted text one character at a time with
# `out[-1]["text"] += piece`, which is quadratic (0.15 s at 100k chars, 1.9 s at 400k, hours at 22M).
def test_report_of_a_huge_flagged_post_is_written_in_bounded_time(tmp_path):
    import random
    import signal

    from auditor import report
    from auditor.model import Finding

    class FlagEverything:
        name = "flag-everything"

        def analyse(self, posts, ctx):
            for p in posts:
                yield Finding("OFF001", p.ref, "swearing", "a test finding on every post", 0.9, spans=(Span(0, 8),))

    rng = random.Random(3)
    text = " ".join("".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 9))) for _ in range(350_000))
    tweets = json.dumps([{"tweet": {"id_str": "9", "created_at": "Sat Jun 06 13:02:35 +0000 2020",
                                    "full_text": text, "entities": {}}}])
    (tmp_path / "arc" / "data").mkdir(parents=True)
    (tmp_path / "arc" / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = " + tweets)
    path = tmp_path / "arc"
    res = scan([str(path)], Config(), analysers=[FlagEverything()])
    assert len(res.posts[0].text) > 2_000_000 and res.findings

    def on_alarm(signum, frame):
        raise TimeoutError("report.write_all took longer than 30 s for one 2 MB post")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(30)
    try:
        report.write_all(res, tmp_path / "out")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert (tmp_path / "out" / "report.html").exists()
