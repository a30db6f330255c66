"""X/Twitter data-download archives, every layout since 2012.

Layouts (see shared/reference/archive-formats.md section 2), one reader per family:

- 2012 - mid 2019, "Grailbird": ``tweets.csv``, ``data/js/tweet_index.js``, ``data/js/user_details.js``
  and one file per month ``data/js/tweets/YYYY_MM.js`` (``Grailbird.data.tweets_YYYY_MM = [...]``,
  ``created_at`` as ``2014-12-01 10:00:00 +0000``, real ``retweeted_status``). No media files.
  The monthly JS files are read first; ``tweets.csv`` fills in any tweet they lack (a damaged month).
- 2018 - 2019, first GDPR format: ``tweet.js``, ``account.js``, ``like.js`` ... at the top level, no
  ``data/`` folder; bare tweet objects.
- 2019 - Jan 2020: ``data/tweet.js``, bare tweet objects; Jan 2020 - 2022: the same file with items
  wrapped as ``{"tweet": {...}}``; media in ``data/tweet_media/``.
- 2022 onwards: ``data/tweets.js`` (+ ``tweets-part1.js`` ... listed in ``data/manifest.js``),
  ``tweets_media/``, ``deleted-tweets.js`` + ``deleted_tweets_media/``, ``note-tweet.js`` (long posts),
  ``community-tweet.js`` + ``community_tweet_media/``, ``like.js``, ``direct-messages*.js``.

Data files are streamed record by record (an X ``tweets.js`` can be hundreds of MB); a record that
does not parse is a Problem naming the member and record, and reading resumes at the next record.
A file cut short (a download that stopped) is a Problem on the file that says to download again.

For every data file read, a Coverage: the records X's ``manifest.js`` (or the Grailbird
``tweet_index.js``) says it holds, the records turned into posts, and the rest by reason
("not readable" for damaged records, "duplicate", "messages not included" ...).
"""
from __future__ import annotations

import codecs
import csv
import html
import io
import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from auditor.archive import Archive, MemberError, common_root
from auditor.model import Media, Place, Post, Problem, SourceRef, utc

from auditor.plugins import Coverage, Detection, ImportContext

PLATFORM = "twitter"
PRIORITY = 10
LOOKS_FOR = ("X/Twitter: data/tweets.js, data/tweet.js, data/manifest.js, tweet.js at the top level, "
             "or the 2012-2019 data/js/tweets/YYYY_MM.js and tweets.csv")

LAYOUT_TWEETS = "tweets.js (2022+)"
LAYOUT_TWEET = "tweet.js (2019-2022)"
LAYOUT_MANIFEST = "manifest.js"
LAYOUT_TOPLEVEL = "tweet.js at the top level (2018-2019)"
LAYOUT_GRAILBIRD = "Grailbird data/js/tweets (2012-2019)"
LAYOUT_CSV = "tweets.csv (2012-2019)"

MARKERS = (("data/tweets.js", LAYOUT_TWEETS), ("data/tweet.js", LAYOUT_TWEET),
           ("data/manifest.js", LAYOUT_MANIFEST), ("data/js/tweet_index.js", LAYOUT_GRAILBIRD),
           ("data/js/user_details.js", LAYOUT_GRAILBIRD))
_GRAILBIRD_MONTH = re.compile(r"(?:^|/)data/js/tweets/\d{4}_\d{2}\.js$")
_CSV_HEADER = "tweet_id"

REPOST_NOTE = ("Repost: X keeps only a shortened copy of the reposted text; open the original post to read "
               "all of it.")


def repost_note(original_url: str | None) -> str:
    """What the report says about a repost: the text is X's shortened copy; where the original is."""
    return REPOST_NOTE + (f" Original: {original_url}" if original_url else "")


LIKE_NOTE = ("Like: you endorsed someone else's post. X records no date for likes; unlike it from the link.")


# -- detection -------------------------------------------------------------------------------
def detect(archive: Archive) -> list[Detection]:
    found: dict[str, Detection] = {}

    def add(root: str, layout: str, member: str) -> None:
        old = found.get(root)
        # a manifest alone is the weakest sign; a tweets file found later names the layout better
        if old is None or (old.layout == LAYOUT_MANIFEST and layout != LAYOUT_MANIFEST):
            found[root] = Detection(PLATFORM, layout, root, member)

    for marker, layout in MARKERS:
        for member in archive.find(marker):
            add(common_root(member, marker), layout, member)
    members = archive.members()
    for member in members:
        if _GRAILBIRD_MONTH.search(member):
            add(member[: member.rindex("data/js/tweets/")], LAYOUT_GRAILBIRD, member)
        base = posixpath.basename(member)
        parent = posixpath.dirname(member)
        if base == "tweet.js" and posixpath.basename(parent) != "data":
            if _starts_with(archive, member, "window.YTD.tweet."):
                add(parent + "/" if parent else "", LAYOUT_TOPLEVEL, member)
        elif base == "tweets.csv":
            root = parent + "/" if parent else ""
            if root not in found and _starts_with(archive, member, _CSV_HEADER):
                add(root, LAYOUT_CSV, member)
    return list(found.values())


def _starts_with(archive: Archive, member: str, head: str) -> bool:
    """Whether the member's text starts with `head` (quotes and a BOM aside): a cheap check that a
    top-level tweet.js or a tweets.csv is X's and not some other file of that name."""
    try:
        with archive.open_member(member) as fh:
            text = fh.read(200).decode("utf-8", "replace").lstrip("\ufeff").lstrip()
    except Exception:  # unreadable: not ours to claim
        return False
    return text.lstrip('"').startswith(head)


# -- the window.YTD wrapper ------------------------------------------------------------------
def load_ytd(raw: str) -> Any:
    """Parse `window.YTD.<name>.partN = [...]`, `Grailbird.data.tweets_2014_12 = [...]`,
    `var user_details = {...}` or `window.__THAR_CONFIG = {...}` held in memory (small files)."""
    raw = raw.lstrip("\ufeff")
    starts = [i for i in (raw.find("["), raw.find("{")) if i >= 0]
    if not starts:
        raise ValueError("no JSON array or object after the `window.YTD.<name>.part0 =` prefix")
    return json.loads(raw[min(starts):])


CHUNK = 1 << 20                 # bytes read from the member at a time
# The largest data file streamed. Memory stays flat while streaming, but the Posts of a 2 GiB
# tweets.js (about 1.5 million tweets) already take some 2 GiB: beyond that, a Problem, not a crash.
STREAM_LIMIT = 2 << 30
MAX_RECORD = 64 << 20           # a single record larger than this is treated as damage
_WS = re.compile(r"\s*")
_PREFIX = re.compile(r"(?:var\s+)?[A-Za-z_$][\w$.]*\s*=")    # window.YTD.tweets.part0 =, var user_details =


DOWNLOAD_AGAIN = "Download your archive again."
UNREADABLE = "not readable"          # the skip reason for damaged records (the pipeline counts them as gaps)


@dataclass
class _Tally:
    """One data file's Coverage, counted while it is read."""
    member: str
    what: str
    expected: int | None = None
    read: int = 0
    skipped: Counter = field(default_factory=Counter)

    def coverage(self) -> Coverage:
        return Coverage(self.member, self.what, self.read, self.expected, dict(self.skipped))


class _Bad:
    """Damage in the record stream, standing in for a Problem. `record` is True when it replaces
    one record (counted against the manifest), False for damage to the file as a whole."""
    __slots__ = ("message", "record")

    def __init__(self, message: str, record: bool = False):
        self.message = message
        self.record = record


def _resync_pattern(key: str | None) -> re.Pattern[str]:
    """Where the next record starts: X pretty-prints top-level records as "{" alone on a line with
    at most two spaces before it, or "}, {" (2019 tweet.js, Grailbird); wrapped records also start
    with `{ "<key>" : {`."""
    bare = r"^ {0,2}(?:\}\s*,\s*)?(\{)[ \t]*\r?$"
    if key:
        return re.compile(r"(?m)" + bare + r'|(\{)\s*"' + re.escape(key) + r'"\s*:\s*\{')
    return re.compile(r"(?m)" + bare)


def iter_records(read: Callable[[int], bytes], key: str | None = None) -> Iterator[tuple[int, Any]]:
    """Records of a `<prefix> = [ {...}, {...} ]` file, one at a time, without holding the whole
    file: yields (index, record) and (index, _Bad) for a record that does not parse, then resumes at
    the next record (found by its wrapper key or X's pretty-printing)."""
    dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
    jdec = json.JSONDecoder()
    resync = _resync_pattern(key)
    buf = ""
    pos = 0
    eof = False

    def more() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        data = read(CHUNK)
        if not data:
            eof = True
            buf = buf[pos:] + dec.decode(b"", final=True)
        else:
            buf = buf[pos:] + dec.decode(data)
        pos = 0
        return bool(data)

    def skip_ws() -> bool:
        """Move pos to the next non-space character; False at the end of the file."""
        nonlocal pos
        while True:
            pos = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            if pos < len(buf):
                return True
            if not more():
                return False

    # the prefix: everything before the first "[" (or "{")
    while True:
        m = re.search(r"[\[{]", buf)
        if m or eof or len(buf) > 65536:
            break
        more()
    if not m:
        yield 0, _Bad("empty file" if not buf.strip() else
                      f"no JSON list found (the file starts {buf.lstrip(chr(0xfeff)).strip()[:40]!r}): "
                      "expected `window.YTD.<name>.part0 = [ ... ]`")
        return
    prefix = buf[: m.start()].lstrip("\ufeff").strip()
    if prefix and not _PREFIX.fullmatch(prefix):
        yield 0, _Bad(f"unexpected text before the data ({prefix[:40]!r}): expected "
                      "`window.YTD.<name>.part0 = [ ... ]`")
        return
    if m.group() == "{":
        yield 0, _Bad("expected a list of records `[ ... ]`, found a single object")
        return
    pos = m.end()
    index = 0
    expect_value = True
    while True:
        if not skip_ws():
            yield index, _Bad(f"the file is cut short: it ends before the closing `]`, after {index} "
                              f"record(s). {DOWNLOAD_AGAIN}")
            return
        ch = buf[pos]
        if ch == "]":
            return
        if not expect_value:
            if ch == ",":
                pos += 1
                expect_value = True
                continue
            bad = f"expected `,` or `]` after record {index - 1}, found {buf[pos:pos + 20]!r}"
            rec: Any = None
        else:
            try:
                rec, end = jdec.raw_decode(buf, pos)
                if not isinstance(rec, (dict, list)) and end >= len(buf) and not eof:
                    raise json.JSONDecodeError("value may continue", buf, end)
            except json.JSONDecodeError as exc:
                near_end = exc.pos + 64 >= len(buf) or exc.msg.startswith("Unterminated string")
                if not eof and near_end and len(buf) - pos < MAX_RECORD:
                    more()
                    continue
                bad = f"record {index} is not valid JSON ({exc.msg})"
            else:
                yield index, rec
                index += 1
                pos = end
                expect_value = False
                continue
        # damage: report it and resume at the next record start
        yield index, _Bad(bad + "; skipped to the next record", record=expect_value)
        start = pos + 1 if expect_value else pos     # a missing comma: the next record may start here
        if expect_value:
            index += 1
        while True:
            hit = resync.search(buf, start)
            if hit:
                pos = hit.start(hit.lastindex or 0)
                expect_value = True
                break
            if len(buf) - pos > MAX_RECORD:
                pos = len(buf) - 1024
            start = max(start - pos, len(buf) - pos - 64)   # the same place once more() drops buf[:pos]
            if not more():
                yield index, _Bad(f"the file is cut short or damaged at record {max(index - 1, 0)}: nothing "
                                  f"after it could be read. {DOWNLOAD_AGAIN}")
                return


def _unwrap(item: Any, key: str | None) -> Any:
    if key and isinstance(item, dict) and isinstance(item.get(key), dict):
        return item[key]
    return item


def _read_records(archive: Archive, member: str, key: str | None, problems: list[Problem],
                  counter: list[int] | None = None, tally: _Tally | None = None) -> Iterator[tuple[int, dict]]:
    """(index, record) for each record that is a JSON object; everything else becomes a Problem
    (and, with a tally, a record skipped as "not readable"). `counter[0]` receives the number of
    records seen (good and bad)."""
    seen = 0
    try:
        size = archive.size(member)
        if size > STREAM_LIMIT:
            problems.append(Problem(archive.path, member, f"{size / (1 << 20):,.0f} MiB, over the "
                                    f"{STREAM_LIMIT / (1 << 20):,.0f} MiB limit for one data file; skipped"))
            return
        with archive.open_member(member) as fh:
            for i, item in iter_records(fh.read, key):
                if isinstance(item, _Bad):
                    problems.append(Problem(archive.path, f"{member}#{i}" if item.record else member,
                                            item.message))
                    seen += item.record
                    if tally is not None and item.record:
                        tally.skipped[UNREADABLE] += 1
                    continue
                seen += 1
                item = _unwrap(item, key)
                if not isinstance(item, dict):
                    problems.append(Problem(archive.path, f"{member}#{i}",
                                            f"record is a {type(item).__name__}, not an object; skipped"))
                    if tally is not None:
                        tally.skipped[UNREADABLE] += 1
                    continue
                yield i, item
    except MemberError as exc:  # damaged zip data (bad CRC, a damaged region)
        detail = str(exc).split(": ", 1)[-1]
        after = f" after record {seen - 1}" if seen else ""
        problems.append(Problem(archive.path, member, f"the file is damaged in the zip and could not be read"
                                f"{after} ({detail}). {DOWNLOAD_AGAIN}"))
    except Exception as exc:
        problems.append(Problem(archive.path, member, f"could not be read: {exc}"))
    if counter is not None:
        counter[0] = seen


def _small_ytd(archive: Archive, member: str, problems: list[Problem]) -> Any:
    try:
        return load_ytd(archive.read_text(member, max_size=64 << 20))
    except Exception as exc:
        problems.append(Problem(archive.path, member, f"could not parse: {exc}"))
        return None


# -- fields ----------------------------------------------------------------------------------
_TIME_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S.%f%z",
                 "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S")


_API_TIME = re.compile(r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), 1)}


def parse_time(value: str) -> datetime | None:
    """X's timestamps in all eras: `Sat Mar 05 09:30:00 +0000 2022` (API v1.1), `2014-12-01 10:00:00
    +0000` (Grailbird, tweets.csv), `2022-01-27T15:58:52.744Z` (DMs, notes). Naive values are UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    m = _API_TIME.fullmatch(value)          # the common case, without strptime's cost (a third of the import)
    if m and m.group(1) in _MONTHS:
        mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
        try:
            dt = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=timezone.utc)
        except ValueError:
            return None
        off = timedelta(hours=int(oh), minutes=int(om))
        return dt - off if sign == "+" else dt + off
    if value.endswith("Z"):
        value = value[:-1] + "+0000"
    for fmt in _TIME_FORMATS:
        try:
            return utc(datetime.strptime(value, fmt))
        except ValueError:
            continue
    return None


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError, OverflowError):
        return None


def _d(v: Any) -> dict:
    """v when it is an object, else {}: archives are untrusted, a field can hold anything."""
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list:
    """v when it is a list, else []."""
    return v if isinstance(v, list) else []


def _media_items(tweet: dict) -> list[dict]:
    """All media of a tweet: extended_entities.media (entities.media holds only the first)."""
    return [m for m in (_l(_d(tweet.get("extended_entities")).get("media"))
                        or _l(_d(tweet.get("entities")).get("media"))) if isinstance(m, dict)]


def _expand(text: str, entities: Iterable[dict], short_key: str = "url",
            long_keys: tuple[str, ...] = ("expanded_url",)) -> str:
    """Replace t.co links by their targets, then unescape HTML entities in the text between them.

    X's indices are code points into the raw, still HTML-escaped text (checked on 574/574 links of a
    2026 archive). A span is used only where it holds the short link; otherwise (UTF-16 offsets,
    edited text, no indices) the first unused occurrence of the short link is replaced. The expanded
    URLs are inserted as they are: they are not HTML-escaped and must not be unescaped."""
    spans: list[tuple[int, int, str]] = []
    for u in entities:
        if not isinstance(u, dict):
            continue
        short = str(u.get(short_key) or "")
        target = next((str(u[k]) for k in long_keys if u.get(k)), "")
        if not short or not target:
            continue
        ind = u.get("indices") or [u.get("fromIndex"), u.get("toIndex")]
        a, b = (_int(ind[0]), _int(ind[1])) if isinstance(ind, (list, tuple)) and len(ind) >= 2 else (None, None)
        if a is None or b is None or not (0 <= a < b <= len(text)) or text[a:b] != short:
            a = -1
            start = 0
            while True:
                k = text.find(short, start)
                if k < 0:
                    break
                if not any(s <= k < e for s, e, _ in spans):
                    a = k
                    break
                start = k + 1
            if a < 0:
                continue
            b = a + len(short)
        if any(s < b and a < e for s, e, _ in spans):
            continue
        spans.append((a, b, target))
    out = []
    pos = 0
    for a, b, target in sorted(spans):
        out.append(html.unescape(text[pos:a]))
        out.append(target)
        pos = b
    out.append(html.unescape(text[pos:]))
    return "".join(out)


def expand_text(tweet: dict) -> str:
    """The tweet's text with t.co links (links and media) expanded and HTML entities unescaped."""
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    return _expand(text, _l(_d(tweet.get("entities")).get("urls")) + _media_items(tweet))


def _valid_position(lat: float, lon: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lon <= 180 and not (lat == 0 and lon == 0)


def _place(tweet: dict) -> Place | None:
    """`coordinates` is GeoJSON [lon, lat]; `geo` is [lat, lon] (both strings in current archives,
    numbers in Grailbird); `place` has a name and a bounding box (its centre is used)."""
    name = None
    box_lat = box_lon = None
    place = tweet.get("place")
    if isinstance(place, dict) and (place.get("full_name") or place.get("name")):
        name = str(place.get("full_name") or place.get("name"))
        try:
            box = place["bounding_box"]["coordinates"][0]
            box_lon = sum(float(p[0]) for p in box) / len(box)
            box_lat = sum(float(p[1]) for p in box) / len(box)
            if not _valid_position(box_lat, box_lon):
                box_lat = box_lon = None
        except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
            box_lat = box_lon = None
    for field_name, order, source in (("coordinates", (1, 0), "tweet-coordinates"), ("geo", (0, 1), "tweet-geo")):
        value = tweet.get(field_name)
        if not isinstance(value, dict) or not value.get("coordinates"):
            continue
        try:
            pair = value["coordinates"]
            lat, lon = float(pair[order[0]]), float(pair[order[1]])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if _valid_position(lat, lon):
            return Place(lat, lon, name, source)
    if name:
        return Place(box_lat, box_lon, name, "tweet-place")
    return None


MEDIA_KIND = {"photo": "photo", "video": "video", "animated_gif": "gif"}


def _media_names(m: dict) -> list[str]:
    """File names X gives a media item, best first: the highest-bitrate mp4 for video and GIF
    (other variants as fallbacks), the last segment of media_url_https for photos."""
    names: list[str] = []
    if m.get("type") in ("video", "animated_gif"):
        variants = [v for v in _l(_d(m.get("video_info")).get("variants"))
                    if isinstance(v, dict) and "mp4" in str(v.get("content_type", ""))]
        variants.sort(key=lambda v: _int(v.get("bitrate")) or 0, reverse=True)
        names += [str(v.get("url", "")).split("?")[0].rsplit("/", 1)[-1] for v in variants]
    names.append(str(m.get("media_url_https") or m.get("media_url") or "").split("?")[0].rsplit("/", 1)[-1])
    return list(dict.fromkeys(n for n in names if n))


# -- one export ------------------------------------------------------------------------------
@dataclass
class _Export:
    """What one read() learns and shares between files: where things are, who the owner is."""
    archive: Archive
    ctx: ImportContext
    root: str                                   # the export's folder in the archive
    data: str                                   # the data folder ("<root>data/" or root)
    problems: list[Problem] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)     # of files read outside a generator
    media_refs: int = 0                                        # media items the posts list ...
    media_missing: int = 0                                     # ... and those not in the archive
    screen_name: str | None = None
    account_id: str | None = None
    seen: set[str] = field(default_factory=set)
    # long-post notes by creation second: (note id, created, full text, member)
    notes: dict[str, list[tuple[str, datetime | None, str, str]]] = field(default_factory=dict)
    used_notes: set[str] = field(default_factory=set)
    old_naming: bool = False                    # tweet.js (2019-2022) rather than tweets.js
    locate_budget: int = 50                     # failed looks for media in the scan's other archives
    _by_tid: dict[str, list[str]] | None = None

    def problem(self, member: str, message: str) -> None:
        self.problems.append(Problem(self.archive.path, member, message))

    def drain(self) -> Iterator[Problem | Coverage]:
        yield from self.problems
        self.problems.clear()
        yield from self.coverage
        self.coverage.clear()

    def media_by_tweet(self) -> dict[str, list[str]]:
        """tweet id -> media members of this export (for the `<tweet id>*` fallback)."""
        if self._by_tid is None:
            self._by_tid = {}
            for m in self.archive.iter_files(self.data):
                folder, _, base = m.rpartition("/")
                if folder.endswith("_media") and "-" in base:
                    self._by_tid.setdefault(base.split("-", 1)[0], []).append(m)
        return self._by_tid


def _find_media(ex: _Export, folders: list[str], tid: str, m: dict, single: bool) -> Media:
    kind = MEDIA_KIND.get(str(m.get("type")), "other")
    names = _media_names(m)
    ids = [tid] + [s for s in [str(m.get("source_status_id_str") or "")] if s.isdigit() and s != tid]
    for i in ids:                       # a self-repost's file may sit only under the original's id
        for name in names:
            for folder in folders:
                path = ex.data + folder + "/" + f"{i}-{name}"
                if path in ex.archive:
                    return Media(path, kind, None, False, ex.archive.path)
    if names and ex.locate_budget > 0:  # the same export split over several zips
        for folder in folders:
            hit = ex.ctx.locate(f"{folder}/{tid}-{names[0]}")
            if hit is not None:
                return Media(hit[1], kind, None, False, hit[0].path)
        ex.locate_budget -= 1           # each look scans every archive: stop when media are simply absent
    if single:                          # one media item and one file named after the tweet
        files = [f for f in ex.media_by_tweet().get(tid, []) if f.rsplit("/", 2)[-2] in folders]
        if len(files) == 1:
            return Media(files[0], kind, None, False, ex.archive.path)
    name = names[0] if names else "unknown"
    return Media(ex.data + folders[0] + "/" + f"{tid}-{name}", kind, None, True, ex.archive.path)


def _media(ex: _Export, folders: list[str], tweet: dict, tid: str, member: str) -> tuple[Media, ...]:
    items = _media_items(tweet)
    out = []
    for m in items:
        media = _find_media(ex, folders, tid, m, len(items) == 1)
        if media.missing:
            ex.problem(media.path, f"media of tweet {tid} listed in {member} but not in the archive")
        out.append(media)
    return tuple(out)


_STATUS = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:i/web|\w+)/status(?:es)?/(\d+)")
_RT = re.compile(r"RT @(\w+):")


def _present(v: Any) -> bool:
    return v not in (None, "", "-1", -1, "0", 0)


def tweet_kind(tweet: dict, text: str) -> str:
    """repost (a `RT @user:` text or a Grailbird `retweeted_status`), reply, quote (a link to
    another post in entities.urls), otherwise post."""
    if text.startswith("RT @") or isinstance(tweet.get("retweeted_status"), dict):
        return "repost"
    if _present(tweet.get("in_reply_to_status_id_str")) or _present(tweet.get("in_reply_to_status_id")):
        return "reply"
    return "quote" if _quoted(tweet) else "post"


def _quoted(tweet: dict) -> str | None:
    """The link to another post that makes this one a quote (X keeps no quoted_status)."""
    own = str(tweet.get("id_str") or tweet.get("id") or "")
    for u in _l(_d(tweet.get("entities")).get("urls")):
        if isinstance(u, dict):
            hit = _STATUS.match(str(u.get("expanded_url", "")))
            if hit and hit.group(1) != own:
                return str(u["expanded_url"])
    return None


def permalink(screen_name: str | None, tid: str) -> str:
    if screen_name:
        return f"https://x.com/{screen_name}/status/{tid}"
    return f"https://x.com/i/web/status/{tid}"


_NOTE_DELTAS = sorted(range(-60, 61), key=abs)


def _note_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _note_for(ex: _Export, created: datetime | None, text: str) -> tuple[str, str] | None:
    """The full text of a long post (note-tweet.js), matched to its tweet by creation time (within
    a minute) and by the tweet's visible text being the start of the note. X does not document the
    link between the two, so a note is used only when both agree."""
    if not ex.notes or created is None:
        return None
    prefix = _note_key(re.sub(r"(?:\s*https?://\S+)+\s*$", "", text).rstrip("…").rstrip())
    if len(prefix) < 10:
        return None
    for delta in _NOTE_DELTAS:
        for nid, _when, full, member in ex.notes.get(str(int(created.timestamp()) + delta), []):
            if nid not in ex.used_notes and _note_key(full).startswith(prefix):
                ex.used_notes.add(nid)
                return full, member
    return None


def tweet_to_post(ex: _Export, tweet: dict, member: str, index: int, folders: list[str],
                  deleted: bool = False, audience: str | None = None,
                  notes: tuple[str, ...] = ()) -> Post | None:
    tid = str(tweet.get("id_str") or tweet.get("id") or "")
    if not tid.isdigit():
        ex.problem(f"{member}#{index}", "tweet without an id; skipped")
        return None
    created = parse_time(str(tweet.get("created_at", "")))
    if created is None:
        ex.problem(f"{member}#{index}", f"tweet {tid}: unreadable created_at "
                   f"{str(tweet.get('created_at'))[:40]!r}; kept without a date")
    text = expand_text(tweet)
    kind = tweet_kind(tweet, text)
    extra: dict[str, Any] = {}
    notes_l = list(notes)
    rs = tweet.get("retweeted_status")
    if kind == "repost":
        author = _RT.match(text)
        extra["reposted_from"] = author.group(1) if author else None
        if isinstance(rs, dict) and str(rs.get("id_str") or rs.get("id") or "").isdigit():
            # Grailbird kept the whole original: show it in full
            user = _d(rs.get("user")).get("screen_name")
            user = user or extra["reposted_from"]
            text = f"RT @{user}: {expand_text(rs)}" if user else expand_text(rs)
            extra["original_url"] = permalink(user, str(rs.get("id_str") or rs.get("id")))
            notes_l.append("Repost: you shared someone else's post; its text is shown in full. "
                           f"Original: {extra['original_url']}")
        else:
            src = next((str(m.get("source_status_id_str")) for m in _media_items(tweet)
                        if str(m.get("source_status_id_str") or "").isdigit()), None)
            extra["original_url"] = (permalink(extra["reposted_from"], src) if src else
                                     f"https://x.com/{extra['reposted_from']}" if extra["reposted_from"] else None)
            notes_l.append(repost_note(extra["original_url"]))
    elif kind == "reply":
        extra["in_reply_to"] = tweet.get("in_reply_to_screen_name")
        extra["in_reply_to_status"] = str(tweet.get("in_reply_to_status_id_str")
                                          or tweet.get("in_reply_to_status_id") or "")
    elif kind == "quote":
        extra["quoted_url"] = _quoted(tweet)
    if kind != "repost":
        note = _note_for(ex, created, text)
        if note is not None:
            text = note[0]
            notes_l.append(f"Long post: the full text comes from {posixpath.basename(note[1])}.")
    mentions = [str(u.get("screen_name")) for u in _l(_d(tweet.get("entities")).get("user_mentions"))
                if isinstance(u, dict) and u.get("screen_name")]
    if mentions:
        extra["mentions"] = mentions
    if tweet.get("deleted_at"):
        extra["deleted_at"] = tweet["deleted_at"]
    if tweet.get("community_id_str") or tweet.get("community_id"):
        extra["community_id"] = str(tweet.get("community_id_str") or tweet.get("community_id"))
    return Post(
        ref=f"twitter:{tid}", platform=PLATFORM, kind=kind, created_at=created, text=text,
        url=permalink(ex.screen_name, tid), audience=audience, place=_place(tweet),
        media=_media(ex, folders, tweet, tid, member) if folders else (),
        source=SourceRef(ex.archive.path, member, index), deleted=deleted, notes=tuple(notes_l),
        extra=extra,
    )


# -- owner -----------------------------------------------------------------------------------
def _add_owner(ex: _Export, handle: str | None = None, name: str | None = None) -> None:
    owner = ex.ctx.owner
    if handle:
        handles = owner.setdefault("handles", [])
        if handle not in handles:
            handles.append(handle)
    if name:
        if not owner.get("full_name"):
            owner["full_name"] = name
        elif owner["full_name"] != name and name not in owner.setdefault("aliases", []):
            owner["aliases"].append(name)


def _read_account(ex: _Export, manifest: dict | None) -> None:
    member = ex.data + "account.js"
    if member in ex.archive:
        for _, item in _read_records(ex.archive, member, "account", ex.problems):
            if item.get("username"):
                ex.screen_name = ex.screen_name or str(item["username"])
                ex.account_id = ex.account_id or (str(item["accountId"]) if item.get("accountId") else None)
                _add_owner(ex, str(item["username"]), str(item.get("accountDisplayName") or "") or None)
    info = _d(manifest).get("userInfo")
    if isinstance(info, dict):
        if info.get("userName"):
            ex.screen_name = ex.screen_name or str(info["userName"])
        if info.get("accountId"):
            ex.account_id = ex.account_id or str(info["accountId"])
        _add_owner(ex, str(info.get("userName") or "") or None, str(info.get("displayName") or "") or None)
    member = ex.data + "profile.js"             # the bio (for `auditor init`: the profession)
    if member in ex.archive:
        for _, item in _read_records(ex.archive, member, "profile", ex.problems):
            desc = _d(item.get("description"))
            if isinstance(desc.get("bio"), str) and desc["bio"].strip():
                ex.ctx.owner.setdefault("bio", desc["bio"].strip())
            if isinstance(desc.get("location"), str) and desc["location"].strip():
                ex.ctx.owner.setdefault("city", desc["location"].strip())
    member = ex.data + "screen-name-change.js"
    if member in ex.archive:                    # the owner's earlier handles are their own name too
        for _, item in _read_records(ex.archive, member, "screenNameChange", ex.problems):
            change = item.get("screenNameChange") if isinstance(item.get("screenNameChange"), dict) else item
            for k in ("changedFrom", "changedTo"):
                if change.get(k):
                    _add_owner(ex, str(change[k]))


# -- the 2018+ window.YTD layouts ------------------------------------------------------------
# manifest data type -> file name pattern (relative to the data folder), wrapper key, media folders
_TYPES = {
    "tweets": (r"tweets?(?:-part\d+)?\.js", "tweet", ["tweets_media", "tweet_media"]),
    "deletedTweets": (r"deleted-tweets(?:-part\d+)?\.js", "tweet", ["deleted_tweets_media"]),
    "communityTweet": (r"community-tweets?(?:-part\d+)?\.js", "tweet", ["community_tweet_media"]),
    "noteTweet": (r"note-tweet(?:-part\d+)?\.js", "noteTweet", []),
    "deletedNoteTweet": (r"deleted-note-tweet(?:-part\d+)?\.js", "noteTweet", []),
    "like": (r"like(?:-part\d+)?\.js", "like", []),
    "directMessages": (r"direct-messages?(?:-part\d+)?\.js", "dmConversation", ["direct_messages_media"]),
    "directMessagesGroup": (r"direct-messages?-group(?:-part\d+)?\.js", "dmConversation",
                            ["direct_messages_group_media"]),
}


def _part_no(member: str) -> int:
    mt = re.search(r"-part(\d+)\.js$", member)
    return int(mt.group(1)) if mt else 0


def _type_files(ex: _Export, dtype: str, manifest: dict | None) -> tuple[list[tuple[str, int | None]], list[str]]:
    """[(member, count or None)] for one data type, and its media folders (relative to data/).
    The manifest's list comes first; files it does not list but that follow X's naming are added."""
    pattern, _, folders = _TYPES[dtype]
    listed: dict[str, int | None] = {}
    entry = _d(_d(_d(manifest).get("dataTypes")).get(dtype))
    if entry:
        for f in _l(entry.get("files")):
            if isinstance(f, dict) and f.get("fileName"):
                listed[ex.root + str(f["fileName"]).lstrip("/")] = _int(f.get("count"))
        md = entry.get("mediaDirectory")
        if isinstance(md, str) and md.rstrip("/").rsplit("/", 1)[-1] not in folders:
            folders = [md.rstrip("/").rsplit("/", 1)[-1]] + folders
    rx = re.compile(re.escape(ex.data) + pattern)
    for m in ex.archive.iter_files(ex.data):
        if rx.fullmatch(m) and m not in listed:
            listed[m] = None
    files = sorted(listed.items(), key=lambda kv: (_part_no(kv[0]), kv[0]))
    return files, folders


def _check_count(ex: _Export, member: str, expected: int | None, got: int, lister: str = "manifest.js") -> None:
    """Fewer records than the lister says is a Problem on the file (records are missing); more is
    only a note on the lister itself (nothing was lost)."""
    if expected is None or expected == got:
        return
    if got < expected:
        ex.problem(member, f"{lister} lists {expected} records, the file holds {got}")
    else:
        where = ex.data + lister if lister == "manifest.js" else ex.root + lister
        ex.problem(where, f"lists {expected} records for {member}, the file holds {got}")


def _load_notes(ex: _Export, manifest: dict | None, dtype: str) -> None:
    files, _ = _type_files(ex, dtype, manifest)
    what = "long posts" if dtype == "noteTweet" else "deleted long posts"
    for member, count in _missing_listed(ex, files, what):
        n = [0]
        tally = _Tally(member, what, count)
        for i, item in _read_records(ex.archive, member, "noteTweet", ex.problems, n, tally):
            core = item.get("core") if isinstance(item.get("core"), dict) else {}
            text = core.get("text")
            nid = str(item.get("noteTweetId") or "")
            when = parse_time(str(item.get("createdAt") or ""))
            if not isinstance(text, str) or not nid:
                ex.problem(f"{member}#{i}", "note without an id or text; skipped")
                tally.skipped[UNREADABLE] += 1
                continue
            tally.read += 1
            urls = [u for u in _l(core.get("urls")) if isinstance(u, dict)]
            full = _expand(text, urls, "shortUrl", ("expandedUrl", "expanded_url")) if urls else html.unescape(text)
            key = str(int(when.timestamp())) if when else ""
            ex.notes.setdefault(key, []).append((nid, when, full, member))
        _check_count(ex, member, count, n[0])
        ex.coverage.append(tally.coverage())


def _missing_listed(ex: _Export, files: list[tuple[str, int | None]], what: str
                    ) -> list[tuple[str, int | None]]:
    """The files present; each listed file that is absent is a Problem and a Coverage of nothing
    read (the rest of a split download, or a damaged one)."""
    present = []
    for member, count in files:
        if member in ex.archive:
            present.append((member, count))
        elif count != 0:
            ex.problem(member, f"listed in manifest.js{f' ({count} records)' if count else ''} "
                       "but not in the archive")
            ex.coverage.append(Coverage(member, what, 0, count))
    return present


def _count_media(ex: _Export, post: Post) -> None:
    ex.media_refs += len(post.media)
    ex.media_missing += sum(m.missing for m in post.media)


def _media_coverage(ex: _Export) -> Coverage | None:
    if not ex.media_refs:
        return None
    folder = ex.data + ("tweet_media/" if ex.old_naming else "tweets_media/")
    found = ex.media_refs - ex.media_missing
    return Coverage(folder, "photos and videos", found, ex.media_refs,
                    {"not in the archive": ex.media_missing} if ex.media_missing else {})


def _read_tweet_type(ex: _Export, manifest: dict | None, dtype: str, deleted: bool = False,
                     community: bool = False) -> Iterator[Post | Problem]:
    files, folders = _type_files(ex, dtype, manifest)
    if dtype == "tweets" and ex.old_naming and folders[:2] == ["tweets_media", "tweet_media"]:
        folders = ["tweet_media", "tweets_media"]           # before late 2022 the folder was tweet_media
    what = {"tweets": "posts", "deletedTweets": "deleted posts", "communityTweet": "community posts"}[dtype]
    for member, count in _missing_listed(ex, files, what):
        n = [0]
        tally = _Tally(member, what, count)
        for i, tw in _read_records(ex.archive, member, "tweet", ex.problems, n, tally):
            try:
                audience = notes = None
                if community:
                    cid = str(tw.get("community_id_str") or tw.get("community_id") or "?")
                    audience = f"X Community {cid}"
                if deleted:
                    gone = parse_time(str(tw.get("deleted_at") or ""))
                    notes = (f"X lists this post as deleted{' on ' + gone.strftime('%Y-%m-%d') if gone else ''}"
                             "; X keeps deleted posts for about 14 days before removing them.",)
                post = tweet_to_post(ex, tw, member, i, folders, deleted=deleted, audience=audience,
                                     notes=notes or ())
            except Exception as exc:  # a bad record is a Problem, never an abort
                ex.problem(f"{member}#{i}", f"unreadable tweet: {exc!r}")
                tally.skipped[UNREADABLE] += 1
                continue
            if post is None:
                tally.skipped[UNREADABLE] += 1
            elif post.ref in ex.seen:
                tally.skipped["duplicate"] += 1
            else:
                ex.seen.add(post.ref)
                tally.read += 1
                _count_media(ex, post)
                yield post
            yield from ex.drain()
        _check_count(ex, member, count, n[0])
        yield from ex.drain()
        yield tally.coverage()


def _read_likes(ex: _Export, manifest: dict | None) -> Iterator[Post | Problem]:
    files, _ = _type_files(ex, "like", manifest)
    for member, count in _missing_listed(ex, files, "likes"):
        n = [0]
        tally = _Tally(member, "likes", count)
        for i, like in _read_records(ex.archive, member, "like", ex.problems, n, tally):
            tid = str(like.get("tweetId") or "")
            if not tid.isdigit():
                ex.problem(f"{member}#{i}", "like without a tweetId; skipped")
                tally.skipped[UNREADABLE] += 1
                continue
            ref = f"twitter:like:{tid}"
            if ref in ex.seen:
                tally.skipped["duplicate"] += 1
                continue
            ex.seen.add(ref)
            tally.read += 1
            url = str(like.get("expandedUrl") or "") or permalink(None, tid)
            text = html.unescape(str(like.get("fullText") or ""))
            notes = (LIKE_NOTE,) if text else (LIKE_NOTE, "X did not export the liked text (the post may "
                                                          "be deleted or protected).")
            yield Post(ref=ref, platform=PLATFORM, kind="like", created_at=None, text=text, url=url,
                       source=SourceRef(ex.archive.path, member, i), notes=notes,
                       extra={"liked_tweet": tid, "original_url": url})
            yield from ex.drain()
        _check_count(ex, member, count, n[0])
        yield from ex.drain()
        yield tally.coverage()


def _dm_media(ex: _Export, folders: list[str], mid: str, urls: list[Any]) -> tuple[Media, ...]:
    out = []
    for u in urls:
        name = str(u).split("?")[0].rsplit("/", 1)[-1]
        if not name:
            continue
        kind = "video" if name.endswith(".mp4") else "photo"
        path = next((ex.data + f + "/" + f"{mid}-{name}" for f in folders
                     if ex.data + f + "/" + f"{mid}-{name}" in ex.archive), None)
        if path is None:
            files = ex.media_by_tweet().get(mid, [])
            path = files[0] if len(urls) == 1 and len(files) == 1 else None
        if path is None:
            path = ex.data + folders[0] + "/" + f"{mid}-{name}"
            ex.problem(path, f"media of direct message {mid} listed but not in the archive")
            out.append(Media(path, kind, None, True, ex.archive.path))
        else:
            out.append(Media(path, kind, None, False, ex.archive.path))
    return tuple(out)


def _read_dms(ex: _Export, manifest: dict | None) -> Iterator[Post | Problem]:
    """Messages the owner sent (all messages when the owner's account id is unknown)."""
    for dtype in ("directMessages", "directMessagesGroup"):
        files, folders = _type_files(ex, dtype, manifest)
        for member, count in _missing_listed(ex, files, "conversations"):
            n = [0]
            tally = _Tally(member, "conversations", count)
            for i, conv in _read_records(ex.archive, member, "dmConversation", ex.problems, n, tally):
                tally.read += 1
                cid = str(conv.get("conversationId") or "")
                for j, msg in enumerate(_l(conv.get("messages"))):
                    mc = msg.get("messageCreate") if isinstance(msg, dict) else None
                    if not isinstance(mc, dict):
                        continue                 # joins, leaves, name changes: not text anyone wrote
                    mid = str(mc.get("id") or "")
                    if not mid:
                        ex.problem(f"{member}#{i}", f"message {j} without an id; skipped")
                        continue
                    sender = str(mc.get("senderId") or "")
                    if ex.account_id and sender != ex.account_id:
                        continue
                    text = _expand(str(mc.get("text") or ""), _l(mc.get("urls")), "url", ("expanded",))
                    ref = f"twitter:dm:{mid}"
                    if ref in ex.seen:
                        continue
                    ex.seen.add(ref)
                    notes = ("Direct message: private, but screenshots travel; delete it from the "
                             "conversation.",)
                    if not ex.account_id:
                        notes += ("The archive does not say who you are, so messages from the other "
                                  "people in the conversation are included too.",)
                    created = parse_time(str(mc.get("createdAt") or ""))
                    if created is None:
                        ex.problem(f"{member}#{i}", f"message {mid}: unreadable createdAt")
                    yield Post(ref=ref, platform=PLATFORM, kind="message", created_at=created, text=text,
                               url=f"https://x.com/messages/{cid}" if cid else "https://x.com/messages",
                               audience="direct message" + (" (group)" if "Group" in dtype else ""),
                               media=_dm_media(ex, folders, mid, _l(mc.get("mediaUrls"))),
                               source=SourceRef(ex.archive.path, member, i), notes=notes,
                               extra={"conversation": cid, "recipient": mc.get("recipientId")})
                    yield from ex.drain()
            _check_count(ex, member, count, n[0])
            yield from ex.drain()
            yield tally.coverage()


def _unmatched_notes(ex: _Export) -> Iterator[Post]:
    """Long posts whose tweet was not found: still the owner's words, so they are audited."""
    for entries in ex.notes.values():
        for nid, when, full, member in entries:
            if nid in ex.used_notes:
                continue
            deleted = "deleted-note" in member
            yield Post(ref=f"twitter:note:{nid}", platform=PLATFORM, kind="post", created_at=when, text=full,
                       url=f"https://x.com/{ex.screen_name}" if ex.screen_name else None,
                       source=SourceRef(ex.archive.path, member, None), deleted=deleted,
                       how_to_find=f"A long post from {when:%d %b %Y %H:%M} UTC on your X profile"
                       if when else "A long post on your X profile",
                       notes=("Long post (note-tweet.js) whose tweet is not in this archive.",))


def _read_ytd(ex: _Export) -> Iterator[Post | Problem]:
    manifest = None
    mmember = ex.data + "manifest.js"
    if mmember in ex.archive:
        manifest = _small_ytd(ex.archive, mmember, ex.problems)
        if manifest is not None and not isinstance(manifest, dict):
            ex.problem(mmember, "expected `window.__THAR_CONFIG = { ... }`; the file list is guessed instead")
            manifest = None
    _read_account(ex, manifest)
    yield from ex.drain()
    _load_notes(ex, manifest, "noteTweet")
    _load_notes(ex, manifest, "deletedNoteTweet")
    yield from ex.drain()
    files, _ = _type_files(ex, "tweets", manifest)
    ex.old_naming = any(posixpath.basename(m).startswith(("tweet.", "tweet-part")) for m, _ in files)
    if not files:
        ex.problem(ex.data + "tweets.js", "no tweets file (tweets.js or tweet.js) in this archive")
        ex.coverage.append(Coverage(ex.data + "tweets.js", "posts", 0))
    yield from _read_tweet_type(ex, manifest, "tweets")
    yield from _read_tweet_type(ex, manifest, "deletedTweets", deleted=True)
    yield from _read_tweet_type(ex, manifest, "communityTweet", community=True)
    yield from _unmatched_notes(ex)
    yield from _read_likes(ex, manifest)
    if ex.ctx.include_messages:
        yield from _read_dms(ex, manifest)
    else:
        for dtype in ("directMessages", "directMessagesGroup"):
            for member, count in _type_files(ex, dtype, manifest)[0]:
                if member in ex.archive:
                    yield Coverage(member, "conversations", 0, count,
                                   {"messages not included": count} if count else {})
    media = _media_coverage(ex)
    if media is not None:
        yield media
    yield from ex.drain()


# -- the 2012-2019 Grailbird layout ----------------------------------------------------------
CSV_COLUMNS = ("tweet_id", "in_reply_to_status_id", "in_reply_to_user_id", "timestamp", "source", "text",
               "retweeted_status_id", "retweeted_status_user_id", "retweeted_status_timestamp",
               "expanded_urls")


def _read_grailbird(ex: _Export) -> Iterator[Post | Problem]:
    details = ex.root + "data/js/user_details.js"
    if details in ex.archive:
        d = _small_ytd(ex.archive, details, ex.problems)
        if isinstance(d, dict) and d.get("screen_name"):
            ex.screen_name = str(d["screen_name"])
            ex.account_id = str(d.get("id") or "") or None
            _add_owner(ex, ex.screen_name, str(d.get("full_name") or "") or None)
    months: dict[str, int | None] = {}
    index = ex.root + "data/js/tweet_index.js"
    if index in ex.archive:
        idx = _small_ytd(ex.archive, index, ex.problems)
        for e in idx if isinstance(idx, list) else []:
            if isinstance(e, dict) and e.get("file_name"):
                months[ex.root + str(e["file_name"]).lstrip("/")] = _int(e.get("tweet_count"))
    for m in ex.archive.iter_files(ex.root + "data/js/tweets/"):
        if _GRAILBIRD_MONTH.search(m) and m not in months:
            months[m] = None
    yield from ex.drain()
    media_refs = 0
    tallies: dict[str, _Tally] = {}          # "YYYY_MM" -> the month file's count
    for member, count in sorted(months.items(), reverse=True):
        tally = tallies[posixpath.basename(member)[:7]] = _Tally(member, "posts", count)
        if member not in ex.archive:
            ex.problem(member, "listed in data/js/tweet_index.js but not in the archive")
            continue
        n = [0]
        for i, tw in _read_records(ex.archive, member, None, ex.problems, n, tally):
            try:
                if not ex.screen_name and isinstance(tw.get("user"), dict) and tw["user"].get("screen_name"):
                    ex.screen_name = str(tw["user"]["screen_name"])
                    _add_owner(ex, ex.screen_name, str(tw["user"].get("name") or "") or None)
                post = tweet_to_post(ex, tw, member, i, [])
            except Exception as exc:
                ex.problem(f"{member}#{i}", f"unreadable tweet: {exc!r}")
                tally.skipped[UNREADABLE] += 1
                continue
            if post is None:
                tally.skipped[UNREADABLE] += 1
            elif post.ref in ex.seen:
                tally.skipped["duplicate"] += 1
            else:
                urls = [str(m.get("media_url_https") or m.get("media_url")) for m in _media_items(tw)]
                if urls:
                    media_refs += len(urls)
                    post = _with_extra(post, media_urls=urls)
                ex.seen.add(post.ref)
                tally.read += 1
                yield post
            yield from ex.drain()
        _check_count(ex, member, count, n[0], "data/js/tweet_index.js")
        yield from ex.drain()
    csv_member = ex.root + "tweets.csv"
    if csv_member in ex.archive:
        yield from _read_csv(ex, csv_member, tallies if months else None)
    for tally in tallies.values():
        yield tally.coverage()
    if media_refs:
        ex.problem(ex.root + "data/js/tweets/", f"this 2012-2019 archive holds no photo or video files: "
                   f"{media_refs} media items its tweets refer to were not checked (a current X archive "
                   "includes them)")
    yield from ex.drain()


def _with_extra(post: Post, **kw: Any) -> Post:
    return replace(post, extra={**post.extra, **kw})


def _read_csv(ex: _Export, member: str, months: dict[str, _Tally] | None = None
              ) -> Iterator[Post | Problem | Coverage]:
    """tweets.csv rows whose tweet the monthly JS files did not give (or all of them, when the
    archive has only the CSV). The CSV has no entities: t.co links are replaced, in order, by the
    `expanded_urls` column when the counts agree.

    With monthly files (`months`: "YYYY_MM" -> their tallies) the CSV is a second copy: a post it
    gives that its month's file lacked counts as read for that month (a damaged month is filled in),
    and its own Coverage ("second copy") counts only those."""
    backup = months is not None
    tally = _Tally(member, "posts (second copy in tweets.csv)" if backup else "posts")
    bad = "damaged rows (second copy)" if backup else UNREADABLE
    try:
        text = ex.archive.read_text(member)
    except Exception as exc:
        ex.problem(member, f"could not be read: {exc}")
        ex.coverage.append(tally.coverage())
        yield from ex.drain()
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or reader.fieldnames[0].lstrip("\ufeff") != "tweet_id":
        ex.problem(member, f"expected the columns {', '.join(CSV_COLUMNS)}")
        ex.coverage.append(tally.coverage())
        yield from ex.drain()
        return
    reader.fieldnames = [f.lstrip("\ufeff") for f in reader.fieldnames]
    i = 0
    while True:
        i += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            ex.problem(member, f"row {i} is not readable CSV ({exc}); the rest of the file could not be "
                       f"read. {DOWNLOAD_AGAIN}")
            break
        tid = (row.get("tweet_id") or "").strip()
        if not tid.isdigit() or None in row or row.get("text") is None:
            ex.problem(f"{member}#{i}", "row without a tweet id or with the wrong number of columns; skipped")
            tally.skipped[bad] += 1
            continue
        if f"twitter:{tid}" in ex.seen:
            tally.skipped["already read from the monthly files" if backup else "duplicate"] += 1
            continue
        urls = [u for u in (row.get("expanded_urls") or "").split(",") if u]
        shorts = re.findall(r"https?://t\.co/\w+", row["text"])
        body = row["text"]
        if urls and len(shorts) == len(urls):
            body = _expand(body, [{"url": s, "expanded_url": u} for s, u in zip(shorts, urls)])
        else:
            body = html.unescape(body)
        tweet = {"id_str": tid, "created_at": row.get("timestamp"), "full_text": body,
                 "in_reply_to_status_id_str": (row.get("in_reply_to_status_id") or "").strip() or None,
                 "entities": {"urls": [{"expanded_url": u} for u in urls]}}
        try:
            post = tweet_to_post(ex, tweet, member, i, [])
        except Exception as exc:
            ex.problem(f"{member}#{i}", f"unreadable tweet: {exc!r}")
            tally.skipped[bad] += 1
            continue
        if post is None:
            tally.skipped[bad] += 1
            continue
        rt_id = (row.get("retweeted_status_id") or "").strip()
        if rt_id.isdigit():
            original = permalink(None, rt_id)
            post = replace(post, kind="repost", notes=tuple(n for n in post.notes if not n.startswith(REPOST_NOTE))
                           + (repost_note(original),), extra={**post.extra, "original_url": original})
        ex.seen.add(post.ref)
        tally.read += 1
        if months is not None and post.created_at is not None:
            month = months.get(post.created_at.strftime("%Y_%m"))
            if month is not None:           # the month's file lacked it: it is read now
                month.read += 1
                if month.skipped.get(UNREADABLE):
                    month.skipped[UNREADABLE] -= 1
        yield post
        yield from ex.drain()
    ex.coverage.append(tally.coverage())
    yield from ex.drain()


# -- entry point -----------------------------------------------------------------------------
def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    root = detection.root
    if detection.layout in (LAYOUT_GRAILBIRD, LAYOUT_CSV):
        ex = _Export(archive, ctx, root, root + "data/")
        yield from _read_grailbird(ex)
        return
    data = root if detection.layout == LAYOUT_TOPLEVEL else root + "data/"
    ex = _Export(archive, ctx, root, data)
    yield from _read_ytd(ex)
