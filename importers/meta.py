"""Helpers shared by the Meta importers (Facebook, Instagram, Threads): JSON repair, Unix times,
coordinates strings, HTML dates (a thin wrapper over importers._dates).

Meta's JSON exports write UTF-8 bytes as \\u00XX escapes ("mojibake"): "café" arrives as
"cafÃ©". Repair: encode the string as Latin-1 (giving back the original bytes) and decode
as UTF-8; where that round trip fails the string was not mojibake and is kept as it is.
"""
from __future__ import annotations

import re as _re
from datetime import datetime as _datetime, timezone as _timezone
from typing import Any

from auditor.model import valid_position as _valid_position

from ._dates import parse_time as _parse_time


def fix_mojibake(s: str) -> str:
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def fix_all(value: Any) -> Any:
    """Repair every string in a parsed JSON value (keys too)."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_all(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(k) if isinstance(k, str) else k: fix_all(v) for k, v in value.items()}
    return value


# -- HTML dates ---------------------------------------------------------------------------------
# The HTML pages themselves are read by importers._html (lxml) and the readers in
# importers._meta_reader; their dates by importers._dates.
def parse_meta_time(text: str, zone=_timezone.utc) -> _datetime | None:
    """A date as Meta's HTML exports print it ("Aug 09, 2026 9:49 am", "Dec 06, 2012 2:45:14pm",
    "6 déc. 2012 14:45", "06.12.2012 14:45", "2012-12-06 14:45:14", "2023年8月29日 02:33"), read in
    `zone` (the files carry no zone; the callers say which they assume) and returned in UTC. None
    when the text is not a date with a time."""
    return _parse_time(text, zone)


def from_unix(value: Any) -> _datetime | None:
    """A Meta JSON timestamp (Unix seconds; milliseconds when it is too big) in UTC, or None for
    missing, zero, negative (Meta writes year-0 garbage such as -62169958800) or unreadable values."""
    try:
        ts = float(value)
    except (TypeError, ValueError):
        return None
    if ts > 1e11:
        ts /= 1000.0
    if ts <= 0:
        return None
    try:
        return _datetime.fromtimestamp(ts, _timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


_COORDS = _re.compile(r"^\s*\(?\s*(-?\d{1,3}(?:[.,]\d+)?)\s*[,;]\s*(-?\d{1,3}(?:[.,]\d+)?)\s*\)?\s*$")


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """"(38.5758 , -121.4804)" (Meta's check-in string) -> (lat, lon); None when not coordinates
    or not a position (out of range, or the 0,0 placeholder)."""
    mt = _COORDS.match(str(text or ""))
    if not mt:
        return None
    try:
        lat, lon = float(mt.group(1).replace(",", ".")), float(mt.group(2).replace(",", "."))
    except ValueError:
        return None
    if not _valid_position(lat, lon):
        return None
    return lat, lon
