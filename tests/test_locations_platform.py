"""Platform-kept locations per importer, distance to workplaces and home, clusters, town names.
Posts are built directly, in the shape each importer produces (invented people and places)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from auditor.plugins import AnalysisContext
from auditor.analysers.geo import Geocoder, distance_m
from auditor.analysers.locations import PlatformLocations, clusters, sightings
from auditor.config import Area, Config, Profile, Workplace
from auditor.model import Media, Place, Post, SourceRef

T0 = datetime(2023, 5, 2, 9, 0, tzinfo=timezone.utc)
STATION = Workplace("Northside Ambulance Station", 53.4800, -2.2400, 250)
HOME = Area("home", 53.4300, -2.3000, 300)


def ctx(profile: Profile | None = None) -> AnalysisContext:
    return AnalysisContext(config=Config(profile or Profile(workplaces=(STATION,), home=HOME)))


def post(ref: str, place: Place | None = None, media: tuple[Media, ...] = (), days: int = 0,
         platform: str = "twitter", kind: str = "post") -> Post:
    return Post(ref=f"{platform}:{ref}", platform=platform, kind=kind, created_at=T0 + timedelta(days=days),
                text="", place=place, media=media, source=SourceRef("a.zip", "data/x.js", 0))


def offset(lat: float, lon: float, north_m: float, east_m: float = 0.0) -> tuple[float, float]:
    import math
    return lat + north_m / 111_195, lon + east_m / (111_195 * math.cos(math.radians(lat)))


def run(posts, c=None):
    c = c or ctx()
    return list(PlatformLocations().analyse(posts, c)), c


def rules_of(findings, ref=None):
    return sorted(f.rule for f in findings if ref is None or f.post_ref == ref)


# -- one case per importer's place sources --------------------------------------------------
def test_twitter_coordinates_far_from_anywhere():
    fs, _ = run([post("1", Place(51.5007, -0.1246, None, "tweet-coordinates"))])
    assert rules_of(fs) == ["GEO001"]
    assert "exact coordinates" in fs[0].explanation


def test_twitter_place_is_reported_but_never_measured():
    # a bounding-box centre that happens to fall on the station must not count as "at work"
    fs, _ = run([post("2", Place(STATION.lat, STATION.lon, "Manchester, England", "tweet-place"))])
    assert rules_of(fs) == ["GEO001"]


def test_twitter_coordinates_at_workplace():
    lat, lon = offset(STATION.lat, STATION.lon, 100)
    fs, _ = run([post("3", Place(lat, lon, None, "tweet-coordinates"))])
    assert rules_of(fs) == ["GEO001", "WRK001"]
    wrk = next(f for f in fs if f.rule == "WRK001")
    assert wrk.evidence == "at Northside Ambulance Station"
    assert "100 m from Northside Ambulance Station" in wrk.explanation


def test_facebook_exif_data_on_media_and_checkin():
    lat, lon = offset(HOME.lat, HOME.lon, 50, 50)
    media = (Media("photos/1.jpg", "photo", Place(lat, lon, None, "exif-data"), True, "fb.zip"),)
    fs, _ = run([post("p1", media=media, platform="facebook"),
                 post("c1", Place(None, None, "The Crown, Salford", "checkin"), platform="facebook", kind="check-in")])
    assert rules_of(fs, "facebook:p1") == ["GEO001", "GEO003"]
    home = next(f for f in fs if f.rule == "GEO003")
    assert home.media_path == "photos/1.jpg" and "where you live" in home.explanation
    assert rules_of(fs, "facebook:c1") == ["GEO001"]
    assert "check-in" in next(f for f in fs if f.post_ref == "facebook:c1").explanation


def test_instagram_exif_data_and_tagged_place():
    lat, lon = offset(STATION.lat, STATION.lon, 400)          # just outside 250 m: "near"
    media = (Media("media/posts/1.jpg", "photo", Place(lat, lon, None, "exif-data"), True, "ig.zip"),)
    fs, _ = run([post("i1", media=media, platform="instagram"),
                 post("i2", Place(None, None, "Heaton Park", "tagged-place"), platform="instagram")])
    near = next(f for f in fs if f.rule == "WRK001")
    assert near.evidence.startswith("near ") and near.confidence < 0.9
    assert rules_of(fs, "instagram:i2") == ["GEO001"]


def test_far_from_workplace_is_only_a_location():
    lat, lon = offset(STATION.lat, STATION.lon, 2000)
    fs, _ = run([post("4", Place(lat, lon, None, "tweet-coordinates"))])
    assert rules_of(fs) == ["GEO001"]


def test_no_profile_means_no_distance_findings():
    fs, _ = run([post("5", Place(STATION.lat, STATION.lon, None, "tweet-coordinates"))], ctx(Profile()))
    assert rules_of(fs) == ["GEO001"]


@pytest.mark.parametrize("north,expected", [(0, ["WRK001"]), (240, ["WRK001"]), (260, ["WRK001"]),
                                            (499, ["WRK001"]), (520, [])])
def test_workplace_distance_bands(north, expected):
    lat, lon = offset(STATION.lat, STATION.lon, north)
    fs, _ = run([post("6", Place(lat, lon, None, "tweet-geo"))])
    assert [r for r in rules_of(fs) if r != "GEO001"] == expected


# -- clusters ------------------------------------------------------------------------------
def visit(i: int, day: int, north: float):
    lat, lon = offset(53.4000, -2.1500, north, 10 * (i % 3))
    return post(f"v{i}", Place(lat, lon, None, "tweet-coordinates"), days=day)


def test_cluster_at_a_private_address_on_different_days():
    fs, _ = run([visit(1, 0, 0), visit(2, 3, 15), visit(3, 9, 30), visit(4, 9, 5000)])
    conf = [f for f in fs if f.rule == "CONF101"]
    assert sorted(f.post_ref for f in conf) == ["twitter:v1", "twitter:v2", "twitter:v3"]
    assert "3 posts or photos" in conf[0].explanation and "3 different days" in conf[0].explanation


def test_same_day_or_two_posts_is_not_a_cluster():
    fs, _ = run([visit(1, 0, 0), visit(2, 0, 10), visit(3, 0, 20)])
    assert "CONF101" not in rules_of(fs)
    fs, _ = run([visit(1, 0, 0), visit(2, 4, 10)])
    assert "CONF101" not in rules_of(fs)


def test_cluster_at_home_or_work_is_not_confidential():
    posts = [post(f"h{i}", Place(*offset(HOME.lat, HOME.lon, 10 * i), None, "tweet-coordinates"), days=i)
             for i in range(4)]
    posts += [post(f"w{i}", Place(*offset(STATION.lat, STATION.lon, 10 * i), None, "tweet-coordinates"), days=i)
              for i in range(4)]
    fs, c = run(posts)
    assert "CONF101" not in rules_of(fs)
    assert not clusters(sightings(posts, c), c)


def test_place_names_alone_do_not_cluster():
    posts = [post(f"n{i}", Place(None, None, "Costa, High St", "checkin"), days=i) for i in range(5)]
    fs, _ = run(posts)
    assert "CONF101" not in rules_of(fs)


# -- town names (offline) --------------------------------------------------------------------
def test_nearest_town_offline(no_network):
    g = Geocoder()
    if not g.available:
        pytest.skip("reverse-geocode data not installed")
    hit = g.nearest(53.4808, -2.2426)
    assert "Manchester" in hit["town"] and hit["country"] == "United Kingdom"
    assert g.nearest(0.0, 0.0) is None
    assert no_network == []


def test_explanation_names_the_town(no_network):
    if not Geocoder().available:
        pytest.skip("reverse-geocode data not installed")
    fs, _ = run([post("7", Place(53.4808, -2.2426, None, "tweet-coordinates"))], ctx(Profile()))
    assert "Manchester" in fs[0].explanation
    assert no_network == []


def test_geocoder_never_downloads(monkeypatch, tmp_path):
    # without its bundled data file the package would download it: we must not call it then
    import reverse_geocode
    import auditor.analysers.geo as geo
    monkeypatch.setattr(reverse_geocode, "__file__", str(tmp_path / "__init__.py"))
    g = geo.Geocoder()
    assert not g.available and g.nearest(53.48, -2.24) is None


def test_distance_helper_matches_known_figure():
    # Manchester Piccadilly to Manchester Victoria stations, about 1.4 km
    d = distance_m(53.4774, -2.2309, 53.4875, -2.2425)
    assert 1300 < d < 1500
