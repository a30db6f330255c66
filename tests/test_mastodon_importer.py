"""Mastodon account archives: posts, replies, boosts, polls, visibility, HTML to text, attachments
found under a bucket prefix (and their EXIF read by the image analyser), and damage as Problems."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

from auditor.analysers.images import ImageAnalyser
from auditor.analysers.locations import PlatformLocations
from auditor.archive import Archive
from auditor.config import Config, Settings
from auditor.importers import mastodon
from auditor.importers._platforms import html_to_text
from auditor.model import Post, Problem
from auditor.pipeline import scan
from auditor.plugins import ImportContext
from platform_exports import MEDIA_PATH, mastodon_export


def run(path):
    ctx = ImportContext()
    posts, problems, cov = [], [], []
    with Archive.open(path) as arc:
        dets = mastodon.detect(arc)
        for det in dets:
            for item in mastodon.read(arc, det, ctx):
                (posts if isinstance(item, Post) else problems if isinstance(item, Problem) else cov).append(item)
    return dets, posts, problems, cov, ctx.owner


def test_account_archive(make_archive):
    dets, posts, problems, cov, owner = run(make_archive(mastodon_export()))
    assert len(dets) == 1 and problems == []
    assert Counter(p.kind for p in posts) == {"post": 3, "reply": 1, "repost": 1, "like": 1, "bio": 1}
    by_ref = {p.ref: p for p in posts}
    first = by_ref["mastodon:110000000000000001"]
    assert first.text == "Back on shift tonight. Hello @sam & team!\n\nSecond paragraph\nnew line"
    assert first.created_at == datetime(2023, 5, 1, 20, 0, tzinfo=timezone.utc)
    assert first.url == "https://social.invented.example/@morgan/110000000000000001"
    assert first.audience == "public" and "social.invented.example" in first.how_to_find
    reply = by_ref["mastodon:110000000000000002"]
    assert reply.kind == "reply" and reply.audience.startswith("your followers")
    assert reply.text == ("Content warning: work photo\n\nOur station at dawn example.org/long/\n\n"
                          "Image description: The ambulance bay at dawn")
    assert [(m.path, m.kind, m.missing) for m in reply.media] == [(MEDIA_PATH, "photo", False)]
    assert by_ref["mastodon:110000000000000003"].audience.startswith("only the people mentioned")
    poll = by_ref["mastodon:110000000000000005"]
    assert poll.text == "Which shift pattern?\n\nPoll: Four on four off / Five and two"
    assert poll.audience.startswith("unlisted")
    boost = by_ref["mastodon:boost:110000000000000004"]
    assert boost.endorsement and boost.url == "https://other.example/users/sam/statuses/99" and boost.text == ""
    assert owner["full_name"] == "Morgan Ashdown"
    assert owner["handles"] == ["@morgan@social.invented.example", "@morgan"]
    assert "Work: Invented Ambulance Trust" in owner["bio"]
    outbox = next(c for c in cov if c.member == "outbox.json")
    assert (outbox.read, outbox.expected) == (5, 5)


def test_parent_folder_and_missing_attachment(make_archive):
    files = {"archive-20240101/" + k: v for k, v in mastodon_export().items() if k != MEDIA_PATH}
    dets, posts, problems, _, _ = run(make_archive(files))
    assert dets[0].root == "archive-20240101/"
    reply = next(p for p in posts if p.kind == "reply")
    assert reply.media[0].missing and reply.media[0].path == "archive-20240101/" + MEDIA_PATH
    assert any("not in the archive" in p.message for p in problems)


def test_attachment_exif_is_read_by_the_image_analyser(tmp_path):
    root = tmp_path / "mastodon"
    for name, data in mastodon_export().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    result = scan([str(root)], Config(settings=Settings(ocr="off")), analysers=[ImageAnalyser(), PlatformLocations()])
    geo = [f for f in result.findings if f.rule == "GEO002"]
    assert geo and geo[0].post_ref == "mastodon:110000000000000002" and geo[0].media_path == MEDIA_PATH


def test_html_to_text():
    assert html_to_text("<p>a &lt;b&gt; &amp; c</p><p>d<br/>e</p>") == "a <b> & c\n\nd\ne"
    assert html_to_text("plain &amp; simple") == "plain & simple"
    assert html_to_text("<p>unclosed <b>tags") == "unclosed tags"
    assert html_to_text('<a href="x"><span class="invisible">https://www.</span><span class="">site.org/x</span>'
                        '<span class="invisible">yz</span></a>') == "site.org/x"


def test_broken_outbox_is_a_problem_and_earlier_posts_stay(make_archive):
    files = mastodon_export()
    outbox = json.loads(files["outbox.json"])
    outbox["orderedItems"].insert(1, "not an activity")
    outbox["orderedItems"].insert(2, {"type": "Create", "object": "https://x.example/only-a-link"})
    text = json.dumps(outbox, indent=1)
    cut = text.index("110000000000000005") - 200
    files["outbox.json"] = text[:cut].encode()
    dets, posts, problems, cov, _ = run(make_archive(files))
    assert any(p.member == "outbox.json#1" for p in problems)
    assert any(p.member == "outbox.json#2" for p in problems)
    assert any("could not be read" in p.message or "truncated" in p.message for p in problems)
    assert "mastodon:110000000000000001" in {p.ref for p in posts}
    outbox_cov = next(c for c in cov if c.member == "outbox.json")
    assert outbox_cov.expected is None and outbox_cov.skipped["not readable"] == 2


def test_an_outbox_without_items_is_a_problem(make_archive):
    dets, posts, problems, _, _ = run(make_archive({"outbox.json": '{"type": "OrderedCollection", "totalItems": 3}'}))
    assert len(dets) == 1 and posts == [] and problems


def test_outbox_with_the_items_key_twice(make_archive):
    """A real archive writes `"orderedItems":[],"orderedItems":[...]`: the records of both are read."""
    files = mastodon_export()
    text = files["outbox.json"].decode()
    files["outbox.json"] = text.replace('"orderedItems": [', '"orderedItems": [], "orderedItems": [', 1).encode()
    _, posts, problems, cov, _ = run(make_archive(files))
    assert problems == []
    assert sum(1 for p in posts if p.kind in ("post", "reply", "repost")) == 5
    assert next(c for c in cov if c.member == "outbox.json").read == 5
