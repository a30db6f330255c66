"""TikTok "Download your data": one JSON file (a zip holding it, or the file on its own in a
folder), or, in the oldest downloads, a folder of TXT files.

Layouts (shared/reference/archive-formats.md section 7):

- ``user_data_tiktok.json`` (late 2024 on): top-level sections "Post", "Comment", "Profile",
  "Your Activity" ... Your videos: Post > Posts > VideoList; deleted ones: Post > Recently Deleted
  Posts > PostList.
- ``user_data.json`` (before): "Video" > Videos > VideoList, "Activity" > Like List and Favorite
  Videos, "Profile And Settings" or "Profile".
- TXT (before JSON): files such as ``Videos.txt``, ``Comments.txt``, ``Like List.txt`` and
  ``Profile Info.txt``, each a run of blocks of ``Key: value`` lines separated by blank lines.

Quirks handled: an empty section is ``null``, not ``[]`` (``"VideoList": null`` is no videos, a clean
read); key case varies (``Date``/``date``, ``Link``/``link``) so keys are looked up case-insensitively;
dates are ``2024-12-15 19:03:14`` with no zone and are read as UTC (TikTok does not say). The download
holds no video files, only links, so nothing local is checked for pictures.

Posts: your videos' captions (``tiktok:<video id>`` from the link; kind post), your comments
(kind comment; no id, so a stable hash of date and text), likes and favourites (kind like: you
endorsed someone else's video), and your bio.
"""
from __future__ import annotations

import posixpath
import re
from datetime import datetime
from typing import Any, Iterator

from auditor.archive import Archive
from auditor.model import Place, Post, Problem, SourceRef, stable_ref
from auditor.plugins import Coverage, Detection, ImportContext

from ._platforms import Tally, add_owner, clean_text, load_json, parse_time

PLATFORM = "tiktok"
PRIORITY = 40
LOOKS_FOR = "TikTok: user_data_tiktok.json, user_data.json, or the TXT download (Videos.txt, Comments.txt)"

JSON_NAMES = ("user_data_tiktok.json", "user_data.json")
JSON_SECTIONS = ("post", "video", "comment", "profile", "your activity", "activity", "profile and settings",
                 "direct message", "app settings", "ads and data", "tiktok live")
TXT_FILES = {"videos.txt": "post", "posts.txt": "post", "comments.txt": "comment", "like list.txt": "like",
             "favorite videos.txt": "favourite", "profile info.txt": "profile", "profile information.txt": "profile"}
MAX_TXT = 256 << 20

ROUTES = {
    "post": "TikTok: Profile > your videos; open the video from {date}, then ... (More, or Share) > Delete.",
    "deleted": "TikTok: Profile > the menu > Activity centre > Recently deleted; the video from {date} is kept "
               "there for 30 days: delete it permanently from there.",
    "comment": "TikTok: open the video you commented on ({date}), find your comment, press and hold it > Delete.",
    "like": "TikTok: Profile > the heart tab (Liked videos); find the video and tap the heart again to unlike it.",
    "favourite": "TikTok: Profile > the bookmark tab (Favourites); open the video and tap the bookmark again to "
                 "remove it.",
    "bio": "TikTok: Profile > Edit profile > Bio.",
}
WHO = {"everyone": "public", "public": "public", "friends": "your friends (followers you follow back)",
       "followers": "your followers", "only me": "only you", "onlyme": "only you", "private": "only you"}
_VIDEO_ID = re.compile(r"/(?:video|v)/(\d{6,25})")


# -- case-insensitive access ------------------------------------------------------------------
def get(d: Any, *keys: str) -> Any:
    """d[key] for the first of `keys` present, compared case-insensitively (None if absent or d is
    not an object)."""
    if not isinstance(d, dict):
        return None
    for k in keys:
        if k in d:
            return d[k]
    low = {str(k).lower(): v for k, v in d.items()}
    for k in keys:
        if k.lower() in low:
            return low[k.lower()]
    return None


def path(d: Any, *steps: tuple[str, ...]) -> Any:
    for step in steps:
        d = get(d, *step)
        if d is None:
            return None
    return d


def as_list(v: Any) -> list:
    """A section's list; null is an empty list (TikTok writes null for an empty section)."""
    if v is None:
        return []
    if isinstance(v, list):
        return v
    return [v]


def _s(v: Any) -> str:
    if v is None or isinstance(v, (dict, list)):
        return ""
    return str(v).strip()


# -- detection -------------------------------------------------------------------------------
def _json_head_ok(archive: Archive, member: str) -> bool:
    try:
        with archive.open_member(member) as fh:
            head = fh.read(65536).decode("utf-8", "replace").lstrip("\ufeff").lower()
    except Exception:
        return False
    return head.lstrip().startswith("{") and any(f'"{s}"' in head for s in JSON_SECTIONS)


def _txt_ok(archive: Archive, member: str) -> bool:
    try:
        with archive.open_member(member) as fh:
            head = fh.read(4096).decode("utf-8", "replace").lstrip("\ufeff")
    except Exception:
        return False
    return bool(re.search(r"(?mi)^(date|username|user name)\s*:", head))


def detect(archive: Archive) -> list[Detection]:
    found: dict[str, Detection] = {}
    for name in JSON_NAMES:
        for member in archive.find(name):
            root = member[: -len(name)]
            if root not in found and _json_head_ok(archive, member):
                found[root] = Detection(PLATFORM, f"{name} (JSON)", root, member)
    txt_roots: dict[str, str] = {}
    for member in archive.members():
        base = posixpath.basename(member).lower()
        if base in TXT_FILES and _txt_ok(archive, member):
            root = _txt_root(member)
            txt_roots.setdefault(root, member)
    for root, member in txt_roots.items():
        if not any(root.startswith(r) or r.startswith(root) for r in found):
            found[root] = Detection(PLATFORM, "TXT download (before 2022)", root, member)
    return list(found.values())


def _txt_root(member: str) -> str:
    """The download's folder: TXT files sit in section folders (Videos/, Comments/, Activity/ ...)
    or at the top."""
    parent = posixpath.dirname(member)
    grand = posixpath.dirname(parent)
    if parent and posixpath.basename(parent).lower() in ("videos", "video", "posts", "comments", "comment",
                                                          "activity", "profile", "your activity"):
        return grand + "/" if grand else ""
    return parent + "/" if parent else ""


# -- reading ---------------------------------------------------------------------------------
def _route(kind: str, when: datetime | None) -> str:
    return ROUTES[kind].format(date=f"{when:%d %b %Y}" if when else "the date shown here")


def _video_id(link: str) -> str | None:
    m = _VIDEO_ID.search(link or "")
    return m.group(1) if m else None


def _link(link: str) -> str | None:
    link = (link or "").strip()
    return link if re.match(r"https://([a-z0-9-]+\.)*tiktok(v)?\.com/", link) else None


class _Reader:
    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        self.archive, self.det, self.ctx = archive, det, ctx
        self.problems: list[Problem] = []
        self.seen: set[str] = set()
        self.username = ""

    def drain(self) -> Iterator[Problem]:
        while self.problems:
            yield self.problems.pop(0)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.archive.path, where, message))

    def permalink(self, link: str, vid: str | None) -> str | None:
        if vid and self.username:
            return f"https://www.tiktok.com/@{self.username}/video/{vid}"
        return _link(link)

    # one record -> Post ----------------------------------------------------------------------
    def video(self, item: Any, member: str, where: str, index: int, deleted: bool = False) -> Post | None:
        if not isinstance(item, dict):
            raise ValueError(f"a video is a {type(item).__name__}, not an object")
        when = parse_time(get(item, "Date", "CreateTime", "date"))
        link = _s(get(item, "Link", "VideoLink", "Video Link", "link", "url"))
        text = clean_text(_s(get(item, "Title", "Description", "Desc", "Caption", "VideoDescription", "Text")))
        vid = _video_id(link)
        if not (text or link):
            return None
        ref = f"tiktok:{vid}" if vid else stable_ref(PLATFORM, when, text, salt="video\x1f" + link)
        loc = _s(get(item, "Location", "location"))
        who = _s(get(item, "WhoCanView", "Who Can View"))
        notes = ["TikTok's download holds the caption and a link, not the video: watch the video itself for "
                 "faces, uniforms, screens and places."]
        if deleted:
            notes.append("You deleted this video; TikTok keeps it under Recently deleted for 30 days.")
        return Post(ref=ref, platform=PLATFORM, kind="post", created_at=when, text=text,
                    url=self.permalink(link, vid), audience=WHO.get(who.lower(), who or None),
                    place=Place(None, None, loc, "tiktok-location") if loc and loc.lower() not in ("none", "null")
                    else None,
                    source=SourceRef(self.archive.path, member, index), deleted=deleted,
                    how_to_find=_route("deleted" if deleted else "post", when), notes=tuple(notes),
                    extra={"video_link": link, "sound": _s(get(item, "Sound"))})

    def comment(self, item: Any, member: str, index: int) -> Post | None:
        if not isinstance(item, dict):
            raise ValueError(f"a comment is a {type(item).__name__}, not an object")
        when = parse_time(get(item, "date", "Date", "CreateTime"))
        text = clean_text(_s(get(item, "comment", "Comment", "text")))
        url = _s(get(item, "url", "Url", "Link", "VideoLink"))
        if not text:
            return None
        return Post(ref=stable_ref(PLATFORM, when, text, salt="comment"), platform=PLATFORM, kind="comment",
                    created_at=when, text=text, url=_link(url), source=SourceRef(self.archive.path, member, index),
                    how_to_find=_route("comment", when),
                    extra={"photo": _s(get(item, "photo", "Photo"))})

    def endorsement(self, item: Any, member: str, index: int, what: str) -> Post | None:
        if not isinstance(item, dict):
            raise ValueError(f"a {what} is a {type(item).__name__}, not an object")
        when = parse_time(get(item, "date", "Date"))
        link = _s(get(item, "link", "Link", "VideoLink", "Video Link", "url"))
        vid = _video_id(link)
        if not link:
            return None
        ref = f"tiktok:{what}:{vid}" if vid else stable_ref(PLATFORM, when, link, salt=what)
        word = "liked" if what == "like" else "saved to your favourites"
        return Post(ref=ref, platform=PLATFORM, kind="like", created_at=when, text="", url=_link(link),
                    source=SourceRef(self.archive.path, member, index), how_to_find=_route(what, when),
                    notes=(f"You {word} someone else's video: an endorsement. The download has only the link; "
                           "open it to see the video.",),
                    extra={"original_url": link, "endorsement": what})

    # sections ----------------------------------------------------------------------------------
    def records(self, items: list, member: str, where: str, what: str, make) -> Iterator[Post | Problem | Coverage]:
        tally = Tally(f"{member} > {where}", what, expected=len(items))
        for i, item in enumerate(items):
            try:
                post = make(item, i)
            except Exception as exc:  # a bad record is a Problem, never an abort
                self.problem(f"{member}#{where}/{i}", f"unreadable {what[:-1] if what.endswith('s') else what}: "
                             f"{str(exc)[:200]}")
                tally.skip("not readable")
                yield from self.drain()
                continue
            if post is None:
                tally.skip("empty")
                continue
            if post.ref in self.seen:
                tally.skip("duplicate")
                continue
            self.seen.add(post.ref)
            tally.read += 1
            yield post
            yield from self.drain()
        yield tally.coverage()

    def read_json(self) -> Iterator[Post | Problem | Coverage]:
        member = self.det.marker
        data = load_json(self.archive, member, self.problems)
        yield from self.drain()
        if data is None:
            yield Coverage(member, "posts", 0, None, {"not readable": 1})
            return
        if not isinstance(data, dict):
            self.problem(member, "expected a JSON object with sections (Post, Comment, Profile ...); skipped")
            yield from self.drain()
            yield Coverage(member, "posts", 0, None, {"not readable": 1})
            return
        self.profile(get(data, "Profile", "Profile And Settings"), member)
        yield from self.drain()
        for section, sub in (("Post", "Posts"), ("Video", "Videos")):
            box = path(data, (section,), (sub,))
            if box is None and get(data, section) is None:
                continue
            raw = get(box, "VideoList", "PostList")
            if raw is not None and not isinstance(raw, list):
                self.problem(f"{member}#{section}/{sub}", f"VideoList is a {type(raw).__name__}, not a list; skipped")
                raw = None
            yield from self.records(as_list(raw), member, f"{section} > {sub} > VideoList", "posts",
                                    lambda it, i, section=section: self.video(it, member, section, i))
            deleted = path(data, (section,), ("Recently Deleted Posts", "Recently Deleted Videos"))
            if deleted is not None:
                items = get(deleted, "PostList", "VideoList")
                yield from self.records(as_list(items) if isinstance(items, (list, type(None))) else [items],
                                        member, f"{section} > Recently Deleted Posts", "deleted posts",
                                        lambda it, i, section=section: self.video(it, member, section, i,
                                                                                  deleted=True))
        comments = path(data, ("Comment",), ("Comments",))
        if get(data, "Comment") is not None:
            items = get(comments, "CommentsList", "CommentList")
            yield from self.records(as_list(items) if isinstance(items, (list, type(None))) else [items],
                                    member, "Comment > Comments", "comments",
                                    lambda it, i: self.comment(it, member, i))
        activity = get(data, "Your Activity", "Activity", "Likes and Favorites")
        for sub, key, what in (("Like List", "ItemFavoriteList", "like"),
                               ("Favorite Videos", "FavoriteVideoList", "favourite")):
            box = get(activity, sub)
            if box is None:
                continue
            items = get(box, key, "VideoList")
            yield from self.records(as_list(items) if isinstance(items, (list, type(None))) else [items],
                                    member, f"Your Activity > {sub}", "likes" if what == "like" else "favourites",
                                    lambda it, i, w=what: self.endorsement(it, member, i, w))
        yield from self.bio(member)
        yield from self.drain()

    def profile(self, prof: Any, member: str) -> None:
        pmap = path(prof, ("Profile Information", "Profile Info"), ("ProfileMap", "Profile Map"))
        if pmap is None:
            pmap = get(prof, "ProfileMap")
        if not isinstance(pmap, dict):
            return
        user = _s(get(pmap, "userName", "username", "User Name"))
        if user and re.fullmatch(r"[A-Za-z0-9_.]{1,40}", user):
            self.username = user
            add_owner(self.ctx.owner, handle="@" + user)
        nick = _s(get(pmap, "displayName", "nickName", "Nickname"))
        if nick:
            add_owner(self.ctx.owner, alias=nick)
        self._bio = clean_text(_s(get(pmap, "bioDescription", "Bio Description", "bio")))
        self._bio_member = member

    def bio(self, member: str) -> Iterator[Post | Coverage]:
        bio = getattr(self, "_bio", "")
        if not bio:
            return
        add_owner(self.ctx.owner, bio=bio)
        yield Post(ref=stable_ref(PLATFORM, None, bio, salt="bio"), platform=PLATFORM, kind="bio", created_at=None,
                   text=bio, url=f"https://www.tiktok.com/@{self.username}" if self.username else None,
                   source=SourceRef(self.archive.path, member, None), how_to_find=_route("bio", None))
        yield Coverage(f"{member} > Profile", "bio", 1, 1)

    # the TXT download ------------------------------------------------------------------------
    def read_txt(self) -> Iterator[Post | Problem | Coverage]:
        root = self.det.root
        files = [(m, TXT_FILES[posixpath.basename(m).lower()]) for m in self.archive.iter_files(root)
                 if posixpath.basename(m).lower() in TXT_FILES]
        files.sort(key=lambda mk: (mk[1] != "profile", mk[0]))
        for member, what in files:
            try:
                text = self.archive.read_text(member, max_size=MAX_TXT)
            except Exception as exc:
                self.problem(member, f"could not be read: {exc}")
                yield from self.drain()
                yield Coverage(member, what, 0, None, {"not readable": 1})
                continue
            blocks = parse_txt(text)
            if what == "profile":
                fields = blocks[0] if blocks else {}
                self.profile({"ProfileMap": {"userName": fields.get("username") or fields.get("user name"),
                                             "bioDescription": fields.get("bio description") or fields.get("bio")}},
                             member)
                yield from self.bio(member)
                continue
            make = {"post": lambda b, i, m=member: self.video(_txt_video(b), m, "txt", i),
                    "comment": lambda b, i, m=member: self.comment(b, m, i),
                    "like": lambda b, i, m=member: self.endorsement(_txt_video(b), m, i, "like"),
                    "favourite": lambda b, i, m=member: self.endorsement(_txt_video(b), m, i, "favourite")}[what]
            label = {"post": "posts", "comment": "comments", "like": "likes", "favourite": "favourites"}[what]
            yield from self.records(blocks, member, "all", label, make)
        yield from self.drain()


def _txt_video(block: dict) -> dict:
    return {"Date": block.get("date"), "Link": block.get("video link") or block.get("link") or block.get("url"),
            "Title": block.get("title") or block.get("description") or block.get("caption"),
            "Location": block.get("location"), "WhoCanView": block.get("who can view")}


def parse_txt(text: str) -> list[dict[str, str]]:
    """Blocks of `Key: value` lines separated by blank lines; a line without a key continues the
    previous value (a caption or comment over several lines). Keys are lower-cased."""
    blocks: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    last = None
    for line in text.lstrip("\ufeff").splitlines():
        if not line.strip():
            if cur:
                blocks.append(cur)
            cur, last = {}, None
            continue
        m = re.match(r"^([A-Za-z][A-Za-z ]{0,40}?)\s*:\s?(.*)$", line)
        if m and not (last and m.group(1).lower() in ("http", "https")):
            key = m.group(1).strip().lower()
            if key in cur and cur:             # a repeated key without a blank line: a new record
                blocks.append(cur)
                cur = {}
            cur[key] = m.group(2).strip()
            last = key
        elif last:
            cur[last] += "\n" + line.strip()
    if cur:
        blocks.append(cur)
    return blocks


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    r = _Reader(archive, detection, ctx)
    if detection.layout.startswith("TXT"):
        yield from r.read_txt()
    else:
        yield from r.read_json()
