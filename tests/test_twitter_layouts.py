"""X/Twitter importer: one test per archive layout, each built as a zip and as a folder, asserting
the exact posts (every compared field of Post) and the exact problems.

All people and posts here are invented. Helpers at the top are shared with the other
tests/test_twitter_*.py files.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor.archive import Archive
from auditor.model import Media, Place, Post, Problem, SourceRef
from auditor.importers import twitter
from auditor.plugins import Coverage, ImportContext

OWNER, OWNER_ID, OWNER_NAME = "priya_rgn", "4242", "Priya Okafor"


# -- helpers (imported by the other test_twitter_* files) --------------------------------------
def ytd(name: str, items: list, part: int = 0) -> str:
    """A data file as X writes it: `window.YTD.<name>.partN = [ ... ]`, pretty-printed."""
    return f"window.YTD.{name}.part{part} = " + json.dumps(items, indent=2, ensure_ascii=False)


def api_time(dt: datetime) -> str:
    return dt.strftime("%a %b %d %H:%M:%S +0000 %Y")


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


def url_entity(raw: str, short: str, expanded: str) -> dict:
    """An entities.urls item with indices as X counts them: code points into the raw, escaped text."""
    a = raw.index(short)
    return {"url": short, "expanded_url": expanded, "display_url": expanded.split("//", 1)[-1][:26],
            "indices": [str(a), str(a + len(short))]}


def tweet(tid: str, when: datetime, raw: str, urls: tuple = (), media: tuple = (), **kw) -> dict:
    t = {"edit_info": {"initial": {"editTweetIds": [tid], "isEditEligible": False}}, "retweeted": False,
         "entities": {"hashtags": [], "symbols": [], "user_mentions": [],
                      "urls": [url_entity(raw, s, e) for s, e in urls]},
         "display_text_range": ["0", str(len(raw))], "favorite_count": "0", "id_str": tid, "id": tid,
         "truncated": False, "retweet_count": "0", "created_at": api_time(when), "favorited": False,
         "full_text": raw, "lang": "en"}
    if media:
        t["entities"]["media"] = [media[0]]
        t["extended_entities"] = {"media": list(media)}
    t.update(kw)
    return t


def photo(raw: str, short: str, owner_tid: str, key: str, ext: str = "jpg", source: str | None = None) -> dict:
    a = raw.index(short)
    m = {"expanded_url": f"https://x.com/{OWNER}/status/{owner_tid}/photo/1", "indices": [str(a), str(a + len(short))],
         "url": short, "media_url_https": f"https://pbs.twimg.com/media/{key}.{ext}", "id_str": "7" + owner_tid,
         "type": "photo", "display_url": f"pic.x.com/{short[-6:]}"}
    if source:
        m["source_status_id_str"] = source
    return m


def video(raw: str, short: str, tid: str, kind: str, best: str, other: str) -> dict:
    m = photo(raw, short, tid, "thumb" + tid)
    m["type"] = kind
    m["video_info"] = {"variants": [
        {"bitrate": "256000", "content_type": "video/mp4", "url": f"https://video.twimg.com/v/{other}.mp4"},
        {"content_type": "application/x-mpegURL", "url": f"https://video.twimg.com/v/{tid}.m3u8?tag=1"},
        {"bitrate": "2176000", "content_type": "video/mp4", "url": f"https://video.twimg.com/v/{best}.mp4?tag=16"}]}
    return m


def run(path: Path | str, include_messages: bool = False):
    """(detections, posts, problems, owner) for an archive path, as the pipeline would read it."""
    arc = Archive.open(path)
    ctx = ImportContext(include_messages=include_messages)
    dets = twitter.detect(arc)
    posts, problems = [], []
    run.coverage = []
    for det in dets:
        for item in twitter.read(arc, det, ctx):
            if isinstance(item, Coverage):
                run.coverage.append(item)
                continue
            (posts if isinstance(item, Post) else problems).append(item)
            assert isinstance(item, (Post, Problem))
    arc.close()
    return dets, posts, problems, ctx.owner


def account(handle: str = OWNER, name: str = OWNER_NAME, account_id: str = OWNER_ID) -> str:
    return ytd("account", [{"account": {"email": "priya@example.org", "createdVia": "web", "username": handle,
                                        "accountId": account_id, "createdAt": "2013-08-01T10:00:00.000Z",
                                        "accountDisplayName": name}}])


def P(arc: str, member: str, index: int | None, tid: str, kind: str, when: datetime | None, text: str,
      handle: str | None = OWNER, **kw) -> Post:
    """An expected tweet Post."""
    return Post(ref=f"twitter:{tid}", platform="twitter", kind=kind, created_at=when, text=text,
                url=twitter.permalink(handle, tid), source=SourceRef(arc, member, index), **kw)


# -- 2022+: tweets.js + parts, manifest, deleted, notes, community, likes, DMs -----------------
T = {  # raw (escaped) texts, shared by the fixture and the expectations
    "101": "\U0001F382 Shift swap &amp; cake at 5 &lt;3 https://t.co/aaa1",
    "102": "@sam_h thanks &amp; see you at handover",
    "103": "Ward garden looking lovely https://t.co/ph03",
    "104": "Friday mood https://t.co/gf04",
    "105": "RT @priya_rgn: Ward garden looking lovely https://t.co/ph03",
    "106": "Worth reading before your next shift https://t.co/qt06",
    "107": "Long thoughts on handover: we keep losing details between teams because the paper sheet is "
           "out of date by the time night staff arrive, and nobody owns updating it. A few ideas \u2026 "
           "https://t.co/nt07",
    "108": "Training day video https://t.co/vd08",
}
NOTE_107 = ("Long thoughts on handover: we keep losing details between teams because the paper sheet is "
            "out of date by the time night staff arrive, and nobody owns updating it. A few ideas that "
            "worked on our ward: a shared board, a named owner per shift, and ten quiet minutes. "
            "Details https://t.co/nn07")
W = {tid: utc(2024, 3, 1 + i, 9, 30) for i, tid in enumerate(T)}


def current_archive(root: str = "") -> dict[str, str | bytes]:
    box = {"type": "Polygon", "coordinates": [[["-1.8", "53.7"], ["-1.3", "53.7"], ["-1.3", "53.9"],
                                                ["-1.8", "53.9"]]]}
    part0 = [
        tweet("101", W["101"], T["101"], urls=[("https://t.co/aaa1", "https://example.org/rota?a=1&b=2")],
              coordinates={"type": "Point", "coordinates": ["-1.5491", "53.8008"]}),
        tweet("102", W["102"], T["102"], in_reply_to_status_id_str="90", in_reply_to_status_id="90",
              in_reply_to_screen_name="sam_h", in_reply_to_user_id_str="55",
              geo={"type": "Point", "coordinates": ["51.5", "-0.12"]},
              entities={"user_mentions": [{"screen_name": "sam_h", "indices": ["0", "6"]}], "urls": []}),
        tweet("103", W["103"], T["103"], media=[photo(T["103"], "https://t.co/ph03", "103", "AbCdPhoto1")],
              place={"full_name": "Leeds, England", "bounding_box": box}),
    ]
    part1 = [
        tweet("104", W["104"], T["104"], media=[video(T["104"], "https://t.co/gf04", "104", "animated_gif",
                                                      "GifKey04", "GifKey04small")]),
        tweet("105", W["105"], T["105"], media=[photo(T["105"], "https://t.co/ph03", "103", "AbCdPhoto1",
                                                      source="103")]),
        tweet("106", W["106"], T["106"], urls=[("https://t.co/qt06", "https://x.com/other_nurse/status/555")]),
        tweet("107", W["107"], T["107"], urls=[("https://t.co/nt07", "https://twitter.com/i/web/status/107")]),
        tweet("108", W["108"], T["108"], media=[video(T["108"], "https://t.co/vd08", "108", "video",
                                                      "Vid08hi", "Vid08lo")]),
    ]
    deleted = [tweet("201", utc(2024, 4, 1, 12), "Gone now https://t.co/dl01",
                     media=[photo("Gone now https://t.co/dl01", "https://t.co/dl01", "201", "DelPic")],
                     deleted_at="Tue Apr 02 08:00:00 +0000 2024")]
    community = [tweet("301", utc(2024, 4, 3, 7), "Any tips for night-shift sleep?",
                       community_id="77", community_id_str="77", scopes={"followers": False})]
    notes = [{"noteTweet": {"noteTweetId": "n1", "createdAt": "2024-03-07T09:30:00.000Z",
                            "updatedAt": "2024-03-07T09:30:00.000Z",
                            "core": {"text": NOTE_107, "urls": [{"shortUrl": "https://t.co/nn07",
                                                                  "expandedUrl": "https://example.org/handover"}],
                                     "mentions": [], "hashtags": []}}},
             {"noteTweet": {"noteTweetId": "n2", "createdAt": "2024-05-01T18:00:00.000Z",
                            "core": {"text": "A long post whose tweet is not in this archive &amp; more"}}}]
    likes = [{"like": {"tweetId": "9001", "fullText": "Great thread &amp; tips",
                       "expandedUrl": "https://twitter.com/i/web/status/9001"}},
             {"like": {"tweetId": "101"}}]
    dms = [{"dmConversation": {"conversationId": "55-4242", "messages": [
        {"messageCreate": {"id": "8001", "senderId": "55", "recipientId": OWNER_ID, "text": "How was the shift?",
                           "createdAt": "2024-03-02T20:00:00.000Z", "mediaUrls": [], "urls": []}},
        {"messageCreate": {"id": "8002", "senderId": OWNER_ID, "recipientId": "55",
                           "text": "Busy! Bed 4 again https://t.co/dm02", "createdAt": "2024-03-02T20:05:00.000Z",
                           "mediaUrls": ["https://ton.twitter.com/1.1/ton/data/dm/8002/8003/AbDmPic.jpg"],
                           "urls": [{"url": "https://t.co/dm02", "expanded": "https://example.org/x",
                                     "display": "example.org/x"}]}}]}}]
    manifest = {"userInfo": {"accountId": OWNER_ID, "userName": OWNER, "displayName": OWNER_NAME},
                "dataTypes": {
                    "tweets": {"mediaDirectory": "data/tweets_media", "files": [
                        {"fileName": "data/tweets.js", "globalName": "YTD.tweets.part0", "count": "3"},
                        {"fileName": "data/tweets-part1.js", "globalName": "YTD.tweets.part1", "count": "5"}]},
                    "deletedTweets": {"mediaDirectory": "data/deleted_tweets_media", "files": [
                        {"fileName": "data/deleted-tweets.js", "count": "1"}]},
                    "communityTweet": {"files": [{"fileName": "data/community-tweet.js", "count": "1"}]},
                    "noteTweet": {"files": [{"fileName": "data/note-tweet.js", "count": "2"}]},
                    "like": {"files": [{"fileName": "data/like.js", "count": "2"}]},
                    "directMessages": {"mediaDirectory": "data/direct_messages_media",
                                       "files": [{"fileName": "data/direct-messages.js", "count": "1"}]},
                    "directMessagesGroup": {"files": [{"fileName": "data/direct-messages-group.js",
                                                       "count": "0"}]}}}
    m = {
        "data/manifest.js": "window.__THAR_CONFIG = " + json.dumps(manifest, indent=2),
        "data/account.js": account(),
        "data/tweets.js": ytd("tweets", [{"tweet": t} for t in part0]),
        "data/tweets-part1.js": ytd("tweets", [{"tweet": t} for t in part1], part=1),
        "data/deleted-tweets.js": ytd("deleted_tweets", [{"tweet": t} for t in deleted]),
        "data/community-tweet.js": ytd("community_tweet", [{"tweet": t} for t in community]),
        "data/note-tweet.js": ytd("note_tweet", notes),
        "data/like.js": ytd("like", likes),
        "data/direct-messages.js": ytd("direct_messages", dms),
        "data/tweets_media/103-AbCdPhoto1.jpg": b"\xff\xd8photo103",
        "data/tweets_media/104-GifKey04.mp4": b"gif-as-mp4",
        "data/deleted_tweets_media/201-DelPic.jpg": b"\xff\xd8deleted",
        "data/direct_messages_media/8002-AbDmPic.jpg": b"\xff\xd8dm",
        "Your archive.html": "<!DOCTYPE html><title>Your archive</title>",
    }
    return {root + k: v for k, v in m.items()}


def expected_current(arc: str, d: str = "data/") -> list[Post]:
    ph = Media(d + "tweets_media/103-AbCdPhoto1.jpg", "photo", None, False, arc)
    leeds = Place((53.7 + 53.7 + 53.9 + 53.9) / 4, (-1.8 - 1.3 - 1.3 - 1.8) / 4, "Leeds, England", "tweet-place")
    tw, p1 = d + "tweets.js", d + "tweets-part1.js"
    return [
        P(arc, tw, 0, "101", "post", W["101"], "\U0001F382 Shift swap & cake at 5 <3 https://example.org/rota?a=1&b=2",
          place=Place(53.8008, -1.5491, None, "tweet-coordinates")),
        P(arc, tw, 1, "102", "reply", W["102"], "@sam_h thanks & see you at handover",
          place=Place(51.5, -0.12, None, "tweet-geo")),
        P(arc, tw, 2, "103", "post", W["103"], f"Ward garden looking lovely https://x.com/{OWNER}/status/103/photo/1",
          place=leeds, media=(ph,)),
        P(arc, p1, 0, "104", "post", W["104"], f"Friday mood https://x.com/{OWNER}/status/104/photo/1",
          media=(Media(d + "tweets_media/104-GifKey04.mp4", "gif", None, False, arc),)),
        # a self-repost: X stores the file under the original's id only here; the same file serves both
        P(arc, p1, 1, "105", "repost", W["105"],
          f"RT @priya_rgn: Ward garden looking lovely https://x.com/{OWNER}/status/103/photo/1",
          media=(ph,), notes=(twitter.repost_note(f"https://x.com/{OWNER}/status/103"),)),
        P(arc, p1, 2, "106", "quote", W["106"], "Worth reading before your next shift https://x.com/other_nurse/status/555"),
        P(arc, p1, 3, "107", "post", W["107"], NOTE_107.replace("https://t.co/nn07", "https://example.org/handover"),
          notes=("Long post: the full text comes from note-tweet.js.",)),
        P(arc, p1, 4, "108", "post", W["108"], f"Training day video https://x.com/{OWNER}/status/108/photo/1",
          media=(Media(d + "tweets_media/108-Vid08hi.mp4", "video", None, True, arc),)),
        P(arc, d + "deleted-tweets.js", 0, "201", "post", utc(2024, 4, 1, 12),
          f"Gone now https://x.com/{OWNER}/status/201/photo/1", deleted=True,
          media=(Media(d + "deleted_tweets_media/201-DelPic.jpg", "photo", None, False, arc),),
          notes=("X lists this post as deleted on 2024-04-02; X keeps deleted posts for about 14 days "
                 "before removing them.",)),
        P(arc, d + "community-tweet.js", 0, "301", "post", utc(2024, 4, 3, 7), "Any tips for night-shift sleep?",
          audience="X Community 77"),
        Post(ref="twitter:note:n2", platform="twitter", kind="post", created_at=utc(2024, 5, 1, 18),
             text="A long post whose tweet is not in this archive & more", url=f"https://x.com/{OWNER}",
             source=SourceRef(arc, d + "note-tweet.js", None),
             how_to_find="A long post from 01 May 2024 18:00 UTC on your X profile",
             notes=("Long post (note-tweet.js) whose tweet is not in this archive.",)),
        Post(ref="twitter:like:9001", platform="twitter", kind="like", created_at=None, text="Great thread & tips",
             url="https://twitter.com/i/web/status/9001", source=SourceRef(arc, d + "like.js", 0),
             notes=(twitter.LIKE_NOTE,)),
        Post(ref="twitter:like:101", platform="twitter", kind="like", created_at=None, text="",
             url="https://x.com/i/web/status/101", source=SourceRef(arc, d + "like.js", 1),
             notes=(twitter.LIKE_NOTE, "X did not export the liked text (the post may be deleted or protected).")),
    ]


def test_current_layout_exact_posts(make_archive):
    path = make_archive(current_archive())
    arc = str(path)
    dets, posts, problems, owner = run(path)
    assert [(d.layout, d.root) for d in dets] == [("tweets.js (2022+)", "")]
    assert posts == expected_current(arc)
    assert problems == [Problem(arc, "data/tweets_media/108-Vid08hi.mp4",
                                "media of tweet 108 listed in data/tweets-part1.js but not in the archive")]
    assert owner == {"handles": [OWNER], "full_name": OWNER_NAME}
    # fields outside Post equality
    by = {p.ref: p for p in posts}
    assert by["twitter:102"].extra["in_reply_to"] == "sam_h"
    assert by["twitter:105"].extra["original_url"] == f"https://x.com/{OWNER}/status/103"
    assert by["twitter:106"].extra["quoted_url"] == "https://x.com/other_nurse/status/555"
    assert by["twitter:201"].extra["deleted_at"] == "Tue Apr 02 08:00:00 +0000 2024"
    assert by["twitter:301"].extra["community_id"] == "77"


def test_current_layout_messages_only_when_asked(make_archive):
    path = make_archive(current_archive())
    arc = str(path)
    _, without, _, _ = run(path)
    assert not [p for p in without if p.kind == "message"]
    _, posts, problems, _ = run(path, include_messages=True)
    dms = [p for p in posts if p.kind == "message"]
    # only the owner's own message (8001 was sent by the other person)
    assert dms == [Post(ref="twitter:dm:8002", platform="twitter", kind="message",
                        created_at=utc(2024, 3, 2, 20, 5), text="Busy! Bed 4 again https://example.org/x",
                        url="https://x.com/messages/55-4242", audience="direct message",
                        media=(Media("data/direct_messages_media/8002-AbDmPic.jpg", "photo", None, False, arc),),
                        source=SourceRef(arc, "data/direct-messages.js", 0),
                        notes=("Direct message: private, but screenshots travel; delete it from the "
                               "conversation.",))]
    assert posts[:-1] == expected_current(arc)
    assert len(problems) == 1          # the same missing video; the empty group file listed with 0 is fine


def test_current_layout_in_a_parent_folder_without_manifest(make_archive):
    """Manifest-free part discovery, and an export zipped with its top folder."""
    members = current_archive("twitter-2024-05-02-ab12/")
    del members["twitter-2024-05-02-ab12/data/manifest.js"]
    path = make_archive(members)
    arc = str(path)
    dets, posts, problems, owner = run(path)
    assert [(d.layout, d.root) for d in dets] == [("tweets.js (2022+)", "twitter-2024-05-02-ab12/")]
    assert posts == expected_current(arc, "twitter-2024-05-02-ab12/data/")
    assert [p.member for p in problems] == ["twitter-2024-05-02-ab12/data/tweets_media/108-Vid08hi.mp4"]
    assert owner["handles"] == [OWNER]


def test_media_in_another_zip_of_the_same_scan(make_archive):
    """Large downloads come in several zips: a media file found in another archive of the scan is
    used (through ImportContext.locate) rather than reported missing."""
    members = current_archive()
    other = make_archive({"data/tweets_media/108-Vid08hi.mp4": b"video", "data/README.txt": "part 2"}, "part2")
    second = Archive.open(other)

    def locate(member):
        hits = second.find(member)
        return (second, hits[0]) if hits else None

    arc = Archive.open(make_archive(members))
    ctx = ImportContext(locate=locate)
    posts = [p for d in twitter.detect(arc) for p in twitter.read(arc, d, ctx) if not isinstance(p, Coverage)]
    assert all(isinstance(p, Post) for p in posts)
    by = {p.ref: p for p in posts}
    assert by["twitter:108"].media == (Media("data/tweets_media/108-Vid08hi.mp4", "video", None, False, str(other)),)
    second.close()
    arc.close()


def test_no_screen_name_gives_i_web_links(make_archive):
    path = make_archive({"data/tweets.js": ytd("tweets", [{"tweet": tweet("5", utc(2020, 1, 1), "hi")}])})
    _, posts, problems, owner = run(path)
    assert posts == [P(str(path), "data/tweets.js", 0, "5", "post", utc(2020, 1, 1), "hi", handle=None)]
    assert posts[0].url == "https://x.com/i/web/status/5"
    assert problems == [] and owner == {}


# -- 2019-2022: data/tweet.js, items bare (2019) or wrapped (2020-2022), tweet_media/ -----------
def tweet_js_archive(wrapped: bool) -> dict[str, str | bytes]:
    raw3 = "Night shift selfie https://t.co/ns03"
    items = [
        tweet("1200000000000000001", utc(2019, 11, 5, 22, 10), "@ward7_team well done all &gt; 100 patients",
              in_reply_to_status_id_str="1199", in_reply_to_screen_name="ward7_team"),
        tweet("1200000000000000002", utc(2019, 11, 6, 8, 0),
              "RT @nhs_news: New guidance on hand hygiene published today for all staff working in\u2026"),
        tweet("1200000000000000003", utc(2019, 11, 7, 23, 59), raw3,
              media=[photo(raw3, "https://t.co/ns03", "1200000000000000003", "NsPic3")]),
    ]
    data = [{"tweet": t} for t in items] if wrapped else items
    return {"data/tweet.js": ytd("tweet", data), "data/account.js": account(),
            "data/tweet_media/1200000000000000003-NsPic3.jpg": b"\xff\xd8ns",
            "Your archive.html": "<html></html>"}


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare-2019", "wrapped-2020"])
def test_tweet_js_layout_exact_posts(make_archive, wrapped):
    path = make_archive(tweet_js_archive(wrapped))
    arc = str(path)
    dets, posts, problems, owner = run(path)
    assert [(d.layout, d.root) for d in dets] == [("tweet.js (2019-2022)", "")]
    assert posts == [
        P(arc, "data/tweet.js", 0, "1200000000000000001", "reply", utc(2019, 11, 5, 22, 10),
          "@ward7_team well done all > 100 patients"),
        P(arc, "data/tweet.js", 1, "1200000000000000002", "repost", utc(2019, 11, 6, 8, 0),
          "RT @nhs_news: New guidance on hand hygiene published today for all staff working in\u2026",
          notes=(twitter.repost_note("https://x.com/nhs_news"),)),
        P(arc, "data/tweet.js", 2, "1200000000000000003", "post", utc(2019, 11, 7, 23, 59),
          f"Night shift selfie https://x.com/{OWNER}/status/1200000000000000003/photo/1",
          media=(Media("data/tweet_media/1200000000000000003-NsPic3.jpg", "photo", None, False, arc),)),
    ]
    assert posts[1].extra["original_url"] == "https://x.com/nhs_news"
    assert problems == []
    assert owner == {"handles": [OWNER], "full_name": OWNER_NAME}


# -- 2018-2019: JSON-in-JS files at the top level, no data/ folder ----------------------------
def toplevel_archive(root: str) -> dict[str, str | bytes]:
    items = [tweet("1000000000000000010", utc(2018, 6, 1, 7), "First day on the ward! #newlyqualified"),
             tweet("1000000000000000011", utc(2018, 6, 2, 7), "@mentor_mo thank you",
                   in_reply_to_status_id="999", in_reply_to_screen_name="mentor_mo")]
    m = {"tweet.js": ytd("tweet", items), "account.js": account(),
         "like.js": ytd("like", [{"like": {"tweetId": "77", "fullText": "Liked &amp; shared",
                                           "expandedUrl": "https://twitter.com/i/web/status/77"}}]),
         "profile.js": ytd("profile", [{"profile": {"description": {"bio": "Nurse"}}}])}
    return {root + k: v for k, v in m.items()}


@pytest.mark.parametrize("root", ["", "twitter-2018-10-01/"])
def test_toplevel_layout_exact_posts(make_archive, root):
    path = make_archive(toplevel_archive(root))
    arc = str(path)
    dets, posts, problems, owner = run(path)
    assert [(d.layout, d.root) for d in dets] == [("tweet.js at the top level (2018-2019)", root)]
    assert posts == [
        P(arc, root + "tweet.js", 0, "1000000000000000010", "post", utc(2018, 6, 1, 7),
          "First day on the ward! #newlyqualified"),
        P(arc, root + "tweet.js", 1, "1000000000000000011", "reply", utc(2018, 6, 2, 7), "@mentor_mo thank you"),
        Post(ref="twitter:like:77", platform="twitter", kind="like", created_at=None, text="Liked & shared",
             url="https://twitter.com/i/web/status/77", source=SourceRef(arc, root + "like.js", 0),
             notes=(twitter.LIKE_NOTE,)),
    ]
    assert problems == [] and owner["handles"] == [OWNER]


# -- 2012-2019 Grailbird: data/js/tweets/YYYY_MM.js + tweets.csv -------------------------------
def gb_url(raw: str, short: str, expanded: str) -> dict:
    """Grailbird entities carry integer indices."""
    a = raw.index(short)
    return {"url": short, "expanded_url": expanded, "indices": [a, a + len(short)]}


GB_ORIGINAL = ("Congratulations to all our graduates &amp; their families! Today we celebrate the hard work of "
               "three years http://t.co/Grad9")


def grailbird_tweet(tid: int, when: str, text: str, **kw) -> dict:
    t = {"source": "web", "entities": {"user_mentions": [], "media": [], "hashtags": [], "urls": []},
         "geo": {}, "id_str": str(tid), "text": text, "id": tid, "created_at": when,
         "user": {"name": "Priya Okafor", "screen_name": "priya_student", "protected": False,
                  "id_str": "4242", "id": 4242, "verified": False}}
    t.update(kw)
    return t


def grailbird_month(name: str, items: list) -> str:
    # X's exact shape: the assignment on the first line, "}, {" between records
    body = json.dumps(items, indent=2).replace("\n  },\n  {", "\n}, {")
    return f"Grailbird.data.tweets_{name} = \n" + body


GB_RT = grailbird_tweet(
    541000000000000002, "2014-12-20 18:00:00 +0000",
    "RT @uni_nursing: Congratulations to all our graduates &amp; their families! Today we celebrate the hard \u2026",
    retweeted_status=grailbird_tweet(
        540000000000000009, "2014-12-20 17:00:00 +0000",
        GB_ORIGINAL,
        entities={"urls": [gb_url(GB_ORIGINAL, "http://t.co/Grad9", "http://uni.example.ac.uk/grad")]},
        user={"screen_name": "uni_nursing", "name": "Uni Nursing"}))


def grailbird_archive(root: str = "") -> dict[str, str | bytes]:
    dec = [
        grailbird_tweet(541000000000000001, "2014-12-01 10:00:00 +0000",
                        "Placement at St Elsewhere &amp; loving it http://t.co/Abc1",
                        entities={"urls": [{"url": "http://t.co/Abc1", "expanded_url": "http://example.org/placement",
                                            "indices": [42, 58]}], "media": []},
                        geo={"type": "Point", "coordinates": [53.8008, -1.5491]}),
        GB_RT,
    ]
    jan = [grailbird_tweet(552000000000000003, "2015-01-05 08:00:00 +0000", "@tutor_t see you at 9",
                           in_reply_to_status_id_str="551", in_reply_to_screen_name="tutor_t",
                           in_reply_to_status_id=551),
           grailbird_tweet(552000000000000004, "2015-01-06 08:00:00 +0000", "Uniform day http://t.co/Pic4",
                           entities={"urls": [], "media": [{"url": "http://t.co/Pic4",
                                                            "media_url_https": "https://pbs.twimg.com/media/B6pic4.jpg",
                                                            "expanded_url": "http://twitter.com/priya_student/status/"
                                                                            "552000000000000004/photo/1",
                                                            "indices": [12, 28], "type": "photo"}]})]
    index = [{"file_name": "data/js/tweets/2015_01.js", "year": 2015, "var_name": "tweets_2015_01",
              "tweet_count": 2, "month": 1},
             {"file_name": "data/js/tweets/2014_12.js", "year": 2014, "var_name": "tweets_2014_12",
              "tweet_count": 2, "month": 12}]
    csv_rows = [
        '"tweet_id","in_reply_to_status_id","in_reply_to_user_id","timestamp","source","text",'
        '"retweeted_status_id","retweeted_status_user_id","retweeted_status_timestamp","expanded_urls"',
        '"552000000000000004","","","2015-01-06 08:00:00 +0000","web","Uniform day http://t.co/Pic4","","","",'
        '"http://twitter.com/priya_student/status/552000000000000004/photo/1"',
        '"552000000000000003","551","77","2015-01-05 08:00:00 +0000","web","@tutor_t see you at 9","","","",""',
        # only in the CSV: the monthly file for November was not in the download
        '"530000000000000005","","","2014-11-11 11:11:11 +0000","web","Exam done, ""finally"" &amp; off to the pub",'
        '"","","",""',
        '"541000000000000002","","","2014-12-20 18:00:00 +0000","web","RT @uni_nursing: Congrats","540000000000000009",'
        '"88","2014-12-20 17:00:00 +0000",""',
        '"541000000000000001","","","2014-12-01 10:00:00 +0000","web","Placement at St Elsewhere &amp; loving it '
        'http://t.co/Abc1","","","","http://example.org/placement"',
    ]
    m = {"index.html": "<!DOCTYPE html><title>Your Twitter archive</title>",
         "tweets.csv": "\n".join(csv_rows) + "\n",
         "data/js/user_details.js": 'var user_details =  {\n  "screen_name" : "priya_student",\n  "location" : "",\n'
                                    '  "full_name" : "Priya Okafor",\n  "id" : "4242"\n}',
         "data/js/tweet_index.js": "var tweet_index =  " + json.dumps(index, indent=2),
         "data/js/tweets/2014_12.js": grailbird_month("2014_12", dec),
         "data/js/tweets/2015_01.js": grailbird_month("2015_01", jan)}
    return {root + k: v for k, v in m.items()}


def test_grailbird_layout_exact_posts(make_archive):
    path = make_archive(grailbird_archive())
    arc = str(path)
    dets, posts, problems, owner = run(path)
    assert [d.layout for d in dets] == ["Grailbird data/js/tweets (2012-2019)"]
    h = "priya_student"
    assert posts == [
        P(arc, "data/js/tweets/2015_01.js", 0, "552000000000000003", "reply", utc(2015, 1, 5, 8),
          "@tutor_t see you at 9", handle=h),
        P(arc, "data/js/tweets/2015_01.js", 1, "552000000000000004", "post", utc(2015, 1, 6, 8),
          "Uniform day http://twitter.com/priya_student/status/552000000000000004/photo/1", handle=h),
        P(arc, "data/js/tweets/2014_12.js", 0, "541000000000000001", "post", utc(2014, 12, 1, 10),
          "Placement at St Elsewhere & loving it http://example.org/placement", handle=h,
          place=Place(53.8008, -1.5491, None, "tweet-geo")),
        # Grailbird kept the whole reposted post: it is shown in full, not X's shortened copy
        P(arc, "data/js/tweets/2014_12.js", 1, "541000000000000002", "repost", utc(2014, 12, 20, 18),
          "RT @uni_nursing: Congratulations to all our graduates & their families! Today we celebrate the hard "
          "work of three years http://uni.example.ac.uk/grad", handle=h,
          notes=("Repost: you shared someone else's post; its text is shown in full. "
                 "Original: https://x.com/uni_nursing/status/540000000000000009",)),
        P(arc, "tweets.csv", 3, "530000000000000005", "post", utc(2014, 11, 11, 11, 11, 11),
          'Exam done, "finally" & off to the pub', handle=h),
    ]
    assert posts[3].extra["original_url"] == "https://x.com/uni_nursing/status/540000000000000009"
    assert posts[1].extra["media_urls"] == ["https://pbs.twimg.com/media/B6pic4.jpg"]
    assert problems == [Problem(arc, "data/js/tweets/", "this 2012-2019 archive holds no photo or video files: "
                                "1 media items its tweets refer to were not checked (a current X archive "
                                "includes them)")]
    assert owner == {"handles": [h], "full_name": OWNER_NAME}


def test_csv_only_layout_exact_posts(make_archive):
    members = grailbird_archive("old-archive/")
    members = {k: v for k, v in members.items() if k.endswith(("tweets.csv", "index.html"))}
    path = make_archive(members)
    arc = str(path)
    dets, posts, problems, owner = run(path)
    assert [(d.layout, d.root) for d in dets] == [("tweets.csv (2012-2019)", "old-archive/")]
    m = "old-archive/tweets.csv"
    assert posts == [
        P(arc, m, 1, "552000000000000004", "post", utc(2015, 1, 6, 8),
          "Uniform day http://twitter.com/priya_student/status/552000000000000004/photo/1", handle=None),
        P(arc, m, 2, "552000000000000003", "reply", utc(2015, 1, 5, 8), "@tutor_t see you at 9", handle=None),
        P(arc, m, 3, "530000000000000005", "post", utc(2014, 11, 11, 11, 11, 11),
          'Exam done, "finally" & off to the pub', handle=None),
        P(arc, m, 4, "541000000000000002", "repost", utc(2014, 12, 20, 18), "RT @uni_nursing: Congrats",
          handle=None, notes=(twitter.repost_note("https://x.com/i/web/status/540000000000000009"),)),
        P(arc, m, 5, "541000000000000001", "post", utc(2014, 12, 1, 10),
          "Placement at St Elsewhere & loving it http://example.org/placement", handle=None),
    ]
    assert problems == [] and owner == {}


def test_two_exports_in_one_folder(make_archive):
    """A user who unpacked a 2014 and a 2024 download side by side: both are read."""
    members = {**grailbird_archive("2014/"), **current_archive("2024/")}
    path = make_archive(members)
    dets, posts, _, owner = run(path)
    assert sorted((d.root, d.layout) for d in dets) == [("2014/", "Grailbird data/js/tweets (2012-2019)"),
                                                        ("2024/", "tweets.js (2022+)")]
    assert len(posts) == 5 + 13
    assert owner["handles"] == ["priya_student", OWNER] or owner["handles"] == [OWNER, "priya_student"]
