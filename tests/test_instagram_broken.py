"""Broken Instagram files become Problems and the rest is read; never an exception."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from auditor.archive import Archive
from auditor.model import Post, Problem
from auditor.importers import instagram
from auditor.plugins import Coverage, ImportContext

import test_instagram_json as j

ACT = "your_instagram_activity/"
GOOD = json.dumps([{"media": [j.media(j.P1, "2024-05-13 02:21:16", "Still here")]}])


def messages(problems, member):
    return [p.message for p in problems if p.member.split("#")[0] == member]


def test_broken_files_become_problems_and_the_rest_is_read(make_archive):
    members = {
        ACT + "media/posts_1.json": "{oops",
        ACT + "media/posts_2.json": GOOD,
        ACT + "media/posts_3.json": json.dumps([
            1, "x", None,
            {"media": "not a list", "title": ""},
            {"media": [{"uri": j.C1, "creation_timestamp": "soon", "title": "No date",
                        "media_metadata": {"photo_metadata": {"exif_data": [{"latitude": "abc", "longitude": 2}]}}}]},
            {"media": [{"uri": j.C2, "creation_timestamp": -62169958800, "title": 123,
                        "media_metadata": {"video_metadata": {"exif_data": "garbage"}}}]},
            {"media": [{"uri": j.R1, "creation_timestamp": 1722801156,
                        "media_metadata": {"photo_metadata": {"exif_data": [{"latitude": 0, "longitude": 0}]}}}]},
        ]),
        ACT + "media/reels.json": "42",
        ACT + "media/stories.json": json.dumps({"ig_stories": [], "other": []}),
        ACT + "media/archived_posts.json": "",
        ACT + "media/profile_photos.json": json.dumps({"ig_profile_picture": {"uri": "x"}}),
        ACT + "comments/post_comments_1.json": json.dumps([{"string_map_data": "no"}, "x",
                                                         {"string_list_data": [{"timestamp": 5}]}]),
        ACT + "threads/threads_and_replies.json": "[" * 100_000 + "]" * 100_000,
        "personal_information/personal_information/personal_information.json": "<html>not json</html>",
        j.P1: j.JPEG, j.C1: j.JPEG, j.C2: j.MP4, j.R1: j.MP4,
    }
    dets, posts, problems, ctx = j.run(make_archive(members))
    assert ctx.owner == {}
    assert [(p.text, p.created_at, [(m.path, m.place) for m in p.media]) for p in posts] == [
        ("Still here", j.when("2024-05-13 02:21:16"), [(j.P1, None)]),
        ("No date", None, [(j.C1, None)]),
        ("123", None, [(j.C2, None)]),
        ("", j.when("2024-08-04 19:52:36"), [(j.R1, None)]),
    ]
    assert messages(problems, ACT + "media/posts_1.json")[0].startswith("could not parse:")
    assert messages(problems, ACT + "media/posts_3.json") == [
        "entry is not an object; skipped", "entry is not an object; skipped", "entry is not an object; skipped",
        "entry with neither text nor media; skipped",
        "entry without a readable creation_timestamp; imported without a date",
        "entry without a readable creation_timestamp; imported without a date"]
    for name in ("media/reels.json", "media/stories.json", "media/profile_photos.json"):
        assert messages(problems, ACT + name) == [
            "expected a list of posts (or an object holding one list)"], name
    assert messages(problems, ACT + "media/archived_posts.json")[0].startswith("could not parse:")
    assert messages(problems, ACT + "comments/post_comments_1.json") == [
        "comment without text; skipped", "comment is not an object; skipped", "comment without text; skipped"]
    assert messages(problems, ACT + "threads/threads_and_replies.json")[0].startswith("could not parse:")
    assert messages(problems, "personal_information/personal_information/personal_information.json")[0] \
        .startswith("could not parse:")


def test_broken_html_and_old_export(make_archive):
    members = {
        ACT + "content/posts_1.html": b"\x00\xff\xfe binary \x89PNG",
        ACT + "content/stories.html": "<html><body><p>Nothing here in Meta's markup</p></body></html>",
        ACT + "content/reels.html": '<div class="_a6-g"><h2 class="_a6-h"></h2><div class="_a6-o">never</div></div>',
        ACT + "comments/post_comments_1.html": '<div class="_a6-g"><table><tr><td>Comment<div><div></div></div>'
                                             '</td></tr></table></div>',
    }
    dets, posts, problems, _ = j.run(make_archive(members))
    assert posts == []
    assert messages(problems, ACT + "content/posts_1.html") == [
        "no entries recognised in this HTML file (expected Instagram's export markup); download the JSON "
        "export instead"]
    assert len(messages(problems, ACT + "content/stories.html")) == 1
    assert messages(problems, ACT + "content/reels.html") == ["entry with neither text nor media; skipped"]
    assert messages(problems, ACT + "comments/post_comments_1.html") == ["comment without text; skipped"]

    old = {"media.json": json.dumps({"photos": "x", "videos": [None, {"taken_at": "x"}],
                                     "stories": [{"path": "stories/a.jpg", "taken_at": "2018-01-01T00:00:00"}]}),
           "comments.json": json.dumps({"media_comments": [["2018-01-01T00:00:00"], 5], "live_comments": "x"}),
           "profile.json": "[]"}
    dets, posts, problems, _ = j.run(make_archive(old))
    assert [(p.kind, p.media[0].path, p.media[0].missing) for p in posts] == [("story", "stories/a.jpg", True)]
    assert messages(problems, "media.json") == [
        "photos: expected a list; skipped", "entry is not an object; skipped",
        "entry without a readable taken_at; imported without a date",
        "entry with neither caption nor media; skipped",
        "1 media file listed but not in the archive (another part of a split download?): a.jpg"]
    assert messages(problems, "comments.json") == [
        "comment is not [time, text, owner]; skipped", "comment is not [time, text, owner]; skipped",
        "live_comments: expected a list; skipped"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["media", "title", "uri", "creation_timestamp", "media_metadata", "exif_data",
                         "photo_metadata", "video_metadata", "latitude", "longitude", "string_map_data",
                         "string_list_data", "value", "timestamp", "ig_stories", "text_app_post", "Comment",
                         "label_values", "label", "profile_user", "Username"]), inner, max_size=5),
    max_leaves=25)
FILES = [ACT + "media/posts_1.json", ACT + "media/stories.json", ACT + "comments/post_comments_1.json",
         ACT + "threads/threads_and_replies.json",
         "personal_information/personal_information/personal_information.json"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values, min_size=len(FILES), max_size=len(FILES)))
def test_any_json_yields_posts_and_problems_never_an_exception(values):
    with tempfile.TemporaryDirectory() as tmp:
        for name, value in zip(FILES, values):
            p = Path(tmp) / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value))
        with Archive.open(tmp) as arc:
            for det in instagram.detect(arc):
                items = list(instagram.read(arc, det, ImportContext()))
                assert all(isinstance(i, (Post, Problem, Coverage)) for i in items)
                assert not any("unreadable" in i.message or "could not read" in i.message
                               for i in items if isinstance(i, Problem)), items
