"""Meta HTML structure skeletons cut from real downloads (tests/fixtures/html-skeletons, see
SOURCES.md there: the structure is the platform's, every word invented), read by the Facebook and
Instagram importers and checked against each skeleton's EXPECTED.json, whose counts come from a
separate parser: every block accounted for (a post, comment, share, photo or a named Problem),
edit stamps never a post, the place with its coordinates, every photo reference."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from auditor.archive import Archive
from auditor.importers import _dates, _html, facebook, instagram
from auditor.model import Post, Problem
from auditor.pipeline import locator
from auditor.plugins import Coverage, ImportContext

SK = Path(__file__).parent / "fixtures" / "html-skeletons"


def members(name: str) -> dict[str, bytes]:
    root = SK / name
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "EXPECTED.json"}


def expected(name: str) -> dict:
    return json.loads((SK / name / "EXPECTED.json").read_text(encoding="utf-8"))


def read_all(path, importer):
    with Archive.open(path) as a:
        ctx = ImportContext(locate=locator([a]))
        dets = importer.detect(a)
        items = [it for det in dets for it in importer.read(a, det, ctx)]
    return (dets, [i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, Problem)],
            {c.member: c for c in items if isinstance(c, Coverage)})


def no_stamp_posts(posts):
    for p in posts:
        assert not any(_dates.stamp(line) for line in p.text.split("\n")), p.text


def test_every_skeleton_block_is_found_with_its_parts():
    """The page reader alone, against the independent counts of every EXPECTED.json."""
    for exp_file in sorted(SK.glob("*/EXPECTED.json")):
        for rel, e in json.loads(exp_file.read_text(encoding="utf-8")).items():
            root = _html.parse((exp_file.parent / rel).read_bytes())
            blocks = _html.find_blocks(root)
            got = [_html.read_block(b) for b in blocks]
            where = f"{exp_file.parent.name}/{rel}"
            assert len(blocks) == e["blocks"], where
            assert sum(1 for c in got if c.own or c.attached) == e["blocks_with_text"], where
            assert sum(1 for c in got if c.links) == e["blocks_with_shared_link"], where
            assert sum(1 for c in got if c.stamps) == e["blocks_with_updated_line"], where
            assert [list(c.place[1:]) for c in got if c.place] == e["coordinates"], where
            # every <img src> of the blocks: a file of the export, or (one case) a web address
            # that is a video's poster frame, not a file
            local = sum(1 for c in got for m in c.media if not m.video)
            remote = sum(1 for b in blocks for img in b.el.iter("img")
                         if str(img.get("src") or "").startswith(("http:", "https:")))
            assert local + remote == e["media_refs_img_src"], where
            assert all(b.date_text and _html.block_time(b, facebook.HTML_ZONE) for b in blocks), where
            no_header = sum(1 for b in blocks if not b.header)
            assert no_header == e["blocks_by_header"].get("(no header)", 0), where


def test_2019_english_posts(make_archive):
    dets, posts, problems, cov = read_all(make_archive(members("facebook-2021-en-a")), facebook)
    f = "posts/your_posts_1.html"
    e = expected("facebook-2021-en-a")[f]
    assert [d.layout for d in dets] == [facebook.OLD_LAYOUT]
    c = cov[f]
    assert c.expected == e["blocks"] == 60
    assert c.read + sum(c.skipped.values()) == 60
    # the two blocks holding nothing but a date (one with an edit stamp) are named, not dropped
    assert (c.read, c.skipped) == (58, {"empty": 2})
    empty = [p for p in problems if p.member.startswith(f + "#")]
    assert len(empty) == 1 and "(numbers 5, 53 on this page)" in empty[0].message
    kinds = Counter(p.kind for p in posts)
    assert kinds == Counter({"post": 53, "repost": 4, "check-in": 1})
    # title-only blocks are shares with the title as their words
    shares = {p.text for p in posts if p.extra.get("title_only")}
    assert shares == {"Alex Morgan recommends Jordan Lee.",
                      "Alex Morgan shared a video from the playlist Looking forward to the summer fair."}
    no_stamp_posts(posts)
    # 21 blocks carry an "Updated" line: 20 posts keep it as metadata; the 21st is the empty block 5
    assert sum(1 for p in posts if p.extra.get("stamps")) == 20
    assert all(p.extra["update_timestamp"] >= p.created_at.isoformat() for p in posts if p.extra.get("stamps"))
    (checkin,) = [p for p in posts if p.place]
    assert (checkin.kind, checkin.place.name, checkin.place.lat, checkin.place.lon, checkin.place.source) == (
        "check-in", "Riverside Park", 51.507212345678, -0.127612345678, "checkin")
    assert checkin.extra["address"] == "Riverside, SW1A 1AA London, England, United Kingdom"
    assert "Place" not in checkin.text and "Address" not in checkin.text
    media = Counter(m.kind for p in posts for m in p.media)
    assert media == Counter({"photo": 21, "video": 1})
    # a photo's description and the post's own words are both kept; refs are distinct
    assert len({p.ref for p in posts}) == len(posts)


def test_2019_english_groups(make_archive):
    dets, posts, problems, cov = read_all(make_archive(members("facebook-2021-en-b")), facebook)
    f = "groups/your_posts_and_comments_in_groups.html"
    e = expected("facebook-2021-en-b")[f]
    c = cov[f]
    assert c.expected == e["blocks"] and (c.read, c.skipped) == (57, {"empty": 3})
    assert Counter(p.kind for p in posts) == Counter({"comment": 53, "post": 2})
    comments = [p for p in posts if p.kind == "comment"]
    assert all(p.extra.get("group") for p in comments)
    assert not any(p.text.startswith("Group") for p in comments)
    # 14 photo references; two pairs of photo-only comments are the same comment listed twice (same
    # minute, same photo, no words): each pair is one comment, read from both blocks
    assert sum(len(p.media) for p in posts) == e["media_refs_img_src"] - 2
    root = _html.parse((SK / "facebook-2021-en-b" / f).read_bytes())
    assert {m.path for p in posts for m in p.media} == {i.get("src") for i in root.iter("img")
                                                        if not i.get("src").startswith(("http", "data:"))}
    assert sum(1 for p in posts if p.extra.get("stamps")) == e["blocks_with_updated_line"]
    no_stamp_posts(posts)
    assert any("(numbers 45, 53, 57 on this page)" in p.message for p in problems)


def test_2024_spanish_posts_and_comments(make_archive):
    dets, posts, problems, cov = read_all(make_archive(members("facebook-2024-es")), facebook)
    e = expected("facebook-2024-es")
    act = "your_facebook_activity/"
    pf, cf = act + "posts/your_posts__check_ins__photos_and_videos_1.html", act + "comments_and_reactions/comments.html"
    assert (cov[pf].expected, cov[pf].read, cov[pf].skipped) == (e[pf]["blocks"], 60, {})
    assert (cov[cf].expected, cov[cf].read, cov[cf].skipped) == (e[cf]["blocks"], 37, {"no comment text": 1})
    in_posts = [p for p in posts if p.source.member == pf]
    assert Counter(p.kind for p in in_posts) == Counter({"post": 58, "repost": 2})
    assert {p.text for p in in_posts if p.kind == "repost"} == {"Alex Morgan ha compartido una publicación."}
    assert sum(1 for p in in_posts if p.extra.get("stamps")) == e[pf]["blocks_with_updated_line"]
    no_stamp_posts(posts)
    media = Counter(m.kind for p in in_posts for m in p.media)
    assert media == Counter({"photo": e[pf]["media_refs_img_src"], "video": 1})
    # the album label under each photo ("Fotos subidas con el móvil") is the album, not words
    assert not any("Fotos subidas" in p.text for p in posts)
    assert any(p.extra.get("album") == "Fotos subidas con el móvil" for p in in_posts)
    assert sum(1 for p in posts if p.kind == "comment") == e[cf]["blocks_with_text"]


def test_2025_chinese_album(make_archive):
    dets, posts, problems, cov = read_all(make_archive(members("facebook-2025-zh-hant")), facebook)
    f = "your_facebook_activity/posts/album/5.html"
    e = expected("facebook-2025-zh-hant")[f]
    assert (cov[f].expected, cov[f].read) == (e["blocks"], 12)
    assert [p.kind for p in posts] == ["photo"] * 12
    assert all(p.extra["upload_ip"].startswith("203.0.113.") for p in posts)
    assert {p.extra["album"] for p in posts} == {"未命名的相簿"}
    assert not any(p.extra.get("album_description") for p in posts)    # the header's "generated" line is not one
    assert posts[0].created_at.isoformat() == "2012-01-23T23:19:29+00:00"    # 1 月 23, 2012 11:19:29 下午


def test_2023_instagram_chinese(make_archive):
    dets, posts, problems, cov = read_all(make_archive(members("instagram-2023-zh-hans")), instagram)
    f = "content/posts_1.html"
    e = expected("instagram-2023-zh-hans")[f]
    assert [d.layout for d in dets] == ["content/ (2020-2022), HTML"]
    assert (cov[f].expected, cov[f].read) == (e["blocks"], 52)
    assert len(posts) == 52 and sum(len(p.media) for p in posts) == e["media_refs_img_src"]
    assert Counter(bool(p.text) for p in posts) == Counter({True: 37, False: 15})   # 27 mentions + 10 captions
    # 2023年8月29日 02:33 at the Instagram clock (UTC-8)
    assert posts[0].created_at.isoformat() == "2023-08-29T10:33:00+00:00"


@pytest.mark.parametrize("name", ["facebook-2021-en-a", "facebook-2021-en-b", "facebook-2024-es",
                                  "facebook-2025-zh-hant", "instagram-2023-zh-hans"])
def test_refs_are_stable_between_two_downloads(tmp_path, name):
    """The same page in a second download (another folder name above it) gives the same refs."""
    from conftest import write_folder, write_zip
    imp = instagram if name.startswith("instagram") else facebook
    m = members(name)
    a = read_all(write_zip(tmp_path / "a.zip", m), imp)[1]
    b = read_all(write_folder(tmp_path / "b", {f"facebook-x-2026/{k}": v for k, v in m.items()}), imp)[1]
    assert [p.ref for p in a] == [p.ref for p in b] and len({p.ref for p in a}) == len(a)
