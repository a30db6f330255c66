"""LinkedIn downloads: shares, comments, reactions, uploads and profile, read with a CSV reader set up
for LinkedIn's backslash-escaped quotes; a quote-in-text row and a multi-line row come out whole."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timezone

from auditor.archive import Archive
from auditor.importers import linkedin
from auditor.model import Post, Problem
from auditor.plugins import ImportContext
from platform_exports import COMMENTS, SHARES, linkedin_export


def run(path):
    ctx = ImportContext()
    posts, problems, cov = [], [], []
    with Archive.open(path) as arc:
        dets = linkedin.detect(arc)
        for det in dets:
            for item in linkedin.read(arc, det, ctx):
                (posts if isinstance(item, Post) else problems if isinstance(item, Problem) else cov).append(item)
    return dets, posts, problems, cov, ctx.owner


def test_complete_archive(make_archive):
    dets, posts, problems, cov, owner = run(make_archive(linkedin_export()))
    assert [d.layout for d in dets] == [linkedin.LAYOUT_COMPLETE]
    assert problems == []
    assert Counter(p.kind for p in posts) == {"post": 3, "repost": 1, "comment": 2, "like": 2, "photo": 1, "bio": 1}
    assert {c.member: (c.what, c.read) for c in cov} == {
        "Shares.csv": ("posts", 4), "Comments.csv": ("comments", 2), "Reactions.csv": ("reactions", 2),
        "Rich_Media.csv": ("photos", 1), "Profile.csv": ("profile", 1), "Positions.csv": ("work history", 2)}
    first = next(p for p in posts if p.ref == "linkedin:share:7100000000000000001")
    assert first.created_at == datetime(2024, 3, 1, 9, 15, tzinfo=timezone.utc)
    assert first.url == "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7100000000000000001"
    assert first.audience == "LinkedIn members"
    assert first.how_to_find.startswith("LinkedIn: Me > Posts & Activity > Posts")
    assert "01 Mar 2024" in first.how_to_find
    assert "linkedin:ugcPost:7100000000000000003" in {p.ref for p in posts}


def test_multi_line_share_and_quote_in_text(make_archive):
    _, posts, _, _, _ = run(make_archive(linkedin_export()))
    by_ref = {p.ref: p for p in posts}
    assert by_ref["linkedin:share:7100000000000000002"].text == (
        "Three things I learnt on nights:\n\nSleep first.\nEat second.\nThen the paperwork.")
    assert by_ref["linkedin:ugcPost:7100000000000000003"].text == (
        'My mentor said "always check the scene twice", and she was right.')
    comments = sorted((p for p in posts if p.kind == "comment"), key=lambda p: p.created_at)
    assert comments[1].text == ('Alex Reed I told the crew "no more biscuits" and they ignored me.\n\n'
                                "Second paragraph here.")
    repost = next(p for p in posts if p.kind == "repost")
    assert repost.endorsement and "https://example.org/invented-article" in repost.notes[0]


def test_the_plain_csv_reader_would_split_these_rows_wrongly():
    """Why the reader is set up for backslash escapes: without it the quoted comment breaks apart."""
    plain = list(csv.reader(io.StringIO(COMMENTS)))
    assert len(plain) - 1 != 2 or any(len(r) != 3 for r in plain[1:])
    escaped = list(csv.reader(io.StringIO(COMMENTS), escapechar="\\"))
    assert len(escaped) - 1 == 2 and all(len(r) == 3 for r in escaped)
    shares = list(csv.reader(io.StringIO(SHARES), escapechar="\\"))
    assert len(shares) - 1 == 4


def test_profile_and_positions_fill_the_owner(make_archive):
    _, posts, _, _, owner = run(make_archive(linkedin_export()))
    assert owner["full_name"] == "Morgan Ashdown"
    assert owner["aliases"] == ["Morgan Keld"]
    assert owner["employer"] == "Invented Ambulance Trust"
    assert owner["city"] == "Leeds, England, United Kingdom"
    assert owner["handles"] == ["morgan_invented"]
    assert "Invented Ambulance Trust, Paramedic, Leeds (Mar 2023–now)" in owner["workplaces_text"]
    assert "Invented Care Home, Care Assistant, Bradford (Jan 2020–Feb 2023)" in owner["workplaces_text"]
    bio = next(p for p in posts if p.kind == "bio")
    assert bio.text.startswith("Paramedic | Invented Ambulance Trust") and bio.url == linkedin.ME


def test_rich_media_upload_time(make_archive):
    _, posts, _, _, _ = run(make_archive(linkedin_export()))
    photo = next(p for p in posts if p.kind == "photo")
    assert photo.created_at == datetime(2024, 3, 5, 16, 38, tzinfo=timezone.utc)
    assert photo.text == "Our new station" and photo.url is None
    assert photo.extra["upload"] == "feed photo"


def test_basic_archive_and_parent_folder(make_archive):
    files = {"Basic_LinkedInDataExport_01-02-2025/" + k: v for k, v in linkedin_export().items()
             if k in ("Profile.csv", "Positions.csv")}
    dets, posts, problems, _, owner = run(make_archive(files))
    assert [(d.layout, d.root) for d in dets] == [(linkedin.LAYOUT_BASIC, "Basic_LinkedInDataExport_01-02-2025/")]
    assert problems == [] and [p.kind for p in posts] == ["bio"] and owner["employer"]


def test_reddit_comments_csv_is_not_linkedin(make_archive):
    with Archive.open(make_archive({"comments.csv": "id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n",
                                    "Comments.csv.bak": "x"})) as arc:
        assert linkedin.detect(arc) == []


def test_broken_files_are_problems(make_archive):
    files = linkedin_export()
    files["Shares.csv"] = (SHARES + '2024-07-01 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A71,'
                           'unquoted, commas, everywhere,,,,MEMBER_NETWORK\nnot a date,,"text only",,,\n').encode()
    files["Comments.csv"] = b"When,Where\n1,2\n"
    files["Reactions.csv"] = b""
    dets, posts, problems, cov, _ = run(make_archive(files))
    msgs = {(p.member.split("#")[0], p.message.split(" (")[0].split(";")[0]) for p in problems}
    assert ("Shares.csv", "a row does not fit the header") in msgs
    assert any(p.member == "Shares.csv#6" and p.message == "unreadable Date" for p in problems)
    assert any(p.member == "Comments.csv" and "expected the columns" in p.message for p in problems)
    assert any(p.member == "Reactions.csv" for p in problems)
    shares = next(c for c in cov if c.member == "Shares.csv")
    assert shares.read == 5 and shares.skipped == {"not readable": 1}
    assert next(c for c in cov if c.member == "Comments.csv").skipped == {"not readable": 1}
    assert sum(1 for p in posts if p.kind in ("post", "repost")) == 5


def test_large_csv_is_streamed_in_chunks(make_archive, monkeypatch):
    """Many rows across several pandas chunks: every row read, record numbers continuous."""
    from auditor.importers import _platforms
    monkeypatch.setattr(_platforms, "CSV_CHUNK_ROWS", 7)
    rows = "".join(f'2024-01-01 00:{i // 60:02d}:{i % 60:02d},https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A{i},'
                   f'"comment {i} with a \\"quote\\""\n' for i in range(100))
    _, posts, problems, cov, _ = run(make_archive({"Comments.csv": "Date,Link,Message\n" + rows}))
    assert problems == [] and len(posts) == 100
    assert sorted(p.source.index for p in posts) == list(range(1, 101))
    assert all(p.text.endswith('with a "quote"') for p in posts)


def test_unwrap_lines_edge_cases():
    assert linkedin.unwrap_lines('Guide to sockets."\n') == "Guide to sockets."       # an empty last line
    assert linkedin.unwrap_lines('a"\n""\n"b') == "a\n\nb"
    assert linkedin.unwrap_lines("a\nb") == "a\nb"                                       # not LinkedIn's wrapping
    assert linkedin.unwrap_lines('"Quoted" start"\n"next') == '"Quoted" start\nnext'
