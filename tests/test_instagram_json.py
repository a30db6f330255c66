"""Instagram and Threads JSON exports, one test per path generation (each as a zip and a folder).
All people and posts are invented."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from auditor.archive import Archive
from auditor.config import Config
from auditor.model import Place, Post, Problem
from auditor import pipeline
from auditor.importers import instagram
from auditor.plugins import Coverage, ImportContext

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


def run(path):
    with Archive.open(path) as arc:
        dets = instagram.detect(arc)
        ctx = ImportContext()
        items = [it for d in dets for it in instagram.read(arc, d, ctx)]
    posts = [i for i in items if isinstance(i, Post)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert len(posts) + len(problems) + len([i for i in items if isinstance(i, Coverage)]) == len(items)
    return dets, posts, problems, ctx


def ts(s: str) -> int:
    return int(datetime.fromisoformat(s).replace(tzinfo=timezone.utc).timestamp())


def when(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=timezone.utc)


def mojibake(s: str) -> str:
    """What Meta writes: each UTF-8 byte as its own code point."""
    return s.encode("utf-8").decode("latin-1")


def media(uri, t, title="", lat=None, lon=None, video=False):
    m = {"uri": uri, "creation_timestamp": ts(t), "title": title,
         "media_metadata": {"camera_metadata": {"has_camera_metadata": False}},
         "cross_post_source": {"source_app": "FB"}}
    if lat is not None:
        key = "video_metadata" if video else "photo_metadata"
        m["media_metadata"] = {key: {"exif_data": [{"latitude": lat, "longitude": lon,
                                                    "date_time_original": "2024:05:02 22:47:28"}]}}
    return m


P1 = "media/posts/202405/441_208_358_n_18032017582961826.jpg"
C1 = "media/posts/202407/450_166_835_n_18079198510496264.jpg"
C2 = "media/posts/202407/AQNVWvxnmXorzr_17995561811639023.mp4"
R1 = "media/reels/202408/AQPTSNLZ6iUA4HK_17898982279059393.mp4"
S1 = "media/stories/202406/447_123_456_n_17999999999999999.jpg"
A1 = "media/archived_posts/202301/311_222_333_n_17888888888888888.jpg"
PP = "media/profile/202101/139_444_555_n_17777777777777777.jpg"
D1 = "media/recently_deleted/202409/999_888_777_n_17666666666666666.jpg"
P2 = "media/posts/202102/311_222_333_n_17555555555555555.jpg"


def current_layout(folder: str) -> dict[str, str | bytes]:
    """The 2022+ layouts: folder is your_instagram_activity/media/ (2025+) or .../content/."""
    act = "your_instagram_activity/"
    return {
        folder + "posts_1.json": json.dumps([
            {"media": [media(P1, "2024-05-13 02:21:16", mojibake("Night shift done \u2615 caf\u00e9 after"),
                             lat=51.5226, lon=-0.1559)]},
            {"media": [media(C1, "2024-07-07 20:35:29"), media(C2, "2024-07-07 20:35:29", lat=53.141186112,
                                                                 lon=11.038734576, video=True)],
             "title": "Weekend trip \U0001F600", "creation_timestamp": ts("2024-07-07 20:35:31")},
        ]),
        folder + "posts_2.json": json.dumps([
            {"media": [media(P2, "2021-02-03 10:00:00", "Old post part two")]},
        ]),
        folder + "reels.json": json.dumps({"ig_reels_media": [
            {"media": [media(C1, "2024-07-07 20:35:29"), media(C2, "2024-07-07 20:35:29")],
             "title": "Weekend trip \U0001F600", "creation_timestamp": ts("2024-07-07 20:35:31")},
            {"media": [media(R1, "2024-08-01 09:00:00", "Reel from the ward", lat=52.0, lon=-1.25, video=True)]},
        ]}),
        folder + "stories.json": json.dumps({"ig_stories": [media(S1, "2024-06-01 18:30:00", "On my way")]}),
        folder + "archived_posts.json": json.dumps({"ig_archived_post_media": [
            {"media": [media(A1, "2023-01-05 12:00:00", "Hidden one")]}]}),
        folder + "profile_photos.json": json.dumps({"ig_profile_picture": [
            {"uri": PP, "creation_timestamp": ts("2021-01-01 00:00:00"), "title": "", "is_active_profile": True}]}),
        folder + "recently_deleted_content.json": json.dumps({"ig_recently_deleted_media": [
            {"media": [media(D1, "2024-09-09 09:09:09", "Regretted this")]}]}),
        act + "comments/post_comments_1.json": json.dumps([
            {"media_list_data": [{"uri": ""}],
             "string_map_data": {"Comment": {"value": mojibake("So proud of you \u2764\ufe0f")},
                                 "Media Owner": {"value": "river.example"},
                                 "Time": {"timestamp": ts("2024-04-20 00:23:00")}}}]),
        act + "threads/threads_and_replies.json": json.dumps({"text_post_app_text_posts": [
            {"media": [{"uri": "", "creation_timestamp": ts("2025-08-06 08:00:59"), "title": "First thread",
                        "media_metadata": {}, "text_app_post": {"is_reply": False, "reply_control": "everyone"}}]},
            {"media": [{"uri": "", "creation_timestamp": ts("2025-08-06 09:10:00"), "title": "A reply",
                        "text_app_post": {"is_reply": True}}]},
        ]}),
        "personal_information/personal_information/personal_information.json": json.dumps({"profile_user": [
            {"string_map_data": {"Username": {"value": "sam.example"}, "Name": {"value": mojibake("Sam S\u00f8rensen")},
                                 "Bio": {"value": "Student nurse, views my own"},
                                 "Date of birth": {"value": "1919-01-01"}},
             "media_map_data": {"Profile Photo": {"uri": PP}}}]}),
        P1: JPEG, C1: JPEG, C2: MP4, R1: MP4, S1: JPEG, A1: JPEG, PP: JPEG,
        # posts_2's media, the deleted item's media (D1) are absent on purpose
    }


@pytest.mark.parametrize("folder,layout", [
    ("your_instagram_activity/media/", "your_instagram_activity/media (2025+), JSON"),
    ("your_instagram_activity/content/", "your_instagram_activity/content (2022-2025), JSON"),
])
def test_current_layouts_exact_posts(make_archive, folder, layout):
    dets, posts, problems, ctx = run(make_archive(current_layout(folder)))
    # Threads in the Instagram download is a detection of its own, platform threads (issue 14)
    assert [(d.platform, d.layout, d.root) for d in dets] == [
        ("instagram", layout, ""), ("threads", "your_instagram_activity/threads (in the Instagram download), JSON", "")]
    assert ctx.owner == {"handles": ["sam.example"], "full_name": "Sam S\u00f8rensen"}
    got = [(p.platform, p.kind, p.created_at, p.text, p.audience, p.deleted,
            [(m.path, m.kind, m.place, m.missing) for m in p.media]) for p in posts]
    exif = "exif-data"
    assert got == [
        ("instagram", "bio", None, "Student nurse, views my own", None, False, []),
        ("instagram", "post", when("2024-05-13 02:21:16"), "Night shift done \u2615 caf\u00e9 after", None, False,
         [(P1, "photo", Place(51.5226, -0.1559, None, exif), False)]),
        ("instagram", "post", when("2024-07-07 20:35:31"), "Weekend trip \U0001F600", None, False,
         [(C1, "photo", None, False), (C2, "video", Place(53.141186112, 11.038734576, None, exif), False)]),
        ("instagram", "post", when("2021-02-03 10:00:00"), "Old post part two", None, False,
         [(P2, "photo", None, True)]),
        # reels.json repeats the carousel: read once
        ("instagram", "post", when("2024-08-01 09:00:00"), "Reel from the ward", None, False,
         [(R1, "video", Place(52.0, -1.25, None, exif), False)]),
        ("instagram", "post", when("2023-01-05 12:00:00"), "Hidden one", "archived (hidden from your profile)",
         False, [(A1, "photo", None, False)]),
        ("instagram", "post", when("2024-09-09 09:09:09"), "Regretted this", None, True,
         [(D1, "photo", None, True)]),
        ("instagram", "story", when("2024-06-01 18:30:00"), "On my way", None, False, [(S1, "photo", None, False)]),
        ("instagram", "photo", when("2021-01-01 00:00:00"), "", None, False, [(PP, "photo", None, False)]),
        ("instagram", "comment", when("2024-04-20 00:23:00"), "So proud of you \u2764\ufe0f", None, False, []),
        ("threads", "post", when("2025-08-06 08:00:59"), "First thread", None, False, []),
        ("threads", "reply", when("2025-08-06 09:10:00"), "A reply", None, False, []),
    ]
    assert [(p.member, p.message.split(":")[0]) for p in problems] == [
        (folder + "posts_2.json#0", "1 media file listed but not in the archive (another part of a split download?)"),
        (folder + "recently_deleted_content.json#0",
         "1 media file listed but not in the archive (another part of a split download?)"),
    ]
    by_text = {p.text: p for p in posts}
    assert by_text["So proud of you \u2764\ufe0f"].extra == {"media_owner": "river.example"}
    assert all(m.archive == p.source.archive for p in posts for m in p.media)
    carousel = by_text["Weekend trip \U0001F600"]
    assert carousel.url == "https://www.instagram.com/sam.example/"
    assert carousel.source.member == folder + "posts_1.json" and carousel.source.index == 1
    assert carousel.how_to_find.startswith("Instagram post of 7 Jul 2024 20:35 UTC; text starts "
                                           "\u201cWeekend trip \U0001F600\u201d; photo "
                                           "450_166_835_n_18079198510496264.jpg (+1 more).")
    assert "Your activity > Photos and videos > Posts" in carousel.how_to_find
    assert "Archive > Stories archive" in by_text["On my way"].how_to_find
    assert "Your activity > Comments" in by_text["So proud of you \u2764\ufe0f"].how_to_find
    assert "@river.example" in by_text["So proud of you \u2764\ufe0f"].how_to_find
    assert by_text["A reply"].url == "https://www.threads.net/@sam.example"
    assert "Replies" in by_text["A reply"].how_to_find
    assert len({p.ref for p in posts}) == len(posts)
    assert all(p.ref.startswith(p.platform + ":h") for p in posts)


def test_refs_identical_between_two_downloads_and_layouts(make_archive):
    a = run(make_archive(current_layout("your_instagram_activity/media/")))[1]
    b = run(make_archive(current_layout("your_instagram_activity/content/")))[1]
    assert [p.ref for p in a] == [p.ref for p in b]
    # the ref of an entry with media is its media id: a caption edit keeps it
    data = current_layout("your_instagram_activity/media/")
    posts = json.loads(data["your_instagram_activity/media/posts_1.json"])
    posts[0]["media"][0]["title"] = "edited caption"
    data["your_instagram_activity/media/posts_1.json"] = json.dumps(posts)
    c = run(make_archive(data))[1]
    assert [p.ref for p in c] == [p.ref for p in a]


def test_2020_layout_content_folder_old_comments_extensionless(make_archive):
    members = {
        "content/posts_1.json": json.dumps([
            {"media": [{"uri": "media/posts/201805/2adb04fc38f5ac5d6f7a0b1a6d7c9e2f", "creation_timestamp":
                        ts("2018-05-05 19:33:41"), "title": "Graduation day!"}]},
            {"media": [{"uri": "media/posts/201806/9f1c2e_video", "creation_timestamp": ts("2018-06-01 10:00:00"),
                        "title": "Clip", "media_metadata": {"video_metadata": {"exif_data": [
                            {"latitude": "53.80", "longitude": "-1.55"}]}}}]},
        ]),
        "content/stories.json": json.dumps({"ig_stories": [
            {"uri": "media/stories/201907/a1b2c3.jpg", "creation_timestamp": ts("2019-07-01 07:00:00"),
             "title": ""}]}),
        "comments/post_comments.json": json.dumps({"comments_media_comments": [
            {"title": "kit.example", "string_list_data": [{"value": "Well done!", "timestamp":
                                                           ts("2019-02-02 12:12:12")}]}]}),
        "account_information/personal_information.json": json.dumps({"profile_user": [
            {"string_map_data": {"Username": {"value": "jo.example"}, "Name": {"value": "Jo Example"}}}]}),
        # the file names in the archive lack the extension too (2018 posts), or carry one the uri lacks
        "media/posts/201805/2adb04fc38f5ac5d6f7a0b1a6d7c9e2f": JPEG,
        "media/posts/201806/9f1c2e_video.mp4": MP4,
        "media/stories/201907/a1b2c3.jpg": JPEG,
    }
    dets, posts, problems, ctx = run(make_archive(members))
    assert [d.layout for d in dets] == ["content/ (2020-2022), JSON"]
    assert problems == []
    assert ctx.owner == {"handles": ["jo.example"], "full_name": "Jo Example"}
    assert [(p.kind, p.created_at, p.text, [(m.path, m.kind, m.place, m.missing) for m in p.media])
            for p in posts] == [
        ("post", when("2018-05-05 19:33:41"), "Graduation day!",
         [("media/posts/201805/2adb04fc38f5ac5d6f7a0b1a6d7c9e2f", "photo", None, False)]),
        ("post", when("2018-06-01 10:00:00"), "Clip",
         [("media/posts/201806/9f1c2e_video.mp4", "video", Place(53.80, -1.55, None, "exif-data"), False)]),
        ("story", when("2019-07-01 07:00:00"), "", [("media/stories/201907/a1b2c3.jpg", "photo", None, False)]),
        ("comment", when("2019-02-02 12:12:12"), "Well done!", []),
    ]
    assert posts[-1].extra == {"media_owner": "kit.example"}


def test_2018_media_json(make_archive):
    members = {
        "media.json": json.dumps({
            "photos": [{"caption": mojibake("Fresher\u2019s week"), "taken_at": "2018-09-20T21:05:13",
                        "path": "photos/201809/3e02b2be0d7abbdb7c2bae1fee544665.jpg",
                        "location": "West End, Example Town"}],
            "videos": [{"caption": "", "taken_at": "2018-10-01T08:00:00+00:00",
                        "path": "videos/201810/aa11bb22.mp4"}],
            "stories": [{"caption": "", "taken_at": "2018-10-02T09:00:00", "path": "stories/201810/cc33.jpg"}],
            "direct": [{"taken_at": "2018-10-03T09:00:00", "path": "direct/201810/dm.jpg"}],
        }),
        "comments.json": json.dumps({"media_comments": [["2018-09-21T10:00:00", "Congrats!!", "lee.example"]],
                                     "live_comments": []}),
        "profile.json": json.dumps({"username": "old.example", "name": "Old Example",
                                    "biography": "Future paramedic"}),
        "photos/201809/3e02b2be0d7abbdb7c2bae1fee544665.jpg": JPEG,
        "videos/201810/aa11bb22.mp4": MP4,
        "stories/201810/cc33.jpg": JPEG,
    }
    dets, posts, problems, ctx = run(make_archive(members))
    assert [d.layout for d in dets] == ["media.json (2018-2020), JSON"]
    assert problems == []
    assert ctx.owner == {"handles": ["old.example"], "full_name": "Old Example"}
    assert [(p.kind, p.created_at, p.text, p.place, [(m.path, m.kind) for m in p.media]) for p in posts] == [
        ("bio", None, "Future paramedic", None, []),
        ("post", when("2018-09-20 21:05:13"), "Fresher\u2019s week",
         Place(None, None, "West End, Example Town", "tagged-place"),
         [("photos/201809/3e02b2be0d7abbdb7c2bae1fee544665.jpg", "photo")]),
        ("post", when("2018-10-01 08:00:00"), "", None, [("videos/201810/aa11bb22.mp4", "video")]),
        ("story", when("2018-10-02 09:00:00"), "", None, [("stories/201810/cc33.jpg", "photo")]),
        ("comment", when("2018-09-21 10:00:00"), "Congrats!!", None, []),
    ]


def test_media_json_alone_is_not_instagram(make_archive):
    with Archive.open(make_archive({"stuff/media.json": "{}", "stuff/x.txt": "x"})) as arc:
        assert instagram.detect(arc) == []


def test_export_inside_a_parent_folder_and_localised_comment_keys(make_archive):
    root = "instagram-sam-2025-01-01/"
    members = {
        root + "your_instagram_activity/comments/post_comments_1.json": json.dumps({"comments_media_comments": [
            {"string_map_data": {"Opmerking": {"value": "Heel goed"}, "Media-eigenaar": {"value": "an.example"},
                                 "Tijd": {"timestamp": ts("2024-01-02 03:04:00")}}},
            # a language we have no labels for: comment first, then the owner (Meta's order)
            {"string_map_data": {"Yorum": {"value": "Harika"}, "Medya sahibi": {"value": "bo.example"},
                                 "Zaman": {"timestamp": ts("2024-01-03 03:04:00")}}}]}),
    }
    dets, posts, problems, _ = run(make_archive(members))
    assert [(d.layout, d.root) for d in dets] == [("comments only, JSON", root)]
    assert problems == []
    assert [(p.text, p.extra["media_owner"], p.created_at) for p in posts] == [
        ("Heel goed", "an.example", when("2024-01-02 03:04:00")),
        ("Harika", "bo.example", when("2024-01-03 03:04:00"))]


def test_split_export_media_in_second_archive(make_archive):
    data = current_layout("your_instagram_activity/media/")
    part1 = {k: v for k, v in data.items() if not k.startswith("media/")}
    part2 = {k: v for k, v in data.items() if k.startswith("media/")}
    a1, a2 = str(make_archive(part1, "part1")), str(make_archive(part2, "part2"))
    with Archive.open(a2) as arc:
        assert [d.layout for d in instagram.detect(arc)] == ["media files only (one part of a split export)"]
    summaries, posts, problems, owner = pipeline.import_posts(pipeline.open_archives([a1, a2]), Config())
    carousel = next(p for p in posts if p.text == "Weekend trip \U0001F600")
    assert [(m.path, m.archive, m.missing) for m in carousel.media] == [(C1, a2, False), (C2, a2, False)]
    assert owner["handles"] == ["sam.example"]
    assert [s.layout for s in summaries] == ["your_instagram_activity/media (2025+), JSON",
                                             "your_instagram_activity/threads (in the Instagram download), JSON",
                                             "media files only (one part of a split export)"]
    assert sum(1 for p in problems if "only Instagram media files" in p.message) == 1


def test_likes_read_only_where_the_record_has_text(make_archive):
    data = {k: v for k, v in current_layout("your_instagram_activity/media/").items()
            if k.endswith("posts_1.json") or k.startswith(("personal_information", "media/posts/"))}
    data["your_instagram_activity/likes/liked_posts.json"] = json.dumps({"likes_media_likes": [
        # the usual record: owner, link and the reaction emoji only -> not read
        {"title": "kit.example", "string_list_data": [
            {"href": "https://www.instagram.com/p/AbCdEf123/", "value": "\U0001F44D",
             "timestamp": ts("2024-03-01 10:00:00")}]},
        {"timestamp": ts("2024-03-02 11:30:45"), "label_values": [
            {"label": "URL", "value": "https://www.instagram.com/p/XyZ987/", "href": "https://www.instagram.com/p/XyZ987/"},
            {"label": "Caption", "value": mojibake("Vaccines? Never \u2013 do your own research")},
            {"label": "Owner", "dict": [{"label": "Username", "value": "loud.example"}]}]},
    ]})
    data["your_instagram_activity/threads/liked_threads.json"] = json.dumps({"text_post_app_media_likes": [
        {"title": "pat.example", "string_list_data": [{"href": "https://www.threads.net/@pat.example/post/Q1",
                                                       "value": "Shift swap anyone?",
                                                       "timestamp": ts("2025-01-01 01:01:01")}]}]})
    dets, posts, problems, _ = run(make_archive(data))
    assert problems == []
    likes = [(p.platform, p.kind, p.created_at, p.text, p.url, p.extra) for p in posts if p.kind == "like"]
    assert likes == [
        ("instagram", "like", when("2024-03-02 11:30:45"), "Vaccines? Never \u2013 do your own research",
         "https://www.instagram.com/p/XyZ987/", {"liked_owner": "loud.example"}),
        ("threads", "like", when("2025-01-01 01:01:01"), "Shift swap anyone?",
         "https://www.threads.net/@pat.example/post/Q1", {"liked_owner": "pat.example"}),
    ]
    assert all(p.endorsement for p in posts if p.kind == "like")


def test_threads_only_export_and_reel_comments_in_label_values(make_archive):
    act = "your_instagram_activity/"
    members = {
        act + "threads/threads_and_replies.json": json.dumps({"text_post_app_text_posts": [
            {"media": [media("media/threads/202508/t1_n_17000000000000001.jpg", "2025-08-07 10:00:00", lat=48.85,
                             lon=2.35),
                       media("media/threads/202508/t2_n_17000000000000002.mp4", "2025-08-07 10:00:00")],
             "title": mojibake("Two pics \u00e0 la carte"), "creation_timestamp": ts("2025-08-07 10:00:05")}]}),
        act + "comments/reels_comments.json": json.dumps({"comments_reels_comments": [
            {"timestamp": ts("2025-02-02 20:20:20"), "label_values": [
                {"label": "Comment", "value": "Great reel"}, {"label": "Media Owner", "value": "dee.example"}]}]}),
        "media/threads/202508/t1_n_17000000000000001.jpg": JPEG,
        "media/threads/202508/t2_n_17000000000000002.mp4": MP4,
    }
    dets, posts, problems, ctx = run(make_archive(members))
    assert [(d.platform, d.layout) for d in dets] == [
        ("instagram", "comments only, JSON"),
        ("threads", "your_instagram_activity/threads (in the Instagram download), JSON")]
    assert problems == [] and ctx.owner == {}
    assert [(p.platform, p.kind, p.created_at, p.text, [(m.kind, m.place) for m in p.media]) for p in posts] == [
        ("instagram", "comment", when("2025-02-02 20:20:20"), "Great reel", []),
        ("threads", "post", when("2025-08-07 10:00:05"), "Two pics \u00e0 la carte",
         [("photo", Place(48.85, 2.35, None, "exif-data")), ("video", None)]),
    ]
    assert posts[1].url is None and posts[0].extra == {"media_owner": "dee.example"}
