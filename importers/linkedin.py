"""LinkedIn "Get a copy of your data" downloads: a flat zip of CSV files.

Layouts (shared/reference/archive-formats.md section 6):

- the complete archive (``Complete_LinkedInDataExport_MM-DD-YYYY.zip``): ``Shares.csv`` (your posts:
  ``Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility``), ``Comments.csv``
  (``Date,Link,Message``), ``Reactions.csv`` (``Date,Type,Link``), ``Rich_Media.csv`` (the photos and
  documents you uploaded: ``Date/Time,Media Description,Media Link``), plus the basic files;
- the basic archive: ``Profile.csv`` (names, headline, summary, area) and ``Positions.csv`` (work
  history), and no posts.

Quirks handled:

- LinkedIn escapes a quote inside a cell with a backslash (``\\"``), not by doubling it: the files are
  read with a CSV reader set up for that (pandas, ``escapechar="\\\\"``), in chunks, never split by hand.
  The plain reader splits such rows wrongly (348 rows instead of 323 in one real Comments.csv).
- In ``Shares.csv`` every line break inside a post is written as ``"\\n"`` (each line wrapped in
  quotes of its own). When every line break of a cell has that shape the wrapping is removed; a cell
  with any other line break is left as it is.
- Some files start with free-text ``Notes:`` lines and a blank line before the header (skipped).
- Dates are ``YYYY-MM-DD HH:MM:SS`` with no zone; they are read as UTC (LinkedIn does not say).

Posts: shares (``linkedin:share:<id>`` from the ShareLink urn; a share with no words of your own is a
repost), comments and reactions (no id in the export: a stable hash of date, link and text), uploaded
photos, and your headline and summary as a bio. Positions.csv and Profile.csv also fill in your
profile for ``auditor init --from-archive``.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Callable, Iterator
from urllib.parse import unquote

from auditor.archive import Archive, common_root
from auditor.model import Post, Problem, SourceRef, stable_ref
from auditor.plugins import Coverage, Detection, ImportContext

from ._platforms import CsvFile, Tally, add_owner, col, find_ci, parse_time

PLATFORM = "linkedin"
PRIORITY = 40
LOOKS_FOR = "LinkedIn: Shares.csv, Comments.csv, Reactions.csv, Rich_Media.csv, Profile.csv or Positions.csv"

LAYOUT_COMPLETE = "complete archive (Shares.csv)"
LAYOUT_BASIC = "basic archive (Profile.csv)"
LAYOUT_ACTIVITY = "activity files (Comments.csv, Reactions.csv)"

# file -> the columns that identify it (checked on the header, so Reddit's comments.csv is not taken)
FILES = {
    "Shares.csv": ("Date", "ShareLink"),
    "Comments.csv": ("Date", "Link", "Message"),
    "Reactions.csv": ("Date", "Type", "Link"),
    "Rich_Media.csv": ("Media Link",),
    "Profile.csv": ("First Name", "Last Name"),
    "Positions.csv": ("Company Name", "Title"),
}
ALIASES = {"Rich_Media.csv": ("Rich_Media.csv", "Rich Media.csv")}

ME = "https://www.linkedin.com/in/me/"           # LinkedIn sends this to the signed-in member's profile
ROUTES = {
    "post": "LinkedIn: Me > Posts & Activity > Posts; find your post from {date}, then ... (More) > Delete post.",
    "repost": "LinkedIn: Me > Posts & Activity > Posts; find your repost from {date}, then ... (More) > "
              "Delete repost.",
    "comment": "LinkedIn: Me > Posts & Activity > Comments; find your comment from {date}, then ... (More) "
               "beside it > Delete.",
    "like": "LinkedIn: Me > Posts & Activity > Reactions; find the post from {date} and click your reaction "
            "again to remove it.",
    "photo": "LinkedIn: Me > Posts & Activity > Images (a profile or background photo is changed from your "
             "profile); find the upload from {date}, then ... (More) > Delete.",
    "bio": "LinkedIn: Me > View profile; edit your headline with the pencil beside your name, and your "
           "summary under About.",
}
VISIBILITY = {"MEMBER_NETWORK": "LinkedIn members", "PUBLIC": "public", "ANYONE": "public",
              "CONNECTIONS": "your connections", "CONNECTIONS_ONLY": "your connections",
              "LOGGED_IN": "LinkedIn members", "CONTAINER": "a group or page"}
_URN = re.compile(r"urn:li:(share|ugcPost|activity):(\d+)")
_UPLOAD = re.compile(r"uploaded an? (?P<what>[a-z ]+?) on (?P<date>[A-Z][a-z]+ \d{1,2}, \d{4}) at "
                     r"(?P<time>\d{1,2}:\d\d\s*[AP]M)", re.IGNORECASE)


# -- detection -------------------------------------------------------------------------------
def _header(archive: Archive, member: str) -> str:
    try:
        with archive.open_member(member) as fh:
            head = fh.read(4096).decode("utf-8", "replace").lstrip("\ufeff")
    except Exception:  # unreadable: not ours to claim
        return ""
    if head.startswith("Notes:"):
        parts = re.split(r"\r?\n\s*\r?\n", head, maxsplit=1)
        head = parts[1] if len(parts) > 1 else ""
    return head.split("\n", 1)[0]


def _is(archive: Archive, member: str, name: str) -> bool:
    header = _header(archive, member).lower()
    return all(c.lower() in header for c in FILES[name])


def detect(archive: Archive) -> list[Detection]:
    roots: dict[str, set[str]] = {}
    markers: dict[str, str] = {}
    for name in FILES:
        for alias in ALIASES.get(name, (name,)):
            for member in archive.find(alias):
                root = common_root(member, alias) if member != alias else ""
                if member.endswith("/" + alias) or member == alias:
                    if _is(archive, member, name):
                        roots.setdefault(root, set()).add(name)
                        markers.setdefault(root, member)
    out = []
    for root, names in sorted(roots.items()):
        if "Shares.csv" in names:
            layout = LAYOUT_COMPLETE
        elif names & {"Comments.csv", "Reactions.csv", "Rich_Media.csv"}:
            layout = LAYOUT_ACTIVITY
        elif "Profile.csv" in names or "Positions.csv" in names:
            layout = LAYOUT_BASIC
        else:
            continue
        out.append(Detection(PLATFORM, layout, root, markers[root]))
    return out


# -- fields ----------------------------------------------------------------------------------
def unwrap_lines(text: str) -> str:
    """Undo Shares.csv's per-line quoting: `first"\\n""\\n"second` -> `first\\n\\nsecond`, only when
    every line break in the cell has that shape (otherwise the text is left as it is)."""
    if "\n" not in text:
        return text
    core = re.sub(r'"\r?\n$', "", re.sub(r'^\r?\n"', "", text))     # a first or last line left empty
    wrapped = re.findall(r'"\r?\n"', core)
    if len(wrapped) != core.count("\n"):
        return text
    return re.sub(r'"(\r?\n)"', r"\1", core)


def share_id(link: str) -> str | None:
    m = _URN.search(unquote(link or ""))
    return f"{m.group(1)}:{m.group(2)}" if m else None


def _link(value: str) -> str | None:
    value = (value or "").strip()
    return value if re.match(r"https://(www\.)?linkedin\.com/", value) else None


def _when(value: str) -> datetime | None:
    return parse_time(value)


def _upload_time(value: str) -> tuple[datetime | None, str]:
    """Rich_Media.csv's "You uploaded a feed photo on March 5, 2024 at 4:38 PM (GMT)"."""
    m = _UPLOAD.search(value or "")
    if not m:
        return parse_time(value), ""
    try:
        dt = datetime.strptime(f"{m.group('date')} {m.group('time').replace(' ', '')}", "%B %d, %Y %I:%M%p")
    except ValueError:
        return None, m.group("what")
    return parse_time(dt.strftime("%Y-%m-%d %H:%M:%S")), m.group("what").lower()


def _route(kind: str, when: datetime | None) -> str:
    return ROUTES[kind].format(date=f"{when:%d %b %Y}" if when else "the date shown here")


# -- reading ---------------------------------------------------------------------------------
class _Reader:
    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        self.archive, self.root, self.ctx = archive, det.root, ctx
        self.problems: list[Problem] = []

    def member(self, name: str) -> str | None:
        return find_ci(self.archive, self.root, ALIASES.get(name, (name,)))

    def drain(self) -> Iterator[Problem]:
        while self.problems:
            yield self.problems.pop(0)

    def csv(self, name: str, what: str) -> tuple[CsvFile, Tally] | None:
        member = self.member(name)
        if member is None:
            return None
        f = CsvFile(self.archive, member, self.problems)
        tally = Tally(member, what)
        if not f.open():
            tally.skip("not readable")
            return f, tally
        if not f.has(*FILES[name]):
            self.problems.append(Problem(self.archive.path, member, f"expected the columns {', '.join(FILES[name])}; "
                                         f"found {', '.join(f.header)[:200]}; skipped"))
            tally.skip("not readable")
            f.close()
            return f, tally
        return f, tally

    def post(self, **kw) -> Post:
        return Post(platform=PLATFORM, **kw)

    def row_post(self, f: CsvFile, i: int, kind: str, when: datetime | None, **kw) -> Post:
        """A post read from row i of CSV f: where it came from and how to find it online."""
        return self.post(kind=kind, created_at=when, source=SourceRef(self.archive.path, f.member, i),
                         how_to_find=_route(kind, when), **kw)

    def rows(self, name: str, what: str, label: str,
             build: Callable[[CsvFile, int, dict], Post | str]) -> Iterator[Post | Problem | Coverage]:
        """Each row of one CSV through `build`, which returns a Post or the reason the row was skipped.
        A row that raises is a Problem ("unreadable <label>"), never an abort; the file's coverage last."""
        got = self.csv(name, what)
        if got is None:
            return
        f, tally = got
        for i, row in f.rows():
            try:
                out = build(f, i, row)
                if isinstance(out, str):
                    tally.skip(out)
                else:
                    yield out
                    tally.read += 1
            except Exception as exc:  # a bad record is a Problem, never an abort
                self.problems.append(Problem(self.archive.path, f"{f.member}#{i}", f"unreadable {label}: {exc!r}"))
                tally.skip("not readable")
            yield from self.drain()
        tally.skip("not readable", f.bad)
        yield from self.drain()
        yield tally.coverage()

    def undated(self, f: CsvFile, i: int, when: datetime | None) -> None:
        if when is None:
            self.problems.append(Problem(self.archive.path, f"{f.member}#{i}", "unreadable Date"))

    # shares -------------------------------------------------------------------------------
    def share(self, f: CsvFile, i: int, row: dict) -> Post | str:
        when = _when(col(row, "Date"))
        link = col(row, "ShareLink")
        text = unwrap_lines(col(row, "ShareCommentary"))
        shared = col(row, "SharedUrl")
        media = col(row, "MediaUrl")
        if not (text or link or shared or media):
            return "empty"
        sid = share_id(link)
        kind = "post" if text or media else "repost"
        ref = f"linkedin:{sid}" if sid else stable_ref(PLATFORM, when, text, salt=link + shared)
        vis = col(row, "Visibility")
        notes = []
        if kind == "repost":
            notes.append("Repost: you shared someone else's post without words of your own; open the "
                         "link to see what you shared." + (f" Shared: {shared}" if shared else ""))
        if media:
            notes.append("LinkedIn keeps the picture or document of this post online only; it is not "
                         "in your download, so it was not checked.")
        self.undated(f, i, when)
        return self.row_post(f, i, kind, when, ref=ref, text=text or (shared if kind == "repost" else ""),
                             url=_link(link), audience=VISIBILITY.get(vis.upper(), vis.lower() or None),
                             notes=tuple(notes),
                             extra={"shared_url": shared, "media_url": media})

    # comments and reactions ---------------------------------------------------------------
    def comment(self, f: CsvFile, i: int, row: dict) -> Post | str:
        when = _when(col(row, "Date"))
        link = col(row, "Link")
        text = col(row, "Message")
        if not text:
            return "empty"
        self.undated(f, i, when)
        return self.row_post(f, i, "comment", when, ref=stable_ref(PLATFORM, when, text, salt="comment\x1f" + link),
                             text=text, url=_link(link),
                             notes=("The link opens the post you commented on; your comment is under it.",)
                             if _link(link) else ())

    def reaction(self, f: CsvFile, i: int, row: dict) -> Post | str:
        when = _when(col(row, "Date"))
        link = col(row, "Link")
        rtype = col(row, "Type")
        if not link:
            return "no link to the post"
        ref = stable_ref(PLATFORM, when, "", salt=f"reaction\x1f{link}\x1f{rtype}")
        return self.row_post(f, i, "like", when, ref=ref, text="", url=_link(link),
                             notes=(f"Reaction ({rtype.title() or 'Like'}): you endorsed someone else's post. "
                                    "LinkedIn's download does not include the post's words; open the link "
                                    "to read them.",),
                             extra={"reaction": rtype, "original_url": link})

    def upload(self, f: CsvFile, i: int, row: dict) -> Post | str:
        when, what = _upload_time(col(row, "Date/Time", "Date"))
        desc = col(row, "Media Description")
        link = col(row, "Media Link")
        if not (desc or link):
            return "empty"
        return self.row_post(f, i, "photo", when, ref=stable_ref(PLATFORM, when, desc, salt="media\x1f" + link),
                             text=desc, url=None,
                             notes=(f"An upload ({what or 'photo or document'}): LinkedIn keeps the file online "
                                    "only; it is not in your download, so the picture itself was not "
                                    "checked.",),
                             extra={"media_url": link, "upload": what})

    # profile and work history -------------------------------------------------------------
    def profile(self) -> Iterator[Post | Problem | Coverage]:
        got = self.csv("Profile.csv", "profile")
        if got is None:
            return
        f, tally = got
        owner = self.ctx.owner
        for i, row in f.rows():
            if i > 1:
                tally.skip("more than one profile row")
                continue
            first, last = col(row, "First Name"), col(row, "Last Name")
            maiden = col(row, "Maiden Name")
            full = " ".join(x for x in (first, last) if x)
            headline, summary = col(row, "Headline"), col(row, "Summary")
            handles = re.findall(r"[A-Za-z0-9_]{1,30}", col(row, "Twitter Handles"))
            add_owner(owner, name=full, alias=" ".join(x for x in (first, maiden) if x) if maiden else "",
                      city=col(row, "Geo Location", "Location"))
            for h in handles:
                add_owner(owner, handle=h)
            bio = "\n\n".join(x for x in (headline, summary) if x)
            if bio:
                add_owner(owner, bio=bio)
                yield self.post(ref=stable_ref(PLATFORM, None, bio, salt="bio"), kind="bio", created_at=None,
                                text=bio, url=ME, source=SourceRef(self.archive.path, f.member, i),
                                how_to_find=_route("bio", None),
                                notes=("Your LinkedIn headline and summary: the first thing an employer or "
                                       "regulator sees.",))
                tally.read += 1
            else:
                tally.skip("no headline or summary")
        tally.skip("not readable", f.bad)
        yield from self.drain()
        yield tally.coverage()

    def positions(self) -> Iterator[Problem | Coverage]:
        got = self.csv("Positions.csv", "work history")
        if got is None:
            return
        f, tally = got
        jobs = []
        for _, row in f.rows():
            company = col(row, "Company Name")
            if not company:
                tally.skip("no company name")
                continue
            jobs.append((company, col(row, "Title"), col(row, "Location"), col(row, "Started On"),
                         col(row, "Finished On")))
            tally.read += 1
        if jobs:
            current = [j for j in jobs if not j[4]] or jobs
            text = "; ".join(", ".join(x for x in j[:3] if x) + (f" ({j[3]}–{j[4] or 'now'})" if j[3] else "")
                             for j in jobs)
            add_owner(self.ctx.owner, employer=current[0][0], workplaces_text=text)
        tally.skip("not readable", f.bad)
        yield from self.drain()
        yield tally.coverage()


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    r = _Reader(archive, detection, ctx)
    yield from r.profile()
    yield from r.positions()
    yield from r.rows("Shares.csv", "posts", "share", r.share)
    yield from r.rows("Comments.csv", "comments", "comment", r.comment)
    yield from r.rows("Reactions.csv", "reactions", "reaction", r.reaction)
    yield from r.rows("Rich_Media.csv", "photos", "upload", r.upload)
    yield from r.drain()
