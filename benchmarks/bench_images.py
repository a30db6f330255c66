"""Accuracy and speed of the image and location analysers (prints figures; not a test).

    .venv/bin/python benchmarks/bench_images.py [--shared ../shared] [--photos 5000] [--skip-archive]

1. ../shared/corpora/exif (gps_ground_truth.dev.csv): GPS recall on files labelled `gps`, per
   format; coordinate error against the labels (max and mean, degrees); false leaks (a position
   reported) on `no_gps`, `gps_placeholder_0_0` and `gps_ifd_no_coords` files; files reported as
   "GPS tag, no position"; crashes (an exception out of the reader, or an analyser failure when the
   whole folder is scanned as a camera roll); files/s for the metadata readers alone.
2. ../shared/corpora/images_text (labels.dev.csv): how many images with text the auto OCR gate
   sends to OCR (gate hit rate), how many of those OCR reads (3+ real words: OCR hit rate), gate
   false alarms on images labelled without text, seconds per image for the gate and for OCR.
3. A generated 5,000-photo camera roll (1600x1200 JPEGs: 10 % with GPS, 5 % document-like with
   text, 2 % near a profile workplace) scanned through the pipeline with the image and location
   analysers (scan.ocr = auto): total seconds, photos/s, images OCR'd.
The machine's load average is printed: other engineers share its 2 cores.
"""
from __future__ import annotations

import argparse
import collections
import csv
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.analysers import images  # noqa: E402
from auditor.analysers.geo import read_gps_bounded  # noqa: E402

WORD = re.compile(r"\b[A-Za-z]{3,}\b")
VOWEL = re.compile(r"[aeiouyAEIOUY]")


def load() -> str:
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def fmt_of(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {"jpeg": "jpg", "tiff": "tif", "heif": "heic"}.get(ext, ext)


def bench_exif(root: Path) -> None:
    rows = list(csv.DictReader(open(root / "gps_ground_truth.dev.csv", encoding="utf-8")))
    print(f"\n== EXIF GPS: {root} ({len(rows)} files) ==  [{load()}]")
    per_fmt = collections.defaultdict(lambda: [0, 0])
    errs, leaks, crashes, no_pos, unreadable = [], collections.Counter(), [], 0, 0
    negatives = collections.Counter()
    datas = [(r, (root / r["file"]).read_bytes()) for r in rows]
    t0 = time.perf_counter()
    fixes = []
    for r, data in datas:
        try:
            fixes.append(read_gps_bounded(data))
        except Exception as exc:  # this is what we count
            crashes.append(f"{r['file']}: {exc!r}")
            fixes.append(None)
    dt = time.perf_counter() - t0
    for (r, _), fix in zip(datas, fixes):
        if fix is None:
            continue
        no_pos += fix.state == "no-position"
        unreadable += fix.unreadable
        if r["label"] == "gps":
            k = per_fmt[fmt_of(r["file"])]
            k[1] += 1
            if fix.has_position:
                k[0] += 1
                errs.append(max(abs(fix.lat - float(r["lat"])), abs(fix.lon - float(r["lon"]))))
        else:
            negatives[r["label"]] += 1
            if fix.has_position:
                leaks[r["label"]] += 1
    found = sum(v[0] for v in per_fmt.values())
    total = sum(v[1] for v in per_fmt.values())
    print(f"recall on `gps` files: {found}/{total} = {found / max(total, 1):.1%}")
    for f, (a, b) in sorted(per_fmt.items()):
        print(f"  {f:5s} {a}/{b} = {a / b:.1%}")
    if errs:
        print(f"coordinate error (max |dlat|,|dlon| per file): max {max(errs):.2e} deg, "
              f"mean {sum(errs) / len(errs):.2e} deg (target <= 1e-5)")
    for lab in ("no_gps", "gps_placeholder_0_0", "gps_ifd_no_coords", "unreadable_by_both"):
        print(f"false leaks on {lab}: {leaks[lab]}/{negatives[lab]}")
    print(f"reported as 'GPS tag, no position': {no_pos}; unreadable by every reader: {unreadable}")
    print(f"crashes (exception out of the reader): {len(crashes)}")
    for c in crashes[:5]:
        print("  ", c)
    print(f"speed: {len(rows) / dt:.0f} files/s ({dt:.2f} s for {len(rows)} files, bytes in memory)")

    # the whole folder as a camera roll, through the pipeline
    from auditor.config import Config, Settings
    from auditor.analysers.images import ImageAnalyser
    from auditor.analysers.locations import PlatformLocations
    from auditor.pipeline import scan
    t0 = time.perf_counter()
    res = scan([str(root)], Config(settings=Settings(ocr="off")), analysers=[PlatformLocations(), ImageAnalyser()])
    dt = time.perf_counter() - t0
    failed = [p for p in res.problems if "failed" in p.message]
    geo2 = sum(f.rule == "GEO002" for f in res.findings)
    print(f"pipeline scan of the folder (platform photos, ocr off): {len(res.posts)} photos, GEO002 {geo2}, "
          f"problems {len(res.problems)} (unreadable files), analyser/importer crashes {len(failed)}, {dt:.1f} s")


def real_words(text: str) -> int:
    return sum(1 for w in WORD.findall(text) if VOWEL.search(w))


def bench_ocr(root: Path) -> None:
    rows = list(csv.DictReader(open(root / "labels.dev.csv", encoding="utf-8")))
    print(f"\n== OCR: {root} ({len(rows)} images) ==  [{load()}]")
    gate_t, ocr_t = [], []
    has = [r for r in rows if r["has_text"] == "1"]
    without = [r for r in rows if r["has_text"] == "0"]
    unlabelled = [r for r in rows if r["has_text"] not in ("0", "1")]
    gated, read, false_gate = [], [], []
    cue_hits = collections.Counter()
    for r in rows:
        data = (root / r["file"]).read_bytes()
        t0 = time.perf_counter()
        small = images.load_grey(data, images.GATE_PX)
        ok, _why = images.text_gate(small)
        gate_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        grey = images.load_grey(data, images.OCR_PX)
        text, cues = images.ocr_with_cues(grey, None)
        ocr_t.append(time.perf_counter() - t0)
        words = real_words(text)
        if r["has_text"] == "1":
            if ok:
                gated.append(r["file"])
            if ok and words >= 3:
                read.append(r["file"])
        elif ok:
            false_gate.append(r["file"])
        if cues and images.image_cue_strong(cues, None):
            cue_hits["workwear" if r.get("workwear_or_uniform") == "1" else "other"] += 1
    print(f"gate hit rate (images with text sent to OCR): {len(gated)}/{len(has)} = {len(gated) / len(has):.0%}")
    print(f"OCR hit rate (gated and 3+ real words read): {len(read)}/{len(has)} = {len(read) / len(has):.0%}")
    missed = sorted(set(r["file"] for r in has) - set(read))
    if missed:
        print("  not read:", ", ".join(missed))
    gated = sum(images.text_gate(images.load_grey((root / r["file"]).read_bytes(), 640))[0] for r in unlabelled)
    print(f"gate false alarms on images labelled without text: {len(false_gate)}/{len(without)}; "
          f"gate on unlabelled photos (IdenProf): {gated}/{len(unlabelled)}")
    print(f"workplace words read from pixels: {cue_hits['workwear']} of "
          f"{sum(r.get('workwear_or_uniform') == '1' for r in rows)} uniform photos, {cue_hits['other']} others")
    print(f"seconds per image: gate {sum(gate_t) / len(gate_t):.3f} s (decode at <=640 px + gate), "
          f"OCR {sum(ocr_t) / len(ocr_t):.2f} s (decode at <={images.OCR_PX} px, 1-2 tesseract passes, "
          "OMP_THREAD_LIMIT=1)")


def make_roll(folder: Path, n: int) -> int:
    """n 1600x1200 JPEGs; returns how many carry GPS."""
    import io
    import numpy as np
    import piexif
    from PIL import Image, ImageDraw, ImageFont
    rng = np.random.default_rng(7)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34)
    yy, xx = np.mgrid[0:1200, 0:1600]
    with_gps = 0
    base_imgs = []
    for _ in range(20):   # 20 base scenes (smooth gradients + shapes + sensor noise), varied per photo
        a, b, c = rng.uniform(0.2, 1.0, 3)
        arr = np.stack([(xx * a / 1600 * 255), (yy * b / 1200 * 255), ((xx + yy) * c / 2800 * 255)], -1)
        arr = (arr + rng.normal(0, 6, arr.shape)).clip(0, 255).astype("uint8")
        im = Image.fromarray(arr)
        d = ImageDraw.Draw(im)
        for _ in range(12):
            x, y = rng.integers(0, 1500), rng.integers(0, 1100)
            d.ellipse([x, y, x + rng.integers(40, 300), y + rng.integers(40, 300)],
                      fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
        base_imgs.append(im)
    doc = Image.new("RGB", (1600, 1200), (250, 250, 250))
    d = ImageDraw.Draw(doc)
    for i in range(20):
        d.text((80, 60 + i * 55), f"Line {i}: handover notes for bay {i % 6} review obs and meds", fill=(20, 20, 20),
               font=font)
    for i in range(n):
        kind = i % 100
        im = doc if kind < 5 else base_imgs[i % 20]
        gps = {}
        if kind >= 90 or kind in (5, 6):
            with_gps += 1
            lat, lon = (52.4862, -1.8904) if kind in (5, 6) else (51 + rng.uniform(0, 3), -3 + rng.uniform(0, 3))
            def dms(v):
                v = abs(v)
                dd = int(v)
                mm = int((v - dd) * 60)
                ss = (v - dd - mm / 60) * 3600
                return ((dd, 1), (mm, 1), (int(ss * 10000), 10000))
            gps = {1: b"N", 2: dms(lat), 3: b"W", 4: dms(lon)}
        taken = f"2024:0{1 + i % 9}:1{i % 10} 1{i % 10}:00:00".encode()
        ex = piexif.dump({"0th": {271: b"Phone"}, "Exif": {36867: taken}, "GPS": gps})
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=88, exif=ex)
        (folder / f"IMG_{i:05d}.jpg").write_bytes(buf.getvalue())
    return with_gps


def bench_roll(n: int) -> None:
    from auditor.config import Config, Profile, Settings, Workplace
    from auditor.analysers.images import ImageAnalyser
    from auditor.plugins import AnalysisContext
    from auditor.analysers.locations import PlatformLocations
    from auditor.pipeline import analyse, import_posts, open_archives
    tmp = Path(tempfile.mkdtemp(prefix="bench_roll_"))
    try:
        t0 = time.perf_counter()
        gps = make_roll(tmp, n)
        size = sum(p.stat().st_size for p in tmp.iterdir())
        print(f"\n== {n:,}-photo camera roll (generated in {time.perf_counter() - t0:.0f} s, "
              f"{size / 2**20:.0f} MiB, {gps} with GPS) ==  [{load()}]")
        cfg = Config(Profile(workplaces=(Workplace("Hospital", 52.4862, -1.8904, 250),)), Settings(ocr="auto"))
        # the pipeline's steps (as scan() runs them), so the analysers' context can be read after
        t0 = time.perf_counter()
        archives = open_archives([str(tmp)])
        summaries, posts, problems, owner = import_posts(archives, cfg)
        t1 = time.perf_counter()
        ctx = AnalysisContext(config=cfg, archives={a.path: a for a in archives}, owner=owner)
        findings, aproblems = analyse(posts, ctx, [PlatformLocations(), ImageAnalyser()])
        dt = time.perf_counter() - t0
        for a in archives:
            a.close()
        rules = collections.Counter(f.rule for f in findings)
        print(f"scan (import + location + image analysers, ocr auto, 2 worker threads): {dt:.1f} s = "
              f"{n / dt:.1f} photos/s (import {t1 - t0:.1f} s, analyse {dt - (t1 - t0):.1f} s)")
        print(f"findings {dict(sorted(rules.items()))}; problems {len(problems) + len(aproblems)}; "
              f"thumbnails {len(ctx.cache.get('thumbnails', {}))}  [{load()}]")
        print(f"image work: {ctx.cache.get('images.stats')}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--photos", type=int, default=5000)
    ap.add_argument("--skip-archive", action="store_true")
    a = ap.parse_args()
    shared = Path(a.shared)
    ocr = "yes" if images.tesseract_available() else "MISSING"
    print(f"bench_images: {os.cpu_count()} CPUs, {load()}, tesseract {ocr}")
    bench_exif(shared / "corpora" / "exif")
    if images.tesseract_available():
        bench_ocr(shared / "corpora" / "images_text")
    if not a.skip_archive:
        bench_roll(a.photos)


if __name__ == "__main__":
    main()
