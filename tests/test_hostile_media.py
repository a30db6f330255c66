"""Malformed and hostile media through the photos importer and the images and locations
analysers: the malformed files of ../shared/corpora/exif (when present) and generated ones
(truncated JPEGs, decompression bombs, EXIF offsets and counts pointing outside the file, IFD
loops, a 0-byte HEIC, text-chunk bombs). Each file is scanned on its own: the scan finishes
within a time bound, nothing raises, no analyser or importer "failed", and the file gives at most
one Problem (exactly one when no reader can make sense of it)."""
from __future__ import annotations

import csv
import io
import re
import struct
import time
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from auditor.config import Config
from auditor.pipeline import scan
from conftest import shared_path

FILE_SECONDS = 40          # per file, on a loaded 2-core machine (the analysers' own bound is 10 s per step)


def analysers():
    from auditor.analysers import images, locations
    return [*(cls() for cls in locations.ANALYSERS), images.ImageAnalyser(workers=1)]


def config(ocr: str = "auto") -> Config:
    cfg = Config()
    return replace(cfg, settings=replace(cfg.settings, ocr=ocr))


def scan_one(tmp_path: Path, name: str, data: bytes, ocr: str = "auto") -> tuple[list, float]:
    """Scan a folder holding only this file; return the problems about it and the seconds taken."""
    folder = tmp_path / re.sub(r"[^\w.-]", "_", name)
    folder.mkdir(parents=True)
    (folder / Path(name).name).write_bytes(data)
    t0 = time.perf_counter()
    res = scan([str(folder)], config(ocr), analysers=analysers())
    elapsed = time.perf_counter() - t0
    crashed = [p for p in res.problems if "failed:" in p.message]
    assert not crashed, crashed
    assert len(res.posts) == 1, res.posts
    return [p for p in res.problems if p.member == Path(name).name], elapsed


# -- generated hostile files -----------------------------------------------------------------
def small_jpeg(exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG", quality=80, **({"exif": exif} if exif else {}))
    return buf.getvalue()


def gps_exif() -> bytes:
    import piexif
    gps = {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((53, 1), (48, 1), (0, 1)),
           piexif.GPSIFD.GPSLongitudeRef: b"W", piexif.GPSIFD.GPSLongitude: ((1, 1), (32, 1), (0, 1))}
    return piexif.dump({"0th": {}, "Exif": {}, "GPS": gps, "1st": {}, "thumbnail": None})


def with_app1(tiff: bytes) -> bytes:
    """A JPEG whose APP1 Exif segment is the given TIFF structure."""
    seg = b"Exif\x00\x00" + tiff
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + small_jpeg()[2:]


def tiff_ifd(entries: list[tuple[int, int, int, int]], next_ifd: int = 0) -> bytes:
    """Big-endian TIFF header + IFD0 at offset 8 with (tag, type, count, value/offset) entries."""
    body = struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        body += struct.pack(">HHII", tag, typ, count, value)
    return b"MM\x00\x2a" + struct.pack(">I", 8) + body + struct.pack(">I", next_ifd)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of width x height zeros: tiny on disk, huge decoded."""
    co = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(co.compress(row) for _ in range(height)) + co.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims width x height."""
    data = bytearray(small_jpeg())
    i = data.index(b"\xff\xc0")
    data[i + 5:i + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def ztxt_bomb() -> bytes:
    base = io.BytesIO()
    Image.new("L", (8, 8)).save(base, "PNG")
    raw = base.getvalue()
    bomb = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(64 << 20), 9))
    return raw[:33] + bomb + raw[33:]


def generated() -> dict[str, bytes]:
    jpg = small_jpeg(gps_exif())
    exif_at = jpg.index(b"Exif")
    return {
        "truncated_in_exif.jpg": jpg[: exif_at + 30],
        "truncated_in_scan.jpg": jpg[: len(jpg) - 200],
        "truncated_after_soi.jpg": jpg[:2],
        "only_soi_eoi.jpg": b"\xff\xd8\xff\xd9",
        "zero_bytes.heic": b"",
        "zero_bytes.jpg": b"",
        "heic_header_only.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        "heic_garbage.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 40,
        "random.jpg": bytes((i * 131 + 7) % 256 for i in range(5000)),
        "png_named.jpg": png_bomb(16, 16),
        "bomb_1gp.png": png_bomb(40_000, 40_000),              # Pillow refuses at open (> 2x its limit)
        "bomb_150mp.png": png_bomb(15_000, 10_000),            # under Pillow's error limit, over ours
        "bomb_claimed_60000.jpg": jpeg_claiming(60_000, 60_000),
        "bomb_claimed_12000.jpg": jpeg_claiming(12_000, 9_000),  # 108 MP claimed, data for 64x48
        "ztxt_bomb.png": ztxt_bomb(),
        "exif_ifd0_outside.jpg": with_app1(b"MM\x00\x2a\xff\xff\xff\xf0" + bytes(8)),
        "exif_gps_pointer_outside.jpg": with_app1(tiff_ifd([(0x8825, 4, 1, 0x7FFFFFF0)])),
        "exif_huge_count.jpg": with_app1(tiff_ifd([(0x010F, 2, 0x7FFFFFFF, 0x100), (0x8825, 4, 1, 8)])),
        "exif_gps_rational_outside.jpg": with_app1(tiff_ifd([(0x8825, 4, 1, 26)]) +
                                                   struct.pack(">H", 2) +
                                                   struct.pack(">HHII", 1, 2, 2, 0x4E000000) +
                                                   struct.pack(">HHII", 2, 5, 3, 0x7FFFFFF0) + bytes(4)),
        "exif_ifd_loop.jpg": with_app1(tiff_ifd([(0x010F, 2, 4, 0x41424300)], next_ifd=8)),
        "exif_gps_self_loop.jpg": with_app1(tiff_ifd([(0x8825, 4, 1, 8)])),
        "exif_bad_type.jpg": with_app1(tiff_ifd([(0x8825, 99, 1, 8), (0x0132, 0, 5, 0)])),
    }


UNREADABLE = {"truncated_after_soi.jpg", "only_soi_eoi.jpg", "zero_bytes.heic", "zero_bytes.jpg",
              "heic_header_only.heic", "heic_garbage.heic", "random.jpg"}
GENERATED = generated()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_hostile_image_is_at_most_one_problem(tmp_path, name):
    problems, elapsed = scan_one(tmp_path, name, GENERATED[name])
    assert elapsed < FILE_SECONDS, f"{name}: {elapsed:.1f} s"
    assert len(problems) <= 1, [p.message for p in problems]
    if name in UNREADABLE or name.startswith("bomb_1gp"):
        assert len(problems) == 1, f"{name}: an unreadable file must be reported once"


def test_decompression_bomb_is_refused_without_decoding(tmp_path):
    import resource
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for name in ("bomb_1gp.png", "bomb_150mp.png", "bomb_claimed_60000.jpg"):
        problems, elapsed = scan_one(tmp_path, name, GENERATED[name], ocr="all")
        assert elapsed < FILE_SECONDS
        assert len(problems) == 1 and re.search(r"pixel|bomb|limit", problems[0].message, re.I), problems
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 400, f"peak memory grew by {grown_mib:.0f} MiB"


def test_position_still_read_from_a_truncated_jpeg(tmp_path):
    # the EXIF block is whole, the picture is cut: the GPS must still be found (a location leak)
    from auditor.analysers.geo import read_gps_bounded
    fix = read_gps_bounded(GENERATED["truncated_in_scan.jpg"], 10)
    assert fix.has_position and abs(fix.lat - 53.8) < 1e-6 and abs(fix.lon + 1.5333) < 1e-3


def test_the_same_hostile_files_inside_a_zip(tmp_path):
    import zipfile
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in GENERATED.items():
            zf.writestr(name, data)
    t0 = time.perf_counter()
    res = scan([str(path)], config(), analysers=analysers())
    assert time.perf_counter() - t0 < FILE_SECONDS * 4
    assert not [p for p in res.problems if "failed:" in p.message]
    assert len(res.posts) == len(GENERATED)
    per_file: dict[str, int] = {}
    for p in res.problems:
        per_file[p.member] = per_file.get(p.member, 0) + 1
    assert all(n <= 1 for n in per_file.values()), per_file
    assert set(UNREADABLE) <= set(per_file)


# -- the malformed files of the shared EXIF corpus -------------------------------------------
MALFORMED_NAME = re.compile(r"broken|truncated|invalid|bad|typeerror|zerodivision|offset|no_data|corrupt",
                            re.I)


def malformed_corpus() -> list[Path]:
    root = shared_path("corpora", "exif")
    from auditor.importers.photos import IMAGE_EXTS      # what a folder of photos is read for (.mpo is not)
    picked = {p for p in root.rglob("*") if p.is_file() and MALFORMED_NAME.search(p.as_posix())
              and p.suffix.lower() in IMAGE_EXTS}
    with open(root / "gps_ground_truth.dev.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if ((row["exifread_error"] or row["pillow_error"] or row["label"] == "unreadable_by_both")
                    and row["file"].lower().endswith(IMAGE_EXTS)):
                picked.add(root / row["file"])
    return sorted(picked)


def test_malformed_corpus_files(tmp_path):
    files = malformed_corpus()
    assert len(files) >= 20, files
    slowest = (0.0, "")
    for i, f in enumerate(files):
        problems, elapsed = scan_one(tmp_path / str(i), f.name, f.read_bytes())
        slowest = max(slowest, (elapsed, f.name))
        assert elapsed < FILE_SECONDS, f"{f}: {elapsed:.1f} s"
        assert len(problems) <= 1, (f, [p.message for p in problems])
    print(f"{len(files)} malformed corpus files; slowest {slowest[1]} {slowest[0]:.2f} s")


def test_the_same_hostile_files_through_the_worker_pool(tmp_path):
    """Every generated hostile file in one folder, each through a worker process (the pool a large
    scan uses): no failure, at most one Problem per file, the unreadable ones reported."""
    from auditor.analysers import images, locations
    folder = tmp_path / "roll"
    folder.mkdir()
    for name, data in GENERATED.items():
        (folder / name).write_bytes(data)
    t0 = time.perf_counter()
    res = scan([str(folder)], config("all"),
               analysers=[images.ImageAnalyser(workers=2, pool_min=1), *(cls() for cls in locations.ANALYSERS)])
    assert time.perf_counter() - t0 < FILE_SECONDS * 4
    assert not [p for p in res.problems if "failed" in p.message]
    assert len(res.posts) == len(GENERATED)
    per_file: dict[str, int] = {}
    for p in res.problems:
        per_file[p.member] = per_file.get(p.member, 0) + 1
    assert all(n <= 1 for n in per_file.values()), per_file
    assert set(UNREADABLE) <= set(per_file)
