"""Instagram (and Threads) data-download archives, JSON and HTML.

Layouts (see shared/reference/archive-formats.md sections 4, 5, 11 and 12), newest first:
- ~Apr 2025+:  your_instagram_activity/media/posts_N.json, reels.json, stories.json,
               archived_posts.json, profile_photos.json ...; comments/post_comments_N.json
- 2022-Mar 2025: the same files under your_instagram_activity/content/
- late 2020-2022: content/posts_N.json, content/stories.json; comments/post_comments.json
  ({"comments_media_comments": [{"title": owner, "string_list_data": [{value, timestamp}]}]})
- 2018-2020:   media.json {"photos": [{caption, taken_at, path, location}], "videos", "stories",
               "profile"}, comments.json {"media_comments": [[time, text, owner]]}, profile.json
  (form taken from a parser built against a 2018-10-16 export; direct-message media is skipped)
- Threads:     your_instagram_activity/threads/threads_and_replies.json (text_post_app_text_posts)
               inside the Instagram download, or threads/threads_and_replies.json at the top of a
               Threads download of its own; either is a Detection of platform "threads" (layouts
               "your_instagram_activity/threads (in the Instagram download)" and "threads/ (Threads
               download)"), read apart from the Instagram content, every post platform "threads"
               (refs "threads:..."); threads/liked_threads.json goes with it
- Likes:       likes/liked_posts.json, liked_comments.json (and Threads' liked_threads.json); only
               the records that carry text are read (most carry just the owner and a link)
- HTML:        the same paths with .html, read by importers._html on lxml (the markup of both
               generations, 2019-21 "pam ... uiBoxWhite" and 2022+ "_a6-g" blocks: caption in the
               block's heading, or the body's text for a Threads post; photos with their metadata
               tables, whose localised latitude/longitude labels, e.g. Dutch "Breedtegraad", are
               matched by their start; the date in any language importers._dates reads); where a
               .json twin exists the .html file is not read. Checked on a 2023 Chinese Instagram
               skeleton cut from a real download (tests/fixtures/html-skeletons).

Each file read gives a Coverage (auditor.plugins): entries found, entries read, and the rest by
reason. The reading state (archive, problems, media lookup across split downloads) is the one
Meta reader shared with Facebook (importers._meta_reader).

Post objects: a single-media post has its caption in media[0].title (2024+ exports also put it
in the top-level title); a carousel has caption and time at the top level and empty per-item
titles. Every JSON string is repaired for Meta's mojibake (importers.meta.fix_all). Times are
Unix seconds (UTC); the 2018 export's ISO taken_at without a zone is read as UTC.

Refs (the export has no ids): an entry with media uses the Instagram media id at the end of its
first file name (".._n_18047065138879510.jpg" -> 18047065138879510; the whole name without
extension when there is none). Both export formats link the same media files, so the JSON and
HTML refs agree; that the name is also unchanged between two downloads is assumed (no real pair
of downloads was available to check). It also makes a post and its copy in reels.json one post. An entry without media
(Threads text posts, comments, bio) uses its UTC time at minute precision plus its text:
HTML exports show minutes only and no zone; their times are read as UTC-8, the fixed offset
measured for Instagram HTML exports (archive-formats.md 12), so refs agree with the JSON export.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from auditor.archive import Archive
from auditor.model import Media, Place, Post, Problem, SourceRef, stable_ref, utc, valid_position
from auditor.plugins import Coverage, Detection, ImportContext

from . import _html
from ._meta_reader import HtmlPage, MetaReader
from .meta import fix_all, parse_meta_time

PLATFORM = "instagram"
THREADS = "threads"
PRIORITY = 30
LOOKS_FOR = ("Instagram/Threads: your_instagram_activity/media/ or /content/ posts_1.json (or .html), "
             "your_instagram_activity/threads/threads_and_replies.json or threads/threads_and_replies.json "
             "(a Threads download), content/posts_1.json, or media.json with profile.json (2018-2020)")

ACT = "your_instagram_activity/"
# folders holding the owner's own media lists, newest layout first, with the layout name
CONTENT_DIRS = ((ACT + "media/", "your_instagram_activity/media (2025+)"),
                (ACT + "content/", "your_instagram_activity/content (2022-2025)"),
                ("content/", "content/ (2020-2022)"))
COMMENT_DIRS = (ACT + "comments/", "comments/")
THREADS_FILE = ACT + "threads/threads_and_replies"     # Threads inside the Instagram download
THREADS_TOP = "threads/threads_and_replies"            # a Threads download of its own (2024+)
PROFILE_FILES = ("personal_information/personal_information/personal_information",   # 2022+
                 "account_information/personal_information",                          # 2020-2022
                 "personal_information/personal_information")
HTML_CLOCK = timezone(timedelta(hours=-8))      # Instagram HTML times (measured, see docstring)

# file stem -> (kind, how to reach it in the app, audience, deleted)
CONTENT_FILES: dict[str, tuple[str, str, str | None, bool]] = {
    "posts": ("post", "Your activity > Photos and videos > Posts", None, False),
    "reels": ("post", "Your activity > Photos and videos > Reels", None, False),
    "igtv_videos": ("post", "Your activity > Photos and videos", None, False),
    "other_content": ("post", "Your activity > Photos and videos", None, False),
    "archived_posts": ("post", "Profile > menu > Archive > Posts archive", "archived (hidden from "
                       "your profile)", False),
    "recently_deleted_content": ("post", "Your activity > Recently deleted (delete it permanently "
                                 "there)", None, True),
    "stories": ("story", "Profile > menu > Archive > Stories archive", None, False),
    "profile_photos": ("photo", "Profile > Edit profile > Edit picture (earlier profile photos: "
                       "Your activity > Photos and videos)", None, False),
}

_MARKER = re.compile(
    r"(?P<rel>"
    + re.escape(ACT) + r"(?:media|content)/(?:posts_\d+|reels|stories|archived_posts|igtv_videos|"
    r"profile_photos|recently_deleted_content|other_content)\.(?:json|html)"
    r"|" + re.escape(ACT) + r"threads/(?:threads_and_replies|liked_threads)\.(?:json|html)"
    r"|threads/(?:threads_and_replies|liked_threads)\.(?:json|html)"
    r"|" + re.escape(ACT) + r"comments/(?:post_comments(?:_\d+)?|reels_comments)\.(?:json|html)"
    r"|content/(?:posts_\d+|stories)\.(?:json|html)"
    r"|comments/post_comments(?:_\d+)?\.json"
    r"|media\.json)$")
_MEDIA_ONLY = re.compile(r"media/(?:posts|stories|reels|archived_posts|profile|other)/\d{6}/[^/]+$")

MEDIA_EXT = {"jpg": "photo", "jpeg": "photo", "png": "photo", "webp": "photo", "heic": "photo",
             "heif": "photo", "bmp": "photo", "gif": "gif", "mp4": "video", "mov": "video",
             "m4v": "video", "webm": "video", "3gp": "video", "srt": "other"}

# localised labels (JSON keys and HTML table labels); compared case-folded
COMMENT_LABELS = {"comment", "opmerking", "reactie", "kommentar", "commentaire", "comentario",
                  "commento", "comentário"}
OWNER_LABELS = {"media owner", "media-eigenaar", "eigenaar van media", "medieninhaber",
                "propriétaire du contenu", "propietario del contenido", "proprietario del contenuto",
                "proprietário da mídia"}
TIME_LABELS = {"time", "tijd", "zeit", "heure", "hora", "ora", "horário", "date", "datum"}
USERNAME_LABELS = {"username", "gebruikersnaam", "benutzername", "nom d'utilisateur",
                   "nombre de usuario", "nome utente", "nome de usuário"}
NAME_LABELS = {"name", "naam", "nom", "nombre", "nome"}
BIO_LABELS = {"bio", "biografie", "biographie", "biografía", "biografia"}
LAT_WORDS = ("lat", "breedtegraad", "breitengrad", "breddegrad", "lledred", "szerokość", "緯度", "纬度", "위도")
LON_WORDS = ("lon", "lengtegraad", "längengrad", "längdgrad", "længdegrad", "lengdegrad", "hydred", "długość",
             "經度", "经度", "경도")


# -- detection -----------------------------------------------------------------------------------
def detect(archive: Archive) -> list[Detection]:
    roots: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    threads: dict[str, tuple[str, bool]] = {}      # root -> (marker, inside the Instagram download)
    media_only: dict[str, str] = {}
    members = archive.members()
    for member in members:
        m = _MARKER.search(member)
        if m and (m.start() == 0 or member[m.start() - 1] == "/"):
            root = member[: m.start()]
            rel = m.group("rel")
            if rel.startswith((ACT + "threads/", "threads/")):
                embedded = rel.startswith(ACT)
                if not embedded and root.endswith(ACT):
                    continue                   # the same file, seen from inside the activity folder
                old = threads.get(root)
                mine = "threads_and_replies" in rel
                if old is None or (mine and ("threads_and_replies" not in old[0] or (
                        old[0].endswith(".html") and member.endswith(".json")))):
                    threads[root] = (member, embedded)
                continue
            if rel == "media.json" and not _old_export(archive, root):
                continue
            if rel.startswith(("content/", "comments/")) and root.endswith(ACT):
                continue                       # part of the your_instagram_activity layout
            roots.setdefault(root, []).append(rel)
            first.setdefault(root, member)
            continue
        mm = _MEDIA_ONLY.search(member)
        if mm and (mm.start() == 0 or member[mm.start() - 1] == "/"):
            media_only.setdefault(member[: mm.start()], member)
    out = [Detection(PLATFORM, _layout(rels), root, first[root]) for root, rels in roots.items()]
    for root, (member, embedded) in threads.items():
        fmt = "HTML" if member.endswith(".html") else "JSON"
        layout = (f"your_instagram_activity/threads (in the Instagram download), {fmt}" if embedded
                  else f"threads/ (Threads download), {fmt}")
        out.append(Detection(THREADS, layout, root, member))
    known = list(roots) + list(threads)
    for root, member in media_only.items():
        if not any(root.startswith(r) or r.startswith(root) for r in known):
            out.append(Detection(PLATFORM, "media files only (one part of a split export)", root, member))
    return out


def _old_export(archive: Archive, root: str) -> bool:
    """media.json is a common name: the 2018-2020 export also has profile.json or comments.json."""
    return any(root + n in archive for n in ("profile.json", "comments.json", "connections.json"))


def _layout(rels: list[str]) -> str:
    fmt = "HTML" if all(r.endswith(".html") for r in rels) else "JSON"
    for prefix, name in CONTENT_DIRS:
        if any(r.startswith(prefix) for r in rels):
            return f"{name}, {fmt}"
    if "media.json" in rels:
        return "media.json (2018-2020), JSON"
    return f"comments only, {fmt}"


# -- reading helpers -----------------------------------------------------------------------------
class _Reader(MetaReader):
    """State for one export: the shared Meta reader, plus the owner's handle and the entries seen."""
    FORMAT = "Instagram"

    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        super().__init__(archive, det, ctx)
        self.username: str | None = None
        self.seen: set[str] = set()

    def load_json(self, member: str) -> Any:
        try:
            return fix_all(json.loads(self.archive.read_text(member)))
        except (ValueError, OSError, RecursionError) as exc:
            self.problem(member, f"could not parse: {exc}; expected Instagram's JSON")
            return None

    def flush_missing(self, where: str) -> None:
        """One Problem per entry for the media files it lists that the archive lacks."""
        if self.missing:
            names_ = list(self.missing)
            n = len(names_)
            names = ", ".join(m.rsplit("/", 1)[-1] for m in names_[:3]) + (" ..." if n > 3 else "")
            self.problem(where, f"{n} media file{'s' if n > 1 else ''} listed but not in the archive "
                         f"(another part of a split download?): {names}")
            self.missing.clear()

    def duplicate(self, ref: str) -> bool:
        """True for an entry already read (a post and its copy in reels.json); remembers the ref."""
        if ref in self.seen:
            self.skip("listed twice (a post and its reel)")
            return True
        self.seen.add(ref)
        return False

    def existing(self, stem: str) -> list[str]:
        """root+stem.json, or root+stem.html when there is no JSON twin."""
        for ext in ("json", "html"):
            if self.root + stem + "." + ext in self.archive:
                return [self.root + stem + "." + ext]
        return []

    def parts(self, folder: str, name: str) -> list[str]:
        """name_1, name_2 ... (and a bare name) under folder, JSON preferred over HTML."""
        pat = re.compile(re.escape(self.root + folder + name) + r"(?:_(\d+))?\.(json|html)$")
        found: dict[int, str] = {}
        for m in self.archive.iter_files(self.root + folder):
            mt = pat.match(m)
            if mt:
                n = int(mt.group(1) or 0)
                if n not in found or m.endswith(".json"):
                    found[n] = m
        return [found[n] for n in sorted(found)]

    def add_owner(self, username: str | None, name: str | None) -> None:
        owner = self.ctx.owner
        if username:
            self.username = self.username or username
            handles = owner.setdefault("handles", [])
            if username not in handles:
                handles.append(username)
        if name and not owner.get("full_name"):
            owner["full_name"] = name


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, str):
            value = value.strip()
            if "," in value and "." not in value:
                value = value.replace(",", ".")
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) != float("inf") else None


def _position(lat: Any, lon: Any) -> Place | None:
    la, lo = _number(lat), _number(lon)
    return Place(la, lo, None, "exif-data") if valid_position(la, lo) else None


def _exif_place(item: dict) -> tuple[Place | None, str | None]:
    """Meta's copy of the photo's or video's EXIF position, and the media kind it implies."""
    meta = item.get("media_metadata")
    if not isinstance(meta, dict):
        return None, None
    for key, kind in (("photo_metadata", "photo"), ("video_metadata", "video")):
        block = meta.get(key)
        if not isinstance(block, dict):
            continue
        exif = block.get("exif_data")
        for entry in exif if isinstance(exif, list) else [exif]:
            if isinstance(entry, dict):
                place = _position(entry.get("latitude"), entry.get("longitude"))
                if place:
                    return place, kind
        return None, kind
    return None, None


def _when(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        ts = float(value)
        if ts > 1e11:                  # milliseconds
            ts /= 1000
        if 1e8 < ts < 4.2e9:           # 1973..2103; Meta writes garbage like year 0 sometimes
            return datetime.fromtimestamp(ts, timezone.utc)
        return None
    if isinstance(value, str) and value:
        try:
            return utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _minute(dt: datetime | None) -> datetime | None:
    return dt.replace(second=0, microsecond=0) if dt else None


_MEDIA_ID = re.compile(r"_(\d{9,})$")


def media_key(path: str) -> str:
    """The stable part of a media file name: Instagram's media id, else the name without extension."""
    base = path.rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    m = _MEDIA_ID.search(stem)
    return f"m{m.group(1)}" if m else stem


def ref_for(platform: str, created: datetime | None, text: str, media_paths: Iterable[str],
            salt: str = "") -> str:
    paths = [p for p in media_paths if p]
    if paths:
        return stable_ref(platform, None, "", media_key(paths[0]), salt)
    return stable_ref(platform, _minute(created), text, "", salt)


def _start(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _date_words(dt: datetime | None, approx: bool = False) -> str:
    if dt is None:
        return "date unknown"
    s = dt.strftime("%d %b %Y %H:%M UTC").lstrip("0")
    return s + (" (approximate)" if approx else "")


def how_to_find(platform: str, kind: str, route: str, created: datetime | None, text: str,
                media: tuple[Media, ...], approx: bool, owner: str | None = None) -> str:
    what = {"story": "Story", "photo": "Profile photo", "comment": "Comment", "reply": "Reply",
            "bio": "Bio"}.get(kind, "Post")
    parts = [f"{'Threads' if platform == 'threads' else 'Instagram'} {what.lower()} of {_date_words(created, approx)}"]
    if owner:
        parts.append(f"on @{owner}'s post")
    parts.append(f"text starts \u201c{_start(text)}\u201d" if text.strip() else "no text")
    if media:
        extra = f" (+{len(media) - 1} more)" if len(media) > 1 else ""
        parts.append(f"{media[0].kind} {media[0].path.rsplit('/', 1)[-1]}{extra}")
    return "; ".join(parts) + f". No link exists for it: in the app go to {route}, find it by date, " \
        "open it and choose \u2026 > Delete."


# -- JSON content (posts, reels, stories, archived, profile photos, Threads) -------------------------
def _items(data: Any) -> list | None:
    """A content file's list of entries: a bare list, or the list inside {"ig_...": [...]}."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
        if not data:
            return []
    return None


def _entry_post(r: _Reader, item: Any, member: str, index: int, *, platform: str, kind: str,
                route: str, audience: str | None, deleted: bool, salt: str = "") -> Post | None:
    where = f"{member}#{index}"
    if not isinstance(item, dict):
        r.problem(where, "entry is not an object; skipped")
        r.skip("not readable")
        return None
    raw_media = item.get("media")
    if isinstance(raw_media, list):
        media_items = [m for m in raw_media if isinstance(m, dict)]
    elif "uri" in item:
        media_items = [item]           # stories, profile photos: the entry is the media item
    else:
        media_items = []
    text = str(item.get("title") or next((m.get("title") for m in media_items if m.get("title")), "") or "")
    created = _when(item.get("creation_timestamp"))
    if created is None:
        created = next((t for t in (_when(m.get("creation_timestamp")) for m in media_items) if t), None)
    uris = [str(m.get("uri") or "") for m in media_items]
    uris = [u for u in uris if u and not u.startswith(("http://", "https://", "data:"))]
    if not text and not uris:
        r.problem(where, "entry with neither text nor media; skipped")
        r.skip("empty")
        return None
    if created is None:
        r.problem(where, "entry without a readable creation_timestamp; imported without a date")
    ref = ref_for(platform, created, text, uris, salt)
    if r.duplicate(ref):
        return None
    media: list[Media] = []
    thread_reply = False
    for m in media_items:
        place, hint = _exif_place(m)
        got = r.media(str(m.get("uri") or ""), None, hint, place)
        if got:
            media.append(got)
        tap = m.get("text_app_post")
        if isinstance(tap, dict) and tap.get("is_reply") in (True, "true", 1):
            thread_reply = True
    r.flush_missing(where)
    if platform == "threads":
        kind = "reply" if thread_reply else "post"
        route = "Threads: your profile > " + ("Replies" if thread_reply else "Threads")
    mt = tuple(media)
    url = None
    if r.username:
        url = (f"https://www.threads.net/@{r.username}" if platform == "threads"
               else f"https://www.instagram.com/{r.username}/")
    return Post(ref=ref, platform=platform, kind=kind, created_at=created, text=text, url=url,
                audience=audience, place=None, media=mt, source=SourceRef(r.archive.path, member, index),
                deleted=deleted, how_to_find=how_to_find(platform, kind, route, created, text, mt, False))


def _read_content_json(r: _Reader, member: str, **kw: Any) -> Iterator[Post]:
    data = r.load_json(member)
    if data is None:
        return
    items = _items(data)
    if items is None:
        r.problem(member, "expected a list of posts (or an object holding one list)")
        r.skip("not readable")
        return
    r.tally["expected"] += len(items)
    for i, item in enumerate(items):
        try:
            post = _entry_post(r, item, member, i, **kw)
        except Exception as exc:  # a bad record is a Problem, never an abort
            r.problem(f"{member}#{i}", f"unreadable entry: {exc!r}")
            r.skip("not readable")
            continue
        if post is not None:
            yield post


# -- JSON comments ---------------------------------------------------------------------------------
def _label_map(entry: dict) -> list[tuple[str, Any]]:
    """(label, value) pairs of a string_map_data or label_values entry, in order."""
    pairs: list[tuple[str, Any]] = []
    smd = entry.get("string_map_data")
    if isinstance(smd, dict):
        for k, v in smd.items():
            if isinstance(v, dict):
                pairs.append((str(k), v.get("value") if v.get("value") not in (None, "") else v.get("timestamp")))
    lv = entry.get("label_values")
    if isinstance(lv, list):
        for d in lv:
            if isinstance(d, dict) and "label" in d:
                pairs.append((str(d["label"]), d.get("value") if "value" in d else d.get("timestamp_value")))
    return pairs


def _comment_fields(pairs: list[tuple[str, Any]], fallback_time: Any = None
                    ) -> tuple[str | None, str | None, datetime | None]:
    text = owner = None
    when = _when(fallback_time)
    rest = []
    for label, value in pairs:
        lab = label.casefold().strip()
        if lab in COMMENT_LABELS:
            text = str(value or "")
        elif lab in OWNER_LABELS:
            owner = str(value or "")
        elif lab in TIME_LABELS and _when(value):
            when = _when(value)
        elif isinstance(value, (int, float)) and _when(value) and when is None:
            when = _when(value)
        elif isinstance(value, str):
            rest.append(value)
    # unknown language: the comment comes first, then the media owner (Meta's order)
    if text is None and rest:
        text = rest.pop(0)
    if owner is None and rest:
        owner = rest.pop(0)
    return text, owner, when


def _comment_post(r: _Reader, member: str, index: int, text: str, owner: str | None,
                  created: datetime | None, approx: bool = False) -> Post:
    ref = ref_for(PLATFORM, created, text, [], salt="comment")
    route = "Your activity > Comments"
    notes = ("Time from the HTML export: minutes only, time zone assumed.",) if approx else ()
    return Post(ref=ref, platform=PLATFORM, kind="comment", created_at=created, text=text,
                source=SourceRef(r.archive.path, member, index), notes=notes,
                how_to_find=how_to_find(PLATFORM, "comment", route, created, text, (), approx, owner or None),
                extra={"media_owner": owner} if owner else {})


def _read_comments_json(r: _Reader, member: str) -> Iterator[Post]:
    data = r.load_json(member)
    if data is None:
        return
    if isinstance(data, dict) and ("media_comments" in data or "live_comments" in data):
        yield from _old_comments(r, member, data)
        return
    items = _items(data)
    if items is None:
        r.problem(member, "expected a list of comments (or an object holding one list)")
        r.skip("not readable")
        return
    r.tally["expected"] += len(items)
    for i, entry in enumerate(items):
        where = f"{member}#{i}"
        if not isinstance(entry, dict):
            r.problem(where, "comment is not an object; skipped")
            r.skip("not readable")
            continue
        try:
            sld = entry.get("string_list_data")
            if isinstance(sld, list) and sld and isinstance(sld[0], dict):
                # 2020-2022: {"title": owner, "string_list_data": [{"value": text, "timestamp"}]}
                text, owner, when = str(sld[0].get("value") or ""), str(entry.get("title") or ""), \
                    _when(sld[0].get("timestamp"))
            else:
                text, owner, when = _comment_fields(_label_map(entry), entry.get("timestamp"))
        except Exception as exc:
            r.problem(where, f"unreadable comment: {exc!r}")
            r.skip("not readable")
            continue
        if not text:
            r.problem(where, "comment without text; skipped")
            r.skip("no comment text")
            continue
        if when is None:
            r.problem(where, "comment without a readable time; imported without a date")
        yield _comment_post(r, member, i, text, owner, when)


def _old_comments(r: _Reader, member: str, data: dict) -> Iterator[Post]:
    """2018-2020 comments.json: {"media_comments": [[time, text, owner], ...], "live_comments": ...}"""
    i = -1
    for key in ("media_comments", "live_comments"):
        rows = data.get(key) or []
        if not isinstance(rows, list):
            r.problem(member, f"{key}: expected a list; skipped")
            continue
        r.tally["expected"] += len(rows)
        for row in rows:
            i += 1
            if not (isinstance(row, list) and len(row) >= 2 and isinstance(row[1], str) and row[1]):
                r.problem(f"{member}#{i}", "comment is not [time, text, owner]; skipped")
                r.skip("not readable")
                continue
            when = _when(row[0])
            if when is None:
                r.problem(f"{member}#{i}", "comment without a readable time; imported without a date")
            owner = str(row[2]) if len(row) > 2 and row[2] else None
            yield _comment_post(r, member, i, row[1], owner, when)


# -- likes ----------------------------------------------------------------------------------------
# Like records name the owner and link of what was liked, rarely its text; only records that carry
# text are read (an endorsement the text analysers can check). The liked post's link is its url.
LIKE_FILES = ((ACT + "likes/liked_posts", PLATFORM), (ACT + "likes/liked_comments", PLATFORM),
              ("likes/liked_posts", PLATFORM), ("likes/liked_comments", PLATFORM))
NOT_TEXT_LABELS = {"url", "link", "href", "owner", "username", "name", "user", "author", "time", "date",
                   "timestamp", "media owner", "eigenaar", "gebruikersnaam", "naam", "tijd"}
_LETTER = re.compile(r"[^\W\d_]")


def _read_likes_json(r: _Reader, member: str, platform: str) -> Iterator[Post]:
    data = r.load_json(member)
    if data is None:
        return
    items = _items(data)
    if items is None:
        r.problem(member, "expected a list of likes (or an object holding one list)")
        r.skip("not readable")
        return
    r.tally["expected"] += len(items)
    for i, entry in enumerate(items):
        if not isinstance(entry, dict):
            r.problem(f"{member}#{i}", "like is not an object; skipped")
            r.skip("not readable")
            continue
        texts: list[str] = []
        href = ""
        when = _when(entry.get("timestamp"))
        owner = str(entry.get("title") or "") or None
        for d in entry.get("string_list_data") or []:
            if isinstance(d, dict):
                href = href or str(d.get("href") or "")
                when = when or _when(d.get("timestamp"))
                v = d.get("value")
                if isinstance(v, str) and len(_LETTER.findall(v)) >= 2 and not v.startswith("http"):
                    texts.append(v)
        for d in entry.get("label_values") or []:
            if not isinstance(d, dict):
                continue
            label = str(d.get("label") or "").casefold()
            v = d.get("value")
            if d.get("href"):
                href = href or str(d["href"])
            if label in NOT_TEXT_LABELS or label in OWNER_LABELS:
                if label in ("owner", "media owner") and isinstance(d.get("dict"), list):
                    owner = owner or next((str(x.get("value")) for x in d["dict"] if isinstance(x, dict)
                                           and str(x.get("label", "")).casefold() in USERNAME_LABELS), None)
                continue
            if isinstance(v, str) and len(_LETTER.findall(v)) >= 2 and not v.startswith("http"):
                texts.append(v)
        if not texts:
            r.skip("names only what you liked")
            continue
        text = "\n".join(texts)
        url = href if href.startswith(("https://", "http://")) else None
        how = (f"A {'Threads post' if platform == 'threads' else 'post or comment'} you liked"
               + (f" by @{owner}" if owner else "") + f", liked {_date_words(when)}; text starts "
               f"\u201c{_start(text)}\u201d. " + ("Open the link and unlike it." if url else
                                                  "In the app: Your activity > Likes, then unlike it."))
        yield Post(ref=stable_ref(platform, _minute(when), text, "", "like:" + href), platform=platform,
                   kind="like", created_at=when, text=text, url=url,
                   source=SourceRef(r.archive.path, member, i), how_to_find=how,
                   extra={"liked_owner": owner} if owner else {})


# -- 2018-2020 media.json ------------------------------------------------------------------------------
def _read_media_json(r: _Reader, member: str) -> Iterator[Post]:
    data = r.load_json(member)
    if data is None:
        return
    if not isinstance(data, dict):
        r.problem(member, "expected an object with photos, videos, stories and profile lists")
        return
    groups = (("photos", "post", "photo", "Your activity > Photos and videos > Posts"),
              ("videos", "post", "video", "Your activity > Photos and videos > Posts"),
              ("stories", "story", None, CONTENT_FILES["stories"][1]),
              ("profile", "photo", "photo", CONTENT_FILES["profile_photos"][1]))
    i = -1
    for key, kind, hint, route in groups:
        rows = data.get(key) or []
        if not isinstance(rows, list):
            r.problem(member, f"{key}: expected a list; skipped")
            continue
        r.tally["expected"] += len(rows)
        for row in rows:
            i += 1
            where = f"{member}#{i}"
            if not isinstance(row, dict):
                r.problem(where, "entry is not an object; skipped")
                r.skip("not readable")
                continue
            text = str(row.get("caption") or "")
            created = _when(row.get("taken_at"))
            if created is None:
                r.problem(where, "entry without a readable taken_at; imported without a date")
            path = str(row.get("path") or "")
            if not text and not path:
                r.problem(where, "entry with neither caption nor media; skipped")
                r.skip("empty")
                continue
            if r.duplicate(ref_for(PLATFORM, created, text, [path])):
                continue
            got = r.media(path, None, hint, None)
            r.flush_missing(where)
            media = (got,) if got else ()
            loc = row.get("location")
            place = Place(None, None, str(loc), "tagged-place") if isinstance(loc, str) and loc.strip() else None
            url = f"https://www.instagram.com/{r.username}/" if r.username else None
            yield Post(ref=ref_for(PLATFORM, created, text, [m.path for m in media]), platform=PLATFORM,
                       kind=kind, created_at=created, text=text, url=url, place=place, media=media,
                       source=SourceRef(r.archive.path, member, i),
                       how_to_find=how_to_find(PLATFORM, kind, route, created, text, media, False))


# -- HTML ------------------------------------------------------------------------------------------
def _html_time(text: str) -> datetime | None:
    return parse_meta_time(text, HTML_CLOCK)


_DUPLICATE: Any = object()
HTML_NOTE = "Time from the HTML export: minutes only, time zone assumed; download the JSON export for exact times."


def _html_entry(r: _Reader, page: HtmlPage, block: _html.Block, member: str, *, platform: str,
                kind: str, route: str, audience: str | None, deleted: bool) -> Post | None:
    where = f"{member}#{block.index}"
    c = _html.read_block(block, HTML_CLOCK)
    # the caption is the block's heading; a Threads post (no heading) has its words in the body
    text = block.header or "\n".join(c.own + c.attached)
    created = _html.block_time(block, HTML_CLOCK)
    found: list[tuple[str, str | None, Any, Any]] = []          # (src, hint, lat, lon)
    for ref in c.media:
        lat = lon = None
        for label, value in ref.rows:
            lab = label.casefold()
            if lab.startswith(LAT_WORDS):
                lat = value
            elif lab.startswith(LON_WORDS):
                lon = value
        found.append((ref.src, "video" if ref.video else None, lat, lon))
    if not text and not found:
        return None
    if created is None:
        r.problem(where, "entry without a readable date; imported without a date")
    ref = ref_for(platform, created, text, [f[0] for f in found])
    if r.duplicate(ref):
        return _DUPLICATE
    media = []
    for src, hint, lat, lon in found:
        got = r.media(src, page.dir, hint, _position(lat, lon))
        if got:
            media.append(got)
    r.flush_missing(where)
    mt = tuple(media)
    url = None
    if r.username:
        url = (f"https://www.threads.net/@{r.username}" if platform == THREADS
               else f"https://www.instagram.com/{r.username}/")
    return Post(ref=ref, platform=platform, kind=kind,
                created_at=created, text=text, url=url, audience=audience, media=mt,
                source=SourceRef(r.archive.path, member, block.index), deleted=deleted,
                notes=(HTML_NOTE,), how_to_find=how_to_find(platform, kind, route, created, text, mt, True))


def _read_content_html(r: _Reader, member: str, **kw: Any) -> Iterator[Post]:
    page = r.load_html(member)
    if page is None:
        r.skip("not readable")
        return
    if not page.blocks:
        if page.has_text():
            r.problem(member, "no entries recognised in this HTML file (expected Instagram's export "
                      "markup); download the JSON export instead")
            r.skip("not recognised")
        return
    r.tally["expected"] += len(page.blocks)
    for block in page.blocks:
        i = block.index
        try:
            post = _html_entry(r, page, block, member, **kw)
        except Exception as exc:  # one odd block must not lose the page
            r.problem(f"{member}#{i}", f"unreadable entry: {exc!r}")
            r.skip("not readable")
            continue
        if post is None:
            r.problem(f"{member}#{i}", "entry with neither text nor media; skipped")
            r.skip("empty")
        elif post is not _DUPLICATE:
            yield post


def _read_comments_html(r: _Reader, member: str) -> Iterator[Post]:
    page = r.load_html(member)
    if page is None:
        r.skip("not readable")
        return
    if not page.blocks and page.has_text():
        r.problem(member, "no comments recognised in this HTML file (expected Instagram's export markup)")
        r.skip("not recognised")
    r.tally["expected"] += len(page.blocks)
    for block in page.blocks:
        i = block.index
        c = _html.read_block(block, HTML_CLOCK)
        pairs = list(c.rows) + list(c.pairs)
        text = owner = None
        when = None
        rest = []
        for label, value in pairs:
            lab = label.casefold().strip()
            if lab in COMMENT_LABELS:
                text = value
            elif lab in OWNER_LABELS:
                owner = value
            elif _html_time(value) and (lab in TIME_LABELS or when is None):
                when = _html_time(value)
            else:
                rest.append(value)
        if text is None and rest:
            text = rest.pop(0)
        if owner is None and rest:
            owner = rest.pop(0)
        if text is None and (c.own or c.attached):
            text = "\n".join(c.own + c.attached)
        if when is None:
            when = _html.block_time(block, HTML_CLOCK)
        if not text:
            r.problem(f"{member}#{i}", "comment without text; skipped")
            r.skip("no comment text")
            continue
        if when is None:
            r.problem(f"{member}#{i}", "comment without a readable time; imported without a date")
        yield _comment_post(r, member, i, text, owner, when, approx=True)


# -- profile ---------------------------------------------------------------------------------------
def _read_profile(r: _Reader) -> Iterator[Post]:
    username = name = bio = None
    member = None
    for stem in PROFILE_FILES:
        hits = r.existing(stem)
        if hits:
            member = hits[0]
            break
    if member and member.endswith(".json"):
        data = r.load_json(member)
        users = data.get("profile_user") if isinstance(data, dict) else None
        if isinstance(users, list) and users and isinstance(users[0], dict):
            for label, value in _label_map(users[0]):
                lab = label.casefold()
                if lab in USERNAME_LABELS:
                    username = str(value or "") or None
                elif lab in NAME_LABELS:
                    name = str(value or "") or None
                elif lab in BIO_LABELS:
                    bio = str(value or "") or None
        elif data is not None:
            r.problem(member, "expected {\"profile_user\": [...]}; owner not read")
    elif member:
        page = r.load_html(member)
        for pair in ([row for t in page.root.iter("table") for row in _html.table_rows(t)]
                     if page is not None else []):
            if pair:
                lab = pair[0].casefold()
                if lab in USERNAME_LABELS:
                    username = pair[1] or None
                elif lab in NAME_LABELS:
                    name = pair[1] or None
                elif lab in BIO_LABELS:
                    bio = pair[1] or None
    elif r.root + "profile.json" in r.archive:             # 2018-2020
        member = r.root + "profile.json"
        data = r.load_json(member)
        if isinstance(data, dict):
            username = str(data.get("username") or "") or None
            name = str(data.get("name") or "") or None
            bio = str(data.get("biography") or "") or None
    r.add_owner(username, name)
    if bio and member:
        yield Post(ref=stable_ref(PLATFORM, None, bio, "", "bio"), platform=PLATFORM, kind="bio",
                   created_at=None, text=bio,
                   url=f"https://www.instagram.com/{r.username}/" if r.username else None,
                   source=SourceRef(r.archive.path, member, None),
                   how_to_find="Your Instagram bio (as it was when you downloaded the archive). "
                               "In the app: Profile > Edit profile > Bio.")


# -- read ------------------------------------------------------------------------------------------
THREADS_LIKES = (ACT + "threads/liked_threads", "threads/liked_threads")
COVERAGE_WHAT = {"posts": "posts", "reels": "reels", "igtv_videos": "videos", "other_content": "posts",
                 "archived_posts": "archived posts", "recently_deleted_content": "recently deleted posts",
                 "stories": "stories", "profile_photos": "profile photos"}


def _plan(r: _Reader, threads: bool) -> list[tuple[str, Callable[..., Iterator[Post]], dict, str]]:
    plan: list[tuple[str, Callable[..., Iterator[Post]], dict, str]] = []
    if threads:
        # Threads inside the Instagram download, or a Threads download of its own
        for stem in (THREADS_FILE, THREADS_TOP):
            if stem == THREADS_TOP and r.det.layout.startswith(ACT):
                continue
            for member in r.existing(stem):
                fn = _read_content_json if member.endswith(".json") else _read_content_html
                plan.append((member, fn, dict(platform=THREADS, kind="post", route="Threads: your profile",
                                              audience=None, deleted=False), "threads posts"))
        for stem in THREADS_LIKES:
            for member in r.existing(stem):
                if member.endswith(".json"):
                    plan.append((member, _read_likes_json, {"platform": THREADS}, "likes"))
        return plan
    for folder, _name in CONTENT_DIRS:
        if folder == "content/" and r.root.endswith(ACT):
            continue
        for stem, (kind, route, audience, deleted) in CONTENT_FILES.items():
            for member in r.parts(folder, stem):
                fn = _read_content_json if member.endswith(".json") else _read_content_html
                plan.append((member, fn, dict(platform=PLATFORM, kind=kind, route=route,
                                              audience=audience, deleted=deleted), COVERAGE_WHAT[stem]))
    if r.root + "media.json" in r.archive and _old_export(r.archive, r.root):
        plan.append((r.root + "media.json", _read_media_json, {}, "posts"))
    for folder in COMMENT_DIRS:
        if folder == "comments/" and r.root.endswith(ACT):
            continue
        for stem in ("post_comments", "reels_comments"):
            for member in r.parts(folder, stem):
                fn = _read_comments_json if member.endswith(".json") else _read_comments_html
                plan.append((member, fn, {}, "comments"))
    if r.root + "comments.json" in r.archive and _old_export(r.archive, r.root):
        plan.append((r.root + "comments.json", _read_comments_json, {}, "comments"))
    for stem, platform in LIKE_FILES:
        for member in r.existing(stem):
            if member.endswith(".json"):
                plan.append((member, _read_likes_json, {"platform": platform}, "likes"))
    return plan


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    r = _Reader(archive, detection, ctx)
    if detection.layout.startswith("media files only"):
        yield Problem(archive.path, detection.marker, "this archive holds only Instagram media files (one "
                      "part of a split download); give the part with your_instagram_activity/ in the same "
                      "scan so the posts can be read")
        return
    threads = detection.platform == THREADS
    if threads:
        # the owner's handle (for the profile link) from the Instagram profile of this download (the
        # scan's other handles may be another platform's); its bio and problems are the Instagram
        # detection's to report
        for _ in _read_profile(r):
            pass
        r.problems.clear()
    else:
        yield from _read_profile(r)
    yield from r.problems
    r.problems.clear()
    for member, fn, kw, what in _plan(r, threads):
        r.begin()
        try:
            for post in fn(r, member, **kw):
                r.tally["read"] += 1
                yield post
        except Exception as exc:  # a bad file is a Problem, never an abort
            r.problem(member, f"could not read: {exc!r}")
            r.skip("not readable")
        r.finish(member, what)
        yield from r.problems
        r.problems.clear()
        yield from r.coverage
        r.coverage.clear()
