"""Reddit data requests (GDPR): a flat zip of about 38 CSV files.

Layout (shared/reference/archive-formats.md section 10): ``posts.csv``
(``id,permalink,date,ip,subreddit,gildings,title,url,body``) and ``comments.csv``
(``id,permalink,date,ip,subreddit,gildings,link,parent,body,media``; some downloads add more gildings
columns, so files are recognised by their header, not their name alone). Dates are
``2023-01-15 12:34:56 UTC``; ``permalink`` is a full address (older files: a path from reddit.com);
bodies are Markdown; ``[deleted]`` and ``[removed]`` stand in for text already gone.
The files are standard CSV (quotes doubled) and are streamed in chunks with pandas.

Posts get ``reddit:t3_<id>`` and comments ``reddit:t1_<id>`` (Reddit's own full names). The
subreddit is the audience (a public community unless it is private). The ``ip`` column is kept out
of the text: it is not something you posted. Votes, saved and hidden posts are not read.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterator

from auditor.archive import Archive
from auditor.model import Post, Problem, SourceRef, stable_ref
from auditor.plugins import Coverage, Detection, ImportContext

from ._platforms import CsvFile, Tally, add_owner, clean_text, col, find_ci, parse_time

PLATFORM = "reddit"
PRIORITY = 45
LOOKS_FOR = "Reddit: posts.csv or comments.csv (columns id, permalink, date, subreddit, body)"

POST_COLUMNS = ("id", "permalink", "date", "subreddit", "title")
COMMENT_COLUMNS = ("id", "permalink", "date", "subreddit", "body")
GONE = ("[deleted]", "[removed]")
ROUTES = {
    "post": "Reddit: your profile > Posts; find your post from {date} in {sub}, then ... (More) > Delete.",
    "comment": "Reddit: your profile > Comments; find your comment from {date} in {sub}, then ... (More) > "
               "Delete.",
}


def _head(archive: Archive, member: str) -> list[str]:
    try:
        with archive.open_member(member) as fh:
            line = fh.read(2048).decode("utf-8", "replace").lstrip("\ufeff").split("\n", 1)[0]
    except Exception:
        return []
    return [c.strip().strip('"').lower() for c in line.strip().split(",")]


def _kind_of(header: list[str]) -> str | None:
    if all(c in header for c in POST_COLUMNS):
        return "post"
    if all(c in header for c in COMMENT_COLUMNS):
        return "comment"
    return None


def detect(archive: Archive) -> list[Detection]:
    found: dict[str, Detection] = {}
    for name in ("posts.csv", "comments.csv"):
        for member in archive.find(name):
            if _kind_of(_head(archive, member)) is None:
                continue
            root = member[: -len(name)]
            if root not in found:
                found[root] = Detection(PLATFORM, "data request (posts.csv, comments.csv)", root, member)
    return list(found.values())


def _url(permalink: str) -> str | None:
    p = (permalink or "").strip()
    if p.startswith("/"):
        p = "https://www.reddit.com" + p
    return p if re.match(r"https://(www\.|old\.|new\.)?reddit\.com/", p) else None


def _route(kind: str, when: datetime | None, sub: str) -> str:
    return ROUTES[kind].format(date=f"{when:%d %b %Y}" if when else "the date shown here",
                               sub=f"r/{sub}" if sub else "its community")


def _read_file(archive: Archive, member: str, kind: str, problems: list[Problem], seen: set[str]
               ) -> Iterator[Post | Problem | Coverage]:
    f = CsvFile(archive, member, problems, escapechar=None)
    tally = Tally(member, kind + "s")
    if not f.open():
        tally.skip("not readable")
        yield from _drain(problems)
        yield tally.coverage()
        return
    if _kind_of([h.lower() for h in f.header]) != kind:
        columns = ", ".join(POST_COLUMNS if kind == "post" else COMMENT_COLUMNS)
        problems.append(Problem(archive.path, member, f"expected the columns {columns}; skipped"))
        f.close()
        tally.skip("not readable")
        yield from _drain(problems)
        yield tally.coverage()
        return
    for i, row in f.rows():
        try:
            rid = re.sub(r"[^A-Za-z0-9_]", "", col(row, "id"))[:20]
            when = parse_time(col(row, "date"))
            sub = col(row, "subreddit")
            body = clean_text(col(row, "body"))
            title = clean_text(col(row, "title")) if kind == "post" else ""
            gone = body in GONE
            if gone:
                body = ""
            text = "\n\n".join(x for x in (title, body) if x)
            if not text and kind == "post" and col(row, "url"):
                text = col(row, "url")
            if not text:
                tally.skip("already deleted on Reddit" if gone else "empty")
                continue
            prefix = "t3_" if kind == "post" else "t1_"
            ref = f"reddit:{prefix}{rid}" if rid else stable_ref(PLATFORM, when, text, salt=kind)
            if ref in seen:
                tally.skip("duplicate")
                continue
            seen.add(ref)
            if when is None:
                problems.append(Problem(archive.path, f"{member}#{i}", "unreadable date"))
            notes = []
            if gone:
                notes.append("Reddit shows the text of this post as removed; the title is still public.")
            yield Post(ref=ref, platform=PLATFORM, kind=kind, created_at=when, text=text,
                       url=_url(col(row, "permalink")), audience=f"r/{sub}" if sub else None,
                       source=SourceRef(archive.path, member, i), how_to_find=_route(kind, when, sub),
                       notes=tuple(notes),
                       extra={"subreddit": sub, "link": col(row, "url", "link"), "parent": col(row, "parent")})
            tally.read += 1
        except Exception as exc:  # a bad record is a Problem, never an abort
            problems.append(Problem(archive.path, f"{member}#{i}", f"unreadable {kind}: {exc!r}"))
            tally.skip("not readable")
        yield from _drain(problems)
    tally.skip("not readable", f.bad)
    yield from _drain(problems)
    yield tally.coverage()


def _drain(problems: list[Problem]) -> Iterator[Problem]:
    while problems:
        yield problems.pop(0)


def _owner(archive: Archive, root: str, ctx: ImportContext, problems: list[Problem]) -> None:
    member = find_ci(archive, root, ("statistics.csv",))
    if member is None:
        return
    f = CsvFile(archive, member, problems, escapechar=None)
    if not f.open():
        return
    for _, row in f.rows():
        values = list(row.values())
        if len(values) >= 2 and values[0].strip().lower() in ("account name", "username"):
            add_owner(ctx.owner, handle="u/" + values[1].strip().removeprefix("u/").strip())


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    problems: list[Problem] = []
    seen: set[str] = set()
    _owner(archive, detection.root, ctx, problems)
    yield from _drain(problems)
    for name, kind in (("posts.csv", "post"), ("comments.csv", "comment")):
        member = find_ci(archive, detection.root, (name,))
        if member is not None:
            yield from _read_file(archive, member, kind, problems, seen)
