"""A plain folder or zip of photos (platform "photos"): detection as a fallback, one Post per image,
dates, stable refs, Google Photos sidecars, and a whole scan with the network blocked."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

import auditor.importers.photos as photos
from auditor.archive import Archive
from auditor.config import Config, Profile, Settings, Workplace
from auditor.model import Post, Problem
from auditor.pipeline import detect, scan
from auditor.plugins import ImportContext
from test_images_helpers import jpeg, save

HOSPITAL = Workplace("St Elsewhere General", 52.4862, -1.8904, 250)


def read_all(path):
    arc = Archive.open(path)
    [(imp, det)] = detect(arc)
    items = list(imp.read(arc, det, ImportContext()))
    return det, [p for p in items if isinstance(p, Post)], [p for p in items if isinstance(p, Problem)]


def test_folder_and_zip_of_photos(make_archive):
    path = make_archive({
        "DCIM/100/IMG_0001.jpg": jpeg(52.4862, -1.8904, exif=None, when="2023:07:14 08:15:00", offset="+01:00"),
        "DCIM/100/IMG_0002.JPG": jpeg(),
        "DCIM/100/notes.txt": "not a photo",
        "DCIM/100/._IMG_0001.jpg": b"\x00\x05\x16\x07 resource fork",
        "DCIM/.thumbnails/t.jpg": jpeg(),
        "shot.webp": save("WEBP", 51.5, -0.12),
    })
    det, posts, probs = read_all(path)
    assert det.platform == "photos" and "3 images" in det.layout
    assert not probs
    by = {p.source.member: p for p in posts}
    assert sorted(by) == ["DCIM/100/IMG_0001.jpg", "DCIM/100/IMG_0002.JPG", "shot.webp"]
    first = by["DCIM/100/IMG_0001.jpg"]
    assert first.kind == "photo" and first.platform == "photos" and first.ref.startswith("photos:")
    assert first.created_at == datetime(2023, 7, 14, 7, 15, tzinfo=timezone.utc)
    assert first.media[0].path == "DCIM/100/IMG_0001.jpg" and first.media[0].archive == str(path)
    assert first.how_to_find and "IMG_0001.jpg" in first.how_to_find
    assert first.notes == ()                                  # offset stored: a true UTC time
    assert "no time zone" in by["DCIM/100/IMG_0002.JPG"].notes[0]


def test_refs_are_stable_across_runs_and_copies(make_archive):
    files = {"a.jpg": jpeg(), "b/c.jpg": jpeg(53.0, -2.0)}
    _, one, _ = read_all(make_archive(files))
    _, two, _ = read_all(make_archive(files))
    assert sorted(p.ref for p in one) == sorted(p.ref for p in two)
    assert len({p.ref for p in one}) == 2


def test_mtime_when_no_exif_date(make_archive):
    path = make_archive({"x.png": save("PNG", None, None, when=None)})
    if make_archive.form == "folder":
        os.utime(os.path.join(path, "x.png"), (1_600_000_000, 1_600_000_000))
        expected = datetime.fromtimestamp(1_600_000_000, timezone.utc)
    else:
        expected = datetime(2024, 1, 1, 0, 0, tzinfo=timezone.utc)     # the zip member's stored time
    _, [post], _ = read_all(path)
    assert post.created_at == expected
    assert "modification time" in post.notes[0]


def test_google_photos_sidecar(make_archive):
    side = {"title": "IMG_7.jpg", "description": "first day on the ward!",
            "photoTakenTime": {"timestamp": "1690000000"},
            "geoData": {"latitude": 52.4863, "longitude": -1.8905, "altitude": 0.0}}
    path = make_archive({"Takeout/Google Photos/2023/IMG_7.jpg": jpeg(when=None),
                         "Takeout/Google Photos/2023/IMG_7.jpg.supplemental-metadata.json": json.dumps(side),
                         "Takeout/Google Photos/2023/IMG_8.jpg": jpeg(when=None),
                         "Takeout/Google Photos/2023/IMG_8.jpg.json": "{broken"})
    _, posts, probs = read_all(path)
    by = {p.source.member.rsplit("/", 1)[-1]: p for p in posts}
    p7 = by["IMG_7.jpg"]
    assert p7.text == "first day on the ward!"
    assert p7.created_at == datetime.fromtimestamp(1690000000, timezone.utc)
    assert p7.place.source == "takeout-geodata" and abs(p7.place.lat - 52.4863) < 1e-9
    assert [p.member for p in probs] == ["Takeout/Google Photos/2023/IMG_8.jpg.json"]
    assert by["IMG_8.jpg"].place is None


def test_sidecar_zero_position_is_no_position():
    assert photos._sidecar_fields({"geoData": {"latitude": 0.0, "longitude": 0.0}})[2] is None


def test_not_used_when_a_platform_export_matches(make_archive):
    path = make_archive({"data/tweets.js": "window.YTD.tweets.part0 = []",
                         "data/tweets_media/1-a.jpg": jpeg()})
    dets = detect(Archive.open(path))
    assert [d.platform for _, d in dets] == ["twitter"]


def test_folder_without_images_is_not_recognised(make_archive):
    from auditor.archive import ArchiveError
    path = make_archive({"readme.txt": "hello"})
    with pytest.raises(ArchiveError) as e:
        detect(Archive.open(path))
    assert "a folder of photos" in str(e.value)


def test_broken_image_still_listed_and_scan_goes_on(make_archive):
    path = make_archive({"ok.jpg": jpeg(52.4862, -1.8904), "broken.jpg": b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM"})
    _, posts, _ = read_all(path)
    assert len(posts) == 2


def test_scan_of_a_camera_roll_offline(make_archive, no_network):
    path = make_archive({
        "roll/ward.jpg": jpeg(52.4863, -1.8903, when="2024:01:02 07:00:00"),
        "roll/visit1.jpg": jpeg(52.5100, -1.9500, when="2024:01:03 10:00:00"),
        "roll/visit2.jpg": jpeg(52.5101, -1.9501, when="2024:01:10 10:00:00"),
        "roll/visit3.jpg": jpeg(52.5100, -1.9502, when="2024:01:17 10:00:00"),
        "roll/cat.jpg": jpeg(when="2024:01:04 18:00:00"),
        "roll/bad.jpg": b"junk",
    })
    cfg = Config(Profile(workplaces=(HOSPITAL,)), Settings(ocr="off"))
    result = scan([str(path)], cfg)
    rules: dict[str, list[str]] = {}
    for f in result.findings:
        rules.setdefault(result.post(f.post_ref).source.member, []).append(f.rule)
    assert sorted(rules["roll/ward.jpg"]) == ["GEO002", "WRK001"]
    for v in ("visit1", "visit2", "visit3"):
        assert sorted(rules[f"roll/{v}.jpg"]) == ["CONF101", "GEO002"]
    assert "roll/cat.jpg" not in rules
    assert any(p.member == "roll/bad.jpg" for p in result.problems)
    assert no_network == []
