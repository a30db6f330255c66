"""A plain folder (or zip) of photos: a phone's camera roll, a cloud photo export, or the photos
someone is about to post. Used only when no platform export was recognised (FALLBACK).

One Post per image, kind "photo", no caption. created_at is the photo's EXIF DateTimeOriginal
(converted to UTC when the camera stored its offset, otherwise read as UTC), else the file's
modification time. The metadata is read once (``media.file_metadata``, a JPEG's first MiB) and the
GPS read with the date is left on the archive for the analysers. The ref is ``photos:`` plus a hash
of the member path and size, so it is the same on every run over the same folder.

Google Photos (Takeout) writes a JSON "sidecar" beside each photo (``IMG_1.jpg.json`` or
``IMG_1.jpg.supplemental-metadata.json``) with the description, the time taken and the position
Google kept; when present these are read too (position source "takeout-geodata"; 0,0 is no position).
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
from datetime import datetime, timezone
from typing import Iterator

from auditor.analysers import media
from auditor.archive import Archive
from auditor.model import Media, Place, Post, Problem, SourceRef
from auditor.plugins import Coverage, Detection, ImportContext

PLATFORM = "photos"
LOOKS_FOR = "a folder of photos (.jpg, .jpeg, .heic, .png, .webp, .tif)"
FALLBACK = True
PRIORITY = 1000

IMAGE_EXTS = media.IMAGE_EXTS
SIDECAR_SUFFIXES = (".json", ".supplemental-metadata.json", ".supplemental-metad.json")
MAX_SIDECAR = 1024 * 1024


def _images(archive: Archive) -> list[str]:
    out = []
    for m in archive.members():
        base = posixpath.basename(m)
        if base.startswith(".") or "/." in m or m.startswith("__MACOSX/"):
            continue          # macOS resource forks (._IMG_1.jpg), hidden folders
        if base.lower().endswith(IMAGE_EXTS):
            out.append(m)
    return out


def detect(archive: Archive) -> list[Detection]:
    images = _images(archive)
    if not images:
        return []
    layout = "folder of photos" if archive.kind == "folder" else "zip of photos"
    return [Detection(PLATFORM, f"{layout} ({len(images)} images)", "", images[0])]


def photo_ref(member: str, size: int) -> str:
    key = f"{member}\x1f{size}".encode("utf-8")
    return f"{PLATFORM}:{hashlib.sha256(key).hexdigest()[:20]}"


def _mtime(archive: Archive, member: str) -> datetime | None:
    try:
        if archive.kind == "folder":
            st = os.stat(os.path.join(archive.path, member))
            return datetime.fromtimestamp(st.st_mtime, timezone.utc)
        info = getattr(archive, "_infos", {}).get(member)      # zip: the member's stored time
        if info is not None:
            return datetime(*info.date_time, tzinfo=timezone.utc)
    except (OSError, ValueError, TypeError, OverflowError):
        return None
    return None


def _sidecar(archive: Archive, member: str, problems: list[Problem]) -> dict:
    for suffix in SIDECAR_SUFFIXES:
        name = member + suffix
        if name in archive:
            try:
                data = json.loads(archive.read_text(name, MAX_SIDECAR))
            except (ValueError, OSError) as exc:
                problems.append(Problem(archive.path, name, f"photo sidecar JSON not readable: {exc}"))
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def _sidecar_fields(data: dict) -> tuple[str, datetime | None, Place | None]:
    text = str(data.get("description") or "").strip()
    when = None
    try:
        ts = (data.get("photoTakenTime") or {}).get("timestamp")
        if ts is not None:
            when = datetime.fromtimestamp(int(ts), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError, AttributeError):
        when = None
    place = None
    geo = data.get("geoDataExif") or data.get("geoData")
    if isinstance(geo, dict):
        try:
            lat, lon = float(geo.get("latitude")), float(geo.get("longitude"))
            if not (lat == 0 and lon == 0) and -90 <= lat <= 90 and -180 <= lon <= 180:
                place = Place(lat, lon, None, "takeout-geodata")
        except (TypeError, ValueError):
            place = None
    return text, when, place


def read(archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem | Coverage]:
    """One Post per image, then one Coverage for the folder: the images found against those read
    (an image whose bytes cannot be read is still listed, and counted as "not readable")."""
    images = _images(archive)
    unreadable = too_large = 0
    for index, member in enumerate(images):
        problems: list[Problem] = []
        taken = None
        local = False
        try:
            # the date is all this importer needs; the GPS read with it is kept on the archive
            # for the analysers (media.file_metadata), so the file's metadata is parsed once
            fix = media.file_metadata(archive, member)
            taken, local = fix.taken_at, fix.taken_at_local
        except (OSError, ValueError) as exc:
            problems.append(Problem(archive.path, member, f"photo not readable: {exc}"))
            if isinstance(exc, ValueError):
                too_large += 1          # over the read limit: skipped for its size, not damaged
            else:
                unreadable += 1
        side = _sidecar(archive, member, problems)
        text, side_when, side_place = _sidecar_fields(side) if side else ("", None, None)
        when = taken or side_when or _mtime(archive, member)
        try:
            size = archive.size(member)
        except KeyError:
            size = 0
        yield from problems
        yield Post(
            ref=photo_ref(member, size), platform=PLATFORM, kind="photo", created_at=when, text=text,
            url=None, place=side_place,
            media=(Media(member, "photo", None, False, archive.path),),
            source=SourceRef(archive.path, member, index),
            how_to_find=f"the file {member} in {archive.path}",
            notes=(("camera clock time; the camera stored no time zone",) if taken and local else ()) if taken
            else (("date from the file's modification time (no EXIF date)",)
                  if not side_when else ("date from the Google Photos sidecar",)),
        )
    skipped = {k: n for k, n in (("not readable", unreadable), ("too large to read", too_large)) if n}
    yield Coverage(detection.root or "", "photos", len(images) - unreadable - too_large, len(images), skipped)
