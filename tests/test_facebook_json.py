"""Facebook importer, JSON layouts (2018 status_updates, 2019 v1 keys, 2021 _v2 keys, 2022-23
your_activity_across_facebook, 2024+ your_facebook_activity), each as a zip and as a folder.
Fixtures: tests/test_facebook_fixtures.py (synthetic, invented people)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from auditor.archive import Archive
from auditor.pipeline import locator
from auditor.config import Config, Settings
from auditor.model import Post, stable_ref
from auditor.pipeline import import_posts, open_archives
from auditor.importers import facebook
from auditor.plugins import Coverage, ImportContext
from test_facebook_fixtures import (FRIEND, OWNER, PH_GRAD1, PH_GRAD2, PH_KRAKOW, PH_ONLY, PH_SHIFT,
                                    PH_UNCAT, json_members, meta_json, media_dir)

LAYOUTS = ["2024", "2022", "2021", "2019", "2018"]
LAYOUT_NAMES = {"2024": "your_facebook_activity (2024+)", "2022": "your_activity_across_facebook (2022-23)",
                "2021": facebook.OLD_LAYOUT, "2019": facebook.OLD_LAYOUT, "2018": facebook.OLD_LAYOUT}


def read_all(paths, include_messages=False, owner=None):
    """Detect and read every archive with the Facebook importer (a locator over all of them, as
    the pipeline gives). Returns (posts, problems, detections, ctx)."""
    archives = [Archive.open(p) for p in paths]
    ctx = ImportContext(include_messages=include_messages, locate=locator(archives), owner=dict(owner or {}))
    posts, problems, dets = [], [], []
    for a in archives:
        for det in facebook.detect(a):
            dets.append(det)
            for item in facebook.read(a, det, ctx):
                if isinstance(item, Coverage):
                    continue
                (posts if isinstance(item, Post) else problems).append(item)
    for a in archives:
        a.close()
    return posts, problems, dets, ctx


def minute(dt):
    return dt.strftime("%Y-%m-%dT%H:%M") if dt else None


def summary(p: Post):
    timeless = p.kind == "bio" or p.extra.get("album_description")
    place = (p.place.name, p.place.lat, p.place.lon, p.place.source) if p.place else None
    return (p.kind, None if timeless else minute(p.created_at), p.text, place,
            tuple(m.path.rsplit("/", 1)[-1] for m in p.media))


def name(f):
    return f.rsplit("/", 1)[-1]


SHIFT = "Long shift on Ward 7 tonight 😴 — Siân and Zoë were brilliant"
EXPECTED_ALL = {
    ("post", "2019-03-02T09:15", SHIFT, None, (name(PH_SHIFT),)),
    ("post", "2020-07-14T06:30", "Καλημέρα! 早上好 🌞 Ωραία μέρα", None, ()),
    ("check-in", "2021-01-09T07:45", "Coffee before clinic ☕", ("Café Müller", 51.5072, -0.1276, "checkin"), ()),
    ("post", "2021-05-20T18:02", "Worth a read\nhttps://example.org/article", None, ()),
    ("post", "2022-06-30T15:00", "Graduation day 🎓 Diolch i bawb!", None, (name(PH_GRAD1), name(PH_GRAD2))),
    ("post", "2023-02-11T21:10", "", None, (name(PH_ONLY),)),
    ("comment", "2020-01-24T14:38", "Que texto ótimo! 👏 مرحبا", None, ()),
    ("post", "2021-11-03T22:05", "Anyone swapping Saturday nights? Ymlaen!", None, ()),
    ("comment", "2021-11-04T08:00", "Diolch, Żaneta 💙", None, ()),
    ("like", "2022-02-03T11:11", "https://example.net/miracle-cure", None, ()),
    ("photo", None, "Summer with the Ωmega crew", None, (name(PH_KRAKOW),)),
    ("photo", "2021-08-19T19:41", "Rynek Główny at dusk", None, (name(PH_KRAKOW),)),
    ("photo", "2018-12-24T23:59", "", None, (name(PH_UNCAT),)),
    ("bio", None, "Nurse 💉 | Views my own", None, ()),
}
EXPECTED_2024 = EXPECTED_ALL | {
    ("check-in", "2024-03-08T20:12", "Night out 🍻", ("The Grove Inn", 53.8, -1.55, "checkin"), ()),
    ("check-in", "2024-04-01T12:00", "", ("St Brendan's Hospital", None, None, "tagged-place"), ()),
}
MESSAGE = ("message", "2022-09-01T20:00", "Patient in bed 4 is a nightmare 🙄", None, ())


def expected(layout):
    return EXPECTED_2024 if layout == "2024" else EXPECTED_ALL


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_gives_exact_posts(make_archive, layout):
    path = make_archive(json_members(layout))
    posts, problems, dets, _ = read_all([path])
    assert [(d.layout, d.root) for d in dets] == [(LAYOUT_NAMES[layout], "")]
    assert {summary(p) for p in posts} == expected(layout)
    assert len(posts) == len(expected(layout))              # no duplicates (multi-photo post merged)
    assert [p.message for p in problems] == [
        "1 reaction(s) name only who you reacted to, not what they said: nothing in them to check"]
    assert all(p.platform == "facebook" and p.ref.startswith("facebook:h") for p in posts)
    assert all(p.created_at.tzinfo == timezone.utc for p in posts if p.created_at)


def test_exact_times_from_json_are_utc_to_the_second(make_archive):
    posts, _, _, _ = read_all([make_archive(json_members("2024"))])
    by_text = {p.text: p for p in posts}
    assert by_text[SHIFT].created_at == datetime(2019, 3, 2, 9, 15, 27, tzinfo=timezone.utc)
    assert by_text[SHIFT].extra["update_timestamp"] == "2019-03-02T10:00:00+00:00"
    assert by_text["Night out 🍻"].created_at == datetime(2024, 3, 8, 20, 12, 44, tzinfo=timezone.utc)


def test_refs_are_the_same_in_every_layout_and_documented_form(tmp_path):
    from conftest import write_folder
    refs = {}
    for layout in LAYOUTS:
        posts, _, _, _ = read_all([write_folder(tmp_path / layout, json_members(layout))])
        refs[layout] = {summary(p): p.ref for p in posts}
    for layout in LAYOUTS:
        for key, ref in refs[layout].items():
            assert refs["2024"][key] == ref, (layout, key)
    # documented form: stable_ref over the minute and the post's own text
    t = datetime(2020, 7, 14, 6, 30, tzinfo=timezone.utc)
    assert refs["2019"][("post", "2020-07-14T06:30", "Καλημέρα! 早上好 🌞 Ωραία μέρα", None, ())] == \
        stable_ref("facebook", t, "Καλημέρα! 早上好 🌞 Ωραία μέρα")


def test_two_downloads_of_one_account_give_the_same_refs(make_archive):
    first, _, _, _ = read_all([make_archive(json_members("2022"))])
    # a later download: same content, different file split and zip name, extra unrelated files
    m = json_members("2022")
    act = "your_activity_across_facebook/posts/"
    both = json.loads(m.pop(act + "your_posts__check_ins__photos_and_videos_1.json")) + \
        json.loads(m.pop(act + "your_posts__check_ins__photos_and_videos_2.json"))
    m[act + "your_posts__check_ins__photos_and_videos_1.json"] = json.dumps(both)
    m["your_activity_across_facebook/logged_information/no-data.txt"] = "nothing"
    second, _, _, _ = read_all([make_archive({"facebook-sian-2025/" + k: v for k, v in m.items()}, "later")])
    assert {p.ref for p in first} == {p.ref for p in second}


def test_mojibake_is_repaired_everywhere(make_archive):
    posts, _, _, ctx = read_all([make_archive(json_members("2021"))], include_messages=True)
    blob = json.dumps([[p.text, p.how_to_find, dict(p.extra), p.place.name if p.place else ""] for p in posts],
                      ensure_ascii=False)
    for good in ("Siân", "Zoë", "😴", "Καλημέρα", "早上好", "مرحبا", "Żaneta", "Kraków", "Główny", "Café Müller",
                 FRIEND, "🙄"):
        assert good in blob, good
    assert "Ã" not in blob and "ð\x9f" not in blob
    assert ctx.owner["full_name"] == OWNER


def test_locations_and_upload_ip(make_archive):
    posts, _, _, _ = read_all([make_archive(json_members("2024"))])
    by_text = {p.text: p for p in posts}
    shift = by_text[SHIFT]
    assert shift.media[0].place.lat == 53.8008 and shift.media[0].place.lon == -1.5491
    assert shift.media[0].place.source == "exif-data"
    assert shift.extra["upload_ip"] == "203.0.113.7"
    assert any("203.0.113.7" in n and "personal data" in n for n in shift.notes)
    grad = by_text["Graduation day 🎓 Diolch i bawb!"]
    assert grad.extra["upload_ip"] == "2001:db8::7"                 # merged from the second listing
    krakow = by_text["Rynek Główny at dusk"]
    assert (krakow.media[0].place.lat, krakow.media[0].place.lon) == (50.0617, 19.9373)
    assert krakow.extra["upload_ip"] == "198.51.100.23"
    night = by_text["Night out 🍻"]
    assert (night.place.lat, night.place.lon, night.place.name) == (53.8, -1.55, "The Grove Inn")
    # a garbage taken_timestamp (year 0) is ignored, not a date
    assert all(p.created_at is None or p.created_at.year > 2000 for p in posts)


def test_how_to_find_and_heuristic_links(make_archive):
    posts, _, _, _ = read_all([make_archive(json_members("2024"))])
    by_text = {p.text: p for p in posts}
    shift = by_text[SHIFT]
    assert shift.how_to_find == ("facebook.com/me/allactivity › Your activity across Facebook › Posts › Your posts; "
                                 "filter by date 02 March 2019; starts “Long shift on Ward 7 tonight 😴 — Siân and "
                                 "Zoë were brilliant”; album “Mobile Uploads”")
    assert shift.url == "https://www.facebook.com/photo.php?fbid=10150000000000001"
    assert any("heuristic" in n for n in shift.notes)
    assert by_text["Night out 🍻"].url == "https://www.facebook.com/1234567890123"
    assert by_text["Καλημέρα! 早上好 🌞 Ωραία μέρα"].url is None
    photo_only = next(p for p in posts if p.media and name(p.media[0].path) == name(PH_ONLY))
    assert "photo file 52010004_10150000000000004_7700000000000000004_n.jpg" in photo_only.how_to_find
    assert "album “Mobile Uploads”" in photo_only.how_to_find
    krakow = by_text["Rynek Główny at dusk"]
    assert "Photos and videos" in krakow.how_to_find and "album “Trip to Kraków”" in krakow.how_to_find
    group = by_text["Anyone swapping Saturday nights? Ymlaen!"]
    assert "Groups" in group.how_to_find and "group “Northbridge Nurses Network”" in group.how_to_find
    assert by_text["Que texto ótimo! 👏 مرحبا"].extra["title"] == f"{OWNER} commented on {FRIEND}'s post."
    like = by_text["https://example.net/miracle-cure"]
    assert like.endorsement and like.extra["reaction"] == "LOVE"


def test_profile_goes_to_owner_and_bio_is_a_post(make_archive):
    for layout in ("2024", "2019"):
        posts, _, _, ctx = read_all([make_archive(json_members(layout))])
        assert ctx.owner["full_name"] == OWNER
        assert ctx.owner["city"] == "Leeds, United Kingdom"
        assert ctx.owner["employer"] == "Northbridge General Hospital"
        assert ctx.owner["workplaces_text"] == ("Northbridge General Hospital, Staff Nurse, Leeds (2021–now); "
                                                "Harrowfield Care Home, Healthcare assistant (2018–2021)")
        assert ctx.owner["bio"] == "Nurse 💉 | Views my own"
        assert ctx.owner["handles"] == ["sian.prysjones"]
        bio = [p for p in posts if p.kind == "bio"]
        assert [b.text for b in bio] == ["Nurse 💉 | Views my own"]


def test_messages_only_with_include_messages_and_only_own(make_archive):
    path = make_archive(json_members("2024"))
    posts, _, _, _ = read_all([path])
    assert not [p for p in posts if p.kind == "message"]
    posts, _, _, _ = read_all([path], include_messages=True)
    msgs = [p for p in posts if p.kind == "message"]
    assert [summary(p) for p in msgs] == [MESSAGE]
    assert msgs[0].audience == "private" and msgs[0].extra["thread"] == FRIEND
    assert msgs[0].how_to_find.startswith(f"Messenger › conversation “{FRIEND}”; 01 September 2022")


def test_archive_with_only_messages_says_so(make_archive):
    members = {k: v for k, v in json_members("2024", with_media=False).items() if "/messages/" in k}
    path = make_archive(members)
    posts, problems, dets, _ = read_all([path])
    assert len(dets) == 1 and posts == []
    assert len(problems) == 1 and "holds only Messenger messages (1 conversation(s))" in problems[0].message
    assert "--include-messages" in problems[0].message
    posts, problems, _, _ = read_all([path], include_messages=True)
    # no profile and one conversation: the owner cannot be told apart, so both senders are listed
    assert sorted(summary(p) for p in posts) == [MESSAGE, ("message", "2022-09-01T20:01", "See you tomorrow", None, ())]
    assert all("Your name was not found" in p.notes[0] for p in posts)
    assert "holds only Messenger messages" in problems[0].message
    # with the name known (e.g. from another part of the download) only the owner's own are listed
    posts, _, _, _ = read_all([path], include_messages=True, owner={"full_name": OWNER})
    assert [summary(p) for p in posts] == [MESSAGE]


def test_messages_owner_inferred_when_profile_absent(make_archive):
    members = {k: v for k, v in json_members("2019").items() if "profile_information" not in k}
    thread = json.loads(members["messages/inbox/tomasovergard_1234567/message_1.json"])
    thread["messages"].append({"sender_name": "Ffion Ødegaard", "timestamp_ms": 1, "content": "hi"})
    thread["participants"].append({"name": "Ffion Ødegaard"})
    members["messages/inbox/tomasovergard_1234567/message_1.json"] = json.dumps(thread)
    members["messages/inbox/other_99/message_1.json"] = meta_json({
        "participants": [{"name": "Someone Else"}, {"name": OWNER}],
        "messages": [{"sender_name": OWNER, "timestamp_ms": 1600000000000, "content": "Shift swap?"}]})
    posts, _, _, _ = read_all([make_archive(members)], include_messages=True)
    assert sorted(p.text for p in posts if p.kind == "message") == ["Patient in bed 4 is a nightmare 🙄",
                                                                     "Shift swap?"]


def test_split_download_media_in_another_zip(tmp_path):
    from conftest import write_zip
    m = json_members("2024")
    part1 = {k: v for k, v in m.items() if not isinstance(v, bytes)}
    part2 = {k: v for k, v in m.items() if isinstance(v, bytes)}
    p1 = write_zip(tmp_path / "facebook-sian-2025-11-01-abc-1.zip", part1)
    p2 = write_zip(tmp_path / "facebook-sian-2025-11-01-abc-2.zip", part2)
    posts, problems, dets, _ = read_all([p1, p2])
    assert len(dets) == 2
    shift = next(p for p in posts if p.text == SHIFT)
    assert shift.media[0].archive == str(p2) and not shift.media[0].missing
    assert shift.media[0].path == media_dir("2024") + PH_SHIFT
    assert {summary(p) for p in posts} == EXPECTED_2024
    assert any("holds 6 media file(s) but no posts" in p.message and p.archive == str(p2) for p in problems)
    assert not any("not in this archive" in p.message for p in problems)
    # and through the real pipeline (the locator it builds, the dedupe by ref)
    archives = open_archives([str(p1), str(p2)])
    try:
        summaries, pposts, _, owner = import_posts(archives, Config(settings=Settings(include_messages=False)))
    finally:
        for a in archives:
            a.close()
    fb = [p for p in pposts if p.platform == "facebook"]
    assert {summary(p) for p in fb} == EXPECTED_2024
    assert owner["full_name"] == OWNER
    assert [s.layout for s in summaries if s.platform == "facebook"] == [LAYOUT_NAMES["2024"]] * 2


def test_missing_media_is_one_problem_and_marked(make_archive):
    posts, problems, _, _ = read_all([make_archive(json_members("2019", with_media=False))])
    shift = next(p for p in posts if p.text == SHIFT)
    assert shift.media[0].missing and shift.media[0].place is not None     # the place is still read
    missing = [p for p in problems if "media file(s) listed" in p.message]
    assert len(missing) == 1 and missing[0].message.startswith("6 media file(s) listed in the export")


def test_checkins_list_form_and_export_in_a_parent_folder(make_archive):
    from test_facebook_fixtures import json_checkins
    m = {"facebook-sian-2025/" + k: v for k, v in json_members("2024").items()}
    m["facebook-sian-2025/your_facebook_activity/posts/check-ins.json"] = meta_json(json_checkins(bare=False) * 2)
    posts, problems, dets, _ = read_all([make_archive(m)])
    assert [d.root for d in dets] == ["facebook-sian-2025/"]
    assert {summary(p) for p in posts} == EXPECTED_2024          # the repeated check-in merges


def test_localised_checkin_labels(make_archive):
    rec = {"timestamp": 1700000000, "fbid": "42", "label_values": [
        {"label": "Nachricht", "value": "Feierabend 🍺"},
        {"label": "Orts-Tags", "dict": [{"label": "Name", "value": "Zum Löwen"},
                                        {"label": "Adresse", "value": "Hauptstraße 1"},
                                        {"label": "Koordinaten", "value": "(52.5200 , 13.4050)"}]}]}
    posts, problems, _, _ = read_all([make_archive({"your_facebook_activity/posts/check-ins.json": meta_json(rec)})])
    assert problems == []
    assert [(p.kind, p.text, p.place.name, p.place.lat, p.place.lon) for p in posts] == \
        [("check-in", "Feierabend 🍺", "Zum Löwen", 52.52, 13.405)]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_broken_files_become_problems(make_archive, layout):
    m = json_members(layout)
    posts_file = next(k for k in m if "/your_posts" in k or k.startswith("posts/your_posts"))
    m[posts_file] = '[{"timestamp": 1, "data": [{"post": "cut off'                  # truncated JSON
    comments = next(k for k in m if k.endswith("comments.json") and "groups" not in k)
    m[comments] = json.dumps({"comments_v2": ["not an object", {"timestamp": "soon", "data": "junk"}]})
    album = next(k for k in m if k.endswith("album/0.json"))
    m[album] = json.dumps(["not", "an", "album"])
    profile = next(k for k in m if k.endswith("profile_information.json"))
    m[profile] = b"\xff\xfe\x00garbage"
    uncat = next(k for k in m if k.endswith("your_uncategorized_photos.json"))
    m[uncat] = ""
    posts, problems, _, ctx = read_all([make_archive(m)])
    where = {p.member.split("#")[0] for p in problems}
    assert {posts_file, comments, album, profile, uncat} <= where
    msgs = " | ".join(p.message for p in problems)
    assert "could not parse as JSON" in msgs and "record is not an object" in msgs and "empty file" in msgs
    assert "expected an album object" in msgs
    # the rest is still read
    texts = {p.text for p in posts}
    assert "Graduation day 🎓 Diolch i bawb!" in texts or layout == "2018"
    assert "Diolch, Żaneta 💙" in texts and "Rynek Główny at dusk" not in texts
    assert "full_name" not in ctx.owner


def test_unexpected_shapes_never_raise(make_archive):
    m = {"posts/your_posts_1.json": json.dumps([{"timestamp": None, "data": [{"post": 5}, "x"],
                                                 "attachments": ["x", {"data": [{"media": "x"}, {"place": []}]}],
                                                 "tags": "x"},
                                                {"timestamp": 1e30, "data": {"post": "dict not list"}},
                                                {"attachments": [{"data": [{"media": {"uri": "../../etc/passwd"}}]}]}]),
         "profile_information/profile_information.json": json.dumps(
             {"profile_v2": {"name": 5, "work_experiences": "x", "current_city": [], "intro_bio": 7}}),
         "comments/comments.json": json.dumps({"comments": {"not": "a list"}}),
         "posts/album/3.json": json.dumps({"name": "A", "photos": [{"uri": None}, 7]})}
    posts, problems, _, _ = read_all([make_archive(m)])
    assert any(p.text == "dict not list" for p in posts)
    escaped = [p for p in posts if p.media and "passwd" in p.media[0].path]
    assert all(m.path == "etc/passwd" and m.missing for p in escaped for m in p.media)   # never outside
    assert any("expected a list of comments" in p.message for p in problems)


def test_instagram_and_unrelated_archives_are_not_facebook(make_archive):
    ig = {"your_instagram_activity/content/posts_1.json": "[]", "personal_information/personal_information.json": "{}",
          "messages/inbox/x_1/message_1.json": "{}", "comments/post_comments.json": "[]"}
    assert facebook.detect(Archive.open(make_archive(ig))) == []
    tw = {"data/tweets.js": "window.YTD.tweets.part0 = []"}
    assert facebook.detect(Archive.open(make_archive(tw))) == []


def test_pre_2018_html_only_download_is_named(make_archive):
    path = make_archive({"html/timeline.htm": "<html><div class=meta>Monday</div></html>", "index.htm": "<html/>"})
    posts, problems, dets, _ = read_all([path])
    assert dets[0].layout == "html/timeline.htm (before April 2018)" and posts == []
    assert len(problems) == 1 and "before April 2018" in problems[0].message and "JSON" in problems[0].message


def test_archive_is_not_modified(make_archive):
    path = make_archive(json_members("2024"))
    import hashlib
    from pathlib import Path

    def digest(p: Path) -> str:
        if p.is_file():
            return hashlib.sha256(p.read_bytes()).hexdigest()
        return hashlib.sha256(b"".join(f.read_bytes() + str(f).encode() for f in sorted(p.rglob("*"))
                                       if f.is_file())).hexdigest()
    before = digest(Path(path))
    read_all([path], include_messages=True)
    assert digest(Path(path)) == before



def test_archived_binned_and_other_profile_posts(make_archive):
    act = "your_facebook_activity/posts/"
    post = lambda t, text: {"timestamp": t, "data": [{"post": text}], "title": "x"}   # noqa: E731
    m = {act + "archive.json": meta_json([post(1600000000, "Archived rant about the rota")]),
         act + "trash.json": meta_json([post(1600000100, "Binned moan 😤")]),
         act + "posts_on_other_pages_and_profiles.json": meta_json({"wall_posts_sent_to_others_v2": [
             post(1600000200, "Happy birthday Zoë! 🎂")]})}
    posts, problems, _, _ = read_all([make_archive(m)])
    assert problems == []
    by_text = {p.text: p for p in posts}
    archived = by_text["Archived rant about the rota"]
    assert not archived.deleted and "Archive" in archived.how_to_find and "not deleted" in archived.notes[0]
    binned = by_text["Binned moan 😤"]
    assert binned.deleted and "Trash" in binned.how_to_find and "30 days" in binned.notes[0]
    assert "Posts on others' profiles" in by_text["Happy birthday Zoë! 🎂"].how_to_find


def test_label_values_reactions_with_a_link_are_likes(make_archive):
    m = {"your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json": meta_json([
        {"timestamp": 1650000000, "label_values": [{"label": "Reaction", "value": "Like"},
                                                   {"label": "Name", "value": FRIEND},
                                                   {"label": "URL", "href": "https://example.net/vaccines-hoax"}]},
        {"timestamp": 1650000100, "label_values": [{"label": "Reaction", "value": "Haha"},
                                                   {"label": "Name", "value": FRIEND}]}])}
    posts, problems, _, _ = read_all([make_archive(m)])
    assert [(p.kind, p.text, p.extra["reaction"]) for p in posts] == [
        ("like", "https://example.net/vaccines-hoax", "Like")]
    assert [p.message for p in problems] == [
        "1 reaction(s) name only who you reacted to, not what they said: nothing in them to check"]


SECTION_FILES = ["your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json",
                 "your_facebook_activity/posts/check-ins.json",
                 "your_facebook_activity/posts/places_you_have_been_tagged_in.json",
                 "your_facebook_activity/comments_and_reactions/comments.json",
                 "your_facebook_activity/comments_and_reactions/posts_and_comments.json",
                 "your_facebook_activity/groups/your_comments_in_groups.json",
                 "your_facebook_activity/posts/album/0.json",
                 "your_facebook_activity/posts/your_uncategorized_photos.json",
                 "personal_information/profile_information/profile_information.json",
                 "your_facebook_activity/messages/inbox/a_1/message_1.json"]


def test_any_json_shape_in_any_section_never_raises(tmp_path):
    """Hypothesis: arbitrary JSON (with Facebook-like keys) in every section file yields Posts and
    Problems, never an exception."""
    from hypothesis import HealthCheck, given, settings, strategies as st
    from conftest import write_folder
    keys = st.sampled_from(["timestamp", "data", "post", "attachments", "media", "uri", "place", "coordinate",
                            "latitude", "longitude", "label_values", "label", "value", "dict", "comment",
                            "comments_v2", "photos", "name", "profile_v2", "messages", "sender_name",
                            "timestamp_ms", "content", "media_metadata", "exif_data", "upload_ip", "fbid",
                            "timestamp_value", "reactions_v2", "work_experiences", "employer"])
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=True),
                        st.text(max_size=12), st.just("(53.8 , -1.5)"), st.just("../../x.jpg"))
    values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                          st.dictionaries(keys, kids, max_size=5)), max_leaves=25)
    counter = iter(range(10**6))

    @settings(max_examples=int(os.environ.get("FB_FUZZ_EXAMPLES", "150")), deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(SECTION_FILES), values)
    def check(member, value):
        root = write_folder(tmp_path / f"h{next(counter)}", {member: json.dumps(value, allow_nan=True)})
        posts, problems, _, _ = read_all([root], include_messages=True)
        assert all(isinstance(p, Post) for p in posts)
        bugs = [p.message for p in problems if p.message.startswith(facebook.BUG)]
        assert bugs == []                       # the catch-all is for bugs: none may be reached
    check()


def test_checkin_whose_media_is_not_a_list(tmp_path):
    # found by the hypothesis test above: {"media": true} in a check-in reached the catch-all
    from conftest import write_folder
    root = write_folder(tmp_path / "fb", {"your_facebook_activity/posts/check-ins.json":
                                          json.dumps({"uri": None, "media": True})})
    _, problems, _, _ = read_all([root])
    assert not [p for p in problems if p.message.startswith(facebook.BUG)]


def test_split_part_with_only_the_profile_is_recognised(tmp_path):
    from conftest import write_zip
    m = json_members("2024")
    prof = "personal_information/profile_information/profile_information.json"
    part1 = {k: v for k, v in m.items() if k != prof}
    part2 = {prof: m[prof], "logged_information/no-data.txt": "x"}
    p1 = write_zip(tmp_path / "facebook-a-1.zip", part1)
    p2 = write_zip(tmp_path / "facebook-a-2.zip", part2)
    posts, problems, dets, ctx = read_all([p1, p2])
    assert [(d.layout, d.root) for d in dets] == [(LAYOUT_NAMES["2024"], "")] * 2
    assert {summary(p) for p in posts} == EXPECTED_2024
    assert ctx.owner["full_name"] == OWNER
    assert not [p for p in problems if p.archive == str(p2)]
