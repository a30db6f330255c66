"""The one reader underneath the Meta importers (Facebook, Instagram, Threads).

It holds what reading one export needs whatever the platform: the archive and the export's root,
the import context, the Problems and Coverage collected on the way, JSON and HTML loading (JSON
repaired for Meta's mojibake, HTML parsed by importers._html), and finding the media files an
entry names (relative to the export root or to the HTML page and its <base href>, with or
without their extension, under the 2022 or 2024 activity folder, or in another archive of the
same scan: a split download).
"""
from __future__ import annotations

import json
import posixpath
import re
import urllib.parse
from collections import Counter
from typing import Any, Iterable

from auditor.archive import Archive
from auditor.model import Media, Problem
from auditor.plugins import Coverage, Detection, ImportContext

from . import _html
from .meta import fix_all

LOCATE_GIVE_UP = 50          # misses in the other archives, without a single hit, before giving up
ACTIVITY_DIRS = ("your_facebook_activity/", "your_activity_across_facebook/")
MEDIA_KIND = {"jpg": "photo", "jpeg": "photo", "png": "photo", "webp": "photo", "heic": "photo", "heif": "photo",
              "bmp": "photo", "gif": "gif", "mp4": "video", "mov": "video", "m4v": "video", "webm": "video",
              "3gp": "video", "srt": "other"}


def media_kind(path: str) -> str | None:
    base = path.rsplit("/", 1)[-1]
    if "." not in base:
        return None
    return MEDIA_KIND.get(base.rsplit(".", 1)[1].lower())


def sniff(archive: Archive, path: str) -> str | None:
    """Photo or video from the first bytes, for files named without an extension."""
    try:
        with archive.open_member(path) as fh:
            head = fh.read(16)
    except (OSError, ValueError):
        return None
    if head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n" or (
            head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "photo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "photo" if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif") else "video"
    if head[:4] == b"GIF8":
        return "gif"
    if head[:4] == b"\x1aE\xdf\xa3":
        return "video"
    return None


class HtmlPage:
    """A parsed export page: its root, its blocks, and the folder its relative links start from."""

    def __init__(self, member: str, root: Any):
        self.member = member
        self.root = root
        self.base = _html.base_href(root)
        self.blocks = _html.find_blocks(root)
        folder = posixpath.dirname(member)
        if self.base and not re.match(r"^(?:[a-z][a-z0-9+.-]*:|/)", self.base, re.I):
            folder = posixpath.normpath(posixpath.join(folder, self.base))
        self.dir = "" if folder in (".", "") else folder

    @property
    def title(self) -> str:
        return _html.page_title(self.root)

    def has_text(self) -> bool:
        body = self.root.find(".//body")
        return bool(_html.norm_space(_html.all_text(body if body is not None else self.root)))


class MetaReader:
    """State for reading one export of one Meta platform."""
    PLATFORM = ""
    FORMAT = "Meta"               # how the problems name the expected format ("Facebook", "Instagram")

    def __init__(self, archive: Archive, det: Detection, ctx: ImportContext):
        self.a = self.archive = archive
        self.det = det
        self.root = det.root
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.coverage: list[Coverage] = []
        self.missing: dict[str, None] = {}          # media paths named but absent (ordered set)
        self._stems: dict[str, str] | None = None
        self.located = self.locate_misses = 0
        self.tally: Counter = Counter()            # the file being read: "read", "expected", skip reasons
        self.textless: list[int] = []              # the file being read: records with a title and no words

    # reporting ---------------------------------------------------------------------------------
    def problem(self, member: str, message: str) -> None:
        self.problems.append(Problem(self.a.path, member, message))

    def cover(self, member: str, what: str, read: int, expected: int | None = None,
              skipped: dict[str, int] | Counter | None = None) -> None:
        sk = {k: int(v) for k, v in (skipped or {}).items() if v}
        self.coverage.append(Coverage(member, what, int(read), expected, sk))

    def skip(self, reason: str, n: int = 1) -> None:
        self.tally[reason] += n

    def begin(self) -> None:
        self.tally = Counter()
        self.textless = []

    def finish(self, member: str, what: str) -> None:
        """The file's Coverage (entries found, read, and the rest by reason); starts the next file."""
        if self.textless:
            self.blocks_problem(member, self.textless, "say only what you commented on (their title), not what "
                                "you wrote: the export kept no words to check")
        t = Counter(self.tally)
        expected = t.pop("expected", None)
        read = t.pop("read", 0)
        self.cover(member, what, read, expected, dict(t))
        self.begin()

    def blocks_problem(self, member: str, numbers: list[int], message: str) -> None:
        """One Problem for several blocks of a page with the same fault, naming them (1-based)."""
        if not numbers:
            return
        shown = ", ".join(str(n + 1) for n in numbers[:12]) + (f" and {len(numbers) - 12} more"
                                                               if len(numbers) > 12 else "")
        self.problem(f"{member}#{numbers[0]}", f"{len(numbers)} entr{'y' if len(numbers) == 1 else 'ies'} "
                     f"({'number' if len(numbers) == 1 else 'numbers'} {shown} on this page) {message}")

    # loading -----------------------------------------------------------------------------------
    def load_json(self, member: str) -> Any:
        try:
            raw = self.a.read_text(member)
        except (OSError, ValueError, KeyError) as exc:
            self.problem(member, f"could not read: {exc}")
            return None
        if not raw.strip():
            self.problem(member, f"empty file; expected {self.FORMAT} JSON")
            return None
        try:
            return fix_all(json.loads(raw))
        except (ValueError, RecursionError) as exc:
            self.problem(member, f"could not parse as JSON ({exc}); expected a {self.FORMAT} data file")
            return None

    def load_html(self, member: str) -> HtmlPage | None:
        try:
            data = self.a.read(member)
        except (OSError, ValueError, KeyError) as exc:
            self.problem(member, f"could not read: {exc}")
            return None
        try:
            return HtmlPage(member, _html.parse(data))
        except _html.HtmlError as exc:
            self.problem(member, f"could not read as HTML ({exc}); expected a page of {self.FORMAT}'s export")
            return None

    # media --------------------------------------------------------------------------------------
    def _stem_index(self) -> dict[str, str]:
        if self._stems is None:
            self._stems = {}
            for m in self.a.members():
                base = m.rsplit("/", 1)[-1]
                if "." in base:
                    self._stems.setdefault(m.rsplit(".", 1)[0], m)
        return self._stems

    def _candidates(self, uri: str, page_dir: str | None) -> tuple[list[str], str]:
        uri = uri.replace("\\", "/").split("?", 1)[0].split("#", 1)[0]
        cands: list[str] = []
        if page_dir is not None:
            rel = posixpath.normpath(posixpath.join(page_dir, uri)) if page_dir else posixpath.normpath(uri)
            if not rel.startswith("../") and rel not in (".", ".."):
                cands.append(rel)
        clean = re.sub(r"^(?:\.\./|\./|/)+", "", posixpath.normpath("/" + uri))
        if not clean or clean == ".":
            return cands, ""
        for u in dict.fromkeys((clean, urllib.parse.unquote(clean))):
            cands += [posixpath.normpath(self.root + u), u]
            for d in ACTIVITY_DIRS:              # 2024 exports keep some media under the 2022 name
                for other in ACTIVITY_DIRS:
                    if u.startswith(d) and other != d:
                        cands.append(posixpath.normpath(self.root + other + u[len(d):]))
        return list(dict.fromkeys(cands)), clean

    def find_member(self, uri: str, page_dir: str | None = None) -> tuple[Archive, str] | None:
        """The archive and member holding a media file the export names; None when absent."""
        cands, clean = self._candidates(uri, page_dir)
        for c in cands:
            if c in self.a:
                return self.a, c
        stems = self._stem_index()
        for c in cands:
            if c in stems:
                return self.a, stems[c]
        if not clean or (self.located == 0 and self.locate_misses >= LOCATE_GIVE_UP):
            return None
        try:
            hit = self.ctx.locate(posixpath.normpath(self.root + clean)) or self.ctx.locate(clean)
        except Exception:  # a locate bug must not lose the post
            hit = None
        if hit is None:
            self.locate_misses += 1
        else:
            self.located += 1
        return hit

    def media(self, uri: str, page_dir: str | None = None, kind_hint: str | None = None,
              place=None) -> Media | None:
        """A Media for a file the export names (marked missing when no archive holds it); None for
        web addresses and empty names."""
        uri = str(uri or "").strip()
        if not uri or re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", uri, re.I):
            return None
        hit = self.find_member(uri, page_dir)
        if hit is None:
            _, clean = self._candidates(uri, None)
            if not clean:
                return None
            path = posixpath.normpath(self.root + clean)
            self.missing[path] = None
            return Media(path, kind_hint or media_kind(path) or "other", place, True, self.a.path)
        arc, path = hit
        kind = media_kind(path) or kind_hint or sniff(arc, path) or "other"
        return Media(path, kind, place, False, arc.path)

    def iter_members(self, prefix: str = "") -> Iterable[str]:
        return self.a.iter_files(self.root + prefix)
