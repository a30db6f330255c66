"""X/Twitter importer: the pieces (record streaming, text, times, places, detection)."""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.archive import Archive
from auditor.model import Place
from auditor.importers import twitter
from test_twitter_layouts import url_entity, utc, ytd


# -- streaming records ---------------------------------------------------------------------------
def records(raw: str | bytes, key: str | None = None, chunk: int | None = None, monkeypatch=None):
    data = raw.encode() if isinstance(raw, str) else raw
    if chunk and monkeypatch:
        monkeypatch.setattr(twitter, "CHUNK", chunk)
    return [(i, r.message if isinstance(r, twitter._Bad) else r)
            for i, r in twitter.iter_records(io.BytesIO(data).read, key)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=10)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(st.dictionaries(st.text(max_size=6), json_values, max_size=4), max_size=6),
       chunk=st.integers(1, 64), indent=st.sampled_from([None, 0, 1, 2]), ascii_only=st.booleans())
def test_streamed_records_equal_json_loads(items, chunk, indent, ascii_only):
    """Whatever the chunk size (splitting records and multi-byte characters anywhere), the records
    are exactly those json.loads sees."""
    raw = ("window.YTD.x.part0 = " + json.dumps(items, indent=indent, ensure_ascii=ascii_only)).encode()
    old = twitter.CHUNK
    twitter.CHUNK = chunk
    try:
        got = [r for _, r in twitter.iter_records(io.BytesIO(raw).read)]
    finally:
        twitter.CHUNK = old
    assert got == items


def test_prefixes_and_empty_files():
    assert records("window.YTD.note_tweet.part0 = [ ]") == []
    assert records("\ufeffwindow.YTD.like.part0 = [{\"like\": {}}]") == [(0, {"like": {}})]
    assert records("Grailbird.data.tweets_2014_12 = \n[ {\n  \"id\" : 1\n} ]") == [(0, {"id": 1})]
    assert records('[{"a": 1}]') == [(0, {"a": 1})]
    assert records("") == [(0, "empty file")]
    assert records("window.YTD.x.part0 = {\"a\": 1}") == [
        (0, "expected a list of records `[ ... ]`, found a single object")]
    assert records("alert(1); x = [1]") == [
        (0, "unexpected text before the data ('alert(1); x ='): expected `window.YTD.<name>.part0 = [ ... ]`")]


def test_damage_resumes_at_the_next_record(monkeypatch):
    items = [{"tweet": {"id_str": str(i), "full_text": f"t{i}"}} for i in range(4)]
    raw = ytd("tweets", items).replace('"full_text": "t1"', '"full_text": t1')
    for chunk in (7, 64, 1 << 20):            # damage found mid-buffer and at a buffer's end
        got = records(raw, "tweet", chunk, monkeypatch)
        assert got == [(0, items[0]), (1, "record 1 is not valid JSON (Expecting value); skipped to the next record"),
                       (2, items[2]), (3, items[3])]


def test_missing_comma_between_records(monkeypatch):
    raw = ytd("tweets", [{"tweet": {"id_str": "1"}}, {"tweet": {"id_str": "2"}}]).replace("},\n  {", "}\n  {")
    assert records(raw, "tweet") == [
        (0, {"tweet": {"id_str": "1"}}),
        (1, "expected `,` or `]` after record 0, found '{\\n    \"tweet\": {\\n   '; skipped to the next record"),
        (1, {"tweet": {"id_str": "2"}})]


def test_truncated_file_keeps_what_came_before():
    raw = ytd("tweets", [{"tweet": {"id_str": "1"}}, {"tweet": {"id_str": "2"}}])
    assert records(raw[:-1], "tweet") == [(0, {"tweet": {"id_str": "1"}}), (1, {"tweet": {"id_str": "2"}}),
                                          (2, "the file is cut short: it ends before the closing `]`, "
                                              "after 2 record(s). Download your archive again.")]


# -- text ----------------------------------------------------------------------------------------
def test_expand_text_counts_code_points_in_the_escaped_text():
    raw = "\U0001F469\u200d\u2695\ufe0f Night &amp; day &gt; https://t.co/x1 and https://t.co/x2"
    t = {"full_text": raw, "entities": {"urls": [url_entity(raw, "https://t.co/x2", "https://b.example/?q=1&amp;r"),
                                                 url_entity(raw, "https://t.co/x1", "https://a.example/")]}}
    # the expanded URL is inserted as it is: never unescaped
    assert twitter.expand_text(t) == ("\U0001F469\u200d\u2695\ufe0f Night & day > https://a.example/ and "
                                      "https://b.example/?q=1&amp;r")


def test_expand_text_falls_back_when_indices_do_not_fit():
    # UTF-16 indices (as JavaScript counts), no indices, and the same short link twice
    raw = "\U0001F600 go https://t.co/a then https://t.co/b https://t.co/a"
    t = {"full_text": raw, "entities": {"urls": [
        {"url": "https://t.co/a", "expanded_url": "https://one.example", "indices": ["5", "19"]},
        {"url": "https://t.co/b", "expanded_url": "https://two.example"},
        {"url": "https://t.co/a", "expanded_url": "https://one.example", "indices": ["45", "59"]}]}}
    assert twitter.expand_text(t) == "\U0001F600 go https://one.example then https://two.example https://one.example"


def test_expand_text_ignores_bad_entities():
    t = {"full_text": "plain &amp; simple", "entities": {"urls": [None, {"url": ""}, {"indices": "x"}]}}
    assert twitter.expand_text(t) == "plain & simple"
    assert twitter.expand_text({"text": "old &lt;3"}) == "old <3"


@pytest.mark.parametrize("raw, expected", [
    ("Sat Mar 05 09:30:00 +0000 2022", utc(2022, 3, 5, 9, 30)),
    ("Sat Mar 05 09:30:00 +0100 2022", utc(2022, 3, 5, 8, 30)),
    ("2014-12-01 10:00:00 +0000", utc(2014, 12, 1, 10)),
    ("2022-01-27T15:58:52.744Z", utc(2022, 1, 27, 15, 58, 52, 744000)),
    ("2022-01-27T15:58:52Z", utc(2022, 1, 27, 15, 58, 52)),
    ("2014-12-01 10:00:00", utc(2014, 12, 1, 10)),
    ("", None), ("yesterday", None), (None, None),
])
def test_parse_time(raw, expected):
    assert twitter.parse_time(raw) == expected


@pytest.mark.parametrize("tweet, expected", [
    ({"coordinates": {"type": "Point", "coordinates": ["-1.55", "53.80"]}},
     Place(53.80, -1.55, None, "tweet-coordinates")),
    ({"geo": {"type": "Point", "coordinates": [53.80, -1.55]}}, Place(53.80, -1.55, None, "tweet-geo")),
    ({"geo": {}}, None),
    ({"coordinates": {"coordinates": ["0", "0"]}}, None),
    ({"coordinates": {"coordinates": ["200", "53"]}}, None),
    ({"coordinates": {"coordinates": ["x", "y"]}, "geo": {"coordinates": ["51.5", "-0.1"]}},
     Place(51.5, -0.1, None, "tweet-geo")),
    ({"place": {"full_name": "Leeds, England"}}, Place(None, None, "Leeds, England", "tweet-place")),
    ({"coordinates": {"coordinates": ["-1.55", "53.80"]}, "place": {"name": "Leeds"}},
     Place(53.80, -1.55, "Leeds", "tweet-coordinates")),
    ({"place": {"name": "Here", "bounding_box": {"coordinates": [[["1", "2"], ["3", "4"]]]}}},
     Place(3.0, 2.0, "Here", "tweet-place")),
    ({"place": {"name": "Box", "bounding_box": {"coordinates": "nonsense"}}}, Place(None, None, "Box", "tweet-place")),
    ({"place": None, "coordinates": None, "geo": None}, None),
])
def test_place(tweet, expected):
    assert twitter._place(tweet) == expected


def test_media_names():
    gif = {"type": "animated_gif", "media_url_https": "https://pbs.twimg.com/tweet_video_thumb/G-ul.jpg",
           "video_info": {"variants": [{"bitrate": "0", "content_type": "video/mp4",
                                        "url": "https://video.twimg.com/tweet_video/G-ul.mp4"}]}}
    assert twitter._media_names(gif) == ["G-ul.mp4", "G-ul.jpg"]
    assert twitter._media_names({"type": "photo", "media_url": "http://pbs.twimg.com/media/Ab.png"}) == ["Ab.png"]
    assert twitter._media_names({"type": "video"}) == []


@pytest.mark.parametrize("tweet, kind", [
    ({"full_text": "RT @a: hi"}, "repost"),
    ({"full_text": "x", "retweeted_status": {"id_str": "1"}}, "repost"),
    ({"full_text": "@a x", "in_reply_to_status_id_str": "5"}, "reply"),
    ({"full_text": "@a x", "in_reply_to_status_id": -1}, "post"),
    ({"id_str": "9", "full_text": "x", "entities": {"urls": [{"expanded_url": "https://twitter.com/b/status/8"}]}},
     "quote"),
    ({"id_str": "9", "full_text": "x", "entities": {"urls": [{"expanded_url": "https://twitter.com/i/web/status/9"}]}},
     "post"),
    ({"full_text": "x", "entities": {"urls": [{"expanded_url": "https://example.org/status/8"}]}}, "post"),
])
def test_tweet_kind(tweet, kind):
    assert twitter.tweet_kind(tweet, tweet["full_text"]) == kind


# -- detection -----------------------------------------------------------------------------------
def test_detect_ignores_other_archives(make_archive):
    path = make_archive({"tweets.csv": "date,amount\n2020-01-01,3\n", "notes/tweet.json": "{}",
                         "site/assets/js/tweet.js": "function tweet() { return 1; }",
                         "your_instagram_activity/content/posts_1.json": "[]"})
    assert twitter.detect(Archive.open(path)) == []


def test_load_ytd_small_files():
    assert twitter.load_ytd('window.__THAR_CONFIG = {"a": [1]}') == {"a": [1]}
    assert twitter.load_ytd("var tweet_index = [ ]") == []
    with pytest.raises(ValueError):
        twitter.load_ytd("nothing here")
