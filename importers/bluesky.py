"""Bluesky repository exports: one ``.car`` file (Settings > Account > Export my data, or
``com.atproto.sync.getRepo``), on its own in a folder or in a zip.

Format (shared/reference/archive-formats.md section 9): a CAR v1 file, a header
``{"version": 1, "roots": [<commit CID>]}`` then DAG-CBOR blocks, read with ``libipld`` (MIT). The
commit block (``{"did", "version": 2 or 3, "data": <MST root>, ...}``) points to a Merkle Search Tree
whose entries map keys such as ``app.bsky.feed.post/3ljlyqislak2l`` to record blocks. Only records
reachable from the tree are read: a CAR may hold blocks the tree no longer references (one real
repository holds old ``app.bsky.feed.vote`` blocks), and those are not your current records.

- ``app.bsky.feed.post``: your posts (a reply when ``reply`` is set, a quote when the embed is a
  record); text with image descriptions (alt text) after it; permalink
  ``https://bsky.app/profile/<did>/post/<rkey>``; self-labels (nudity, graphic media) as notes.
- ``app.bsky.feed.repost`` and ``app.bsky.feed.like``: endorsements of someone else's post; the CAR
  holds only its address, so the link points to the original post.
- ``app.bsky.actor.profile/self``: display name and description (bio).
- ``createdAt`` is written by the app and may carry any offset (or be back-dated): it is converted
  to UTC as written.

Images and videos (blobs) are not in the export, so none are checked. Follows, blocks, lists and
other apps' records are counted and left out.

Refs: ``bluesky:<rkey>`` for posts, ``bluesky:repost:<rkey>``, ``bluesky:like:<rkey>``.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterator

from auditor.archive import Archive
from auditor.model import Post, Problem, SourceRef, stable_ref
from auditor.plugins import Coverage, Detection, ImportContext

from ._platforms import Tally, add_owner, parse_time

PLATFORM = "bluesky"
PRIORITY = 40
LOOKS_FOR = "Bluesky: a repository export (a .car file)"

MAX_CAR = 512 << 20          # the largest repository read (the archive reader's own cap for one read)
MAX_MST_DEPTH = 64           # a real tree is a handful of levels deep; deeper is damage or a loop
MAX_KEY = 1024

POST, REPOST, LIKE, PROFILE = ("app.bsky.feed.post", "app.bsky.feed.repost", "app.bsky.feed.like",
                               "app.bsky.actor.profile")
ROUTES = {
    "post": "Bluesky: Profile > Posts (or Replies); find your post from {date}, then ... (More) > Delete post.",
    "repost": "Bluesky: open the original post (the link) and select the repost button > Undo repost.",
    "like": "Bluesky: Profile > Likes; find the post and select the heart again to remove your like.",
    "bio": "Bluesky: Profile > Edit profile: change the display name and description.",
}
LABELS = {"porn": "adult content", "sexual": "sexual content", "nudity": "nudity", "graphic-media": "graphic media",
          "gore": "graphic media", "!no-unauthenticated": "hidden from people who are not signed in"}
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_AT_URI = re.compile(r"^at://([^/]+)/([^/]+)/([^/]+)$")


def _head_ok(archive: Archive, member: str) -> bool:
    try:
        with archive.open_member(member) as fh:
            head = fh.read(96)
    except Exception:
        return False
    return len(head) > 2 and b"roots" in head and b"version" in head


def detect(archive: Archive) -> list[Detection]:
    out = []
    for member in archive.members():
        if member.lower().endswith(".car") and _head_ok(archive, member):
            root = member.rsplit("/", 1)[0] + "/" if "/" in member else ""
            out.append(Detection(PLATFORM, "repository export (.car)", root, member))
    return out


# -- the repository ----------------------------------------------------------------------------
class RepoError(ValueError):
    pass


def load_repo(data: bytes) -> tuple[str, dict[bytes, Any], bytes]:
    """(did, blocks, MST root CID) of a CAR repository export; RepoError when it is not one."""
    import libipld  # loaded only when a repository is read

    try:
        header, blocks = libipld.decode_car(data)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise RepoError(f"not a readable CAR file ({str(exc)[:200]})") from None
    roots = header.get("roots") if isinstance(header, dict) else None
    if not isinstance(roots, list) or not roots or not isinstance(blocks, dict):
        raise RepoError("the CAR header names no root")
    commit = blocks.get(roots[0])
    if not isinstance(commit, dict) or "data" not in commit:
        raise RepoError("the root block is not a repository commit (no \"data\")")
    did = commit.get("did") if isinstance(commit.get("did"), str) else ""
    return did, blocks, commit["data"]


def walk_mst(blocks: dict[bytes, Any], root: Any, problems: list[str]) -> Iterator[tuple[str, Any]]:
    """(key, record CID) for every entry of the Merkle Search Tree, in key order, without recursion;
    a missing or malformed node is reported in `problems` and its subtree skipped."""
    stack: list[tuple[str, Any, int]] = [("node", root, 0)]
    visited: set[bytes] = set()
    while stack:
        what, value, depth = stack.pop()
        if what == "entry":
            yield value
            continue
        cid = value
        if not isinstance(cid, bytes):
            problems.append("a tree link is not a CID")
            continue
        if cid in visited:
            problems.append("the tree refers to one of its own nodes twice (a loop); skipped")
            continue
        visited.add(cid)
        if depth > MAX_MST_DEPTH:
            problems.append(f"the tree is deeper than {MAX_MST_DEPTH} levels; the rest was skipped")
            continue
        node = blocks.get(cid)
        if not isinstance(node, dict) or not isinstance(node.get("e", []), list):
            problems.append("a tree node is missing from the file or damaged; its records were skipped")
            continue
        # push in reverse so that the left subtree comes out first, then each entry and its right subtree
        todo: list[tuple[str, Any, int]] = []
        if node.get("l") is not None:
            todo.append(("node", node["l"], depth + 1))
        key = b""
        for e in node.get("e") or []:
            if not isinstance(e, dict) or not isinstance(e.get("k"), bytes) or not isinstance(e.get("p", 0), int):
                problems.append("a tree entry is damaged; skipped")
                continue
            p = max(0, min(int(e.get("p", 0)), len(key)))
            key = key[:p] + e["k"]
            if len(key) > MAX_KEY:
                problems.append("a tree key is too long; skipped")
                continue
            todo.append(("entry", (key.decode("utf-8", "replace"), e.get("v")), depth))
            if e.get("t") is not None:
                todo.append(("node", e["t"], depth + 1))
        stack.extend(reversed(todo))


# -- records -------------------------------------------------------------------------------------
def _s(v: Any) -> str:
    return v if isinstance(v, str) else ""


def post_url(did: str, rkey: str) -> str | None:
    if did and rkey and _RKEY.match(rkey) and re.match(r"^did:[a-z]+:[A-Za-z0-9._:%-]{1,200}$", did):
        return f"https://bsky.app/profile/{did}/post/{rkey}"
    return None


def subject_url(uri: str) -> str | None:
    m = _AT_URI.match(uri or "")
    if m and m.group(2) == POST:
        return post_url(m.group(1), m.group(3))
    return None


def _route(kind: str, when: datetime | None) -> str:
    return ROUTES[kind].format(date=f"{when:%d %b %Y}" if when else "the date shown here")


def _alts(embed: Any) -> list[str]:
    if not isinstance(embed, dict):
        return []
    out = []
    for holder in (embed, embed.get("media") if isinstance(embed.get("media"), dict) else {}):
        for img in holder.get("images") or [] if isinstance(holder.get("images"), list) else []:
            if isinstance(img, dict) and _s(img.get("alt")).strip():
                out.append(_s(img["alt"]).strip())
        if _s(holder.get("alt")).strip() and "video" in _s(holder.get("$type")):
            out.append(_s(holder["alt"]).strip())
    return out


def _links(rec: dict) -> list[str]:
    out = []
    for f in rec.get("facets") or [] if isinstance(rec.get("facets"), list) else []:
        for feat in (f.get("features") or []) if isinstance(f, dict) and isinstance(f.get("features"), list) else []:
            if isinstance(feat, dict) and _s(feat.get("uri")):
                out.append(feat["uri"])
    return out


def post_from(rec: dict, did: str, rkey: str, member: str, archive: str, index: int) -> Post:
    when = parse_time(rec.get("createdAt"))
    text = _s(rec.get("text")).replace("\x00", "")
    embed = rec.get("embed") if isinstance(rec.get("embed"), dict) else {}
    etype = _s(embed.get("$type"))
    alts = _alts(embed)
    body = "\n\n".join([text] + [f"Image description: {a}" for a in alts]) if alts else text
    kind = "reply" if isinstance(rec.get("reply"), dict) else \
        "quote" if etype in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia") else "post"
    notes = []
    labels = rec.get("labels") if isinstance(rec.get("labels"), dict) else {}
    vals = [_s(v.get("val")) for v in (labels.get("values") or []) if isinstance(v, dict)] \
        if isinstance(labels.get("values"), list) else []
    if vals:
        notes.append("You labelled this post: " + ", ".join(LABELS.get(v, v) for v in vals if v) + ".")
    if etype in ("app.bsky.embed.images", "app.bsky.embed.video", "app.bsky.embed.recordWithMedia"):
        notes.append("The export does not include the pictures or video of this post; look at them on Bluesky.")
    quoted = ""
    if kind == "quote":
        rec_ref = embed.get("record") if isinstance(embed.get("record"), dict) else {}
        if isinstance(rec_ref.get("record"), dict):       # recordWithMedia nests it once more
            rec_ref = rec_ref["record"]
        quoted = _s(rec_ref.get("uri"))
    return Post(ref=f"bluesky:{rkey}" if _RKEY.match(rkey) else stable_ref(PLATFORM, when, body, salt=rkey),
                platform=PLATFORM, kind=kind, created_at=when, text=body, url=post_url(did, rkey),
                audience="public", source=SourceRef(archive, member, index), how_to_find=_route("post", when),
                notes=tuple(notes),
                extra={"links": _links(rec), "quoted": quoted,
                       "reply_to": _s((rec.get("reply") or {}).get("parent", {}).get("uri"))
                       if isinstance(rec.get("reply"), dict) and isinstance(rec["reply"].get("parent"), dict) else ""})


def endorsement_from(rec: dict, kind: str, rkey: str, member: str, archive: str, index: int) -> Post:
    subject = rec.get("subject") if isinstance(rec.get("subject"), dict) else {}
    uri = _s(subject.get("uri"))
    if not uri:
        raise ValueError("no subject (the post it endorses)")
    when = parse_time(rec.get("createdAt"))
    word = "reposted" if kind == "repost" else "liked"
    return Post(ref=f"bluesky:{kind}:{rkey}" if _RKEY.match(rkey) else stable_ref(PLATFORM, when, uri, salt=kind),
                platform=PLATFORM, kind=kind, created_at=when, text="", url=subject_url(uri), audience="public",
                source=SourceRef(archive, member, index), how_to_find=_route(kind, when),
                notes=(f"You {word} someone else's post: an endorsement. The export holds only its address; open "
                       "the link to read it.",),
                extra={"original_uri": uri, "original_url": subject_url(uri) or ""})


# -- entry point ---------------------------------------------------------------------------------
def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    member = detection.marker
    tallies = {POST: Tally(f"{member} > {POST}", "posts"), REPOST: Tally(f"{member} > {REPOST}", "reposts"),
               LIKE: Tally(f"{member} > {LIKE}", "likes")}
    try:
        data = archive.read(member, MAX_CAR)
        did, blocks, root = load_repo(data)
        del data
    except Exception as exc:  # too big, damaged, not a repository: one Problem
        yield Problem(archive.path, member, f"could not be read: {exc}")
        yield Coverage(member, "posts", 0, None, {"not readable": 1})
        return
    if not did:
        yield Problem(archive.path, member, "the commit names no account (did); links to posts cannot be built")
    issues: list[str] = []
    others = Tally(f"{member} > other records", "other records")
    seen: set[str] = set()
    for index, (key, cid) in enumerate(walk_mst(blocks, root, issues)):
        collection, _, rkey = key.partition("/")
        tally = tallies.get(collection)
        rec = blocks.get(cid) if isinstance(cid, bytes) else None
        where = f"{member}#{key[:200]}"
        try:
            if collection == PROFILE:
                if isinstance(rec, dict):
                    yield from _profile(rec, did, member, archive.path, ctx)
                continue
            if tally is None:
                others.read += 1
                continue
            if not isinstance(rec, dict):
                raise ValueError("the record is missing from the file" if rec is None
                                 else "the record is not an object")
            if collection == POST:
                post = post_from(rec, did, rkey, member, archive.path, index)
            else:
                post = endorsement_from(rec, "repost" if collection == REPOST else "like", rkey, member,
                                        archive.path, index)
        except Exception as exc:  # a bad record is a Problem, never an abort
            yield Problem(archive.path, where, f"unreadable record: {str(exc)[:200]}")
            if tally is not None:
                tally.skip("not readable")
            continue
        if post.ref in seen:
            tally.skip("duplicate")
            continue
        seen.add(post.ref)
        tally.read += 1
        yield post
    for msg in dict.fromkeys(issues):
        yield Problem(archive.path, member, f"repository tree: {msg}")
    for t in tallies.values():
        yield t.coverage()
    if others.read:
        yield Coverage(others.member, "other records", 0, None,
                       {"not posts (follows, blocks, lists, other apps)": others.read})


def _profile(rec: dict, did: str, member: str, archive: str, ctx: ImportContext) -> Iterator[Post | Coverage]:
    name = _s(rec.get("displayName")).strip()
    bio = _s(rec.get("description")).strip()
    if name:
        add_owner(ctx.owner, name=name)
    if bio:
        add_owner(ctx.owner, bio=bio)
        yield Post(ref=stable_ref(PLATFORM, None, bio, salt="bio"), platform=PLATFORM, kind="bio",
                   created_at=parse_time(rec.get("createdAt")), text=bio,
                   url=f"https://bsky.app/profile/{did}" if did.startswith("did:") else None, audience="public",
                   source=SourceRef(archive, member, None), how_to_find=_route("bio", None))
        yield Coverage(f"{member} > {PROFILE}", "bio", 1, 1)
