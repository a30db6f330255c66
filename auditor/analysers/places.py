"""Where a position is, to the user: the geometry both the location and the image analysers use.

Pure functions of a ``Place`` and the user's ``Profile`` (no scan context, no I/O), so that they
also run inside the image workers:

- ``distance_m``: great-circle distance;
- ``is_exact``: a position precise enough to compare with home and workplaces (an X "place" is a
  bounding box whose centre says nothing precise);
- ``relation``: at or near one of the profile's workplaces (WRK001), at home (GEO003).
"""
from __future__ import annotations

import math
from typing import NamedTuple

from ..model import Place, valid_position

EARTH_RADIUS_M = 6_371_008.8

# where a position came from: the photo file itself ...
FILE_SOURCES = ("exif", "exif-pillow", "xmp")
# ... and the sources precise enough to compare with home and workplaces
EXACT_SOURCES = ("tweet-coordinates", "tweet-geo", "exif-data", "checkin", "tagged-place",
                 "takeout-geodata") + FILE_SOURCES


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def is_exact(place: Place | None) -> bool:
    return place is not None and place.has_position and place.source in EXACT_SOURCES and \
        valid_position(place.lat, place.lon)


def fmt_place(place: Place) -> str:
    parts = []
    if place.name:
        parts.append(place.name)
    if place.has_position:
        parts.append(f"{place.lat:.5f}, {place.lon:.5f}")
    return " ".join(parts[:1]) + (f" ({parts[1]})" if len(parts) > 1 else "") if parts else "a location"


class Relation(NamedTuple):
    rule: str            # WRK001 (at or near a workplace) or GEO003 (at home)
    evidence: str        # "at St Elsewhere"
    confidence: float
    words: str           # "120 m from St Elsewhere (within its 250 m)"


def relation(place: Place | None, profile) -> list[Relation]:
    """How an exact position relates to the profile's workplaces and home; [] when not exact."""
    if not is_exact(place):
        return []
    out = []
    for w in profile.workplaces:
        d = distance_m(place.lat, place.lon, w.lat, w.lon)
        near = max(2 * w.radius_m, w.radius_m + 250)
        name = w.name or "a workplace"
        if d <= w.radius_m:
            out.append(Relation("WRK001", f"at {name}", 0.9,
                                f"{d:.0f} m from {name} (within its {w.radius_m:.0f} m)"))
        elif d <= near:
            out.append(Relation("WRK001", f"near {name}", 0.6,
                                f"{d:.0f} m from {name} (just outside its {w.radius_m:.0f} m)"))
    h = profile.home
    if h is not None and h.lat is not None and h.lon is not None:
        d = distance_m(place.lat, place.lon, h.lat, h.lon)
        label = h.name or "your home area"
        if d <= h.radius_m:
            out.append(Relation("GEO003", f"at {label}", 0.9,
                                f"{d:.0f} m from {label} (within its {h.radius_m:.0f} m)"))
    return out


def at_workplace(places, profile) -> str:
    """The words of the first workplace relation of any of these places ("" when none)."""
    for pl in places:
        for r in relation(pl, profile):
            if r.rule == "WRK001":
                return r.words
    return ""


def at_home(places, profile) -> bool:
    return any(r.rule == "GEO003" for pl in places for r in relation(pl, profile))
