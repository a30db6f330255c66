"""X/Twitter data-download archives.

Layouts (see shared/reference/archive-formats.md section 2):
- 2022+: data/tweets.js, data/tweets-part1.js ... (manifest.js lists the parts), tweets_media/
"""
from __future__ import annotations

import html
import json
import posixpath
import re
from datetime import datetime
from typing import Any, Iterator

from auditor.archive import Archive, common_root
from auditor.model import Media, Place, Post, Problem, SourceRef, utc

from .base import Detection, ImportContext

PLATFORM = "twitter"
LOOKS_FOR = "X/Twitter: data/tweets.js, data/tweet.js or data/manifest.js"

MARKERS = (("data/tweets.js", "tweets.js (2022+)"), ("data/tweet.js", "tweet.js (2019-2022)"),
           ("data/manifest.js", "manifest.js"))


def detect(archive: Archive) -> list[Detection]:
    found: dict[str, Detection] = {}
    for marker, layout in MARKERS:
        for member in archive.find(marker):
            root = common_root(member, marker)
            if root not in found:
                found[root] = Detection(PLATFORM, layout, root, member)
    return list(found.values())


# -- the window.YTD wrapper ------------------------------------------------------------------
def load_ytd(raw: str) -> Any:
    """Parse `window.YTD.<name>.partN = [...]` (or `window.__THAR_CONFIG = {...}`)."""
    starts = [i for i in (raw.find("["), raw.find("{")) if i >= 0]
    if not starts:
        raise ValueError("no JSON array or object after the window.YTD prefix")
    return json.loads(raw[min(starts):])


def _items(archive: Archive, member: str, key: str, problems: list[Problem]) -> list[dict]:
    try:
        data = load_ytd(archive.read_text(member))
    except (ValueError, OSError) as exc:
        problems.append(Problem(archive.path, member, f"could not parse: {exc}"))
        return []
    if not isinstance(data, list):
        problems.append(Problem(archive.path, member, "expected a list of records"))
        return []
    out = []
    for i, item in enumerate(data):
        if isinstance(item, dict) and key in item and isinstance(item[key], dict):
            item = item[key]
        if not isinstance(item, dict):
            problems.append(Problem(archive.path, f"{member}#{i}", "record is not an object; skipped"))
            continue
        out.append(item)
    return out


def parse_time(value: str) -> datetime | None:
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return utc(datetime.strptime(value.replace("Z", "+0000"), fmt))
        except (ValueError, AttributeError):
            continue
    return None


def expand_text(tweet: dict) -> str:
    """Replace t.co spans by their expanded URLs using the indices (code points into the raw,
    still HTML-escaped text), then unescape HTML entities."""
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    urls = (tweet.get("entities") or {}).get("urls") or []
    spans = []
    for u in urls:
        try:
            a, b = (int(x) for x in u.get("indices", [])[:2])
            spans.append((a, b, str(u.get("expanded_url") or u.get("url") or "")))
        except (TypeError, ValueError):
            continue
    for a, b, exp in sorted(spans, reverse=True):
        if 0 <= a < b <= len(text) and text[a:b].startswith("http"):
            text = text[:a] + exp + text[b:]
        elif u_short := next((u.get("url") for u in urls if u.get("expanded_url") == exp), None):
            text = text.replace(u_short, exp)
    return html.unescape(text)


def _place(tweet: dict) -> Place | None:
    coords = tweet.get("coordinates")
    try:
        if isinstance(coords, dict) and coords.get("coordinates"):
            lon, lat = (float(x) for x in coords["coordinates"][:2])
            return Place(lat, lon, None, "tweet-coordinates")
        geo = tweet.get("geo")
        if isinstance(geo, dict) and geo.get("coordinates"):
            lat, lon = (float(x) for x in geo["coordinates"][:2])
            return Place(lat, lon, None, "tweet-geo")
    except (TypeError, ValueError):
        pass
    place = tweet.get("place")
    if isinstance(place, dict) and (place.get("full_name") or place.get("name")):
        lat = lon = None
        try:
            box = place["bounding_box"]["coordinates"][0]
            lon = sum(float(p[0]) for p in box) / len(box)
            lat = sum(float(p[1]) for p in box) / len(box)
        except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
            pass
        return Place(lat, lon, str(place.get("full_name") or place.get("name")), "tweet-place")
    return None


def _media_name(m: dict) -> str:
    if m.get("type") in ("video", "animated_gif"):
        variants = [v for v in (m.get("video_info") or {}).get("variants") or []
                    if isinstance(v, dict) and "mp4" in str(v.get("content_type", ""))]
        if variants:
            best = max(variants, key=lambda v: int(v.get("bitrate") or 0))
            return str(best.get("url", "")).split("?")[0].rsplit("/", 1)[-1]
    return str(m.get("media_url_https") or m.get("media_url") or "").rsplit("/", 1)[-1]


MEDIA_KIND = {"photo": "photo", "video": "video", "animated_gif": "gif"}


def _media(archive: Archive, root: str, folders: list[str], tweet: dict, member: str,
           problems: list[Problem]) -> tuple[Media, ...]:
    items = ((tweet.get("extended_entities") or {}).get("media")
             or (tweet.get("entities") or {}).get("media") or [])
    out = []
    tid = str(tweet.get("id_str") or tweet.get("id") or "")
    for m in items:
        if not isinstance(m, dict):
            continue
        name = _media_name(m)
        if not name:
            continue
        fname = f"{tid}-{name}"
        path = next((posixpath.join(root + f, fname) for f in folders
                     if posixpath.join(root + f, fname) in archive), None)
        kind = MEDIA_KIND.get(str(m.get("type")), "other")
        if path is None:
            path = posixpath.join(root + folders[0], fname)
            problems.append(Problem(archive.path, path, f"media of tweet {tid} listed in {member} but not "
                                    "in the archive"))
            out.append(Media(path, kind, None, True, archive.path))
        else:
            out.append(Media(path, kind, None, False, archive.path))
    return tuple(out)


_QUOTE = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/\w+/status/\d+")


def tweet_kind(tweet: dict, text: str) -> str:
    if text.startswith("RT @"):
        return "repost"
    if tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id"):
        return "reply"
    for u in (tweet.get("entities") or {}).get("urls") or []:
        if isinstance(u, dict) and _QUOTE.match(str(u.get("expanded_url", ""))):
            return "quote"
    return "post"


def permalink(screen_name: str | None, tid: str) -> str:
    if screen_name:
        return f"https://x.com/{screen_name}/status/{tid}"
    return f"https://x.com/i/web/status/{tid}"


def tweet_to_post(archive: Archive, root: str, tweet: dict, member: str, index: int,
                  screen_name: str | None, media_folders: list[str], problems: list[Problem],
                  deleted: bool = False, audience: str | None = None) -> Post | None:
    tid = str(tweet.get("id_str") or tweet.get("id") or "")
    if not tid.isdigit():
        problems.append(Problem(archive.path, f"{member}#{index}", "tweet without an id; skipped"))
        return None
    text = expand_text(tweet)
    kind = tweet_kind(tweet, text)
    notes = []
    if kind == "repost":
        notes.append("X stores reposted text truncated; open the link to see the original.")
    created = parse_time(str(tweet.get("created_at", "")))
    if created is None:
        problems.append(Problem(archive.path, f"{member}#{index}", f"tweet {tid}: unreadable created_at"))
    return Post(
        ref=f"twitter:{tid}", platform=PLATFORM, kind=kind, created_at=created, text=text,
        url=permalink(screen_name, tid), audience=audience, place=_place(tweet),
        media=_media(archive, root, media_folders, tweet, member, problems),
        source=SourceRef(archive.path, member, index), deleted=deleted, notes=tuple(notes),
        extra={"in_reply_to": tweet.get("in_reply_to_screen_name")},
    )


def _screen_name(archive: Archive, root: str, problems: list[Problem]) -> str | None:
    member = root + "data/account.js"
    if member not in archive:
        return None
    for item in _items(archive, member, "account", problems):
        if item.get("username"):
            return str(item["username"])
    return None


def _tweet_files(archive: Archive, root: str) -> list[str]:
    """tweets.js then tweets-part1.js ... (or the 2019-2022 tweet.js names)."""
    def part_no(m: str) -> int:
        mt = re.search(r"-part(\d+)\.js$", m)
        return int(mt.group(1)) if mt else 0
    names = [m for m in archive.iter_files(root + "data/")
             if re.fullmatch(re.escape(root) + r"data/tweets?(-part\d+)?\.js", m)]
    return sorted(names, key=lambda m: (part_no(m), m))


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem]:
    root = detection.root
    problems: list[Problem] = []
    screen_name = _screen_name(archive, root, problems)
    if screen_name:
        ctx.owner.setdefault("handles", []).append(screen_name)
    media_folders = ["data/tweets_media", "data/tweet_media"]
    files = _tweet_files(archive, root)
    if not files:
        problems.append(Problem(archive.path, root + "data/tweets.js", "no tweets file in this archive"))
    for member in files:
        for i, tw in enumerate(_items(archive, member, "tweet", problems)):
            try:
                post = tweet_to_post(archive, root, tw, member, i, screen_name, media_folders, problems)
            except Exception as exc:  # a bad record is a Problem, never an abort
                problems.append(Problem(archive.path, f"{member}#{i}", f"unreadable tweet: {exc!r}"))
                continue
            if post is not None:
                yield post
        yield from problems
        problems.clear()
    yield from problems
