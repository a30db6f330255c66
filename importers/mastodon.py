"""Mastodon account archives (Preferences > Import and export > Request your archive).

Layout (shared/reference/archive-formats.md section 8), a zip since Mastodon 4.1 (February 2023):
``outbox.json`` (an ActivityStreams OrderedCollection of your activities), ``actor.json`` (your
profile), ``likes.json`` and ``bookmarks.json`` (lists of post addresses), ``avatar.*``, ``header.*``
and ``media_attachments/files/<id in 3-digit groups>/original/<name>``. Archives from before 2023 are
``.tar.gz`` files: unpack one and give the folder.

- ``Create`` activities are your own posts (``object.type`` Note, or Question for a poll); a post
  with ``inReplyTo`` is a reply. ``Announce`` activities are boosts: an endorsement of someone else's
  post, whose text the archive does not hold (``object`` is only its address).
- ``content`` is HTML: it is turned into text (paragraphs and line breaks kept, entities unescaped,
  the hidden parts of shortened links dropped). A content warning (``summary``) goes first.
- Who could see a post comes from ``to``/``cc``: the Public address in ``to`` is public, in ``cc``
  unlisted, only your followers is followers-only, otherwise only the people mentioned ("direct").
  Direct posts are in the outbox too and are read like the others: other servers hold copies.
- Attachment ``url`` is the server's storage path; some servers put a bucket name in front
  (``/bucket/media_attachments/...``), so the file is found by its ``media_attachments/...`` suffix.
  Photos are Media entries, so their EXIF (GPS, time) is read like any other photo's.
- ``outbox.json`` is streamed record by record; ``totalItems`` is the account's post count on the
  server and need not match the records in the file (1557 against 1586 in one real archive), so the
  coverage counts the records in the file.

Refs: ``mastodon:<status id>`` for posts, ``mastodon:boost:<status id>`` for boosts,
``mastodon:like:<address>`` for likes.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from datetime import datetime
from typing import Any, Iterator
from urllib.parse import urlparse

from auditor.archive import Archive
from auditor.model import Media, Post, Problem, SourceRef, stable_ref
from auditor.plugins import Coverage, Detection, ImportContext

from ._platforms import StreamedArray, Tally, add_owner, html_to_text, load_json, parse_time

PLATFORM = "mastodon"
PRIORITY = 40
LOOKS_FOR = "Mastodon: outbox.json with actor.json (an account archive)"

PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
POST_TYPES = {"Note", "Question", "Article", "Page", "Audio", "Image", "Video", "Event"}
MEDIA_KIND = {"image": "photo", "video": "video", "audio": "other"}
ROUTES = {
    "post": "Mastodon: open your post from {date} on {host} (your profile, or the link), then ... (More) > "
            "Delete (or Delete & re-draft).",
    "repost": "Mastodon: open the post you boosted (the link) and select the boost button again to undo the "
              "boost.",
    "like": "Mastodon: Favourites (in the menu on {host}); open the post and select the star again to remove "
            "your favourite.",
    "bio": "Mastodon: Preferences > Public profile (Edit profile) on {host}: change the display name, bio "
           "and extra fields.",
}
_STATUS_ID = re.compile(r"/(?:statuses|notes|objects|posts|p)/([A-Za-z0-9_-]{1,64})(?:/activity)?/?$")


def _head(archive: Archive, member: str) -> str:
    try:
        with archive.open_member(member) as fh:
            return fh.read(8192).decode("utf-8", "replace")
    except Exception:
        return ""


def detect(archive: Archive) -> list[Detection]:
    out = []
    for member in archive.find("outbox.json"):
        root = member[: -len("outbox.json")]
        head = _head(archive, member)
        if '"OrderedCollection"' not in head and '"orderedItems"' not in head:
            continue
        out.append(Detection(PLATFORM, "account archive (outbox.json)", root, member))
    return out


# -- fields ----------------------------------------------------------------------------------
def _list(v: Any) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""


def audience(obj: dict, actor: str) -> str:
    to = {x for x in _list(obj.get("to")) if isinstance(x, str)}
    cc = {x for x in _list(obj.get("cc")) if isinstance(x, str)}
    if to & PUBLIC:
        return "public"
    if cc & PUBLIC:
        return "unlisted (public, but not in public timelines)"
    if any(x.endswith("/followers") for x in to | cc):
        return "your followers only"
    return "only the people mentioned (direct)"


def status_id(uri: str) -> str | None:
    m = _STATUS_ID.search(uri or "")
    return m.group(1) if m else None


def _web(url: str) -> str | None:
    return url if isinstance(url, str) and re.match(r"https?://[^\s/]+/", url) else None


class _Reader:
    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        self.archive, self.root, self.ctx = archive, det.root, ctx
        self.problems: list[Problem] = []
        self.host = ""
        self.actor = ""
        self.missing: list[str] = []
        self._media_index: dict[str, str] | None = None

    def drain(self) -> Iterator[Problem]:
        while self.problems:
            yield self.problems.pop(0)

    def route(self, kind: str, when: datetime | None) -> str:
        return ROUTES[kind].format(date=f"{when:%d %b %Y}" if when else "the date shown here",
                                   host=self.host or "your server")

    # media -----------------------------------------------------------------------------------
    def media_index(self) -> dict[str, str]:
        """'media_attachments/...' suffix -> member, for the files of this archive."""
        if self._media_index is None:
            idx = {}
            for m in self.archive.iter_files(self.root):
                i = m.find("media_attachments/")
                if i >= 0:
                    idx.setdefault(m[i:], m)
            self._media_index = idx
        return self._media_index

    def media(self, attachments: Any) -> tuple[tuple[Media, ...], list[str]]:
        out, alts = [], []
        for att in _list(attachments):
            if not isinstance(att, dict):
                continue
            url = _str(att.get("url"))
            if not url and isinstance(att.get("url"), list):
                url = next((_str(u.get("href")) for u in att["url"] if isinstance(u, dict)), "")
            kind = MEDIA_KIND.get(_str(att.get("mediaType")).split("/")[0], "other")
            if _str(att.get("mediaType")) == "image/gif" or _str(att.get("type")) == "Video":
                kind = "video" if kind != "photo" else kind
            alt = _str(att.get("name")).strip()
            if alt:
                alts.append(alt)
            i = url.find("media_attachments/")
            if i < 0:
                continue
            suffix = url[i:].split("?", 1)[0]
            member = self.media_index().get(suffix)
            if member is None:
                path = self.root + suffix
                self.missing.append(path)
                out.append(Media(path, kind, None, True, self.archive.path))
            else:
                out.append(Media(member, kind, None, False, self.archive.path))
        return tuple(out), alts

    # records ---------------------------------------------------------------------------------
    def create(self, item: dict, member: str, index: int) -> Post | None:
        obj = item.get("object")
        if not isinstance(obj, dict):
            raise ValueError("Create without an object")
        if _str(obj.get("type")) not in POST_TYPES:
            return None
        when = parse_time(obj.get("published") or item.get("published"))
        uri = _str(obj.get("id"))
        sid = status_id(uri)
        content = _str(obj.get("content"))
        if not content and isinstance(obj.get("contentMap"), dict):
            content = next((v for v in obj["contentMap"].values() if isinstance(v, str)), "")
        text = html_to_text(content)
        cw = html_to_text(_str(obj.get("summary")))
        options = [html_to_text(_str(o.get("name"))) for o in _list(obj.get("oneOf")) + _list(obj.get("anyOf"))
                   if isinstance(o, dict)]
        media, alts = self.media(obj.get("attachment"))
        parts = ([f"Content warning: {cw}"] if cw else []) + ([text] if text else []) \
            + ([("Poll: " + " / ".join(o for o in options if o))] if any(options) else []) \
            + [f"Image description: {a}" for a in alts]
        body = "\n\n".join(parts)
        if not body and not media:
            return None
        ref = f"mastodon:{sid}" if sid else stable_ref(PLATFORM, when, body, salt=uri)
        notes = []
        if obj.get("sensitive"):
            notes.append("You marked this post sensitive (its media are hidden until clicked).")
        vis = audience(obj, self.actor)
        if vis.startswith("only the people"):
            notes.append("A direct post: only the people mentioned see it, but their servers keep copies.")
        kind = "reply" if obj.get("inReplyTo") else "post"
        url = _web(_str(obj.get("url"))) or _web(uri)
        return Post(ref=ref, platform=PLATFORM, kind=kind, created_at=when, text=body, url=url, audience=vis,
                    media=media, source=SourceRef(self.archive.path, member, index),
                    how_to_find=self.route("post", when), notes=tuple(notes),
                    extra={"uri": uri, "in_reply_to": _str(obj.get("inReplyTo"))})

    def announce(self, item: dict, member: str, index: int) -> Post:
        target = item.get("object")
        if isinstance(target, dict):
            target = target.get("id")
        target = _str(target)
        if not target:
            raise ValueError("boost without the address of the boosted post")
        when = parse_time(item.get("published"))
        sid = status_id(_str(item.get("id")))
        ref = f"mastodon:boost:{sid}" if sid else f"mastodon:boost:{hashlib.sha256(target.encode()).hexdigest()[:20]}"
        return Post(ref=ref, platform=PLATFORM, kind="repost", created_at=when, text="", url=_web(target),
                    audience=audience(item, self.actor), source=SourceRef(self.archive.path, member, index),
                    how_to_find=self.route("repost", when),
                    notes=("Boost: you shared someone else's post, an endorsement. The archive holds only its "
                           "address; open the link to read it.",),
                    extra={"original_url": target})

    def outbox(self, member: str) -> Iterator[Post | Problem | Coverage]:
        stream = StreamedArray(self.archive, member, "orderedItems", self.problems)
        tally = Tally(member, "posts and boosts")
        seen: set[str] = set()
        for i, item in stream:
            try:
                if not isinstance(item, dict):
                    raise ValueError(f"an activity is a {type(item).__name__}, not an object")
                typ = _str(item.get("type"))
                if typ == "Create":
                    post = self.create(item, member, i)
                elif typ == "Announce":
                    post = self.announce(item, member, i)
                else:
                    tally.skip(f"other activities ({typ or 'no type'})")
                    continue
            except Exception as exc:  # a bad record is a Problem, never an abort
                self.problems.append(Problem(self.archive.path, f"{member}#{i}",
                                             f"unreadable activity: {str(exc)[:200]}"))
                tally.skip("not readable")
                yield from self.drain()
                continue
            if post is None:
                tally.skip("empty or not a post")
                continue
            if post.ref in seen:
                tally.skip("duplicate")
                continue
            seen.add(post.ref)
            tally.read += 1
            yield post
            yield from self.drain()
        if not stream.found and not self.problems:
            self.problems.append(Problem(self.archive.path, member, "no \"orderedItems\" list: not a Mastodon "
                                         "outbox, or damaged; nothing was read"))
            tally.skip("not readable")
        tally.expected = stream.count if stream.complete else None
        if self.missing:
            self.problems.append(Problem(self.archive.path, self.root + "media_attachments/",
                                         f"{len(self.missing)} attached files listed in outbox.json are not in the "
                                         f"archive (first: {self.missing[0]}); they were not checked"))
        yield from self.drain()
        yield tally.coverage()

    def likes(self) -> Iterator[Post | Problem | Coverage]:
        member = self.root + "likes.json"
        if member not in self.archive:
            return
        stream = StreamedArray(self.archive, member, "orderedItems", self.problems, limit=256 << 20)
        tally = Tally(member, "likes")
        for i, uri in stream:
            if not isinstance(uri, str) or not uri:
                tally.skip("not readable")
                continue
            yield Post(ref=f"mastodon:like:{hashlib.sha256(uri.encode()).hexdigest()[:20]}", platform=PLATFORM,
                       kind="like", created_at=None, text="", url=_web(uri),
                       source=SourceRef(self.archive.path, member, i), how_to_find=self.route("like", None),
                       notes=("Favourite: you endorsed someone else's post. The archive holds only its address "
                              "and no date.",),
                       extra={"original_url": uri})
            tally.read += 1
            yield from self.drain()
        tally.expected = stream.count if stream.complete else None
        yield from self.drain()
        yield tally.coverage()

    def profile(self) -> Iterator[Post | Problem | Coverage]:
        member = self.root + "actor.json"
        if member not in self.archive:
            return
        actor = load_json(self.archive, member, self.problems, limit=16 << 20)
        if not isinstance(actor, dict):
            if actor is not None:
                self.problems.append(Problem(self.archive.path, member, "expected your profile as a JSON object"))
            yield from self.drain()
            return
        self.actor = _str(actor.get("id"))
        self.host = urlparse(self.actor).hostname or "" if self.actor else ""
        user = _str(actor.get("preferredUsername"))
        name = html_to_text(_str(actor.get("name")))
        if user and re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", user):
            add_owner(self.ctx.owner, handle=f"@{user}@{self.host}" if self.host else f"@{user}")
            add_owner(self.ctx.owner, handle=f"@{user}")
        if name:
            add_owner(self.ctx.owner, name=name)
        bio = html_to_text(_str(actor.get("summary")))
        fields = [f"{html_to_text(_str(f.get('name')))}: {html_to_text(_str(f.get('value')))}"
                  for f in _list(actor.get("attachment")) if isinstance(f, dict) and f.get("type") == "PropertyValue"]
        text = "\n".join([bio] + fields if bio else fields)
        if text:
            add_owner(self.ctx.owner, bio=text)
            yield Post(ref=stable_ref(PLATFORM, None, text, salt="bio"), platform=PLATFORM, kind="bio",
                       created_at=parse_time(actor.get("published")), text=text, url=_web(_str(actor.get("url"))),
                       source=SourceRef(self.archive.path, member, None), how_to_find=self.route("bio", None),
                       media=tuple(Media(m, "photo", None, False, self.archive.path)
                                   for m in (self._image(actor.get("icon")), self._image(actor.get("image"))) if m))
            yield Coverage(member, "profile", 1, 1)
        yield from self.drain()

    def _image(self, v: Any) -> str | None:
        url = _str(v.get("url")) if isinstance(v, dict) else ""
        base = posixpath.basename(url.split("?", 1)[0])
        if base and self.root + base in self.archive:
            return self.root + base
        return None


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    r = _Reader(archive, detection, ctx)
    yield from r.profile()
    if not r.host:                      # no actor.json: the host from the outbox's own addresses
        head = _head(archive, detection.marker)
        m = re.search(r'"(https://[^/"]+)/users/', head)
        r.host = urlparse(m.group(1)).hostname or "" if m else ""
    yield from r.outbox(detection.marker)
    yield from r.likes()
    yield from r.drain()
