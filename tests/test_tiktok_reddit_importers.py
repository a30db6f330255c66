"""TikTok (current JSON, older JSON with a null video list, TXT) and Reddit (posts.csv, comments.csv)
downloads: exact posts per layout, as zips and folders, and broken files as Problems."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

from auditor.archive import Archive
from auditor.config import Config
from auditor.importers import reddit, tiktok
from auditor.model import Post, Problem
from auditor.pipeline import scan
from auditor.plugins import ImportContext
from platform_exports import reddit_export, tiktok_current, tiktok_null_videos, tiktok_txt


def run(module, path):
    ctx = ImportContext()
    posts, problems, cov = [], [], []
    with Archive.open(path) as arc:
        dets = module.detect(arc)
        for det in dets:
            for item in module.read(arc, det, ctx):
                (posts if isinstance(item, Post) else problems if isinstance(item, Problem) else cov).append(item)
    return dets, posts, problems, cov, ctx.owner


# -- TikTok ----------------------------------------------------------------------------------
def test_tiktok_current_json(make_archive):
    dets, posts, problems, cov, owner = run(tiktok, make_archive(tiktok_current()))
    assert [(d.layout, d.root) for d in dets] == [("user_data_tiktok.json (JSON)", "TikTok_Data/")]
    assert problems == []
    assert Counter(p.kind for p in posts) == {"post": 3, "comment": 2, "like": 3, "bio": 1}
    by_ref = {p.ref: p for p in posts}
    v1 = by_ref["tiktok:7440000000000000001"]
    assert v1.text == "Day in the life on the ambulance #paramedic"
    assert v1.created_at == datetime(2024, 12, 15, 19, 3, 14, tzinfo=timezone.utc)
    assert v1.url == "https://www.tiktok.com/@morgan.invented/video/7440000000000000001"
    assert v1.audience == "public" and v1.place is not None and v1.place.name == "Leeds"
    assert v1.place.lat is None and v1.how_to_find.startswith("TikTok: Profile")
    assert by_ref["tiktok:7440000000000000002"].text == "" and by_ref["tiktok:7440000000000000002"].audience.startswith(
        "your friends")
    assert by_ref["tiktok:7440000000000000003"].deleted
    assert {"tiktok:like:7440000000000000101", "tiktok:like:7440000000000000102",
            "tiktok:favourite:7440000000000000201"} <= set(by_ref)
    assert not any("7440000000000000301" in r for r in by_ref)          # watch history is not yours
    assert owner["handles"] == ["@morgan.invented"] and owner["bio"] == "Paramedic & runner. Views my own."
    assert {(c.what, c.read, c.expected) for c in cov} >= {("posts", 2, 2), ("comments", 2, 2), ("likes", 2, 2),
                                                          ("favourites", 1, 1), ("deleted posts", 1, 1)}


def test_tiktok_null_video_list_is_a_clean_empty_read(make_archive):
    dets, posts, problems, cov, owner = run(tiktok, make_archive(tiktok_null_videos()))
    assert [d.layout for d in dets] == ["user_data.json (JSON)"]
    assert posts == [] and problems == []
    assert ("posts", 0, 0) in {(c.what, c.read, c.expected) for c in cov}
    assert owner["handles"] == ["@quiet.invented"]


def test_tiktok_null_video_list_scans_clean(tmp_path):
    (tmp_path / "user_data.json").write_bytes(tiktok_null_videos()["user_data.json"])
    result = scan([str(tmp_path)], Config(), analysers=[])
    assert [a.platform for a in result.archives] == ["tiktok"]
    assert result.posts == [] and result.problems == []


def test_tiktok_txt_download(make_archive):
    dets, posts, problems, cov, owner = run(tiktok, make_archive(tiktok_txt()))
    assert [d.layout for d in dets] == ["TXT download (before 2022)"]
    assert problems == []
    assert Counter(p.kind for p in posts) == {"post": 2, "comment": 2, "like": 1, "bio": 1}
    assert {p.text for p in posts if p.kind == "comment"} == {"Great tips, thanks", "First line\nsecond line"}
    assert owner["handles"] == ["@morgan.invented"]


def test_tiktok_broken_json_is_a_problem(make_archive):
    raw = tiktok_current()["TikTok_Data/user_data_tiktok.json"]
    dets, posts, problems, cov, _ = run(tiktok, make_archive({"user_data_tiktok.json": raw[: len(raw) // 2]}))
    assert len(dets) == 1 and posts == []
    assert problems and "not valid JSON" in problems[0].message


def test_tiktok_bad_records_are_problems(make_archive):
    doc = json.loads(tiktok_current()["TikTok_Data/user_data_tiktok.json"])
    doc["Post"]["Posts"]["VideoList"].append("not a video")
    doc["Comment"]["Comments"]["CommentsList"] = {"date": "2024-01-01 00:00:00", "comment": "single object"}
    dets, posts, problems, cov, _ = run(tiktok, make_archive({"user_data_tiktok.json": json.dumps(doc)}))
    assert any(p.member.endswith("#Post > Posts > VideoList/2") for p in problems)
    assert sum(1 for p in posts if p.kind == "post") == 3
    assert any(p.text == "single object" for p in posts)
    assert ("posts", 2, 3) in {(c.what, c.read, c.expected) for c in cov}


def test_other_json_is_not_tiktok(make_archive):
    with Archive.open(make_archive({"user_data.json": '{"name": "someone", "items": []}'})) as arc:
        assert tiktok.detect(arc) == []


# -- Reddit ----------------------------------------------------------------------------------
def test_reddit_data_request(make_archive):
    dets, posts, problems, cov, owner = run(reddit, make_archive(reddit_export()))
    assert len(dets) == 1 and problems == []
    assert Counter(p.kind for p in posts) == {"post": 2, "comment": 2}
    by_ref = {p.ref: p for p in posts}
    night = by_ref["reddit:t3_abc101"]
    assert night.text == ('Night shifts\n\nHow do you all sleep after nights? I use "blackout" blinds.\n\n'
                          'Second paragraph.')
    assert night.created_at == datetime(2023, 1, 15, 12, 34, 56, tzinfo=timezone.utc)
    assert night.url == "https://www.reddit.com/r/paramedics/comments/abc101/night_shifts/"
    assert night.audience == "r/paramedics" and "r/paramedics" in night.how_to_find
    assert by_ref["reddit:t3_abc102"].url == "https://www.reddit.com/r/leeds/comments/abc102/parking/"
    assert by_ref["reddit:t1_c003"].text == 'A comma, a "quote" and & an entity'
    assert "192.0.2.10" not in " ".join(p.text for p in posts)
    comments = next(c for c in cov if c.what == "comments")
    assert comments.read == 2 and comments.skipped == {"already deleted on Reddit": 1}
    assert owner["handles"] == ["u/morgan_invented"]


def test_reddit_broken_files_are_problems(make_archive):
    files = reddit_export()
    files["comments.csv"] = (files["comments.csv"]
                             + b'c9,https://www.reddit.com/x,2023-01-01 00:00:00 UTC,,x,0,,,"never closed\n')
    files["posts.csv"] = files["posts.csv"] + b"p9,too,many,fields,a,b,c,d,e,f,g,h\n"
    dets, posts, problems, cov, _ = run(reddit, make_archive(files))
    assert any(p.member.startswith("posts.csv#line") and "does not fit" in p.message for p in problems)
    assert any(p.member.startswith("comments.csv") for p in problems)
    assert sum(1 for p in posts if p.kind == "post") == 2


def test_linkedin_comments_are_not_reddit(make_archive):
    with Archive.open(make_archive({"Comments.csv": "Date,Link,Message\n"})) as arc:
        assert reddit.detect(arc) == []
