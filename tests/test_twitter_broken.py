"""X/Twitter importer: a broken fixture per layout yields Problems (naming the member and record),
never an exception, and everything readable is still read. Zip and folder forms."""
from __future__ import annotations

import json
import random
import zipfile

from auditor.model import Problem
from test_twitter_layouts import (OWNER, account, current_archive, grailbird_archive, run, tweet,
                                  tweet_js_archive, toplevel_archive, utc, ytd)


def refs(posts):
    return [p.ref for p in posts]


def test_current_layout_broken(make_archive):
    good = [tweet(str(i), utc(2024, 1, i), f"post {i}") for i in range(1, 4)]
    bad_time = tweet("4", utc(2024, 1, 4), "post 4")
    bad_time["created_at"] = "yesterday"
    no_id = tweet("x", utc(2024, 1, 5), "no id")
    del no_id["id_str"], no_id["id"]
    items = [{"tweet": good[0]}, "a string, not a record", {"tweet": good[1]}, {"tweet": no_id},
             {"tweet": bad_time}, {"tweet": good[2]}]
    tweets_js = ytd("tweets", items).replace('"full_text": "post 2"', '"full_text": "post 2" "junk"')
    part1 = ytd("tweets", [{"tweet": tweet(str(i), utc(2024, 2, i), f"part {i}")} for i in range(10, 13)], part=1)
    part1 = part1[: part1.index('"full_text": "part 11"') + 15]          # a download cut short
    manifest = {"userInfo": {"userName": OWNER}, "dataTypes": {
        "tweets": {"files": [{"fileName": "data/tweets.js", "count": "7"},
                             {"fileName": "data/tweets-part1.js", "count": "3"},
                             {"fileName": "data/tweets-part2.js", "count": "40"}]},
        "like": {"files": [{"fileName": "data/like.js", "count": "3"}]}}}
    members = {
        "data/manifest.js": "window.__THAR_CONFIG = " + json.dumps(manifest),
        "data/account.js": "<html><body>Rate limit exceeded</body></html>",
        "data/tweets.js": tweets_js,
        "data/tweets-part1.js": part1,
        "data/like.js": b"",
        "data/note-tweet.js": ytd("note_tweet", [{"noteTweet": {"createdAt": "2024-01-01T00:00:00.000Z"}}]),
        "data/deleted-tweets.js": ytd("deleted_tweets", [{"tweet": tweet("50", utc(2024, 3, 1), "gone",
                                                                         media=["not a media object"])}]),
        "data/community-tweet.js": 'window.YTD.community_tweet.part0 = {"tweet": {}}',
    }
    path = make_archive(members)
    a = str(path)
    _, posts, problems, owner = run(path)
    assert refs(posts) == ["twitter:1", "twitter:4", "twitter:3", "twitter:10", "twitter:50"]
    assert posts[1].created_at is None                 # kept, undated, rather than lost
    assert owner == {"handles": [OWNER]}               # from the manifest when account.js is unreadable
    assert problems == [
        Problem(a, "data/account.js", "no JSON list found (the file starts "
                "'<html><body>Rate limit exceeded</body></'): "
                "expected `window.YTD.<name>.part0 = [ ... ]`"),
        Problem(a, "data/note-tweet.js#0", "note without an id or text; skipped"),
        # files the manifest lists but the download lacks are reported before reading starts
        Problem(a, "data/tweets-part2.js", "listed in manifest.js (40 records) but not in the archive"),
        Problem(a, "data/tweets.js#1", "record is a str, not an object; skipped"),
        Problem(a, "data/tweets.js#2",
                "record 2 is not valid JSON (Expecting ',' delimiter); skipped to the next record"),
        Problem(a, "data/tweets.js#3", "tweet without an id; skipped"),
        Problem(a, "data/tweets.js#4", "tweet 4: unreadable created_at 'yesterday'; kept without a date"),
        Problem(a, "data/tweets.js", "manifest.js lists 7 records, the file holds 6"),
        Problem(a, "data/tweets-part1.js#1", "record 1 is not valid JSON (Unterminated string starting at); "
                "skipped to the next record"),
        Problem(a, "data/tweets-part1.js", "the file is cut short or damaged at record 1: nothing after it "
                "could be read. Download your archive again."),
        Problem(a, "data/tweets-part1.js", "manifest.js lists 3 records, the file holds 2"),
        Problem(a, "data/community-tweet.js", "expected a list of records `[ ... ]`, found a single object"),
        Problem(a, "data/like.js", "empty file"),
        Problem(a, "data/like.js", "manifest.js lists 3 records, the file holds 0"),
    ]


def test_tweet_js_bare_broken_record_is_skipped(make_archive):
    members = tweet_js_archive(wrapped=False)
    raw = members["data/tweet.js"]
    members["data/tweet.js"] = raw.replace('"full_text": "RT @nhs_news', '"full_text": RT @nhs_news', 1)
    members["data/tweet_media/1200000000000000003-NsPic3.jpg"] = b""
    path = make_archive(members)
    _, posts, problems, _ = run(path)
    assert refs(posts) == ["twitter:1200000000000000001", "twitter:1200000000000000003"]
    assert [(p.member, p.message) for p in problems] == [
        ("data/tweet.js#1", "record 1 is not valid JSON (Expecting value); skipped to the next record")]


def test_tweet_js_wrapped_missing_media_and_bad_items(make_archive):
    members = tweet_js_archive(wrapped=True)
    del members["data/tweet_media/1200000000000000003-NsPic3.jpg"]
    members["data/tweet-part1.js"] = ytd("tweet", [{"tweet": "nothing"}, 42, None], part=1)
    path = make_archive(members)
    a = str(path)
    _, posts, problems, _ = run(path)
    assert len(posts) == 3 and posts[2].media[0].missing
    assert problems == [
        Problem(a, "data/tweet_media/1200000000000000003-NsPic3.jpg",
                "media of tweet 1200000000000000003 listed in data/tweet.js but not in the archive"),
        Problem(a, "data/tweet-part1.js#0", "tweet without an id; skipped"),
        Problem(a, "data/tweet-part1.js#1", "record is a int, not an object; skipped"),
        Problem(a, "data/tweet-part1.js#2", "record is a NoneType, not an object; skipped"),
    ]


def test_toplevel_truncated_file(make_archive):
    members = toplevel_archive("")
    members["tweet.js"] = members["tweet.js"][:-3]          # the closing "}\n]" is gone
    members["like.js"] = "window.YTD.like.part0 = [ { \"like\" : { \"tweetId\" : \"77\" "   # cut mid-record
    path = make_archive(members)
    a = str(path)
    _, posts, problems, _ = run(path)
    assert refs(posts) == ["twitter:1000000000000000010"]
    assert problems == [
        Problem(a, "tweet.js#1", "record 1 is not valid JSON (Expecting ',' delimiter); skipped to the next record"),
        Problem(a, "tweet.js", "the file is cut short or damaged at record 1: nothing after it could be read. "
                "Download your archive again."),
        Problem(a, "like.js#0", "record 0 is not valid JSON (Expecting ',' delimiter); skipped to the next record"),
        Problem(a, "like.js", "the file is cut short or damaged at record 0: nothing after it could be read. "
                "Download your archive again."),
    ]


def test_grailbird_broken_month_is_filled_from_csv(make_archive):
    members = grailbird_archive()
    members["data/js/tweets/2014_12.js"] = "Grailbird.data.tweets_2014_12 = \n[ {\n  \"source\" : \"web\",\n  \"te"
    members["data/js/tweet_index.js"] = members["data/js/tweet_index.js"].replace(
        '"file_name": "data/js/tweets/2015_01.js"', '"file_name": "data/js/tweets/2013_05.js"')
    members["data/js/user_details.js"] = "var user_details = "
    path = make_archive(members)
    a = str(path)
    _, posts, problems, owner = run(path)
    # 2015_01.js is still found on disk although the index names another file; 2014_12's two tweets
    # come from tweets.csv instead
    assert refs(posts) == ["twitter:552000000000000003", "twitter:552000000000000004", "twitter:530000000000000005",
                           "twitter:541000000000000002", "twitter:541000000000000001"]
    assert [p.source.member for p in posts] == ["data/js/tweets/2015_01.js"] * 2 + ["tweets.csv"] * 3
    assert posts[3].kind == "repost"
    assert owner == {"handles": ["priya_student"], "full_name": "Priya Okafor"}   # from the tweets' user
    assert problems == [
        Problem(a, "data/js/user_details.js", "could not parse: no JSON array or object after the "
                "`window.YTD.<name>.part0 =` prefix"),
        Problem(a, "data/js/tweets/2014_12.js#0", "record 0 is not valid JSON (Unterminated string starting at); "
                "skipped to the next record"),
        Problem(a, "data/js/tweets/2014_12.js", "the file is cut short or damaged at record 0: nothing after "
                "it could be read. Download your archive again."),
        Problem(a, "data/js/tweets/2014_12.js", "data/js/tweet_index.js lists 2 records, the file holds 1"),
        Problem(a, "data/js/tweets/2013_05.js", "listed in data/js/tweet_index.js but not in the archive"),
        Problem(a, "data/js/tweets/", "this 2012-2019 archive holds no photo or video files: 1 media items its "
                "tweets refer to were not checked (a current X archive includes them)"),
    ]


def test_csv_broken_rows(make_archive):
    members = grailbird_archive()
    members = {"tweets.csv": members["tweets.csv"]
               + '"notanid","","","2015-01-01 00:00:00 +0000","web","x","","","",""\n'
               '"600","","","2015-01-01"\n' + '"601","","","bad date","web","text","","","",""\n'}
    path = make_archive(members)
    a = str(path)
    _, posts, problems, _ = run(path)
    assert refs(posts)[-1] == "twitter:601" and len(posts) == 6
    assert problems == [
        Problem(a, "tweets.csv#6", "row without a tweet id or with the wrong number of columns; skipped"),
        Problem(a, "tweets.csv#7", "row without a tweet id or with the wrong number of columns; skipped"),
        Problem(a, "tweets.csv#8", "tweet 601: unreadable created_at 'bad date'; kept without a date"),
    ]


def test_damaged_zip_member_is_a_problem(tmp_path):
    members = current_archive()
    path = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    raw = bytearray(path.read_bytes())
    k = raw.index(b'"full_text": "@sam_h')                   # flip bytes inside tweets.js: bad CRC
    raw[k + 15: k + 18] = b"XYZ"
    path.write_bytes(bytes(raw))
    _, posts, problems, _ = run(path)
    # the whole (small) member is one read, so its bad CRC loses all three of its tweets, and only them
    assert refs(posts) == ["twitter:104", "twitter:105", "twitter:106", "twitter:107", "twitter:108", "twitter:201",
                           "twitter:301", "twitter:note:n2", "twitter:like:9001", "twitter:like:101"]
    assert [p.member for p in problems] == ["data/tweets.js", "data/tweets.js", "data/tweets_media/108-Vid08hi.mp4"]
    assert "could not be read" in problems[0].message and "CRC" in problems[0].message
    assert problems[1].message == "manifest.js lists 3 records, the file holds 0"


def test_invalid_utf8_is_replaced_not_fatal(make_archive):
    raw = ytd("tweets", [{"tweet": tweet("9", utc(2024, 1, 1), "caf\u00e9 time")}]).encode()
    raw = raw.replace("caf\u00e9".encode(), b"caf\xe9")                 # Latin-1 byte in a UTF-8 file
    path = make_archive({"data/tweets.js": raw, "data/account.js": account()})
    _, posts, problems, _ = run(path)
    assert [p.text for p in posts] == ["caf\ufffd time"] and problems == []


def test_oversized_data_file_is_a_problem_not_read(make_archive, monkeypatch):
    import auditor.importers.twitter as tw_mod
    members = current_archive()
    # 3 MiB of incompressible bytes after the closing "]" (so the zip is not refused as a bomb)
    members["data/tweets.js"] = members["data/tweets.js"].encode() + random.Random(1).randbytes(3 << 20)
    monkeypatch.setattr(tw_mod, "STREAM_LIMIT", 2 << 20)
    path = make_archive(members)
    _, posts, problems, _ = run(path)
    assert "twitter:101" not in refs(posts) and "twitter:104" in refs(posts)
    assert problems[0] == Problem(str(path), "data/tweets.js", "3 MiB, over the 2 MiB limit for one data file; "
                                                                "skipped")


def test_fields_of_the_wrong_type_are_survived(make_archive):
    t = tweet("7", utc(2024, 1, 1), "odd https://t.co/z")
    t.update(entities="not an object", extended_entities={"media": 5}, place=[1, 2], geo="x",
             coordinates={"coordinates": "abc"})
    manifest = 'window.__THAR_CONFIG = {"dataTypes": {"tweets": {"files": 1}, "like": []}, "userInfo": 3}'
    path = make_archive({"data/tweets.js": ytd("tweets", [{"tweet": t}]), "data/manifest.js": manifest})
    _, posts, problems, _ = run(path)
    assert [(p.ref, p.text, p.place, p.media) for p in posts] == [("twitter:7", "odd https://t.co/z", None, ())]
    assert problems == []
