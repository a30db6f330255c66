"""Core types. Frozen dataclasses shared by importers, analysers, the pipeline and the report.

Read this file first: everything else passes these around.
"""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

PLATFORMS = ("twitter", "facebook", "instagram", "threads", "photos",
             "linkedin", "tiktok", "mastodon", "bluesky", "reddit")
KINDS = ("post", "reply", "repost", "quote", "comment", "story", "photo", "check-in",
         "like", "message", "bio")
CATEGORIES = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
              "location", "workplace", "misinformation", "boundaries", "conduct", "promotion")
SEVERITIES = ("high", "medium", "low")
ACTIONS = ("delete", "edit", "restrict", "review")
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
# one urgency scale for every finding (section and order in the report, the app and the CSV):
# severity weight x confidence; "act" at or above ACT_FROM, "check" below. A low-severity finding
# can never reach "act" (0.3 x 1.0 < 0.45); a high one does from confidence 0.45.
SEVERITY_WEIGHT = {"high": 1.0, "medium": 0.6, "low": 0.3}
ACT_FROM = 0.45
URGENCY_LEVELS = ("act", "check")
# a finding's review status (set by the baseline); ATTENTION ones count for the report and exit code
STATUSES = ("new", "to-delete", "still-there", "accepted", "false-positive", "skipped", "deleted")
ATTENTION = ("new", "to-delete", "still-there")


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from: the archive given on the command line, the member path, the index."""
    archive: str
    member: str
    index: int | None = None


@dataclass(frozen=True)
class Place:
    """A location. `source` says where it came from: exif, xmp, tweet-coordinates, tweet-geo,
    tweet-place, checkin, tagged-place, exif-data (Meta's own copy of photo EXIF) ..."""
    lat: float | None
    lon: float | None
    name: str | None = None
    source: str = ""

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Media:
    """A media file referenced by a post. Bytes are read on demand through the archive."""
    path: str                     # member path inside the archive
    kind: str = "photo"           # photo, video, gif, other
    place: Place | None = None    # platform-supplied place (e.g. Meta exif_data), not the file's EXIF
    missing: bool = False         # listed by the export but absent from the archive
    archive: str = ""             # the archive (as given on the command line) that holds it


@dataclass(frozen=True)
class Post:
    """One thing the user posted, wrote, liked or shared."""
    ref: str                      # contract: "<platform>:<native id>" or a stable hash (see stable_ref)
    platform: str
    kind: str
    created_at: datetime | None   # UTC
    text: str = ""
    url: str | None = None        # permalink, or the nearest page where the user can delete it
    audience: str | None = None
    place: Place | None = None
    media: tuple[Media, ...] = ()
    source: SourceRef = SourceRef("", "")
    deleted: bool = False         # the export says the user already deleted it
    how_to_find: str = ""         # where there is no permalink: the route to the post
    notes: tuple[str, ...] = ()   # caveats (e.g. "X truncates reposted text")
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def endorsement(self) -> bool:
        """A like or repost: the text is someone else's, the user endorsed it."""
        return self.kind in ("like", "repost")


@dataclass(frozen=True)
class Problem:
    """A file or record that could not be read; shown in the report's coverage section."""
    archive: str
    member: str
    message: str


@dataclass(frozen=True)
class Gap:
    """Something the scan could not read, so its result is not complete: which file, what went
    wrong (in plain words) and what to do. Shown before anything else; never an all-clear."""
    archive: str                  # the archive as labelled in the scan ("" for the scan as a whole)
    member: str                   # the file inside it ("" for the whole archive)
    message: str                  # e.g. "We read 3 of the 21 posts in data/tweets.js: the file is damaged."
    advice: str                   # e.g. "Download your X archive again and scan the new zip."


@dataclass(frozen=True)
class Ignored:
    """Something given to the scan (or found in a folder given to it) that was not read, and why:
    a file that is not a data download, a zip that holds no export."""
    path: str
    reason: str


@dataclass(frozen=True)
class Standard:
    """One clause of one edition of a regulator's standards."""
    regulator: str
    edition: str
    clause: str
    title: str                    # short paraphrase in our own words
    link: str = ""
    verified: bool = True         # False where the clause number is recalled, not confirmed


@dataclass(frozen=True)
class Rule:
    id: str                       # stable, never reused: CONF001, OFF002, GEO001 ...
    name: str                     # kebab-case readable name
    category: str
    severity: str
    action: str                   # suggested action
    summary: str                  # one line
    what: str                     # doc: what it flags
    why: str                      # doc: why it matters
    example: str                  # doc: example
    fix: str                      # doc: how to fix


SPAN_KINDS = ("person", "contact", "address", "id-number", "date", "age", "place", "health", "slur",
              "group", "target", "trigger", "work")


@dataclass(frozen=True)
class Span:
    """Characters of the text a finding is about: [start, end) into the post's text (or, for a finding
    about an image, into the text read from it), and what they are (`kind`, one of SPAN_KINDS: a
    person's name, contact details, an address, an id number, a date, an age, a place, a health
    detail, a slur, a group named, the person aimed at, the words that carry the concern, a work
    word). The report highlights and redacts from these, never by searching the text again."""
    start: int
    end: int
    kind: str = "trigger"

    @property
    def label(self) -> str:
        """The kind, under the name the report's redaction reads."""
        return self.kind


@dataclass(frozen=True)
class Finding:
    rule: str                     # Rule.id
    post_ref: str
    evidence: str                 # short: the words, entity, tag or coordinates that triggered it
    explanation: str              # one sentence
    confidence: float = 0.5
    media_path: str | None = None
    spans: tuple[Span, ...] = ()  # every element the explanation names, in text order
    severity: str | None = None   # overrides the rule's severity (e.g. endorsements are lower)
    action: str | None = None     # overrides the rule's action

    @property
    def span(self) -> tuple[int, int] | None:
        """The first span as (start, end), or None: for readers written before `spans`."""
        return (self.spans[0].start, self.spans[0].end) if self.spans else None

    @property
    def id(self) -> str:
        return finding_id(self.rule, self.post_ref, self.evidence, self.media_path)


@dataclass(frozen=True)
class Urgency:
    score: float        # 0..1, higher first
    level: str          # "act": delete or change these first; "check": look at these and decide
    action: str         # the action to show: the suggested one at "act", "review" at "check"


def urgency(severity: str, confidence: float, action: str) -> Urgency:
    """The one urgency scale: how serious the concern is and how sure the tool is. It decides the
    section and the order everywhere, and the action shown: a finding the tool is not sure enough
    about to put first is something to review, whatever its rule suggests."""
    conf = min(1.0, max(0.0, confidence if math.isfinite(confidence) else 0.0))
    score = round(SEVERITY_WEIGHT.get(severity, 0.3) * conf, 4)
    level = "act" if score >= ACT_FROM else "check"
    return Urgency(score, level, action if level == "act" else "review")


def valid_position(lat: float | None, lon: float | None) -> bool:
    """A real position: both present, finite, in range, and not the 0,0 placeholder. The one check
    used by every importer and analyser."""
    if lat is None or lon is None:
        return False
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return False
    return not (abs(lat) < 1e-9 and abs(lon) < 1e-9)


def normalise_evidence(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\s+", " ", text).strip()


def finding_id(rule: str, post_ref: str, evidence: str, media_path: str | None = None) -> str:
    """Stable across runs: rule, post ref, normalised evidence (no offsets, scores or dates).
    Only the media file's name counts, not its folder: a second download of the same account can
    sit under a differently named top folder."""
    media_name = (media_path or "").rsplit("/", 1)[-1]
    key = "\x1f".join([rule, post_ref, normalise_evidence(evidence), media_name])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", text).strip()


def stable_ref(platform: str, created_at: datetime | None, text: str = "", media_path: str = "",
               salt: str = "") -> str:
    """A ref for platforms that give no id: hash of normalised UTC timestamp and text (or the first
    media file's name). Identical across two downloads of the same account."""
    when = created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if created_at else ""
    basis = normalise_text(text) or media_path.rsplit("/", 1)[-1]
    key = "\x1f".join([platform, when, basis, salt])
    return f"{platform}:h{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20]}"


def utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
