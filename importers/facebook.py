"""Facebook "Download your information" archives, JSON and HTML.

Layouts (shared/reference/archive-formats.md sections 3, 11, 12). Each is read from JSON or from
the HTML export (Facebook's default), and a download split over several zips is read as one: give
every part to the same scan; media listed in one part are found in the others (`ctx.locate`).

| layout (Detection.layout)                 | where the export's files sit                        |
|-------------------------------------------|-----------------------------------------------------|
| your_facebook_activity (2024+)            | your_facebook_activity/<section>/...; personal_information/ |
| your_activity_across_facebook (2022-23)   | your_activity_across_facebook/<section>/...          |
| posts/ at the top (2018-2021)             | posts/your_posts_1.json, comments/, photos_and_videos/, ... |
| html/timeline.htm (before April 2018)     | recognised, not read: the user is told to download again |

Sections read, in every layout, as `.json` or `.html` (paths below are relative to the activity
folder; the same names under the older top-level folders):
- posts/your_posts__check_ins__photos_and_videos_N, posts/your_posts_N (array; 2018's
  {"status_updates": [...]} object too), posts/posts_on_other_pages_and_profiles, posts/archive
  (archived), posts/trash (recycle bin): kind post, or check-in when a place is tagged.
- posts/check-ins (2024 label_values records; a bare object when there is one): kind check-in.
- posts/places_you_have_been_tagged_in: kind check-in (place name only).
- comments(_and_reactions)/comments ({"comments_v2"} or {"comments"}): kind comment.
- groups/*: group posts ({"group_posts_v2"}) and group comments ({"group_comments_v2"}).
- posts|photos_and_videos /album/N (albums: name, description, photos with descriptions),
  your_uncategorized_photos ({"other_photos_v2"}), your_videos ({"videos_v2"}): kind photo.
  A photo already attached to a post is not repeated: the post's how_to_find names its album.
- likes_and_reactions | comments_and_reactions /posts_and_comments, likes_and_reactions_N
  ({"reactions_v2"} or label_values): kind like, only where the export carries the liked
  content's text or link (most reactions carry only "X liked Y's post": they are counted in one
  Problem per file, since there is nothing of the content to check).
- profile_information/profile_information ({"profile_v2"} or {"profile"}): name, current city,
  work history and bio go to ctx.owner (full_name, city, employer, workplaces_text, bio, handles)
  for `auditor init --from-archive`; the bio is also a Post of kind bio.
- messages/{inbox,archived_threads,filtered_threads,message_requests,e2ee_cutover}/<thread>/
  message_N: only with --include-messages, only the owner's own messages; kind message.
A Facebook archive that holds nothing but messages yields one Problem that says so.

Verified by tests/test_facebook_*.py on synthetic exports built from the spec (no licensed real
Facebook archive exists): the same content in each JSON layout above (2018 status_updates, 2019 v1
keys, 2021 _v2 keys, 2022-23, 2024+) and as the 2022-23 and 2024+ HTML export in English and French
gives 14 records in the older layouts (6 posts from 7 listings, as the multi-photo post is listed
twice; 1 check-in post; 2 comments; 1 group post; 1 like; 3 photos incl. an album description; 1
bio) and 16 in 2024+ (plus a check-ins file entry and a tagged place), + 1 own message with
--include-messages; with identical refs across all of them. The HTML markup of the fixtures follows
the class names public parsers use for Meta's 2023+ pages (_a6-g, _a6-h, _a6-p, _a6-o/_a72d, _2pin,
_a6_q); it has not been checked against a real Facebook HTML download. From HTML, album descriptions
are read as the page text outside the photo cards, and the profile only from table rows labelled
name / current city / employer / bio (English, French, German, Spanish, Welsh labels).

Every string of the JSON files is repaired for Meta's mojibake (importers.meta.fix_all). HTML
files are proper UTF-8 and are parsed with the standard library's html.parser (importers.meta).

Time: JSON timestamps are Unix seconds (UTC). HTML timestamps carry no zone and sometimes no
seconds; they are read as UTC (HTML_ZONE). Facebook wrote them in UTC for some accounts and in
the account's local zone for others (the D3I fork's measurements), so an HTML time can be out by
the UTC offset (an hour in UK summer time); such posts carry a note saying so.

Refs. Facebook gives no ids, so refs are auditor.model.stable_ref over the post's time truncated
to the minute (HTML has no seconds) and a basis: the post's own text (data[].post, not
the link, descriptions or title, which differ between JSON and HTML or between downloads), or, with
no text, the place name (check-ins), the first media file's name, or the shared link. The salt
keeps kinds apart ("" for posts and check-ins, which Facebook lists twice in 2024 exports and
which then merge; "comment", "photo", "album", "like", "bio", "message:<thread>"). JSON and HTML
of the same content, and two downloads of the same account, give the same refs (tested), provided
the HTML clock was UTC. Posts with the same ref in one archive (a multi-photo post is listed once
per photo) are merged: media and places are combined.

Finding a post again: Facebook gives no permalinks. how_to_find names the Activity Log route
(facebook.com/me/allactivity, then the category), the date, the text's start and the album.
Post.url is set only where a link can be built: a check-in's fbid (facebook.com/<fbid>) and a
photo's fbid taken from the file name (photo.php?fbid=...); both are heuristics and say so in notes.

Location: attachments place.coordinate (source checkin), check-in Coordinates strings
"(lat , lon)" (checkin), tagged places (tagged-place, name only), and photo/video
media_metadata exif_data latitude/longitude (exif-data, on the Media). exif_data upload_ip is
personal data about the user: kept in Post.extra["upload_ip"] and noted on the post.
Label names in label_values and HTML tables are localised: places are found by the shape of
their values (coordinates), and by label tables for the common languages otherwise.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Iterator

from auditor.archive import Archive
from auditor.model import Media, Place, Post, Problem, SourceRef, normalise_text, stable_ref

from auditor.plugins import Detection, ImportContext
from .meta import (HtmlNode, fix_all, from_unix, html_base, html_cards, html_table_rows, parse_coordinates,
                   parse_html, parse_meta_time)

PLATFORM = "facebook"
PRIORITY = 20
LOOKS_FOR = ("Facebook: your_facebook_activity/ (2024+), your_activity_across_facebook/ (2022-23), "
             "posts/your_posts_1.json or profile_information/ (2018-2021), in JSON or HTML")

HTML_ZONE = timezone.utc
BUG = "could not read this file (unexpected content; please report it): "
ENDORSE_NOTE = "A reaction: the words are someone else's; reacting can read as endorsing them."
HTML_TIME_NOTE = ("Time read from Facebook's HTML export, which gives no time zone: taken as UTC, so it may "
                  "be out by your time zone (an hour in UK summer time).")

ACTIVITY_DIRS = (("your_facebook_activity/", "your_facebook_activity (2024+)"),
                 ("your_activity_across_facebook/", "your_activity_across_facebook (2022-23)"))
OLD_LAYOUT = "posts/ at the top (2018-2021)"
# members (relative to the export root, extension left off) that mark the 2018-2021 layout
OLD_MARKERS = re.compile(
    r"(?:posts/your_posts(?:_\d+)?|profile_information/profile_information|comments/comments"
    r"|comments_and_reactions/comments|likes_and_reactions/posts_and_comments"
    r"|(?:photos_and_videos|posts)/album/\d+|photos_and_videos/your_videos)\.(?:json|html)"
    r"|messages/(?:stickers_used|archived_threads|filtered_threads)/.+")
PRE_2018 = "html/timeline.htm"

# section name -> pattern over the path relative to the activity folder, without extension
SECTIONS = (
    ("posts", r"posts/(?:your_posts(?:__check_ins__photos_and_videos)?(?:_\d+)?"
              r"|posts_on_other_pages_and_profiles(?:_\d+)?|your_posts_on_other_(?:pages|timelines)(?:_\d+)?"
              r"|archive|trash)"),
    ("checkins", r"posts/check-ins(?:_\d+)?"),
    ("tagged_places", r"posts/places_you_have_been_tagged_in(?:_\d+)?"),
    ("comments", r"(?:comments|comments_and_reactions)/comments(?:_\d+)?"),
    ("reactions", r"(?:likes_and_reactions|comments_and_reactions)/(?:posts_and_comments|likes_and_reactions)"
                  r"(?:_\d+)?"),
    ("groups", r"groups/(?:your_posts_and_comments_in_groups|group_posts_and_comments|your_comments_in_groups"
               r"|your_group_posts|your_posts_in_groups)(?:_\d+)?"),
    ("albums", r"(?:posts|photos_and_videos)/album/\d+"),
    ("photos", r"(?:posts|photos_and_videos)/(?:your_uncategorized_photos|your_videos)(?:_\d+)?"),
    ("profile", r"(?:personal_information/)?profile_information/profile_information"),
    ("messages", r"messages/(?:inbox|archived_threads|filtered_threads|message_requests|e2ee_cutover)"
                 r"/[^/]+/message_\d+"),
)
_SECTION_RE = [(name, re.compile(pat + r"\.(json|html?)")) for name, pat in SECTIONS]
_ACTIVITY_PREFIX = re.compile(r"^(?:your_facebook_activity|your_activity_across_facebook)/")

# Activity Log routes (facebook.com/me/allactivity); category names as recalled for Facebook's
# English site in 2024-25, not checked against the live site (they move now and then, so the
# date and the text's start are always given too)
ROUTE = {
    "post": "Activity log › Your activity across Facebook › Posts › Your posts",
    "other": "Activity log › Your activity across Facebook › Posts › Posts on others' profiles",
    "check-in": "Activity log › Your activity across Facebook › Posts › Check-ins",
    "photo": "Activity log › Your activity across Facebook › Posts › Photos and videos",
    "comment": "Activity log › Your activity across Facebook › Interactions › Comments",
    "like": "Activity log › Your activity across Facebook › Interactions › Likes and reactions",
    "group": "Activity log › Your activity across Facebook › Groups › Group posts and comments",
    "bio": "your profile › Edit profile › Bio (not in the Activity log)",
    "archive": "Activity log › Archive (archived posts)",
    "trash": "Activity log › Trash (recycle bin)",
    "tagged": "Activity log › Your activity across Facebook › Posts › Posts you're tagged in",
}
ACTIVITY_LOG = "facebook.com/me/allactivity"

# localised labels (label_values and HTML tables): lower-cased
NAME_LABELS = {"name", "place name", "nom", "nom du lieu", "nombre", "nome", "naam", "navn", "namn",
               "enw", "nazwa", "ad", "ort", "lieu", "place"}
ADDRESS_LABELS = {"address", "adresse", "dirección", "direccion", "indirizzo", "adres", "endereço",
                  "cyfeiriad", "adress", "anschrift"}
MESSAGE_LABELS = {"message", "text", "post", "status", "nachricht", "mensaje", "messaggio", "bericht",
                  "mensagem", "besked", "meddelande", "melding", "neges", "wiadomość", "texte", "texto"}
LAT_LABELS = {"latitude", "lat", "breitengrad", "latitud", "latitudine", "breedtegraad", "breddegrad",
              "lledred", "szerokość"}
LON_LABELS = {"longitude", "lon", "lng", "längengrad", "longitud", "longitudine", "lengtegraad",
              "längdgrad", "længdegrad", "lengdegrad", "hydred", "długość"}
MEDIA_META_LABELS = {"upload ip address", "upload ip", "ip address", "taken", "camera make", "camera model",
                     "iso", "focal length", "exposure", "f-stop", "orientation", "original width",
                     "original height", "modified", "upload time", "adresse ip de téléchargement",
                     "appareil photo", "marque de l'appareil photo", "modèle de l'appareil photo"}
IP_RE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})$")

MEDIA_KIND = {"jpg": "photo", "jpeg": "photo", "png": "photo", "webp": "photo", "heic": "photo",
              "bmp": "photo", "gif": "gif", "mp4": "video", "mov": "video", "m4v": "video", "webm": "video"}
PHOTO_FBID = re.compile(r"^\d+_(\d{6,})_\d+_[a-z]\.[a-z0-9]+$")


# -- detection -------------------------------------------------------------------------------
def detect(archive: Archive) -> list[Detection]:
    found: dict[str, Detection] = {}
    members = archive.members()
    for m in members:
        for dirname, layout in ACTIVITY_DIRS:
            i = m.find(dirname)
            if i == 0 or (i > 0 and m[i - 1] == "/"):
                root = m[:i]
                old = found.get(root)
                if old is None or (old.layout != ACTIVITY_DIRS[0][1] and layout == ACTIVITY_DIRS[0][1]):
                    found[root] = Detection(PLATFORM, layout, root, m)
    activity_roots = [r + d for r in found for d, _ in ACTIVITY_DIRS]
    for m in members:
        if any(m.startswith(a) for a in activity_roots):
            continue
        mt = OLD_MARKERS.search(m)
        if mt and (mt.start() == 0 or m[mt.start() - 1] == "/"):
            root = m[:mt.start()]
            if root.endswith("personal_information/"):
                # 2024+ keeps the profile at the top, beside your_facebook_activity/; one part of a
                # split download may hold it (and other top-level folders) without the activity folder
                root = root[: -len("personal_information/")]
                if not any(root.startswith(r) for r in found):
                    found.setdefault(root, Detection(PLATFORM, ACTIVITY_DIRS[0][1], root, m))
                continue
            if any(root.startswith(r) and root != r for r in found):
                continue
            found.setdefault(root, Detection(PLATFORM, OLD_LAYOUT, root, m))
    for m in archive.find(PRE_2018):
        root = m[: -len(PRE_2018)]
        found.setdefault(root, Detection(PLATFORM, "html/timeline.htm (before April 2018)", root, m))
    return list(found.values())


# -- small helpers ---------------------------------------------------------------------------
def _minute(dt: datetime | None) -> datetime | None:
    return dt.replace(second=0, microsecond=0) if dt else None


def make_ref(created: datetime | None, text: str = "", media_path: str = "", salt: str = "") -> str:
    """The Facebook ref: stable_ref on minute precision (HTML exports have no seconds)."""
    return stable_ref(PLATFORM, _minute(created), text, media_path, salt)


def _start(text: str, n: int = 60) -> str:
    t = normalise_text(text)
    return t if len(t) <= n else t[: n - 1].rstrip() + "…"


def how_to_find(route: str, created: datetime | None, text: str = "", album: str | None = None,
                media_name: str = "", where: str = "") -> str:
    parts = [f"{ACTIVITY_LOG} › " + route.removeprefix("Activity log › ") if route.startswith("Activity log")
             else route]
    if created and not route.startswith("your profile"):
        parts.append(f"filter by date {created:%d %B %Y}")
    if where:
        parts.append(where)
    if text:
        parts.append(f"starts “{_start(text)}”")
    elif media_name:
        parts.append(f"photo file {media_name}")
    if album:
        parts.append(f"album “{album}”")
    return "; ".join(parts)


def _media_kind(path: str) -> str:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return MEDIA_KIND.get(ext, "other")


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f else None


def _position(lat: Any, lon: Any) -> tuple[float, float] | None:
    a, b = _float(lat), _float(lon)
    if a is None or b is None or (a == 0 and b == 0) or not (-90 <= a <= 90 and -180 <= b <= 180):
        return None
    return a, b


def _single_key_items(value: Any) -> Iterator[tuple[str, Any]]:
    """Facebook's `data` lists hold single-key objects ({"post": ...}, {"media": ...}); a key may repeat."""
    if isinstance(value, dict):
        value = [value]
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            yield from item.items()


def _unique(items) -> list:
    return list(dict.fromkeys(i for i in items if i))


def _label(s: str) -> str:
    return normalise_text(s).casefold().rstrip(":")


def _strs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for n in (x if isinstance(x, str) else str(x.get("name") or "") for x in value
                            if isinstance(x, (str, dict))) if n]
    return []


# -- the reader -----------------------------------------------------------------------------
class _Reader:
    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        self.a = archive
        self.root = det.root
        self.det = det
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.posts: dict[str, Post] = {}
        self.album_of: dict[str, str] = {}         # media file name -> album name
        self.attached: set[str] = set()             # media file names already attached to posts
        self.missing_media: dict[str, None] = {}       # ordered set
        self.owner_name: str = str(ctx.owner.get("full_name") or "")

    # files ------------------------------------------------------------------------------
    def sections(self) -> dict[str, list[str]]:
        """Section name -> members (JSON preferred where the same file exists as HTML too)."""
        out: dict[str, dict[str, str]] = {}
        for m in self.a.iter_files(self.root):
            rel = _ACTIVITY_PREFIX.sub("", m[len(self.root):])
            for name, rx in _SECTION_RE:
                mt = rx.fullmatch(rel)
                if mt:
                    key = m[: len(m) - len(mt.group(1)) - 1]     # same file as .json and .html: one
                    files = out.setdefault(name, {})
                    if key not in files or m.endswith(".json"):
                        files[key] = m
                    break
        return {k: [v[f] for f in sorted(v, key=_natural)] for k, v in out.items()}

    def problem(self, member: str, message: str) -> None:
        self.problems.append(Problem(self.a.path, member, message))

    def load_json(self, member: str) -> Any:
        try:
            raw = self.a.read_text(member)
        except (OSError, ValueError, KeyError) as exc:
            self.problem(member, f"could not read: {exc}")
            return None
        if not raw.strip():
            self.problem(member, "empty file; expected Facebook JSON")
            return None
        try:
            return fix_all(json.loads(raw))
        except (ValueError, RecursionError) as exc:
            self.problem(member, f"could not parse as JSON ({exc}); expected a Facebook data file")
            return None

    def load_html(self, member: str) -> HtmlNode | None:
        try:
            raw = self.a.read_text(member)
        except (OSError, ValueError, KeyError) as exc:
            self.problem(member, f"could not read: {exc}")
            return None
        try:
            return parse_html(raw)
        except Exception as exc:  # html.parser is lenient; anything it raises is a Problem
            self.problem(member, f"could not parse as HTML: {exc!r}")
            return None

    def records(self, member: str, data: Any, keys: tuple[str, ...], what: str) -> list[tuple[int, dict]]:
        """The list of records in a JSON file: a list, a {key: [...]} object, or one bare record."""
        if data is None:
            return []
        items: Any = None
        if isinstance(data, list):
            items = data
        elif isinstance(data, dict):
            for k in keys:
                if isinstance(data.get(k), list):
                    items = data[k]
                    break
            else:
                lists = [v for v in data.values() if isinstance(v, list)]
                if any(k in data for k in ("timestamp", "label_values", "fbid", "uri", "data")):
                    items = [data]                   # a single record written as a bare object
                elif len(data) == 1 and len(lists) == 1:
                    items = lists[0]
        if items is None:
            self.problem(member, f"expected {what} (a list, or an object with {' or '.join(keys)}); "
                                 "file skipped")
            return []
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                out.append((i, item))
            else:
                self.problem(f"{member}#{i}", "record is not an object; skipped")
        return out

    # media --------------------------------------------------------------------------------
    def resolve(self, uri: str, html_member: str | None = None, base: str = "") -> Media | None:
        uri = str(uri or "").strip()
        if not uri or re.match(r"^[a-z][a-z0-9+.-]*:", uri, re.I):
            return None                               # a web address, not a file in the export
        uri = uri.split("?", 1)[0].split("#", 1)[0]
        cands = []
        if html_member is not None:
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(html_member), base, uri))
            if not rel.startswith("../"):
                cands.append(rel)
        clean = re.sub(r"^(?:\.\./|\./|/)+", "", posixpath.normpath("/" + uri.replace("\\", "/")))
        if not clean or clean == ".":
            return None
        cands.append(posixpath.normpath(self.root + clean))
        for dirname, _ in ACTIVITY_DIRS:              # 2024 exports keep some media under the 2022 name
            for other, _ in ACTIVITY_DIRS:
                if clean.startswith(dirname) and other != dirname:
                    cands.append(posixpath.normpath(self.root + other + clean[len(dirname):]))
        kind = _media_kind(clean)
        for c in cands:
            if c in self.a:
                return Media(c, kind, None, False, self.a.path)
        hit = self.ctx.locate(clean)                 # another zip of a split download
        if hit is not None:
            return Media(hit[1], kind, None, False, hit[0].path)
        self.missing_media[posixpath.normpath(self.root + clean)] = None
        return Media(posixpath.normpath(self.root + clean), kind, None, True, self.a.path)

    def json_media(self, m: dict, ips: list[str]) -> tuple[Media | None, str]:
        """(Media, description) for a Facebook media object; its exif_data lat/lon become the
        Media's place, upload_ip goes to `ips`."""
        media = self.resolve(str(m.get("uri") or ""))
        desc = str(m.get("description") or "").strip()
        if media is None:
            return None, desc
        meta = m.get("media_metadata") or {}
        place = None
        if isinstance(meta, dict):
            for sub in meta.values():
                exif = sub.get("exif_data") if isinstance(sub, dict) else None
                for e in exif if isinstance(exif, list) else []:
                    if not isinstance(e, dict):
                        continue
                    if e.get("upload_ip"):
                        ips.append(str(e["upload_ip"]))
                    pos = _position(e.get("latitude"), e.get("longitude"))
                    if pos and place is None:
                        place = Place(pos[0], pos[1], None, "exif-data")
        if place is not None:
            media = replace(media, place=place)
        return media, desc

    # post assembly ----------------------------------------------------------------------------
    def add(self, post: Post) -> None:
        old = self.posts.get(post.ref)
        if old is None:
            self.posts[post.ref] = post
            return
        paths = {m.path for m in old.media}
        media = old.media + tuple(m for m in post.media if m.path not in paths)
        place = old.place if (old.place and (old.place.has_position or not post.place)) else post.place
        ips = _unique(str(old.extra.get("upload_ip", "")).split(", ")
                      + str(post.extra.get("upload_ip", "")).split(", "))
        extra = dict(old.extra)
        if ips:
            extra["upload_ip"] = ", ".join(ips)
        text = old.text if len(old.text) >= len(post.text) else post.text
        kind = "check-in" if "check-in" in (old.kind, post.kind) and old.kind in ("post", "check-in") else old.kind
        self.posts[post.ref] = replace(old, media=media, place=place, extra=extra, text=text, kind=kind,
                                       url=old.url or post.url, notes=tuple(_unique(old.notes + post.notes)))

    def build(self, *, kind: str, created: datetime | None, text: str, member: str, index: int | None,
              media: list[Media] = (), descriptions: list[str] = (), place: Place | None = None,
              links: list[str] = (), ips: list[str] = (), route: str = "post", salt: str = "",
              extras: list[str] = (), url: str | None = None, notes: list[str] = (), from_html: bool = False,
              deleted: bool = False, where: str = "", extra: dict | None = None, audience: str | None = None,
              ref_basis: str | None = None, album: str | None = None, how: str | None = None) -> Post:
        text = (text or "").strip()
        first = media[0].path.rsplit("/", 1)[-1] if media else ""
        if ref_basis is None:
            ref_basis = text or (place.name if kind == "check-in" and place and place.name else "") \
                or ("" if first else (links[0] if links else ""))
        # a bio's or album description's time is absent from HTML or changes with edits: left out
        ref = make_ref(None if kind == "bio" or salt == "album" else created, ref_basis, first, salt)
        full = "\n".join(_unique([text] + [d for d in descriptions if d and normalise_text(d) != normalise_text(text)]
                                 + list(extras) + [lk for lk in links if lk not in text]))
        notes = list(notes)
        ips = _unique(ips)
        if ips:
            notes.append(f"Facebook kept the IP address this was uploaded from ({', '.join(ips)}): personal "
                         "data about you, in the download.")
        if url is None:
            fb = next((PHOTO_FBID.match(m.path.rsplit("/", 1)[-1]) for m in media
                       if PHOTO_FBID.match(m.path.rsplit("/", 1)[-1])), None)
            if fb:
                url = f"https://www.facebook.com/photo.php?fbid={fb.group(1)}"
                notes.append("Link guessed from the photo's file name (a heuristic: it may not open).")
        if from_html:
            notes.append(HTML_TIME_NOTE)
        album = album or next((self.album_of[m.path.rsplit("/", 1)[-1]] for m in media
                               if m.path.rsplit("/", 1)[-1] in self.album_of), None)
        ex = dict(extra or {})
        if ips:
            ex["upload_ip"] = ", ".join(ips)
        if album:
            ex["album"] = album
        return Post(ref=ref, platform=PLATFORM, kind=kind, created_at=created, text=full, url=url,
                    audience=audience, place=place, media=tuple(media), source=SourceRef(self.a.path, member, index),
                    deleted=deleted, how_to_find=how or how_to_find(
                        ROUTE[route], created, text or ("" if place and place.name else full), album, first,
                        where or (f"place “{place.name}”" if place and place.name and not text else "")),
                    notes=tuple(_unique(notes)), extra=ex)

    # JSON sections ------------------------------------------------------------------------------
    def json_attachments(self, rec: dict) -> dict:
        """Media, place, links and other text from a record's attachments."""
        out: dict[str, list] = {"media": [], "desc": [], "place": [], "links": [], "extras": [], "ips": [],
                                "group": []}
        atts = rec.get("attachments")
        for att in atts if isinstance(atts, list) else []:
            if not isinstance(att, dict):
                continue
            for key, val in _single_key_items(att.get("data")):
                if key == "media" and isinstance(val, dict):
                    media, desc = self.json_media(val, out["ips"])
                    if media is not None:
                        out["media"].append(media)
                        out["desc"].append(desc)
                        if val.get("title") and not self.album_of.get(media.path.rsplit("/", 1)[-1]):
                            self.album_of[media.path.rsplit("/", 1)[-1]] = str(val["title"])
                elif key == "place" and isinstance(val, dict):
                    co = val.get("coordinate") or {}
                    pos = _position(co.get("latitude"), co.get("longitude")) if isinstance(co, dict) else None
                    name = str(val.get("name") or "").strip() or None
                    if pos or name:
                        out["place"].append(Place(pos[0] if pos else None, pos[1] if pos else None, name, "checkin"))
                elif key == "external_context" and isinstance(val, dict):
                    if val.get("url"):
                        out["links"].append(str(val["url"]))
                    elif val.get("name"):
                        out["extras"].append(str(val["name"]))
                elif key in ("text", "name") and isinstance(val, str):
                    (out["group"] if key == "name" else out["extras"]).append(val)
                elif key in ("event", "life_event", "note", "poll", "fundraiser") and isinstance(val, dict):
                    for k in ("name", "title", "text", "question"):
                        if isinstance(val.get(k), str):
                            out["extras"].append(val[k])
                    for opt in val.get("options") or []:
                        if isinstance(opt, dict) and isinstance(opt.get("option"), str):
                            out["extras"].append(opt["option"])
        return out

    def json_post(self, member: str, i: int, rec: dict, route: str, *, kind: str = "post",
                  deleted: bool = False, notes: list[str] = (), group: str | None = None) -> None:
        created = from_unix(rec.get("timestamp"))
        data = list(_single_key_items(rec.get("data")))
        text = "\n".join(str(v) for k, v in data if k == "post" and isinstance(v, str) and v.strip())
        att = self.json_attachments(rec)
        tags = _strs(rec.get("tags"))
        group = group or next(iter(att["group"]), None)
        extra = {"title": rec.get("title")} if rec.get("title") else {}
        for k, v in data:
            if k in ("update_timestamp", "backdated_timestamp") and from_unix(v):
                extra[k] = from_unix(v).isoformat()
        if tags:
            extra["tags"] = tags
        if group:
            extra["group"] = group
        if not (text or att["media"] or att["place"] or att["links"] or att["extras"]):
            return                                     # nothing the user wrote or shared (e.g. an empty share)
        if created is None:
            self.problem(f"{member}#{i}", "post without a readable timestamp")
        place = att["place"][0] if att["place"] else None
        for m in att["media"]:
            self.attached.add(m.path.rsplit("/", 1)[-1])
        self.add(self.build(kind="check-in" if place and kind == "post" else kind, created=created, text=text,
                            member=member, index=i, media=att["media"], descriptions=att["desc"], place=place,
                            links=att["links"], ips=att["ips"], route=route, extras=att["extras"],
                            deleted=deleted, notes=list(notes), extra=extra,
                            where=f"group “{group}”" if group else ""))

    def read_posts(self, member: str, data: Any) -> None:
        route, notes, deleted = "post", [], False
        name = member.rsplit("/", 1)[-1]
        if "other" in name:
            route = "other"
        elif name.startswith("archive"):
            route, notes = "archive", ["Archived: hidden from others on Facebook, but not deleted."]
        elif name.startswith("trash"):
            route, deleted = "trash", True
            notes = ["In your recycle bin: Facebook deletes it for good 30 days after you binned it."]
        for i, rec in self.records(member, data, ("status_updates", "posts_v2", "posts"), "a list of posts"):
            self.json_post(member, i, rec, route, deleted=deleted, notes=notes)

    def label_values(self, lvs: Any) -> tuple[str, Place | None, datetime | None, list[str], list[str]]:
        """(message, place, time, links, other text) from 2024 label_values records (labels localised)."""
        message, texts, links = "", [], []
        name = address = None
        pos = None
        when = None
        for lv in lvs if isinstance(lvs, list) else []:
            if not isinstance(lv, dict):
                continue
            label = _label(str(lv.get("label", "")))
            if "dict" in lv:
                rows = [d for d in lv["dict"] if isinstance(d, dict)] if isinstance(lv["dict"], list) else []
                leftover = []
                for d in rows:
                    dl, dv = _label(str(d.get("label", ""))), str(d.get("value") or "").strip()
                    if parse_coordinates(dv):
                        pos = parse_coordinates(dv)
                    elif dl in NAME_LABELS and not name:
                        name = dv
                    elif dl in ADDRESS_LABELS:
                        address = dv
                    elif dv:
                        leftover.append(dv)
                if not name and leftover:
                    name = leftover[0]
                continue
            if "timestamp_value" in lv:
                when = when or from_unix(lv.get("timestamp_value"))
                continue
            if lv.get("href") or re.match(r"^https?://", str(lv.get("value") or "")):
                links.append(str(lv.get("href") or lv.get("value")))
                continue
            val = str(lv.get("value") or "").strip()
            if not val:
                continue
            if parse_coordinates(val):
                pos = parse_coordinates(val)
            elif label in MESSAGE_LABELS and not message:
                message = val
            elif label in NAME_LABELS and not name:
                name = val
            elif label in ADDRESS_LABELS:
                address = val
            else:
                texts.append(val)
        place = None
        if pos or name:
            place = Place(pos[0] if pos else None, pos[1] if pos else None, name or address, "checkin")
        return message, place, when, links, texts

    def read_checkins(self, member: str, data: Any) -> None:
        for i, rec in self.records(member, data, ("checkins_v2", "checkins", "check_ins"), "a list of check-ins"):
            message, place, when, links, _ = self.label_values(rec.get("label_values"))
            created = from_unix(rec.get("timestamp")) or when
            ips: list[str] = []
            media = []
            raw_media = rec.get("media")
            for m in raw_media if isinstance(raw_media, list) else []:
                if isinstance(m, dict):
                    mm, _ = self.json_media(m, ips)
                    if mm is not None:
                        media.append(mm)
            fbid = str(rec.get("fbid") or "").strip()
            url, notes = None, []
            if fbid.isdigit():
                url = f"https://www.facebook.com/{fbid}"
                notes.append("Link built from the check-in's fbid (a heuristic: it may not open).")
            if not (message or place or media):
                self.problem(f"{member}#{i}", "check-in with no message, place or media; skipped")
                continue
            self.add(self.build(kind="check-in", created=created, text=message, member=member, index=i, media=media,
                                place=place, links=links, ips=ips, route="check-in", url=url, notes=notes,
                                extra={"fbid": fbid} if fbid else None))

    def read_tagged_places(self, member: str, data: Any) -> None:
        for i, rec in self.records(member, data, ("places_v2", "tagged_places_v2", "places"), "a list of places"):
            message, place, when, _, texts = self.label_values(rec.get("label_values"))
            name = (place.name if place else None) or message or (texts[0] if texts else None)
            if not name:
                self.problem(f"{member}#{i}", "tagged place without a name; skipped")
                continue
            created = when or from_unix(rec.get("timestamp"))
            place = Place(place.lat if place else None, place.lon if place else None, name, "tagged-place")
            self.add(self.build(kind="check-in", created=created, text="", member=member, index=i, place=place,
                                route="tagged", salt="tagged-place",
                                extra={"fbid": str(rec.get("fbid"))} if rec.get("fbid") else None))

    def json_comment(self, member: str, i: int, rec: dict, route: str) -> None:
        created = from_unix(rec.get("timestamp"))
        texts, group, author = [], None, None
        for k, v in _single_key_items(rec.get("data")):
            if k == "comment" and isinstance(v, dict):
                if isinstance(v.get("comment"), str) and v["comment"].strip():
                    texts.append(v["comment"])
                group = group or (str(v["group"]) if v.get("group") else None)
                author = author or v.get("author")
                created = created or from_unix(v.get("timestamp"))
            elif k == "comment" and isinstance(v, str):
                texts.append(v)
        att = self.json_attachments(rec)
        text = "\n".join(texts)
        if not (text or att["media"] or att["links"]):
            return
        extra = {k: v for k, v in (("title", rec.get("title")), ("group", group), ("author", author)) if v}
        self.add(self.build(kind="comment", created=created, text=text, member=member, index=i, media=att["media"],
                            descriptions=att["desc"], links=att["links"], ips=att["ips"], route=route,
                            salt="comment", extras=att["extras"], extra=extra,
                            where="; ".join(x for x in (f"group “{group}”" if group else "",
                                                        f"listed as “{rec['title']}”" if rec.get("title") else "")
                                            if x)))

    def read_comments(self, member: str, data: Any) -> None:
        for i, rec in self.records(member, data, ("comments_v2", "comments"), "a list of comments"):
            self.json_comment(member, i, rec, "comment")

    def read_groups(self, member: str, data: Any) -> None:
        if isinstance(data, dict) and any(k in data for k in ("group_comments_v2", "group_comments",
                                                               "comments_v2")):
            for i, rec in self.records(member, data, ("group_comments_v2", "group_comments", "comments_v2"),
                                       "a list of group comments"):
                self.json_comment(member, i, rec, "group")
            return
        for i, rec in self.records(member, data, ("group_posts_v2", "group_posts", "posts_v2"),
                                   "a list of group posts"):
            if any(k == "comment" for k, _ in _single_key_items(rec.get("data"))):
                self.json_comment(member, i, rec, "group")
            else:
                self.json_post(member, i, rec, "group")

    def read_reactions(self, member: str, data: Any) -> None:
        without_text = 0
        for i, rec in self.records(member, data, ("reactions_v2", "reactions", "likes_v2", "likes"),
                                   "a list of reactions"):
            reaction = None
            texts = []
            for k, v in _single_key_items(rec.get("data")):
                if k == "reaction" and isinstance(v, dict):
                    reaction = v.get("reaction")
                elif k in ("post", "comment", "text") and isinstance(v, str) and v.strip():
                    texts.append(v)
            att = self.json_attachments(rec)
            message, _, when, links, others = self.label_values(rec.get("label_values"))
            if message:
                texts.append(message)
            if not reaction and others:
                reaction = others[0]
            links = att["links"] + links
            if not (texts or links or att["extras"]):
                without_text += 1
                continue
            created = from_unix(rec.get("timestamp")) or when
            extra = {k: v for k, v in (("title", rec.get("title")), ("reaction", reaction)) if v}
            self.add(self.build(kind="like", created=created, text="\n".join(texts), member=member, index=i,
                                links=links, route="like", salt="like", extras=att["extras"], extra=extra,
                                notes=[ENDORSE_NOTE]))
        if without_text:
            self.problem(member, f"{without_text} reaction(s) name only who you reacted to, not what they said: "
                                 "nothing in them to check")

    def photo_post(self, member: str, i: int | None, m: dict, album: str | None, route: str = "photo") -> None:
        ips: list[str] = []
        media, desc = self.json_media(m, ips)
        if media is None:
            return
        fname = media.path.rsplit("/", 1)[-1]
        if fname in self.attached:
            return                                      # shown with the post it belongs to
        self.attached.add(fname)
        created = from_unix(m.get("creation_timestamp")) or from_unix(m.get("timestamp"))
        self.add(self.build(kind="photo", created=created, text=desc, member=member, index=i, media=[media],
                            ips=ips, route=route, salt="photo", ref_basis="", album=album))

    def read_album(self, member: str, data: Any) -> None:
        if not isinstance(data, dict):
            if data is not None:
                self.problem(member, "expected an album object with \"photos\"; file skipped")
            return
        name = str(data.get("name") or "").strip() or None
        photos = data.get("photos")
        if not isinstance(photos, list):
            self.problem(member, "album without a list of photos; file skipped")
            return
        desc = str(data.get("description") or "").strip()
        if desc:
            cover = data.get("cover_photo") if isinstance(data.get("cover_photo"), dict) else None
            media = self.resolve(str(cover.get("uri") or "")) if cover else None
            created = from_unix(data.get("last_modified_timestamp"))
            self.add(self.build(kind="photo", created=created, text=desc, member=member, index=None,
                                media=[media] if media else [], route="photo", salt="album",
                                ref_basis=f"{name or ''}\n{desc}", album=name,
                                extra={"album_description": True}))
        for i, p in enumerate(photos):
            if isinstance(p, dict):
                self.photo_post(member, i, p, name)
            else:
                self.problem(f"{member}#{i}", "photo record is not an object; skipped")

    def album_names(self, member: str, data: Any) -> None:
        if isinstance(data, dict) and isinstance(data.get("photos"), list) and data.get("name"):
            for p in data["photos"]:
                if isinstance(p, dict) and p.get("uri"):
                    self.album_of[str(p["uri"]).rsplit("/", 1)[-1]] = str(data["name"])

    def read_photos(self, member: str, data: Any) -> None:
        album = "Your videos" if "videos" in member.rsplit("/", 1)[-1] else None
        for i, rec in self.records(member, data, ("other_photos_v2", "videos_v2", "photos", "videos"),
                                   "a list of photos or videos"):
            self.photo_post(member, i, rec, album)

    def read_profile(self, member: str, data: Any) -> None:
        prof = data.get("profile_v2") or data.get("profile") if isinstance(data, dict) else None
        if not isinstance(prof, dict):
            if data is not None:
                self.problem(member, "expected {\"profile_v2\": {...}}; profile not read")
            return
        name = prof.get("name")
        full = (name.get("full_name") if isinstance(name, dict) else name) or ""
        city = prof.get("current_city")
        city = (city.get("name") if isinstance(city, dict) else city) or ""
        works = prof.get("work_experiences") or prof.get("work") or []
        jobs = []
        for w in works if isinstance(works, list) else []:
            if isinstance(w, dict) and w.get("employer"):
                jobs.append((str(w["employer"]), str(w.get("title") or ""), str(w.get("location") or ""),
                             from_unix(w.get("start_timestamp")), from_unix(w.get("end_timestamp"))))
        bio_v = prof.get("intro_bio") or prof.get("bio") or prof.get("about_me") or ""
        bio_t = from_unix(bio_v.get("timestamp")) if isinstance(bio_v, dict) else None
        bio = (bio_v.get("name") or bio_v.get("value") or bio_v.get("bio") or "") if isinstance(bio_v, dict) else bio_v
        self.set_owner(str(full), str(city), jobs, str(bio), bio_t, member, str(prof.get("username") or ""))

    def set_owner(self, full: str, city: str, jobs: list, bio: str, bio_t: datetime | None, member: str,
                  username: str = "") -> None:
        o = self.ctx.owner
        if full:
            o.setdefault("full_name", full)
            self.owner_name = self.owner_name or full
        if city:
            o.setdefault("city", city)
        if jobs:
            current = [j for j in jobs if j[4] is None] or jobs
            o.setdefault("employer", current[0][0])
            o.setdefault("workplaces_text", "; ".join(
                ", ".join(x for x in (e, t, loc) if x) + (f" ({s:%Y}–{f'{f:%Y}' if f else 'now'})" if s else "")
                for e, t, loc, s, f in jobs))
        if username:
            o.setdefault("handles", []).append(username)
        if bio.strip():
            o.setdefault("bio", bio.strip())
            self.add(self.build(kind="bio", created=bio_t, text=bio, member=member, index=None, route="bio",
                                salt="bio", ref_basis=bio))

    # messages (JSON and HTML) ------------------------------------------------------------------------
    def read_messages(self, files: list[str], html: bool) -> None:
        threads = []
        for member in files:
            if html:
                doc = self.load_html(member)
                if doc is None:
                    continue
                title = (doc.find("title").text() if doc.find("title") else "") or member.rsplit("/", 2)[-2]
                msgs = []
                for c in html_cards(doc):
                    text = c.body.text() if c.body is not None else ""
                    msgs.append({"sender_name": c.title, "content": text,
                                 "_created": parse_meta_time(c.date_text, HTML_ZONE),
                                 "_media": [n.attrs.get("src") or n.attrs.get("href")
                                            for n in (c.body.find_all() if c.body is not None else [])
                                            if n.tag in ("img", "video") and n.attrs.get("src")]})
                threads.append((member, title, [], msgs, html_base(doc)))
            else:
                data = self.load_json(member)
                if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                    if data is not None:
                        self.problem(member, "expected a Messenger thread ({\"participants\", \"messages\"}); skipped")
                    continue
                parts = [str(p.get("name")) for p in data.get("participants") or [] if isinstance(p, dict)]
                threads.append((member, str(data.get("title") or member.rsplit("/", 2)[-2]), parts,
                                data["messages"], None))
        me = self.owner_name
        if not me and threads:
            common = set.intersection(*[set(p) | {str(m.get("sender_name")) for m in ms if isinstance(m, dict)}
                                        for _, _, p, ms, _ in threads])
            me = next(iter(common)) if len(common) == 1 else ""
        for member, title, _, msgs, base in threads:   # base: the HTML page's <base href>; None for JSON
            thread = member.rsplit("/", 2)[-2]
            for i, msg in enumerate(msgs):
                if not isinstance(msg, dict):
                    self.problem(f"{member}#{i}", "message is not an object; skipped")
                    continue
                sender = str(msg.get("sender_name") or "")
                if me and sender != me:
                    continue
                text = str(msg.get("content") or "").strip()
                created = msg.get("_created") if base is not None else from_unix(msg.get("timestamp_ms"))
                media: list[Media] = []
                if base is not None:
                    for src in msg.get("_media") or []:
                        mm = self.resolve(src, member, base)
                        if mm:
                            media.append(mm)
                else:
                    for key in ("photos", "videos", "gifs", "audio_files", "files"):
                        for ob in msg.get(key) or []:
                            if isinstance(ob, dict):
                                mm = self.resolve(str(ob.get("uri") or ""))
                                if mm:
                                    media.append(mm)
                share = msg.get("share") if isinstance(msg.get("share"), dict) else {}
                links = [str(share["link"])] if share.get("link") else []
                if not (text or media or links):
                    continue
                notes = [] if me else ["Your name was not found in the export, so every sender's messages are listed."]
                self.add(self.build(kind="message", created=created, text=text, member=member, index=i,
                                    media=media, links=links, route="post", salt=f"message:{thread}",
                                    from_html=base is not None, audience="private", notes=notes,
                                    extra={"thread": title, "sender": sender},
                                    how=f"Messenger › conversation “{title}”; "
                                    + (f"{created:%d %B %Y}; " if created else "")
                                    + (f"starts “{_start(text)}”" if text else "a photo or file you sent")))

    # HTML sections -------------------------------------------------------------------------------
    def html_card_parts(self, member: str, base: str, card) -> dict:
        """Text, media (with descriptions and exif-like metadata), place and links from a card body."""
        body = card.body
        out: dict[str, Any] = {"text": "", "media": [], "desc": [], "ips": [], "place": None, "links": [],
                               "rows": [], "leftover": []}
        if body is None:
            return out
        text_node = next((n for n in body.find_all(cls="_2pin") if n.tag not in ("td", "th")
                          and not any(_inside(n, t) for t in body.find_all("table"))), None)
        media_nodes = [n for n in body.iter() if n.tag in ("img", "video") and (n.attrs.get("src"))]

        def holds_other(node: HtmlNode, own: HtmlNode) -> bool:
            return (text_node is not None and _inside(text_node, node)) or any(
                m is not own and _inside(m, node) for m in media_nodes)
        # each media element's group: its highest ancestor below the body that holds no other media
        # and not the post's text; descriptions and metadata tables are read from the group
        groups = []
        for n in media_nodes:
            g = n
            while g.parent is not None and g.parent is not body and not holds_other(g.parent, n):
                g = g.parent
            src = n.attrs.get("src")
            media = self.resolve(src, member, base)
            if media is None:
                continue
            if any(media.path == m.path for m in out["media"]):
                continue
            desc_lines = []
            lat = lon = None
            for label, value, _ in html_table_rows(g):
                lab = _label(label)
                if IP_RE.match(value.strip()):
                    out["ips"].append(value.strip())
                elif lab in LAT_LABELS:
                    lat = value
                elif lab in LON_LABELS:
                    lon = value
            for line in g.text(skip={"table", "a"}).split("\n"):
                if line and parse_meta_time(line) is None:
                    desc_lines.append(line)
            pos = _position(lat, lon)
            if pos:
                media = replace(media, place=Place(pos[0], pos[1], None, "exif-data"))
            out["media"].append(media)
            out["desc"].append("\n".join(desc_lines))
            groups.append(g)
        # place and other key/value rows: every table row that is not photo metadata
        rows = [r for r in html_table_rows(body) if not _is_media_meta(r[0], r[1])]
        out["rows"] = rows
        name = address = None
        pos = None
        leftover = []
        for label, value, _ in rows:
            lab = _label(label)
            if parse_coordinates(value):
                pos = parse_coordinates(value)
            elif lab in NAME_LABELS and not name:
                name = value
            elif lab in ADDRESS_LABELS:
                address = value
            else:
                leftover.append((lab, value))
        if pos or name:
            out["place"] = Place(pos[0] if pos else None, pos[1] if pos else None, name or address, "checkin")
        out["leftover"] = leftover
        for a in body.find_all("a"):
            href = str(a.attrs.get("href") or "")
            if re.match(r"^https?://", href) and href not in out["links"]:
                out["links"].append(href)
        if text_node is not None:
            out["text"] = text_node.text()
        else:
            lines = []
            for child in body.children:
                if isinstance(child, str):
                    lines.append(child.strip())
                elif child not in groups and child.tag not in ("table", "a", "img", "video"):
                    lines += [ln for ln in child.text(skip={"table", "a"}).split("\n")
                              if parse_meta_time(ln) is None]
            out["text"] = "\n".join(ln for ln in lines if ln)
        return out

    def html_file(self, member: str, section: str) -> None:
        doc = self.load_html(member)
        if doc is None:
            return
        cards = html_cards(doc)
        if not cards:
            text = doc.text()
            if not text.strip() or len(text) < 200:
                return                                   # an empty section page ("no data")
            self.problem(member, "no records found in this HTML page (expected Facebook's export markup: "
                                 "blocks with class _a6-g); its layout may have changed. Download the "
                                 "JSON format to read it.")
            return
        page_title = doc.find("title").text() if doc.find("title") else ""
        album = None
        if section == "albums":
            h1 = doc.find("h1")
            album = (h1.text() if h1 is not None else "") or page_title or None
        fname = member.rsplit("/", 1)[-1]
        base = html_base(doc)
        without_text = 0
        if section == "albums":
            self.html_album_description(member, doc, cards, album)
        for i, card in enumerate(cards):
            created = parse_meta_time(card.date_text, HTML_ZONE)
            parts = self.html_card_parts(member, base, card)
            if created is None:
                self.problem(f"{member}#{i}", f"no readable date in this record ({card.date_text!r})")
            common = dict(created=created, member=member, index=i, from_html=True)
            text = parts["text"]
            if section == "posts":
                route = ("other" if "other" in fname else "archive" if fname.startswith("archive")
                         else "trash" if fname.startswith("trash") else "post")
                if not (text or parts["media"] or parts["place"] or parts["links"]):
                    continue
                for m in parts["media"]:
                    self.attached.add(m.path.rsplit("/", 1)[-1])
                notes = (["Archived: hidden from others on Facebook, but not deleted."] if route == "archive" else
                         ["In your recycle bin: Facebook deletes it for good 30 days after you binned it."]
                         if route == "trash" else [])
                self.add(self.build(kind="check-in" if parts["place"] else "post", text=text, media=parts["media"],
                                    descriptions=parts["desc"], place=parts["place"], links=parts["links"],
                                    ips=parts["ips"], route=route, deleted=route == "trash", notes=notes,
                                    extra={"title": card.title} if card.title else None, **common))
            elif section in ("comments", "groups"):
                is_comment = section == "comments" or fname.startswith(("your_comments", "group_comments"))
                if not (text or parts["media"] or parts["links"]):
                    continue
                self.add(self.build(kind="comment" if is_comment else "post", text=text, media=parts["media"],
                                    links=parts["links"], route="comment" if section == "comments" else "group",
                                    salt="comment" if is_comment else "",
                                    where=f"listed as “{card.title}”" if is_comment and card.title else "",
                                    extra={"title": card.title} if card.title else None, **common))
            elif section == "checkins":
                msg = next((v for lab, v in parts["leftover"] if lab in MESSAGE_LABELS), "") or \
                    next((v for lab, v in parts["leftover"] if parse_meta_time(v) is None), "")
                if not (msg or parts["place"] or parts["media"]):
                    continue
                self.add(self.build(kind="check-in", text=msg or text if parts["rows"] == [] else msg,
                                    media=parts["media"], place=parts["place"], links=parts["links"],
                                    ips=parts["ips"], route="check-in", **common))
            elif section == "tagged_places":
                name = (parts["place"].name if parts["place"] else None) or next(
                    (v for _, v in parts["leftover"] if parse_meta_time(v) is None), None) or card.title
                when = next((parse_meta_time(v, HTML_ZONE) for _, v in parts["leftover"]
                             if parse_meta_time(v) is not None), None)
                if not name:
                    continue
                common["created"] = when or created
                self.add(self.build(kind="check-in", text="", place=Place(None, None, name, "tagged-place"),
                                    route="tagged", salt="tagged-place", **common))
            elif section in ("albums", "photos"):
                for m, d in zip(parts["media"], parts["desc"]):
                    fn = m.path.rsplit("/", 1)[-1]
                    if fn in self.attached:
                        continue
                    self.attached.add(fn)
                    self.add(self.build(kind="photo", text=d or text, media=[m], ips=parts["ips"], route="photo",
                                        salt="photo", ref_basis="", album=album or (
                                            "Your videos" if "videos" in fname else None), **common))
            elif section == "reactions":
                if not (text or parts["links"]):
                    without_text += 1
                    continue
                self.add(self.build(kind="like", text=text, links=parts["links"], route="like", salt="like",
                                    notes=[ENDORSE_NOTE], extra={"title": card.title}, **common))
        if without_text:
            self.problem(member, f"{without_text} reaction(s) name only who you reacted to, not what they said: "
                                 "nothing in them to check")

    def html_album_description(self, member: str, doc: HtmlNode, cards: list, album: str | None) -> None:
        """The album's own description: page text outside the photo cards, the heading and the title."""
        skip = {id(c.node) for c in cards}
        parts: list[str] = []

        def walk(node: HtmlNode) -> None:
            for c in node.children:
                if isinstance(c, HtmlNode):
                    if id(c) in skip or c.tag in ("h1", "title", "head", "style", "script"):
                        continue
                    if not any(isinstance(x, HtmlNode) for x in c.iter() if x is not c) or not any(
                            id(x) in skip for x in c.iter()):
                        parts.append(c.text())
                    else:
                        walk(c)
        walk(doc)
        desc = "\n".join(p for p in parts if p)
        if not desc:
            return
        cover = cards[0].body.find("img") if cards and cards[0].body is not None else None
        media = self.resolve(cover.attrs.get("src"), member, html_base(doc)) if cover is not None else None
        self.add(self.build(kind="photo", created=None, text=desc, member=member, index=None,
                            media=[media] if media else [], route="photo", salt="album",
                            ref_basis=f"{album or ''}\n{desc}", album=album, from_html=True,
                            extra={"album_description": True}))

    def html_album_names(self, member: str) -> None:
        doc = self.load_html(member)
        if doc is None:
            return
        h1 = doc.find("h1")
        name = (h1.text() if h1 is not None else "") or (doc.find("title").text() if doc.find("title") else "")
        if name:
            for n in doc.iter():
                if n.tag in ("img", "video") and n.attrs.get("src"):
                    self.album_of.setdefault(str(n.attrs["src"]).rsplit("/", 1)[-1].split("?")[0], name)

    def html_profile(self, member: str) -> None:
        doc = self.load_html(member)
        if doc is None:
            return
        rows = html_table_rows(doc)
        got: dict[str, str] = {}
        jobs = []
        for label, value, _ in rows:
            lab = _label(label)
            if lab in ("name", "full name", "nom", "nom complet", "name (full)", "enw llawn", "nombre completo"):
                got.setdefault("full", value)
            elif lab in ("current city", "ville actuelle", "aktueller wohnort", "ciudad actual", "tref bresennol"):
                got.setdefault("city", value)
            elif lab in ("bio", "intro", "intro bio", "biographie", "bywgraffiad"):
                got.setdefault("bio", value)
            elif lab in ("employer", "employeur", "arbeitgeber", "empleador", "cyflogwr"):
                jobs.append((value, "", "", None, None))
        if not rows:
            self.problem(member, "no profile table found in this HTML page; profile not read")
        self.set_owner(got.get("full", ""), got.get("city", ""), jobs, got.get("bio", ""), None, member)

    # run ----------------------------------------------------------------------------------------------
    def run(self) -> Iterator[Post | Problem]:
        if self.det.layout.startswith("html/timeline.htm"):
            yield Problem(self.a.path, self.det.marker,
                          "this is a Facebook download from before April 2018 (html/timeline.htm), which this "
                          "tool does not read. Download your information again from Facebook (Settings › Your "
                          "information › Download your information, format JSON) and scan that.")
            return
        secs = self.sections()
        content = [s for s in secs if s not in ("messages",)]
        for member in secs.get("profile", []):
            try:
                if member.endswith(".json"):
                    self.read_profile(member, self.load_json(member))
                else:
                    self.html_profile(member)
            except Exception as exc:  # a bug on odd data must not lose the rest of the archive
                self.problem(member, f"{BUG}{exc!r}")
        albums_json = {}
        for member in secs.get("albums", []):
            try:
                if member.endswith(".json"):
                    albums_json[member] = self.load_json(member)
                    self.album_names(member, albums_json[member])
                else:
                    self.html_album_names(member)
            except Exception as exc:
                self.problem(member, f"{BUG}{exc!r}")
        readers = {"posts": self.read_posts, "checkins": self.read_checkins,
                   "tagged_places": self.read_tagged_places, "comments": self.read_comments,
                   "groups": self.read_groups, "reactions": self.read_reactions, "photos": self.read_photos}
        for section in ("posts", "checkins", "tagged_places", "comments", "groups", "reactions", "albums", "photos"):
            for member in secs.get(section, []):
                try:
                    if member.endswith(".json"):
                        if section == "albums":
                            self.read_album(member, albums_json.get(member))
                        else:
                            data = self.load_json(member)
                            if data is not None:
                                readers[section](member, data)
                    else:
                        self.html_file(member, section)
                except Exception as exc:  # a bug on odd data must not lose the rest of the archive
                    self.problem(member, f"{BUG}{exc!r}")
        messages = secs.get("messages", [])
        if messages and self.ctx.include_messages:
            try:
                self.read_messages(messages, html=not messages[0].endswith(".json"))
            except Exception as exc:
                self.problem(messages[0], f"{BUG}{exc!r}")
        if not content:
            threads = len({m.rsplit("/", 2)[0] for m in messages})
            if messages:
                self.problem(self.det.root or "",
                             f"this Facebook archive holds only Messenger messages ({threads} conversation(s)) "
                             "and none of your posts, comments, photos or profile. "
                             + ("Your own messages were read (--include-messages). " if self.ctx.include_messages
                                else "Messages are private and are read only with --include-messages. ")
                             + "To audit your posts, download your information again selecting Posts, Comments "
                               "and reactions, Groups and Profile information (or give every part of a split "
                               "download to the same scan).")
            else:
                media = [m for m in self.a.iter_files(self.root) if _media_kind(m) != "other"]
                self.problem(self.det.root or "",
                             (f"this Facebook archive holds {len(media)} media file(s) but no posts, comments, "
                              "photo lists or profile (it may be one part of a split download: give every part "
                              "to the same scan)") if media else
                             "no posts, comments, photos, check-ins or profile found in this Facebook export "
                             "(looked for posts/your_posts*, comments*/comments, groups/, posts/album/, "
                             "check-ins and profile_information, as .json or .html)")
        if self.missing_media:
            first = next(iter(self.missing_media))
            self.problem(first, f"{len(self.missing_media)} media file(s) listed in the export are not in this "
                         f"archive or the other archives of this scan (first: {first}); their places and "
                         "descriptions are still read")
        yield from self.posts.values()
        yield from self.problems


def _is_media_meta(label: str, value: str) -> bool:
    """A row of a photo's metadata table (upload IP, latitude, longitude, camera ...)."""
    lab = _label(label)
    return bool(IP_RE.match(value.strip())) or lab in LAT_LABELS or lab in LON_LABELS or lab in MEDIA_META_LABELS


def _inside(node: HtmlNode, anc: HtmlNode) -> bool:
    while node is not None:
        if node is anc:
            return True
        node = node.parent
    return False


def _natural(s: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem]:
    yield from _Reader(archive, detection, ctx).run()
