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

Verified by tests/test_facebook_*.py on synthetic exports built from the spec: the same content in
each JSON layout above (2018 status_updates, 2019 v1 keys, 2021 _v2 keys, 2022-23, 2024+) and as the
2022-23 and 2024+ HTML export in English and French gives 14 records in the older layouts (6 posts
from 7 listings, as the multi-photo post is listed twice; 1 check-in post; 2 comments; 1 group post;
1 like; 3 photos incl. an album description; 1 bio) and 16 in 2024+ (plus a check-ins file entry and
a tagged place), + 1 own message with --include-messages; with identical refs across all of them.
The HTML reading is checked on structure skeletons cut from real downloads (2019-21 English posts
and groups, 2024 Spanish posts and comments, 2025 Chinese album: tests/fixtures/html-skeletons) and
on pages built at test time in the 2022-23 French, German and 2019 English shapes
(tests/test_meta_html_*.py).

HTML (importers._html, on lxml): every block of a page becomes a post, comment, share or check-in,
or is named in a Problem (a block that holds nothing but a date; a block that could not be read).
Blocks, headers, bodies and dates are found by the markup of each generation (2019-21 and 2022+),
never by English words: the user's own text, attached content (a shared link's title, a memory),
photos with their descriptions and metadata tables, "Label: value" lines (Group: ...), places
written "Place: name (lat, lon)" in any language, and edit stamps ("Updated ...", "Mis à jour :
...", "Actualizado ...", "已在 … 更新"), which are kept as the post's update_timestamp and stamps,
never as text. A block whose only words are its title ("X shared a video from the playlist ...",
"X recommends Y") is a share (kind repost) with the title as its text; so is an entry of the JSON
export with nothing but a title. Dates are read in every language of importers._dates.

Each file read gives a Coverage (auditor.plugins): entries found, entries read, and the rest by
reason (empty, shown with its post, names only who you reacted to, not readable ...).

Every string of the JSON files is repaired for Meta's mojibake (importers.meta.fix_all). HTML
files are proper UTF-8.

Time: JSON timestamps are Unix seconds (UTC). HTML timestamps carry no zone and sometimes no
seconds; they are read as UTC (HTML_ZONE). Facebook wrote them in UTC for some accounts and in
the account's local zone for others (the D3I fork's measurements), so an HTML time can be out by
the UTC offset (an hour in UK summer time); such posts carry a note saying so.

Refs. Facebook gives no ids, so refs are auditor.model.stable_ref over the post's time truncated
to the minute (HTML has no seconds) and a basis: the post's own text (data[].post, not
the link, descriptions or title, which differ between JSON and HTML or between downloads), or, with
no text, the place name (check-ins), the first media file's name, or the shared link; an entry
whose only words are its title uses the title. From HTML the own text is the block's own words:
not an attached link's title or memory, a photo's description or album, an edit stamp or a
"Group:" line (so that HTML and JSON agree; since issue 14, HTML posts whose first part was an
attachment or whose text ended in an edit stamp, and HTML group comments, have new refs). The salt
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

import posixpath
import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Iterator

from auditor.archive import Archive
from auditor.model import Media, Place, Post, Problem, SourceRef, normalise_text, stable_ref, valid_position
from auditor.plugins import Coverage, Detection, ImportContext

from . import _dates, _html
from ._dates import parse_time
from ._meta_reader import HtmlPage, MetaReader, media_kind
from .meta import from_unix, parse_coordinates

PLATFORM = "facebook"
PRIORITY = 20
LOOKS_FOR = ("Facebook: your_facebook_activity/ (2024+), your_activity_across_facebook/ (2022-23), "
             "posts/your_posts_1.json or profile_information/ (2018-2021), in JSON or HTML")

HTML_ZONE = timezone.utc
BUG = "could not read this file (unexpected content; please report it): "
ENDORSE_NOTE = "A reaction: the words are someone else's; reacting can read as endorsing them."
SHARE_NOTE = ("Something you shared: the words may be someone else's, and sharing can read as endorsing "
              "them.")
TITLE_POST_NOTE = ("The export kept only the line that says you posted this, not what you wrote: look at "
                   "the post itself on Facebook.")
ROUTE_NOTES = {"archive": ["Archived: hidden from others on Facebook, but not deleted."],
               "trash": ["In your recycle bin: Facebook deletes it for good 30 days after you binned it."]}
# what each section's Coverage counts
COVERAGE_WHAT = {"posts": "posts", "checkins": "check-ins", "tagged_places": "tagged places",
                 "comments": "comments", "groups": "group posts and comments", "reactions": "likes and reactions",
                 "albums": "photos", "photos": "photos", "messages": "messages", "profile": "profile"}
# An entry whose only words are its title is a share, unless the title says you posted: these are
# the titles' verbs for posting in the languages we know (a title in another language is a share).
POSTED_TITLE = re.compile(
    r"\b(?:posted|updated (?:his|her|their) status|wrote on|a publié|a mis à jour son statut|a écrit"
    r"|hat (?:etwas )?(?:gepostet|veröffentlicht)|hat (?:seinen|ihren) Status aktualisiert|ha publicado"
    r"|ha actualizado su estado|heeft (?:iets )?geplaatst|heeft (?:zijn|haar) status bijgewerkt|ha pubblicato"
    r"|ha aggiornato (?:il suo|lo) stato|publicou|atualizou (?:o )?(?:seu|sua) (?:status|estado)"
    r"|wedi postio|wedi diweddaru)", re.I)
HTML_TIME_NOTE = ("Time read from Facebook's HTML export, which gives no time zone: taken as UTC, so it may "
                  "be out by your time zone (an hour in UK summer time).")

ACTIVITY_DIRS = (("your_facebook_activity/", "your_facebook_activity (2024+)"),
                 ("your_activity_across_facebook/", "your_activity_across_facebook (2022-23)"))
OLD_LAYOUT = "posts/ at the top (2018-2021)"
# members (relative to the export root, extension left off) that mark the 2018-2021 layout
OLD_MARKERS = re.compile(
    r"(?:posts/your_posts(?:_\d+)?|profile_information/profile_information|comments/comments"
    r"|comments_and_reactions/comments|likes_and_reactions/posts_and_comments"
    r"|(?:photos_and_videos|posts)/album/\d+|photos_and_videos/your_videos"
    r"|groups/your_posts_and_comments_in_groups)\.(?:json|html)"
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
COMMENT_LABELS = {"comment", "commentaire", "kommentar", "comentario", "commento", "comentário", "opmerking",
                  "reactie", "sylw", "komentarz", "yorum", "评论", "留言", "コメント", "댓글"}
AUTHOR_LABELS = {"author", "auteur", "autor", "autore", "auteur·rice", "awdur", "forfatter", "författare",
                 "作者", "投稿者", "작성자"}
GROUP_LABELS = {"group", "groupe", "gruppe", "grupo", "gruppo", "groep", "grŵp", "grupa", "grupp", "grup",
                "社團", "社团", "小组", "グループ", "그룹"}
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
    kind = media_kind(path)
    return kind if kind in ("photo", "video", "gif") else "other"


def _float(v: Any) -> float | None:
    if isinstance(v, str):
        v = v.strip().replace("−", "-").replace(",", ".")
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f else None


def _position(lat: Any, lon: Any) -> tuple[float, float] | None:
    a, b = _float(lat), _float(lon)
    return (a, b) if valid_position(a, b) else None


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
class _Reader(MetaReader):
    FORMAT = "Facebook"

    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        super().__init__(archive, det, ctx)
        self.posts: dict[str, Post] = {}
        self.album_of: dict[str, str] = {}         # media file name -> album name
        self.attached: set[str] = set()             # media file names already attached to posts
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

    def finish(self, member: str, section: str) -> None:
        super().finish(member, COVERAGE_WHAT.get(section, section))

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
            self.skip("not readable")
            return []
        self.tally["expected"] += len(items)
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                out.append((i, item))
            else:
                self.problem(f"{member}#{i}", "record is not an object; skipped")
                self.skip("not readable")
        return out

    # media --------------------------------------------------------------------------------
    def resolve(self, uri: str, html_member: str | None = None, base: str = "",
                page_dir: str | None = None) -> Media | None:
        if page_dir is None and html_member is not None:
            folder = posixpath.dirname(html_member)
            if base and not re.match(r"^(?:[a-z][a-z0-9+.-]*:|/)", base, re.I):
                folder = posixpath.normpath(posixpath.join(folder, base))
            page_dir = "" if folder in (".", "") else folder
        m = self.media(uri, page_dir)
        if m is not None and m.kind == "other":
            m = replace(m, kind=_media_kind(m.path))
        return m

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

    def title_only(self, title: str, created: datetime | None, member: str, index: int, route: str, *,
                   deleted: bool = False, notes: list[str] = (), extra: dict | None = None,
                   group: str | None = None, from_html: bool = False) -> Post:
        """An entry whose only words are its title: a share (kind repost), or a post where the
        title says you posted."""
        kind = "post" if POSTED_TITLE.search(title) else "repost"
        notes = list(notes) + ([TITLE_POST_NOTE] if kind == "post" else [SHARE_NOTE])
        return self.build(kind=kind, created=created, text=title, member=member, index=index, route=route,
                          deleted=deleted, notes=notes, extra={**(extra or {}), "title": title, "title_only": True},
                          ref_basis=title, from_html=from_html, where=f"group “{group}”" if group else "")

    # post assembly ----------------------------------------------------------------------------
    def add(self, post: Post, count: bool = True) -> None:
        if count:
            self.tally["read"] += 1
        old = self.posts.get(post.ref)
        if old is None:
            self.posts[post.ref] = post
            return
        paths = {m.path for m in old.media}
        media = old.media + tuple(m for m in post.media if m.path not in paths)
        place = old.place if (old.place and (old.place.has_position or not post.place)) else post.place
        ips = _unique(str(old.extra.get("upload_ip", "")).split(", ")
                      + str(post.extra.get("upload_ip", "")).split(", "))
        extra = {**post.extra, **old.extra}
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
            title = str(rec.get("title") or "").strip()
            if not title:
                self.skip("empty")                     # nothing written, shared or named
                return
            # the title is all there is ("X shared a video from the playlist ...", "X recommends Y"):
            # an endorsement, and the only words the export kept of it
            if created is None:
                self.problem(f"{member}#{i}", "post without a readable timestamp")
            self.add(self.title_only(title, created, member, i, route, deleted=deleted, notes=list(notes),
                                     extra=extra, group=group))
            return
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
                self.skip("empty")
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
                self.skip("empty")
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
            self.skip("no comment text")
            if rec.get("title"):
                self.textless.append(i)
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
                self.skip("names only who you reacted to")
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
            if not desc:
                self.skip("no file named")
                return
            # a description whose file the export does not name: the words are still yours
            created = from_unix(m.get("creation_timestamp")) or from_unix(m.get("timestamp"))
            self.add(self.build(kind="photo", created=created, text=desc, member=member, index=i, route=route,
                                salt="photo", album=album))
            return
        fname = media.path.rsplit("/", 1)[-1]
        if fname in self.attached:
            self.skip("shown with its post")
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
        if isinstance(photos, list):
            self.tally["expected"] += len(photos)
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
                                extra={"album_description": True}), count=False)
        for i, p in enumerate(photos):
            if isinstance(p, dict):
                self.photo_post(member, i, p, name)
            else:
                self.problem(f"{member}#{i}", "photo record is not an object; skipped")
                self.skip("not readable")

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
                                salt="bio", ref_basis=bio), count=False)

    # messages (JSON and HTML) ------------------------------------------------------------------------
    def read_messages(self, files: list[str], html: bool) -> None:
        threads = []
        for member in files:
            if html:
                page = self.load_html(member)
                if page is None:
                    continue
                title = page.title or member.rsplit("/", 2)[-2]
                msgs = []
                for b in page.blocks:
                    c = _html.read_block(b, HTML_ZONE)
                    msgs.append({"sender_name": b.header, "content": "\n".join(c.own + c.attached),
                                 "_created": _html.block_time(b, HTML_ZONE),
                                 "_media": [r.src for r in c.media], "_links": c.links})
                threads.append((member, title, [], msgs, page.dir))
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
        self.tally["expected"] += sum(len(t[3]) for t in threads)
        for member, title, _, msgs, base in threads:   # base: the HTML page's folder; None for JSON
            thread = member.rsplit("/", 2)[-2]
            for i, msg in enumerate(msgs):
                if not isinstance(msg, dict):
                    self.problem(f"{member}#{i}", "message is not an object; skipped")
                    continue
                sender = str(msg.get("sender_name") or "")
                if me and sender != me:
                    self.tally["written by others"] += 1
                    continue
                text = str(msg.get("content") or "").strip()
                created = msg.get("_created") if base is not None else from_unix(msg.get("timestamp_ms"))
                media: list[Media] = []
                if base is not None:
                    for src in msg.get("_media") or []:
                        mm = self.resolve(src, page_dir=base)
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
                links = [str(share["link"])] if share.get("link") else list(msg.get("_links") or [])
                if not (text or media or links):
                    self.tally["empty"] += 1
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
    def html_parts(self, page: HtmlPage, c: _html.Content) -> dict:
        """Media (with descriptions, album labels, upload IPs and positions), place, links and the
        rest of one block, in the shapes build() takes."""
        out: dict[str, Any] = {"media": [], "desc": [], "ips": [], "place": None, "links": list(c.links),
                               "leftover": [], "extra": {}}
        for ref in c.media:
            lat = lon = None
            numbers = []
            for label, value in ref.rows:
                lab = _label(label)
                if IP_RE.match(value.strip()):
                    out["ips"].append(value.strip())
                elif lab in LAT_LABELS:
                    lat = value
                elif lab in LON_LABELS:
                    lon = value
                elif re.fullmatch(r"[-−]?\d{1,3}[.,]\d{3,}", value.strip()):
                    numbers.append(value.strip().replace("−", "-").replace(",", "."))
            if lat is None and lon is None and len(numbers) == 2:
                lat, lon = numbers                      # unlabelled (unknown language): in Meta's order
            media = self.resolve(ref.src, page_dir=page.dir)
            if media is None:
                continue
            if ref.video and media.kind in ("photo", "other"):
                media = replace(media, kind="video")
            pos = _position(lat, lon)
            if pos:
                media = replace(media, place=Place(pos[0], pos[1], None, "exif-data"))
            if any(media.path == m.path for m in out["media"]):
                continue
            fname = media.path.rsplit("/", 1)[-1]
            if ref.labels:
                self.album_of.setdefault(fname, ref.labels[0])
            out["media"].append(media)
            out["desc"].append("\n".join(ref.desc))
        name = address = None
        pos = None
        for label, value in c.rows:
            lab = _label(label)
            if parse_coordinates(value):
                pos = parse_coordinates(value)
            elif lab in NAME_LABELS and not name:
                name = value
            elif lab in ADDRESS_LABELS:
                address = value
            else:
                out["leftover"].append((lab, value))
        if c.place is not None:
            out["place"] = Place(c.place[1], c.place[2], c.place[0] or name, "checkin")
        elif pos or name:
            out["place"] = Place(pos[0] if pos else None, pos[1] if pos else None, name or address, "checkin")
        if c.address or address:
            out["extra"]["address"] = c.address or address
        if c.stamps:
            out["extra"]["update_timestamp"] = c.stamps[0][1].isoformat()
            out["extra"]["stamps"] = [f"{label} {when.isoformat()}" for label, when in c.stamps]
        return out

    def html_file(self, member: str, section: str) -> None:
        page = self.load_html(member)
        if page is None:
            self.skip("not readable")
            return
        if not page.blocks:
            text = _html.norm_space(_html.all_text(page.root))
            if page.has_text() and len(text) >= 200:
                self.problem(member, "no records found in this HTML page (it is not laid out like the pages of "
                                     "Facebook's download); its layout may have changed. Download your "
                                     "information again in the JSON format to read it.")
                self.skip("not recognised")
            return                                       # otherwise an empty section page ("no data")
        self.tally["expected"] += len(page.blocks)
        fname = member.rsplit("/", 1)[-1]
        album = self.html_album(member, page) if section == "albums" else None
        empties: list[int] = []
        without_text = 0
        for block in page.blocks:
            try:
                c = _html.read_block(block, HTML_ZONE)
                got = self.html_block(member, page, section, fname, block, c, album)
            except Exception as exc:  # one odd block must not lose the page
                self.problem(f"{member}#{block.index}", f"could not read entry {block.index + 1} of this page "
                             f"({exc!r}); the rest of the page was read")
                self.skip("not readable")
                continue
            if got == "empty":
                empties.append(block.index)
            elif got == "no reaction text":
                without_text += 1
        if section in ("comments", "groups"):
            self.blocks_problem(member, empties, "name only what you commented on, not what you wrote: the "
                                "export kept no words, photo or link to check")
        else:
            self.blocks_problem(member, empties, "hold only a date (some with an edit stamp): the export "
                                "kept no words, photo, link or place to check")
        if without_text:
            self.problem(member, f"{without_text} reaction(s) name only who you reacted to, not what they said: "
                                 "nothing in them to check")

    def html_block(self, member: str, page: HtmlPage, section: str, fname: str, block: _html.Block,
                   c: _html.Content, album: str | None) -> str:
        """One block to a Post; returns what became of it ("read", "empty", ...)."""
        created = _html.block_time(block, HTML_ZONE)
        i = block.index
        parts = self.html_parts(page, c)
        own = "\n".join(c.own)
        title = block.header
        extra = dict(parts["extra"])
        if title:
            extra["title"] = title
        pairs = [(lab, v) for lab, v in c.pairs if v]
        common = dict(created=created, member=member, index=i, from_html=True)

        def no_date() -> None:
            if created is None:
                self.problem(f"{member}#{i}", f"no readable date in this record ({block.date_text!r})")

        if section in ("posts", "groups"):
            route = ("group" if section == "groups" else "other" if "other" in fname
                     else "archive" if fname.startswith("archive") else "trash" if fname.startswith("trash")
                     else "post")
            group, author, others = self.labelled(pairs, parts["leftover"])
            is_comment = section == "groups" and (fname.startswith(("your_comments", "group_comments"))
                                                  or bool(pairs) or author is not None)
            if group:
                extra["group"] = group
            if author:
                extra["author"] = author
            if is_comment:
                return self.html_comment(own, c, parts, others, extra, "group", group, title, common)
            has = own or parts["media"] or parts["place"] or parts["links"]
            if not (has or c.attached or others):
                if title and section == "posts":
                    no_date()
                    self.add(self.title_only(title, created, member, i, route, extra=extra, from_html=True,
                                             deleted=route == "trash", notes=ROUTE_NOTES.get(route, [])))
                    return "read"
                self.skip("empty")
                return "empty"
            no_date()
            for m in parts["media"]:
                self.attached.add(m.path.rsplit("/", 1)[-1])
            kind = "check-in" if parts["place"] else "post" if has else "repost"
            notes = list(ROUTE_NOTES.get(route, [])) + ([SHARE_NOTE] if kind == "repost" else [])
            self.add(self.build(kind=kind, text=own, media=parts["media"], descriptions=parts["desc"],
                                place=parts["place"], links=parts["links"], ips=parts["ips"], route=route,
                                extras=list(c.attached) + others, deleted=route == "trash", notes=notes,
                                extra=extra, where=f"group “{group}”" if group else "", **common))
            return "read"
        if section == "comments":
            group, author, others = self.labelled(pairs, parts["leftover"])
            if group:
                extra["group"] = group
            if author:
                extra["author"] = author
            return self.html_comment(own, c, parts, others, extra, "comment", group, title, common)
        if section == "checkins":
            leftover = parts["leftover"]
            msg = next((v for lab, v in leftover if lab in MESSAGE_LABELS), "") or \
                next((v for lab, v in leftover if parse_time(v, HTML_ZONE) is None), "")
            text = msg or own
            if not (text or parts["place"] or parts["media"]):
                self.skip("empty")
                return "empty"
            no_date()
            self.add(self.build(kind="check-in", text=text, media=parts["media"], place=parts["place"],
                                links=parts["links"], ips=parts["ips"], route="check-in", extra=extra, **common))
            return "read"
        if section == "tagged_places":
            leftover = parts["leftover"]
            name = (parts["place"].name if parts["place"] else None) or next(
                (v for _, v in leftover if parse_time(v, HTML_ZONE) is None), None) or own or title
            when = next((parse_time(v, HTML_ZONE) for _, v in leftover if parse_time(v, HTML_ZONE) is not None), None)
            if not name:
                self.skip("empty")
                return "empty"
            common["created"] = when or created
            if common["created"] is None:
                no_date()
            self.add(self.build(kind="check-in", text="", place=Place(None, None, name, "tagged-place"),
                                route="tagged", salt="tagged-place", **common))
            return "read"
        if section in ("albums", "photos"):
            if not parts["media"]:
                if not (own or c.attached):
                    self.skip("empty")
                    return "empty"
                no_date()
                self.add(self.build(kind="photo", text=own, extras=list(c.attached), route="photo", salt="photo",
                                    album=album, **common))
                return "read"
            no_date()
            for m, d in zip(parts["media"], parts["desc"]):
                fn = m.path.rsplit("/", 1)[-1]
                if fn in self.attached:
                    self.skip("shown with its post")
                    continue
                self.attached.add(fn)
                self.add(self.build(kind="photo", text=d or own, media=[m], ips=parts["ips"], route="photo",
                                    salt="photo", ref_basis="", album=album or (
                                        "Your videos" if "videos" in fname else None), **common))
            return "read"
        if section == "reactions":
            text = "\n".join(c.own + c.attached)
            if not (text or parts["links"]):
                self.skip("names only who you reacted to")
                return "no reaction text"
            self.add(self.build(kind="like", text=text, links=parts["links"], route="like", salt="like",
                                notes=[ENDORSE_NOTE], extra=extra, **common))
            return "read"
        self.skip("not read")
        return "skipped"

    def labelled(self, pairs: list[tuple[str, str]], rows: list[tuple[str, str]]
                 ) -> tuple[str | None, str | None, list[str]]:
        """(group, author, words) from a block's "Label: value" lines and table rows (a comment
        written as a table: Comment / Author / Group, labels localised). The first "Label:" line
        of a comment is its group (the 2019-21 "Group: name"); rows are sorted by their label
        where the language is known (else kept as words); dates are dropped."""
        group = author = None
        words: list[str] = []
        later: list[str] = []
        for n, (lab, v) in enumerate(pairs):
            if n == 0 or _label(lab) in GROUP_LABELS:
                group = group or v
            else:
                later.append(f"{lab}: {v}")
        for lab, v in rows:
            if not v or parse_time(v, HTML_ZONE) is not None:
                continue
            if lab in GROUP_LABELS:
                group = group or v
            elif lab in AUTHOR_LABELS or (self.owner_name and v == self.owner_name):
                author = author or v
            elif lab in COMMENT_LABELS:
                words.insert(0, v)
            else:
                later.append(v)
        return group, author, words + later

    def html_comment(self, own: str, c: _html.Content, parts: dict, others: list[str], extra: dict, route: str,
                     group: str | None, title: str, common: dict) -> str:
        text = "\n".join(x for x in [own, *c.attached, *others] if x)
        if not (text or parts["media"] or parts["links"]):
            self.skip("no comment text")
            return "empty"
        if common["created"] is None:
            self.problem(f"{common['member']}#{common['index']}", "no readable date in this record")
        self.add(self.build(kind="comment", text=text, media=parts["media"], descriptions=parts["desc"],
                            links=parts["links"], ips=parts["ips"], route=route, salt="comment", extra=extra,
                            where="; ".join(x for x in (f"group “{group}”" if group else "",
                                                        f"listed as “{title}”" if title else "") if x),
                            **common))
        return "read"

    def html_album(self, member: str, page: HtmlPage) -> str | None:
        """The album's name (page heading), and its description as a post of its own."""
        root = page.root
        heading = next((e for e in root.iter() if isinstance(e.tag, str) and (
            e.tag == "h1" or _html.classes(e) & {"_a70e", "_3b0d"})), None)
        name = (_html.norm_space(_html.all_text(heading)) if heading is not None else "") or page.title or None
        lines = []
        for e in root.iter():
            if isinstance(e.tag, str) and _html.classes(e) & {"_a70f", "_3b0e"}:
                lines += [ln.text for ln in _html.walk_lines(e)]
        main = next((e for e in root.iter() if isinstance(e.tag, str) and e.get("role") == "main"), None)
        if main is not None:
            block_els = [b.el for b in page.blocks]     # held, so that the ids below stay theirs
            ids = {id(e) for e in block_els}
            lines += [ln.text for ln in _html.walk_lines(main, skip_el=lambda el: id(el) in ids or el is heading)]
        desc = "\n".join(ln for ln in dict.fromkeys(lines) if ln and ln != name
                         and _dates.stamp(ln) is None and parse_time(ln) is None)
        if desc:
            first = page.blocks[0] if page.blocks else None
            media = None
            if first is not None:
                refs = _html.read_block(first, HTML_ZONE).media
                media = self.resolve(refs[0].src, page_dir=page.dir) if refs else None
            self.add(self.build(kind="photo", created=None, text=desc, member=member, index=None,
                                media=[media] if media else [], route="photo", salt="album",
                                ref_basis=f"{name or ''}\n{desc}", album=name, from_html=True,
                                extra={"album_description": True}), count=False)
        return name

    def html_album_names(self, member: str) -> None:
        page = self.load_html(member)
        if page is None:
            return
        root = page.root
        heading = next((e for e in root.iter() if isinstance(e.tag, str) and (
            e.tag == "h1" or _html.classes(e) & {"_a70e", "_3b0d"})), None)
        name = (_html.norm_space(_html.all_text(heading)) if heading is not None else "") or page.title
        if name:
            for n in root.iter("img", "video"):
                if n.get("src"):
                    self.album_of.setdefault(str(n.get("src")).rsplit("/", 1)[-1].split("?")[0], name)

    def html_profile(self, member: str) -> None:
        page = self.load_html(member)
        if page is None:
            return
        rows = [r for t in page.root.iter("table") for r in _html.table_rows(t)]
        got: dict[str, str] = {}
        jobs = []
        for label, value in rows:
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
    def run(self) -> Iterator[Post | Problem | Coverage]:
        if self.det.layout.startswith("html/timeline.htm"):
            yield Problem(self.a.path, self.det.marker,
                          "this is a Facebook download from before April 2018 (html/timeline.htm), which this "
                          "tool does not read. Download your information again from Facebook (Settings › Your "
                          "information › Download your information, format JSON) and scan that.")
            return
        secs = self.sections()
        content = [s for s in secs if s not in ("messages",)]
        for member in secs.get("profile", []):
            self.begin()
            before = len(self.problems)
            try:
                if member.endswith(".json"):
                    self.read_profile(member, self.load_json(member))
                else:
                    self.html_profile(member)
            except Exception as exc:  # a bug on odd data must not lose the rest of the archive
                self.problem(member, f"{BUG}{exc!r}")
            self.tally.pop("read", None)
            ok = len(self.problems) == before
            self.tally.update({"expected": 1, "read": int(ok), "not readable": int(not ok)})
            self.finish(member, "profile")
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
                self.begin()
                try:
                    if member.endswith(".json"):
                        if section == "albums":
                            self.read_album(member, albums_json.get(member))
                        else:
                            data = self.load_json(member)
                            if data is not None:
                                readers[section](member, data)
                            else:
                                self.skip("not readable")
                    else:
                        self.html_file(member, section)
                except Exception as exc:  # a bug on odd data must not lose the rest of the archive
                    self.problem(member, f"{BUG}{exc!r}")
                    self.skip("not readable")
                self.finish(member, section)
        messages = secs.get("messages", [])
        if messages and self.ctx.include_messages:
            self.begin()
            try:
                self.read_messages(messages, html=not messages[0].endswith(".json"))
            except Exception as exc:
                self.problem(messages[0], f"{BUG}{exc!r}")
            self.finish(messages[0], "messages")
        elif messages:
            # private, read only when asked: say how many conversations were left out
            self.cover(messages[0], "messages", 0, None,
                       {"messages not included": len({m.rsplit("/", 1)[0] for m in messages})})
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
        if self.missing:
            first = next(iter(self.missing))
            self.problem(first, f"{len(self.missing)} media file(s) listed in the export are not in this "
                         f"archive or the other archives of this scan (first: {first}); their places and "
                         "descriptions are still read")
        yield from self.posts.values()
        yield from self.problems
        yield from self.coverage


def _natural(s: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    yield from _Reader(archive, detection, ctx).run()
