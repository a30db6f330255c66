"""GPS from image bytes: exifread, Pillow fallback, XMP-only, 0/0 rationals, placeholders, malformed EXIF."""
from __future__ import annotations

import csv
import time

import pytest
from hypothesis import given, settings, strategies as st

from auditor.analysers.geo import (GpsFix, Timeout, distance_m, parse_xmp_coord, read_gps,
                                   read_gps_bounded, run_bounded, valid_position)
from conftest import shared_path
from test_images_helpers import exif_bytes, jpeg, malformed_exif_jpeg, save, xmp_packet

LAT, LON = 53.4668498, -2.2339216       # invented spot in Manchester


def close(fix: GpsFix, lat: float, lon: float, tol: float = 1e-5) -> bool:
    return fix.has_position and abs(fix.lat - lat) <= tol and abs(fix.lon - lon) <= tol


@pytest.mark.parametrize("lat,lon", [(LAT, LON), (-33.8688, 151.2093), (40.7128, -74.006), (-0.3713, 36.0564)])
def test_jpeg_gps_signs_and_precision(lat, lon):
    fix = read_gps(jpeg(lat, lon))
    assert close(fix, lat, lon), fix
    assert fix.source == "exif"


@pytest.mark.parametrize("fmt", ["WEBP", "PNG", "TIFF"])
def test_other_formats(fmt):
    fix = read_gps(save(fmt, 51.5007, -0.1246))
    assert close(fix, 51.5007, -0.1246), fix


def test_webp_found_by_pillow_when_exifread_misses_it():
    fix = read_gps(save("WEBP", 51.5007, -0.1246))
    assert fix.source in ("exif", "exif-pillow") and fix.has_position


@pytest.mark.parametrize("rel,lat,lon", [
    ("ianare_exif_samples/heic/IMG_5195.HEIC", 39.0513444, -94.2887722),
    ("ianare_exif_samples/heic/mobile/HMD_Nokia_8.3_5G_hdr.heif", 40.6629935, -3.7637405),
])
def test_heic_from_phones_with_gps(rel, lat, lon):
    # real phone HEIC/HEIF files (shared corpus, ground truth agreed by two readers); no HEIF
    # encoder ships with the default install, so HEIC cannot be generated here
    fix = read_gps(shared_path("corpora", "exif", *rel.split("/")).read_bytes())
    assert close(fix, lat, lon), fix


@pytest.mark.parametrize("element", [False, True])
def test_xmp_only_gps(element):
    data = jpeg(exif=b"", xmp=xmp_packet("53,28.01099N", "2,14.035296W", element=element))
    fix = read_gps(data)
    assert fix.source == "xmp"
    assert close(fix, LAT, LON), fix


@pytest.mark.parametrize("text,expected", [
    ("53,28.01099N", 53.4668498), ("2,14.035296W", -2.2339216), ("51,30,0S", -51.5),
    ("-12.5", -12.5), ("0,0N", 0.0), ("nonsense", None), ("53,75.0N", None), (None, None)])
def test_parse_xmp_coord(text, expected):
    got = parse_xmp_coord(text)
    assert (got is None) if expected is None else abs(got - expected) < 1e-6


def test_zero_over_zero_seconds_read_as_zero():
    fix = read_gps(jpeg(LAT, LON, zero_seconds=True))
    assert fix.has_position
    assert abs(fix.lat - (53 + 28 / 60)) < 1e-9 and abs(fix.lon - -(2 + 14 / 60)) < 1e-9
    assert not fix.errors


@pytest.mark.parametrize("lat,lon", [(0.0, 0.0), (53.0, None), (None, -2.0)])
def test_gps_tag_without_position_is_not_a_leak(lat, lon):
    fix = read_gps(jpeg(lat, lon))
    assert fix.state == "no-position"
    assert not fix.has_position
    assert "GPS tag, no position" in " ".join(fix.notes)


def test_empty_gps_block_is_no_position():
    fix = read_gps(jpeg(exif=exif_bytes(gps={2: ((0, 0), (0, 0), (0, 0)), 4: ((0, 0), (0, 0), (0, 0))})))
    assert fix.state == "no-position"


def test_no_gps_at_all():
    fix = read_gps(jpeg())
    assert fix.state == "none" and not fix.notes


def test_missing_reference_read_as_north_east_with_a_note():
    fix = read_gps(jpeg(53.1, -2.2, refs=False))
    assert close(fix, 53.1, 2.2)
    assert any("reference" in n for n in fix.notes)


def test_malformed_exif_does_not_raise():
    fix = read_gps(malformed_exif_jpeg())
    assert not fix.has_position


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                                  b"II*\x00" + b"\xff" * 64, b"RIFF\x10\x00\x00\x00WEBPVP8X" + b"\x00" * 20])
def test_garbage_never_raises(data):
    fix = read_gps_bounded(data)
    assert fix.state in ("none", "no-position")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_after_a_jpeg_header_never_raise(tail):
    fix = read_gps_bounded(b"\xff\xd8\xff\xe1" + tail)
    assert isinstance(fix, GpsFix)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=len(jpeg(LAT, LON)) - 1))
def test_truncated_jpeg_never_raises(cut):
    data = jpeg(LAT, LON)[:cut]
    fix = read_gps_bounded(data)
    # exifread zero-fills a cut tag (53/1, 0/0, 0/0): a partial position, degrees still right
    assert not fix.has_position or close(fix, LAT, LON, tol=1.0)


def test_taken_at_with_offset_converted_to_utc():
    fix = read_gps(jpeg(exif=exif_bytes(when="2024:06:01 09:30:00", offset="+01:00")))
    assert fix.taken_at.isoformat() == "2024-06-01T08:30:00+00:00"
    assert not fix.taken_at_local


def test_run_bounded_abandons_a_hanging_parser():
    t0 = time.perf_counter()
    with pytest.raises(Timeout):
        run_bounded(lambda: time.sleep(5), 0.2)
    assert time.perf_counter() - t0 < 2


def test_run_bounded_passes_errors_and_values():
    assert run_bounded(lambda: 42, 1) == 42
    with pytest.raises(ZeroDivisionError):
        run_bounded(lambda: 1 / 0, 1)


def test_run_bounded_reuses_its_thread_but_never_an_abandoned_one():
    """One parser thread serves call after call (not the caller's own thread); a thread left
    behind by a timeout is never handed another call."""
    import threading
    me = threading.current_thread()
    first = run_bounded(threading.current_thread, 1)
    assert first is not me and run_bounded(threading.current_thread, 1) is first
    with pytest.raises(ZeroDivisionError):
        run_bounded(lambda: 1 / 0, 1)
    assert run_bounded(threading.current_thread, 1) is first       # an error does not cost the thread
    stuck = threading.Event()
    with pytest.raises(Timeout):
        run_bounded(lambda: stuck.wait(5), 0.2)
    t0 = time.perf_counter()
    other = run_bounded(threading.current_thread, 1)
    assert time.perf_counter() - t0 < 0.5
    stuck.set()
    assert other is not first and other is not me and other.name == "image-parser"
    assert run_bounded(lambda: 7, 1) == 7


def test_run_bounded_keeps_nothing_of_a_finished_call():
    """The kept thread holds no reference to the last call's function, bytes or result."""
    import gc
    import weakref

    class Blob:
        pass
    def call() -> weakref.ref:
        blob, held = Blob(), Blob()
        assert run_bounded(lambda b=held: b and 5, 1) == 5           # the function holds it
        assert run_bounded(lambda b=blob: b, 1) is blob               # the result is it
        return weakref.ref(blob), weakref.ref(held)
    refs = call()
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_run_bounded_from_several_threads_at_once():
    import threading
    results: dict[int, list] = {}

    def caller(k: int) -> None:
        results[k] = [run_bounded(lambda i=i: (k, i), 5) for i in range(200)]
    threads = [threading.Thread(target=caller, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: [(k, i) for i in range(200)] for k in range(6)}


def test_read_gps_bounded_reports_timeout(monkeypatch):
    import auditor.analysers.geo as geo
    monkeypatch.setattr(geo, "read_gps", lambda data: time.sleep(3))
    fix = geo.read_gps_bounded(b"x", seconds=0.1)
    assert fix.state == "none" and "timeout" in fix.errors[0]


def test_geometry():
    assert valid_position(LAT, LON)
    assert not valid_position(0.0, 0.0) and not valid_position(None, 1.0) and not valid_position(91, 0)
    assert not valid_position(float("nan"), 1.0)
    # one minute of latitude is one nautical mile (1852 m) to within half a percent
    assert abs(distance_m(53.0, -2.0, 53.0 + 1 / 60, -2.0) - 1852) < 10


def test_shared_exif_corpus_recall_and_false_leaks():
    root = shared_path("corpora", "exif")
    rows = list(csv.DictReader(open(root / "gps_ground_truth.dev.csv", encoding="utf-8")))
    missed, wrong, leaks = [], [], []
    for r in rows:
        fix = read_gps_bounded((root / r["file"]).read_bytes())
        if r["label"] == "gps":
            if not fix.has_position:
                missed.append(r["file"])
            elif not close(fix, float(r["lat"]), float(r["lon"])):
                wrong.append(r["file"])
        elif fix.has_position:
            leaks.append(r["file"])
        if r["label"] in ("gps_placeholder_0_0", "gps_ifd_no_coords"):
            assert fix.state == "no-position", r["file"]
    assert not missed and not wrong and not leaks, (missed, wrong, leaks)
