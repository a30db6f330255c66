"""Location data the platforms kept: tweet coordinates, check-ins, tagged places, Meta exif_data."""
from __future__ import annotations

from typing import Iterator, Sequence

from ..model import Finding, Place, Post, Problem
from . import AnalysisContext


def fmt_place(place: Place) -> str:
    parts = []
    if place.name:
        parts.append(place.name)
    if place.has_position:
        parts.append(f"{place.lat:.5f}, {place.lon:.5f}")
    return " ".join(parts[:1]) + (f" ({parts[1]})" if len(parts) > 1 else "") if parts else "a location"


SOURCE_WORDS = {
    "tweet-coordinates": "X stored the exact coordinates the post was sent from",
    "tweet-geo": "X stored the exact coordinates the post was sent from",
    "tweet-place": "X stored a tagged place with the post",
    "checkin": "the post is a check-in at a named place",
    "tagged-place": "the post is tagged with a place",
    "exif-data": "the platform kept the photo's GPS position in its own records",
}


class PlatformLocations:
    name = "locations"

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        for post in posts:
            places = []
            if post.place is not None:
                places.append((post.place, None))
            for m in post.media:
                if m.place is not None:
                    places.append((m.place, m.path))
            for place, media_path in places:
                if not (place.has_position or place.name):
                    continue
                why = SOURCE_WORDS.get(place.source, f"the platform stored a location ({place.source})")
                where = fmt_place(place)
                yield Finding("GEO001", post.ref, evidence=where,
                              explanation=f"Location {where}: {why}.",
                              confidence=0.95 if place.has_position else 0.8, media_path=media_path)


ANALYSERS = [PlatformLocations]
