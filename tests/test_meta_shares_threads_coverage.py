"""Issue 14, beyond the HTML pages: Facebook JSON entries whose only content is their title are
shares; a Threads download (threads/ at the top) and Threads inside an Instagram download are both
platform threads; every file read gives a Coverage; one position check for every Meta importer.
Everything is built at test time; the people are invented."""
from __future__ import annotations

import json

from auditor import pipeline
from auditor.archive import Archive
from auditor.config import Config
from auditor.importers import _meta_reader, facebook, instagram, meta
from auditor.model import Post, Problem
from auditor.pipeline import locator
from auditor.plugins import Coverage, ImportContext
from test_facebook_fixtures import meta_json


def items_of(path, importer, include_messages=False):
    with Archive.open(path) as a:
        ctx = ImportContext(include_messages=include_messages, locate=locator([a]))
        dets = importer.detect(a)
        items = [it for det in dets for it in importer.read(a, det, ctx)]
    return dets, items


def split(items):
    return ([i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, Problem)],
            [i for i in items if isinstance(i, Coverage)])


# -- Facebook JSON: title-only entries ---------------------------------------------------------------
def test_json_title_only_entries_are_shares_and_nothing_with_words_is_dropped(make_archive):
    posts_file = "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json"
    recs = [
        {"timestamp": 1650000000, "title": "Robin Ashby shared a video from the playlist Night Shift Songs."},
        {"timestamp": 1650000100, "title": "Robin Ashby recommends Example Dental Practice.", "data": []},
        {"timestamp": 1650000200, "title": "Robin Ashby updated her status."},      # says she posted
        {"timestamp": 1650000300, "title": "Robin Ashby a partagé une vidéo de la playlist Soirée."},
        {"timestamp": 1650000400, "data": [{"post": "Own words"}], "title": "Robin Ashby updated her status."},
        {"timestamp": 1650000500},                                                  # nothing at all
        {"timestamp": 1650000600, "data": [{"update_timestamp": 1650000700}]},       # a stamp, no words
    ]
    comments = {"comments_v2": [
        {"timestamp": 1650001000, "title": "Robin Ashby commented on Sam Lee's post.",
         "data": [{"comment": {"timestamp": 1650001000, "comment": "Well said", "author": "Robin Ashby"}}]},
        {"timestamp": 1650001100, "title": "Robin Ashby replied to her own comment."},   # sticker-only: no words
    ]}
    m = {posts_file: meta_json(recs),
         "your_facebook_activity/comments_and_reactions/comments.json": meta_json(comments)}
    _, items = items_of(make_archive(m), facebook)
    posts, problems, cov = split(items)
    got = sorted((p.kind, p.text) for p in posts)
    assert got == sorted([
        ("repost", "Robin Ashby shared a video from the playlist Night Shift Songs."),
        ("repost", "Robin Ashby recommends Example Dental Practice."),
        ("post", "Robin Ashby updated her status."),
        ("repost", "Robin Ashby a partagé une vidéo de la playlist Soirée."),
        ("post", "Own words"),
        ("comment", "Well said"),
    ])
    share = next(p for p in posts if "playlist Night" in p.text)
    assert share.endorsement and share.extra["title_only"] and any("shared" in n for n in share.notes)
    assert share.ref == facebook.make_ref(share.created_at, share.text)      # documented ref form
    by = {c.member: c for c in cov}
    assert (by[posts_file].expected, by[posts_file].read, by[posts_file].skipped) == (7, 5, {"empty": 2})
    cf = "your_facebook_activity/comments_and_reactions/comments.json"
    assert (by[cf].expected, by[cf].read, by[cf].skipped) == (2, 1, {"no comment text": 1})
    assert [p.member for p in problems] == [cf + "#1"]
    assert "say only what you commented on" in problems[0].message


def test_title_only_share_refs_agree_between_json_and_html(make_archive):
    from html_layouts import block_2022, body, gone, page_2022, words
    title = "Robin Ashby shared a video from the playlist Night Shift Songs."
    j = {"your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json": meta_json(
        [{"timestamp": 1650000000, "title": title}])}
    h = {"your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.html": page_2022("Your posts", [
        block_2022(title, body(gone(), words(stamp="Updated Apr 15, 2022 5:20:00 am")), "Apr 15, 2022 5:20:00 am")])}
    pj = split(items_of(make_archive(j), facebook)[1])[0]
    ph = split(items_of(make_archive(h), facebook)[1])[0]
    assert [(p.kind, p.text, p.ref) for p in pj] == [(p.kind, p.text, p.ref) for p in ph]


# -- Threads ---------------------------------------------------------------------------------------------
THREADS = {"text_post_app_text_posts": [
    {"media": [{"uri": "", "creation_timestamp": 1754466059, "title": "Night shift thoughts",
                "text_app_post": {"is_reply": False}}]},
    {"media": [{"uri": "", "creation_timestamp": 1754470200, "title": "Agreed, rota is a mess",
                "text_app_post": {"is_reply": True}}]},
]}
LIKED = {"text_post_app_media_likes": [{"title": "pat.example", "string_list_data": [
    {"href": "https://www.threads.net/@pat.example/post/Q1", "value": "Shift swap anyone?", "timestamp": 1735693261}]}]}


def test_threads_download_at_the_top_is_recognised_as_threads(make_archive):
    m = {"threads/threads_and_replies.json": json.dumps(THREADS), "threads/liked_threads.json": json.dumps(LIKED)}
    path = make_archive(m)
    dets, items = items_of(path, instagram)
    assert [(d.platform, d.layout, d.root) for d in dets] == [("threads", "threads/ (Threads download), JSON", "")]
    posts, problems, cov = split(items)
    assert problems == []
    assert [(p.platform, p.kind, p.text) for p in posts] == [
        ("threads", "post", "Night shift thoughts"), ("threads", "reply", "Agreed, rota is a mess"),
        ("threads", "like", "Shift swap anyone?")]
    assert all(p.ref.startswith("threads:") for p in posts)
    assert [(c.member, c.what, c.read, c.expected) for c in cov] == [
        ("threads/threads_and_replies.json", "threads posts", 2, 2), ("threads/liked_threads.json", "likes", 1, 1)]
    # through the pipeline: recognised (no exit-2 "not recognised" error), platform threads
    summaries, pposts, _, _ = pipeline.import_posts(pipeline.open_archives([str(path)]), Config())
    assert [(s.platform, s.posts) for s in summaries] == [("threads", 3)]


def test_threads_download_in_a_parent_folder_and_as_html(make_archive):
    page = ('<html><body><div class="_a706" role="main"><div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder">'
            '<div class="_3-95 _a6-p"><div><div>Night shift thoughts</div></div></div>'
            '<div class="_3-94 _a6-o">Aug 05, 2025 11:40 pm</div></div></div></body></html>')
    dets, items = items_of(make_archive({"threads-robin-2025/threads/threads_and_replies.html": page}), instagram)
    assert [(d.platform, d.root) for d in dets] == [("threads", "threads-robin-2025/")]
    posts = split(items)[0]
    assert [(p.platform, p.text, p.created_at.isoformat()) for p in posts] == [
        ("threads", "Night shift thoughts", "2025-08-06T07:40:00+00:00")]


def test_threads_inside_the_instagram_download_is_threads_too(make_archive):
    act = "your_instagram_activity/"
    m = {act + "threads/threads_and_replies.json": json.dumps(THREADS),
         act + "media/posts_1.json": json.dumps([{"media": [{"uri": "media/posts/202401/a_n_17000000000000001.jpg",
                                                             "creation_timestamp": 1704100000, "title": "Beach"}]}]),
         "personal_information/personal_information/personal_information.json": json.dumps({"profile_user": [
             {"string_map_data": {"Username": {"value": "robin.example"}}}]})}
    path = make_archive(m)
    dets, items = items_of(path, instagram)
    assert [d.platform for d in dets] == ["instagram", "threads"]
    posts, _, _ = split(items)
    assert {(p.platform, p.text) for p in posts} == {("instagram", "Beach"), ("threads", "Night shift thoughts"),
                                                     ("threads", "Agreed, rota is a mess")}
    assert all(p.url == "https://www.threads.net/@robin.example" for p in posts if p.platform == "threads")
    summaries, _, _, _ = pipeline.import_posts(pipeline.open_archives([str(path)]), Config())
    assert [(s.platform, s.posts) for s in summaries] == [("instagram", 1), ("threads", 2)]


# -- one reader, one position check ---------------------------------------------------------------------
def test_one_reader_underneath_and_one_position_check():
    assert issubclass(facebook._Reader, _meta_reader.MetaReader)
    assert issubclass(instagram._Reader, _meta_reader.MetaReader)
    # 0,0 is no position anywhere (the old Meta coordinates parser accepted it)
    assert meta.parse_coordinates("(0.0 , 0.0)") is None
    assert facebook._position(0, 0) is None and instagram._position(0, 0) is None
    assert facebook._position("53.8", "-1.55") == (53.8, -1.55)
    assert instagram._position(91, 0) is None and facebook._position(float("nan"), 1) is None
    import inspect
    import re
    for mod in (facebook, instagram, meta, _meta_reader):
        src = inspect.getsource(mod)
        assert not re.search(r"-90 ?<=|\b\w+ == 0 and \w+ == 0\b", src), mod.__name__


def test_every_file_read_gives_a_coverage(make_archive):
    from test_facebook_fixtures import html_members, json_members
    for m in (json_members("2024"), html_members("2024", "fr")):
        _, items = items_of(make_archive(m), facebook, include_messages=True)
        posts, problems, cov = split(items)
        members = {c.member for c in cov}
        read_files = {p.source.member for p in posts}
        assert read_files <= members
        assert all(c.read >= 0 and (c.expected is None or c.read + sum(c.skipped.values()) >= c.expected - 0)
                   for c in cov)
        reactions = next(c for c in cov if "comments_and_reactions/posts_and_comments" in c.member)
        assert (reactions.expected, reactions.read, reactions.skipped) == (2, 1, {"names only who you reacted to": 1})


def test_messages_left_out_are_counted(make_archive):
    from test_facebook_fixtures import json_members
    _, items = items_of(make_archive(json_members("2024")), facebook, include_messages=False)
    cov = [c for c in split(items)[2] if c.what == "messages"]
    assert [(c.read, c.expected, c.skipped) for c in cov] == [(0, None, {"messages not included": 1})]
