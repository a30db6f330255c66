"""Accuracy and speed of the image and location analysers (prints figures; not a test).

    .venv/bin/python benchmarks/bench_images.py [--shared ../shared] [--photos 5000]
                                                [--before REV] [--skip-roll] [--skip-corpora]

1. ../shared/corpora/exif (gps_ground_truth.dev.csv): GPS recall on files labelled `gps`, per
   format; coordinate error against the labels; false leaks (a position reported) on `no_gps`,
   `gps_placeholder_0_0` and `gps_ifd_no_coords` files; crashes; files/s for the metadata readers
   alone; then the whole folder (hostile and malformed files included) scanned as a camera roll
   through the pipeline and its worker pool: problems, crashed or stopped workers, failures.
2. ../shared/corpora/images_text (labels.dev.csv): how many images with text the auto OCR gate
   sends to OCR, how many of those OCR reads (3+ real words), gate false alarms on images without
   text, how many images with text have at least one word-shaped mark (what a photo whose caption
   or position points at work needs to be read), seconds per image for the gate and for OCR, and
   the CPU seconds of one OCR pass through the `tesseract` command and through its library.
3. A generated camera roll (default 5,000 JPEGs at 1600x1200: 600 with GPS, 250 text pages, 100
   taken at a profile workplace), made once in a temporary folder and scanned through the
   pipeline's import and analyse steps with the location and image analysers (scan.ocr = auto; OCR
   text goes through the text analysers), each scan in a fresh process: wall seconds, photos/s,
   CPU seconds (the process and its workers), and the CPU share of each stage (reading, EXIF,
   decoding, OCR gate, OCR, faces, model, thumbnails). With --before REV the same roll is also
   scanned by the code of that git revision (e.g. the commit before this work), in the same run.
The machine's load average is printed: other engineers share its cores, so compare the CPU
seconds and the ratios of one run, not wall times across runs.

Main after image-speed-6 on a quiet machine (coordinator, 27 Nov, `--skip-corpora`, 5,000 photos,
three runs one after the other; load 0.2-2.0 at the start, 3.7-4.3 at the end, the scan's own
three processes): 147.0 s wall = 34.0 photos/s, CPU 285.4 s (57 ms per photo: OCR 96.4 s, content model
83.6 s, decoding 36.3 s, gate 21.1 s, import 5.8 s), estimated idle wall 146 s; then 154.8 s wall =
32.3 photos/s, CPU 299.2 s (OCR 100.8 s, content model 87.3 s, decoding 37.4 s, gate 22.4 s, import
7.5 s), estimated 154 s; a third run (load 2.0 at its start): 148.3 s wall = 33.7 photos/s, CPU
288.9 s (OCR 97.3 s, content model 85.2 s, decoding 36.7 s, gate 22.0 s). Same findings in all
three (GEO002 600, WRK001 100, 0 problems, 850 thumbnails). Target 150 s: met in two runs of
three; the scan sits at the target, not under it with room. The
workers' stages add up to ~250 s of CPU; the other ~35-50 s are the calling process (profiled and
cut by image-speed-7, below).

A fresh machine of the same kind (coordinator, 27 Nov, main 16bcc55, `--skip-corpora --photos 5000`, the first job
after boot, nothing else running: load 0.3 at the start, 3.9 at the end from the scan's own processes): 125.1 s
wall = 40.0 photos/s, CPU 239.9 s (48 ms per photo: OCR 77.1 s, content model 68.1 s, decoding 25.3 s, gate
16.8 s, import 4.5 s), estimated idle wall 123 s; same findings (CONF001 10, CONF002 2, GEO002 600, WRK001 100,
0 problems, 850 thumbnails). A second run 70 minutes later (main 73f9013: the image code unchanged; no
other job running, load 0.8 at the start, 3.8 at the end): 110.5 s wall = 45.3 photos/s, CPU 212.4 s (OCR
68.2 s, content model 62.5 s, decoding 23.3 s, gate 14.7 s, import 3.6 s), estimated idle wall 109 s, the
same findings. Every stage cost 0.6-0.8x what it cost in the quiet runs above (its code unchanged), so this
machine is faster, not the scan: under 150 s with room here, at about 150 s on the earlier machine.

image-speed-7 (27 Nov): the calling process. Profile (main 8c16502, the 1,000-photo roll scanned
as above in one process, CPU clocks per thread, load 1-7): the calling process used 11.5 s of the
scan's 73.5 s CPU. The text checks' thread 6.5 s: loading spaCy, Presidio and the concern model
~4 s once per scan, then ~75 ms a page (the encoder's 4 windows of 96 tokens, spaCy's NER). The
main thread 3.6 s: the import 0.6 s plus the metadata readers' threads ~0.6 s (one thread started
per file: ~0.25 ms each); the pool loop ~1.5-2 s (7.6 messages a photo from the workers, 5.6 of
them step notices for the time limits; reading the files and pickling the jobs); the town look-up's
data and scipy 0.9 s once. Under cProfile (inflated): load_nlp 7.4 s, onnxruntime 2.1 s (200
windows), spaCy's pipe 1.4 s; the pool loop 3.7 s (waiting on the pipes 1.35 s over 14,000
wake-ups); the archive's path checks (pathlib resolve in archive.open_member) 0.45 s of the import.
Shipped (A: findings.json identical but for generated_at on sample_exports and tests/fixtures/vision;
the roll's findings unchanged): geo.run_bounded keeps its parser thread for the next call (an
abandoned one never takes another) instead of starting one per file: read_gps_bounded over the
1,000 roll files, best of 3, alternately, 3 rounds: 0.585 / 0.762 / 0.585 -> 0.467 / 0.475 / 0.508 s
(the bound's own cost 0.19-0.28 -> 0.00-0.08 ms a file). The photos importer runs before the pool,
on one core: ~1 s of wall at 5,000.
Measured and taken out again: page texts that are exact copies (same words, same post but for which
post and file it is) checked once in images.TextChecks. On the roll as it was then, whose 250 pages
were one picture, it saved 18.3-21.9 -> 3.6-3.8 s CPU on the pages' text checks. On a roll whose
pages read differently (as real pages do; make_roll since), coordinator, `--skip-corpora --before
8c16502`, one run, load 1.6 at its start and 4.4 at its end: 193.8 s wall, CPU 377.5 s (OCR 124.9 s,
content model 110.9 s, decoding 44.3 s, gate 29.5 s) against 189.2 s, CPU 368.1 s (OCR 123.7 s,
content model 106.3 s, decoding 43.8 s, gate 27.9 s): 0.98x, no copy found. It was also at the wrong
depth: a photo saved twice is still decoded and read by OCR twice (0.46 s a page against ~75 ms for
its text checks), so were copies to matter, the place is the whole picture, not its text. Both runs:
CONF001 10, CONF002 2 (the handover pages' text now differs page to page), GEO002 600, WRK001 100, 0
problems, 850 thumbnails. The same unchanged code's stages cost ~1.24x the quiet runs above
(decoding 43.8 against 36.3-37.4 s): the machine ran slower than in those runs; scaled by that,
~152 s: the scan is where it was, at the target, not under it with room. A run just before (load
1.1 at its start): 210.8 s, CPU 409.8 s.
Measured, not shipped: fewer step messages (the gate's copy and the gate as one step; an engine
already built taken without a step): 7.6 -> 5.5 messages a photo, but the calling process's main
thread on 400 photos (3 rounds alternately, load 3-7) 2.0-2.3 s CPU both ways: not measurable.

Profile (issue 16, 27 Nov, image-speed-6, main 9a1d957): the worker's job (images.inspect, library
OCR, as in a pool worker) over the 1,000-photo roll in one process under cProfile with a CPU clock
(time.thread_time; load 2-4): 64.3 s CPU in the job (71.9 s with the text checks' thread).
- OCR 23.2 s: the 50 pages, 0.46 s each at 503 px. Recognition is the cost: --psm 3, 4 or 6
  instead of 11, or no dictionaries (load_system_dawg/load_freq_dawg 0), read the roll's page in
  the same 0.35-0.5 s with the same 180 words.
- The networks 13.4 s (1,000 EfficientNet-Lite0 int8 runs and 100 open_nsfw runs).
- Decoding 9.6 s: libjpeg at 1/2 scale 7.6 s (Huffman decoding: 1/4 scale costs nearly as much),
  opening and EXIF 0.8 s, exif_transpose's fresh copy of the picture ~1-2 s (page faults).
- Pillow resizes 6.9 s: the gate's 640 px grey copy 3.7 s (800x600 -> 640x480, antialiased
  bilinear, ~2.7 ms; its conversion to grey 0.5 ms), the model's 224 px copy 3.4 s.
- Gate 2.6 s (numpy's bincount 0.6 ms of it); skin share 1.0 s, greyscale check 1.0 s (numpy's
  percentile 0.5 ms), open_nsfw's input 0.6 s, the model's tensor 0.6 s, faces 0.6 s, thumbnails
  0.8 s.

image-speed-6 (27 Nov). Shipped, the same pixels (A): the findings are unchanged and the decoded
pixels identical on 2,012 decodes (RGB and L) of the 1,000-photo roll and tests/fixtures, so every
later step (gate, model, heads) sees the same input:
- media.decode_sized hands over the decoded picture, EXIF orientation applied in place, instead
  of exif_transpose's fresh copy;
- the gate's grey-level histogram by OpenCV (images.grey_histogram: bincount's counts, 0.16
  against 0.61 ms at 640x480);
- vision.is_greyscale counts the pixels under the limit (0.48 -> 0.19 ms per photo), numpy's
  percentile only when the count is within a pixel or two of its boundary (the same decision on
  406 roll and fixture pictures and on 300 boundary cases in the tests).
The worker's job over 302 ordinary roll photos (no OCR), main and this tree alternately, three
rounds each, one process, load 5-8: best 35.1 -> 32.7 ms per photo (decoding -0.5 ms, content
model -1.4 ms, gate -0.7 ms). `--skip-corpora --photos 1000 --before 9a1d957` (load 3.3-7.0):
after 65.5 s wall, CPU 66.7 s; before 73.4 s wall, CPU 73.9 s (CPU 1.11x): decoding 9.1 -> 8.1 s,
gate 6.2 -> 4.9 s, content model 21.2 -> 18.6 s, but OCR (unchanged) 21.6 -> 20.3 s says the
before scan ran ~6 % busier; an earlier run of the same (load 6-9) gave CPU 75.7 s before and
82.8 s after. Sequential scans on this shared machine swing by +-10 %: about 3 ms per photo (~15 s
of CPU at 5,000) is what these changes save. Same findings (GEO002 120, WRK001 20, 0 problems, 170
thumbnails).
Measured, not shipped (B, rules fixed beforehand):
- The model's 224 px input (and open_nsfw's) by a whole-factor box reduction then bilinear
  (reducing_gap 3.0 -> 1.25; 800x600: 2.6 -> 1.3-1.9 ms). One `benchmarks/vision/bench_vision.py
  --preprocessing-before 9a1d957` run on the dev split (shipped heads; the input differs on 752 of
  2,281 pictures, the others are too small to reduce): uniform P/R 0.964/0.973 both, clinical
  1.000/1.000 -> 1.000/0.997, weapon recall 1.000 both, alcohol recall 0.988 -> 0.977, clinical +
  uniform false alarms on black-and-white photos, pages and charts 2 -> 2: accuracy held. But the
  content-model stage is only 1.06x cheaper (a one-off script: the same session, each of 300 roll
  photos timed both ways, best of 3: 15.10 -> 14.24 ms), under the 1.1x asked for.
- The gate's 640 px copy by OpenCV's (not antialiased) bilinear for copies <= 640 px shrunk by <=
  2x (2.5 -> 0.95 ms). Own pages as scanned (part 4's sets A and B, decoded in colour, main's
  copies against these, in one run of a comparison not kept with the change): gated 33 -> 34 and
  21 -> 22 (a 10 px and a 16 px two-column page newly read), words on the page 19,350 -> 21,251
  and 10,988 -> 11,948, 99.6 % and 99.7 % without the newly read pages; gate copy CPU 2.8x.
  images_text (validation, measured once): real words 1,202 -> 1,201 (eurotext.tif 55 -> 54 at 640
  px), and in part 2's grey-decoded path the gate no longer passes Reconyx_HC500_Hyperfire.jpg
  (6/7 -> 5/7): fewer words, so not shipped. A form that keeps Pillow's copies for the OCR reads
  was not tried (images_text has now been seen).
- Pillow's block cache in the workers (Image.core.set_blocks_max 16): no measurable change.
Left for 150 s with room: OCR 250 pages x ~0.46 s (~115 s; no setting found cheaper); the
network (~11 ms a photo, vision-6's); open_nsfw on 10 % of the roll (~2 ms a photo averaged); the
text engine (~4 s to load once, ~75 ms a distinct page; text-conf's); the gate's copy (~2.5 ms: a
cheaper copy changes what OCR reads, see above) and the model's resize (~1 ms) need a cheaper form
that passes their checks; decoding (~7.5 ms of libjpeg) is the floor for these pictures. In the
calling process: the pool loop (~1.5-2 ms a photo; fewer step messages did not measure; deadlines
in shared memory instead of step messages would cut the wake-ups to ~2 a photo, untried), the
archive's path checks in the import (archive.py), the XMP scan (bytes.find before the regex: 0.25
-> 0.17 ms a 300 KB head, exact; ~0.4 s at 5,000, not shipped).

OCR size (image-speed-5, shipped). Rule fixed beforehand (as for image-speed-4's attempt below):
ship only if CPU per page falls >= 1.3x on the pages read smaller, real words read (and words
that are on the page) fall <= 2 % on our own rendered pages including dense small print, and
images_text (validation, measured once at the end) reads at least as many real words on every
image that read 3+. Change: words at least OCR_BIG_MIN_PX (12) tall at the gate's 640 px copy
(big print) are read where they are OCR_BIG_WORD_PX (11) tall, below the gate's copy if need be
(not below 440 px); smaller words keep 16 px and the gate's copy as floor. Own pages (DejaVu Sans,
Serif, Mono, Bold; 10-226 px letters on 1600x1200, 1200x1600, 4032x3024 and 3024x4032 frames, one
and two columns, plain, blurred, rotated 3 degrees, dimmed, noisy; best of 2 CPU per read):
- set A (33 gated of 34, the roll's page included): 3 pages read smaller, CPU 3.20 -> 2.06 s
  (1.55x), words on the page 605 -> 600; the roll's page 0.78 -> 0.43 s at 503 px, 180 words both.
- set B (big print near the band and dense print on large frames, 21 gated of 23): 10 read
  smaller, CPU 10.94 -> 8.08 s (1.35x), words on the page 2,266 -> 2,253 (-0.6 %), real words
  2,339 -> 2,327 (-0.5 %).
- Found on the way: main's sizing misreads dense small print on large frames. Lines of 5-9 px
  letters at the gate's copy merge into blocks the gate measures as 15-30 px words, so such a
  page was read at 640-788 px: 23 of 1,447 words (4032x3024, 35 px letters, two columns), 34 of
  1,017 (1200x1600, 16 px, rotated). A read at a reduced size that holds fewer than one real word
  per OCR_REREAD_SPAN (10) word heights of the gate's marks is now read again at 1280 px and the
  read with more real words kept (images.read_text): those two pages read 1,437 and 772 words.
  Two more (4032x3024 45 px serif; 1600x1200 18 px two columns, rotated) still read few words at
  640 px: tesseract makes word-like strings of them (643 and 627 "real" words, 30 and 135 on the
  page), which a word count cannot tell apart; they read as before.
- images_text (validation, measured once at the end with the shipped constants; a one-off script
  reading each gated image with image-speed-4's sizing and with read_text): no image read at another
  size, 1,226 real words both, none reads fewer. `--skip-roll` part 2 as before: gate 6/7, OCR 6/7,
  false alarms 0/7, 0/10 on IdenProf, 2 of 6 gated images read at 640 px (106 real words, 105 at
  1280 px), command and library identical on 24/24; part 1: recall 23/23, 0 false leaks, 0 crashes,
  the folder through the pool 0 failures.
- `--ocr-pages` (part 4) renders sets A and B and prints the pages read at another size than
  image-speed-4's sizing, with their words and CPU. The figures above came from the same reads in
  a one-off script; part 4 repeated them (load 6-9): the same pages and words, CPU of the pages
  read smaller 3.25 -> 2.00 s (1.63x) in set A and 10.92 -> 8.01 s (1.36x) in set B.
- `--skip-corpora --photos 1000 --before 8c9ac17` (main at the start; a training run and this
  work's page measurements shared the 2 cores, load 4.3-9.8): after 177.2 s wall, CPU 84.8 s;
  before 206.2 s wall, CPU 97.4 s (CPU 1.15x, wall 1.16x). OCR 36.3 -> 23.6 s (1.54x; 50 pages,
  0.73 -> 0.47 s each), content model 29.5 / 29.8 s, decoding 9.0 / 9.0 s, gate 6.2 / 6.2 s (the
  rest unchanged). Same findings (GEO002 120, WRK001 20, no content findings, 0 problems, 170
  thumbnails). Estimated idle wall for 5,000 from these loaded figures: 219 against 250 s.
- `--skip-corpora` (5,000 photos, after only, load 5.7-9.1, same sharing): 940.3 s wall, CPU
  422.8 s (85 ms per photo): OCR 126.7 s (quiet main: 170.0 s), content model 151.0 s (quiet main:
  133.3 s: the load inflates it ~13 %), decoding 46.8 s, gate 33.0 s, import 6.8 s, thumbnails
  4.2 s, faces 3.0 s; workers waited 2.1 s; after the last photo 2.2 s CPU. Same findings (GEO002
  600, WRK001 100, no content findings, 0 problems, 850 thumbnails). Estimated idle wall 216 s from
  these loaded figures; with the quiet run's other stages and OCR at 1/1.54 (~110 s), ~190 s.

Earlier (issue 16, image-speed-4, 26 Nov; load 8-13, ratios of one run):
- Each pool worker has its next job sent ahead (Pool.depth 2): workers' waiting 3.5-4.3 -> 0.26-0.51
  s per 1,000 photos. The text analysers on the OCR text run in a thread of the calling process,
  16 texts per call, while the workers read the rest (images.TextChecks; identical findings in
  chunks of 4, 10 and 25): 8.2 -> 1.1 s CPU after the last photo per 1,000.
- OCR size 11 px / 440 px floor for every page (not shipped): set B 1.33x, -1.6 % words, but
  images_text 1,223 against 1,226 real words (8087_054.3B.tif 570 against 573 at 1006 px).
Earlier (issue 16, image-speed-2 and -3, 26 Nov):
- 5,000 photos (image-speed-3, load 5-7): 543.9 s wall, CPU 426.9 s: OCR 168.4 s (~0.6 s per
  page, read from the decoded 800 px copy), content model 132.0 s (~27 ms per photo), decoding
  42.1 s, gate 28.6 s, import 5.3 s, thumbnails 3.6 s, faces 2.8 s. 1,000 photos on an idle
  machine (image-speed-2): 40.9 s = 24.4 photos/s, CPU 73.8 s (~205 s for 5,000).
- Content model: the greyscale check on channel planes (3.9 -> 0.7 ms), 27.6 ms CPU per photo,
  outputs identical. Measured, not shipped: onnxruntime 2 threads (no gain with 2 workers on 2
  cores); int8 static QDQ 8.3 ms but head decisions flip (cosine to fp32 min 0.16); int8 dynamic
  slower (154 ms).
- Tesseract settings (no invert, no tables, no pitch test): same text, no saving (the time is
  recognition); rapidocr-onnxruntime 1.4.4: 4.4 s CPU per roll page against ~0.8 s, lost spaces.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORD = re.compile(r"\b[A-Za-z]{3,}\b")
VOWEL = re.compile(r"[aeiouyAEIOUY]")
HOSPITAL = (52.4862, -1.8904)


def load() -> str:
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def cpu() -> float:
    import resource
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def fmt_of(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {"jpeg": "jpg", "tiff": "tif", "heif": "heic"}.get(ext, ext)


# -- 1. EXIF corpus ------------------------------------------------------------------------------
def bench_exif(root: Path) -> None:
    from auditor.analysers.geo import read_gps_bounded
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
        except Exception as exc:
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

    # the whole folder (hostile and malformed files too) as a camera roll, through the pipeline
    from auditor.analysers.images import ImageAnalyser
    from auditor.analysers.locations import PlatformLocations
    from auditor.config import Config, Settings
    from auditor.plugins import AnalysisContext
    from auditor.pipeline import analyse, import_posts, open_archives
    for ocr in ("off", "auto"):
        t0 = time.perf_counter()
        cfg = Config(settings=Settings(ocr=ocr))
        archives = open_archives([str(root)])
        _s, posts, problems, owner = import_posts(archives, cfg)
        ctx = AnalysisContext(config=cfg, archives={a.path: a for a in archives}, owner=owner)
        findings, aproblems = analyse(posts, ctx, [ImageAnalyser(), PlatformLocations()])
        for a in archives:
            a.close()
        dt = time.perf_counter() - t0
        failed = [p for p in problems + aproblems if "failed" in p.message]
        geo2 = sum(f.rule == "GEO002" for f in findings)
        ms = ctx.cache.get("media.stats", {})
        print(f"pipeline scan of the folder (platform photos, ocr {ocr}): {len(posts)} photos, GEO002 {geo2}, "
              f"problems {len(problems) + len(aproblems)} (unreadable files), analyser/importer failures "
              f"{len(failed)}, workers started {ms.get('pool_started', 0)}, crashed {ms.get('pool_crashed', 0)}, "
              f"stopped over a time limit {ms.get('pool_killed', 0)}, {dt:.1f} s")
        for p in failed:        # name them: a failure is a bug to find, not a hostile file
            print(f"  failure: {p.member or '(scan)'}: {p.message[:300]}")


# -- 2. OCR corpus -------------------------------------------------------------------------------
def real_words(text: str) -> int:
    return sum(1 for w in WORD.findall(text) if VOWEL.search(w))


def bench_ocr(root: Path) -> None:
    from auditor.analysers import images
    rows = list(csv.DictReader(open(root / "labels.dev.csv", encoding="utf-8")))
    print(f"\n== OCR: {root} ({len(rows)} images) ==  [{load()}]")
    gate_t, ocr_t = [], []
    has = [r for r in rows if r["has_text"] == "1"]
    without = [r for r in rows if r["has_text"] == "0"]
    unlabelled = [r for r in rows if r["has_text"] not in ("0", "1")]
    gated, read, false_gate, marked = [], [], [], []
    cue_hits = collections.Counter()
    greys = {}
    smaller: list[tuple[str, int, int, int, float]] = []
    for r in rows:
        data = (root / r["file"]).read_bytes()
        t0 = time.perf_counter()
        small = images.load_grey(data, images.GATE_PX)
        gate = images.text_gate(small)
        gate_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        # as the scan sizes it (ocr_size; a smaller read with too few words is read again)
        text, cues, px = images.read_text(lambda p, d=data: images.load_grey(d, p), gate if gate.ok else None,
                                          small.shape, None)
        ocr_t.append(time.perf_counter() - t0)
        greys[r["file"]] = images.load_grey(data, px)
        words = real_words(text)
        if gate.ok and px < images.OCR_PX:
            # read smaller than OCR_PX: how many real words the full OCR_PX read gives, for comparison
            t0 = cpu()
            big_text, _ = images.ocr_with_cues(images.load_grey(data, images.OCR_PX), None)
            smaller.append((r["file"], px, words, real_words(big_text), cpu() - t0))
        if r["has_text"] == "1":
            if gate.ok:
                gated.append(r["file"])
            if gate.ok and words >= 3:
                read.append(r["file"])
            if gate.ok or images._marked(small, gate, images.Inspection()):
                marked.append(r["file"])
        elif gate.ok:
            false_gate.append(r["file"])
        if cues and images.image_cue_strong(cues, None):
            cue_hits["workwear" if r.get("workwear_or_uniform") == "1" else "other"] += 1
    print(f"gate hit rate (images with text sent to OCR): {len(gated)}/{len(has)} = {len(gated) / len(has):.0%}")
    print(f"OCR hit rate (gated and 3+ real words read): {len(read)}/{len(has)} = {len(read) / len(has):.0%}")
    missed = sorted(set(r["file"] for r in has) - set(read))
    if missed:
        print("  not read:", ", ".join(missed))
    print(f"images with text that a photo with a work caption or position would still send to OCR "
          f"(gate, {images.CONTEXT_MIN_MARKS}+ word-shaped mark, or the gate at 320 px): {len(marked)}/{len(has)}")
    print(f"gate false alarms on images labelled without text: {len(false_gate)}/{len(without)}; "
          f"gate on unlabelled photos (IdenProf): "
          f"{sum(images.text_gate(images.load_grey((root / r['file']).read_bytes(), 640)).ok for r in unlabelled)}"
          f"/{len(unlabelled)}")
    print(f"workplace words read from pixels: {cue_hits['workwear']} of "
          f"{sum(r.get('workwear_or_uniform') == '1' for r in rows)} uniform photos, {cue_hits['other']} others")
    print(f"images read smaller than {images.OCR_PX} px (big text: ocr_size): {len(smaller)}/{len(gated)} "
          f"gated; real words read {sum(x[2] for x in smaller)} at the smaller size, "
          f"{sum(x[3] for x in smaller)} at {images.OCR_PX} px")
    for f, px, a, b, _c in smaller:
        print(f"  {f}: {px} px, {a} real words ({b} at {images.OCR_PX} px)")
    print(f"seconds per image: gate {sum(gate_t) / len(gate_t):.3f} s (decode at <=640 px + gate), "
          f"OCR {sum(ocr_t) / len(ocr_t):.2f} s (decode at the scan's size, <={images.OCR_PX} px, 1-2 tesseract "
          f"passes)")
    # one pass per image through the command and through the library, same pictures, CPU seconds
    try:
        lib = images.TessLibrary()
    except OSError as exc:
        print(f"tesseract library not usable here ({exc}): the workers use the command")
        return
    sample = list(greys.values())
    t0 = cpu()
    cmd_text = [images.ocr(g) for g in sample]
    t_cmd = cpu() - t0
    t0 = cpu()
    lib_text = [lib.read(g) for g in sample]
    t_lib = cpu() - t0
    same = sum(a == b for a, b in zip(cmd_text, lib_text))
    print(f"one OCR pass, CPU seconds per image: command {t_cmd / len(sample):.3f} s, library "
          f"{t_lib / len(sample):.3f} s; identical text on {same}/{len(sample)} images")


# -- 3. camera roll ------------------------------------------------------------------------------
def make_roll(folder: Path, n: int) -> int:
    """n 1600x1200 JPEGs; returns how many carry GPS. Per 100: 5 text pages, 2 at the workplace
    (with GPS), 10 more with GPS elsewhere."""
    import io
    import numpy as np
    import piexif
    from PIL import Image, ImageDraw, ImageFont
    rng = np.random.default_rng(7)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34)
    yy, xx = np.mgrid[0:1200, 0:1600]
    with_gps = 0
    base_imgs = []
    for _k in range(20):   # 20 base scenes (smooth gradients + shapes + sensor noise), varied per photo
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

    def page(n: int):
        """The n-th text page. Every page reads differently (a reference number on each line), as a real
        roll's pages do: a roll of copies of one page would flatter any saving that works on copies."""
        doc = Image.new("RGB", (1600, 1200), (250, 250, 250))
        d = ImageDraw.Draw(doc)
        for i in range(20):
            d.text((80, 60 + i * 55), f"Line {i}: handover notes for bay {(i + n) % 6} review obs ref {n:04d}{i:02d}",
                   fill=(20, 20, 20), font=font)
        return doc

    def dms(v):
        v = abs(v)
        dd = int(v)
        mm = int((v - dd) * 60)
        ss = (v - dd - mm / 60) * 3600
        return ((dd, 1), (mm, 1), (int(ss * 10000), 10000))
    for i in range(n):
        kind = i % 100
        im = page(i) if kind < 5 else base_imgs[i % 20]
        gps = {}
        if kind >= 90 or kind in (5, 6):
            with_gps += 1
            lat, lon = HOSPITAL if kind in (5, 6) else (51 + rng.uniform(0, 3), -3 + rng.uniform(0, 3))
            gps = {1: b"N", 2: dms(lat), 3: b"W", 4: dms(lon)}
        taken = f"2024:0{1 + i % 9}:1{i % 10} 1{i % 10}:00:00".encode()
        ex = piexif.dump({"0th": {271: b"Phone"}, "Exif": {36867: taken}, "GPS": gps})
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=88, exif=ex)
        (folder / f"IMG_{i:05d}.jpg").write_bytes(buf.getvalue())
    return with_gps


# Runs in a fresh process, with either this tree's code or an older revision's on sys.path: only
# names that exist in both are used.
DRIVER = r"""
import collections, json, os, resource, sys, time
def cpu():
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime
def main(folder):
    from auditor.config import Config, Profile, Settings, Workplace
    from auditor.analysers.images import ImageAnalyser
    from auditor.analysers.locations import PlatformLocations
    from auditor.plugins import AnalysisContext
    from auditor.pipeline import analyse, import_posts, open_archives
    import auditor
    from auditor.analysers import media
    pool_end = {}
    run_jobs = media.run_jobs

    def timed_run_jobs(*a, **k):      # when the last photo's outcome came back (old code too)
        yield from run_jobs(*a, **k)
        pool_end["wall"], pool_end["cpu"] = time.perf_counter(), time.process_time()
    media.run_jobs = timed_run_jobs
    cfg = Config(Profile(workplaces=(Workplace("Hospital", 52.4862, -1.8904, 250),)), Settings(ocr="auto"))
    c0, t0 = cpu(), time.perf_counter()
    archives = open_archives([folder])
    summaries, posts, problems, owner = import_posts(archives, cfg)
    c1, t1 = cpu(), time.perf_counter()
    ctx = AnalysisContext(config=cfg, archives={a.path: a for a in archives}, owner=owner)
    findings, aproblems = analyse(posts, ctx, [ImageAnalyser(), PlatformLocations()])
    c2, t2, p2 = cpu(), time.perf_counter(), time.process_time()
    for a in archives:
        a.close()
    # photo-content findings by what the roll's photo is (IMG_nnnnn.jpg: n % 100 < 5 is a text page,
    # 5 and 6 are taken at the workplace, the rest are ordinary photos)
    content = {"text page": collections.Counter(), "at work": collections.Counter(),
               "ordinary": collections.Counter()}
    photos_with = {k: set() for k in content}
    for f in findings:
        if f.rule not in ("CONF103", "WRK003", "CND004", "CND005", "CND006", "CND007"):
            continue
        name = os.path.basename(f.media_path or f.post_ref)
        digits = "".join(ch for ch in name.rsplit(".", 1)[0] if ch.isdigit())
        if not digits:
            continue
        k = int(digits) % 100
        cat = "text page" if k < 5 else "at work" if k in (5, 6) else "ordinary"
        content[cat][f.rule] += 1
        photos_with[cat].add(name)
    out = {"code": os.path.dirname(os.path.dirname(auditor.__file__)), "photos": len(posts),
           "wall": t2 - t0, "import_wall": t1 - t0, "cpu": c2 - c0, "import_cpu": c1 - c0,
           "tail_wall": t2 - pool_end.get("wall", t2), "tail_cpu": p2 - pool_end.get("cpu", p2),
           "findings": dict(sorted(collections.Counter(f.rule for f in findings).items())),
           "content": {k: dict(sorted(v.items())) for k, v in content.items()},
           "content_photos": {k: len(v) for k, v in photos_with.items()},
           "problems": len(problems) + len(aproblems), "thumbnails": len(ctx.cache.get("thumbnails", {})),
           "images": ctx.cache.get("images.stats"), "media": ctx.cache.get("media.stats"),
           "stages": ctx.cache.get("media.timings")}
    print("RESULT " + json.dumps(out))
if __name__ == "__main__":
    main(sys.argv[1])
"""


def old_tree(rev: str, where: Path) -> Path:
    """The code of a git revision, unpacked for reading (auditor/ with importers and templates
    where the installed package has them)."""
    dest = where / f"code-{rev}"
    dest.mkdir()
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "auditor", "importers", "templates"],
                         capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    for pkg in ("importers", "templates"):
        if (dest / pkg).is_dir() and not (dest / "auditor" / pkg).exists():
            (dest / "auditor" / pkg).symlink_to(dest / pkg, target_is_directory=True)
    return dest


def scan_roll(folder: Path, code: Path | None, label: str) -> dict | None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code or ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(folder)], capture_output=True, text=True, env=env,
                          cwd=str(code or ROOT))
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(f"{label}: the scan failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return None


STAGES = [("read", "reading files"), ("metadata", "EXIF (analysers)"), ("decode", "decoding"),
          ("decode_large", "decoding larger for OCR"), ("gate", "OCR gate"), ("ocr", "OCR"),
          ("faces", "faces"), ("model", "content model"), ("thumbnail", "thumbnails"),
          ("video", "video frames")]


def report_roll(label: str, r: dict, n: int) -> None:
    print(f"{label}: {r['wall']:.1f} s = {n / r['wall']:.1f} photos/s; CPU {r['cpu']:.1f} s "
          f"({r['cpu'] / n * 1000:.0f} ms per photo; import {r['import_wall']:.1f} s wall, "
          f"{r['import_cpu']:.1f} s CPU)  [{load()}]")
    print(f"  findings {r['findings']}; problems {r['problems']}; thumbnails {r['thumbnails']}")
    if "content" in r:
        sizes = {"text page": n * 5 // 100, "at work": n * 2 // 100, "ordinary": n - n * 7 // 100}
        print("  photo-content findings (CONF103 clinical, WRK003 uniform, CND004-007 other) by kind of photo: "
              + "; ".join(f"{k}: {r['content_photos'][k]}/{sizes[k]} photos {r['content'][k] or 'none'}"
                          for k in sizes))
    print(f"  image work {r['images']}; pool {r['media']}")
    if "tail_cpu" in r:
        # the import and what runs after the last photo came back (the text analysers on the OCR
        # text, then the findings) use one core; the rest keeps both busy on an idle machine
        pool_cpu = r["cpu"] - r["import_cpu"] - r["tail_cpu"]
        est = r["import_cpu"] + pool_cpu / 2 + r["tail_cpu"]
        print(f"  after the last photo: {r['tail_wall']:.1f} s wall, {r['tail_cpu']:.1f} s CPU; estimated idle-machine "
              f"wall (import + the rest of the CPU / 2 + that tail): {est:.1f} s, for 5,000 photos "
              f"{est * 5000 / n:.0f} s")
    stages = r.get("stages")
    if stages:
        total = sum(stages.values()) + r["import_cpu"]
        parts = [f"import incl. EXIF by the photos importer {r['import_cpu']:.1f} s ({r['import_cpu'] / total:.0%})"]
        for key, name in STAGES:
            if stages.get(key):
                parts.append(f"{name} {stages[key]:.1f} s ({stages[key] / total:.0%})")
        print("  CPU by stage (workers): " + "; ".join(parts))


def bench_roll(n: int, before: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_roll_"))
    try:
        roll = tmp / "roll"
        roll.mkdir()
        t0 = time.perf_counter()
        gps = make_roll(roll, n)
        size = sum(p.stat().st_size for p in roll.iterdir())
        print(f"\n== {n:,}-photo camera roll (1600x1200, {gps} with GPS, {n // 20} text pages, "
              f"{n // 50} at the workplace; generated in {time.perf_counter() - t0:.0f} s, {size / 2**20:.0f} MiB) "
              f"==  [{load()}]")
        print("scan: import + image and location analysers (ocr auto; OCR text through the text analysers), "
              "each in a fresh process")
        runs = [("after (this tree)", None)]
        if before:
            runs.append((f"before ({before})", old_tree(before, tmp)))
        results = {}
        for label, code in runs:
            r = scan_roll(roll, code, label)
            if r:
                results[label] = r
                report_roll(label, r, n)
        if len(results) == 2:
            a, b = results.values()
            print(f"speed-up in this run: wall {b['wall'] / a['wall']:.2f}x, CPU {b['cpu'] / a['cpu']:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)



# -- 4. OCR size on our own rendered pages ---------------------------------------------------------
PAGE_VOCAB = ("patient handover notes review observations medication ward shift doctor nurse morning evening "
              "clinic appointment discharge summary pressure blood sample result pending request referral team "
              "meeting training session policy update rota staff night weekend coffee kitchen parking garden "
              "letter report number address phone holiday family friend weather station platform ticket train "
              "delay service customer order invoice payment account balance transfer monday tuesday wednesday "
              "thursday friday saturday sunday january february march april june july august september october "
              "november december welcome please thank remember important notice visitors entrance exit floor "
              "building room office library school college student lecture project deadline chapter section "
              "figure table page example question answer reading writing history science market price offer").split()
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
PAGE_FONTS = [DEJAVU + f for f in ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf")]
PAGE_EFFECTS = ("blur", "rotate", "dim", "noise")


def render_page(rng, size, font_px, font, cols=1, fx=None) -> tuple[bytes, set[str], int]:
    """A JPEG page of random words from PAGE_VOCAB: (bytes, the words on it, how many)."""
    import io
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    w, h = size
    bg = (250, 250, 248)
    im = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(font, font_px)
    line, margin = int(font_px * 1.35), max(20, w // 25)
    colw = (w - 2 * margin) // cols
    words: list[str] = []
    for c in range(cols):
        y = margin
        while y + line < h - margin:
            x = margin + c * colw
            while True:
                wd = PAGE_VOCAB[rng.integers(len(PAGE_VOCAB))]
                if rng.random() < 0.15:
                    wd = wd.capitalize()
                tw = d.textlength(wd + " ", font=f)
                if x + tw > margin + (c + 1) * colw - font_px:
                    break
                d.text((x, y), wd, fill=(20, 20, 20), font=f)
                words.append(wd)
                x += tw
            y += line
    if fx == "blur":
        im = im.filter(ImageFilter.GaussianBlur(1.2))
    elif fx == "rotate":
        im = im.rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=bg)
    elif fx == "dim":
        im = Image.fromarray((np.asarray(im) * 0.55 + 40).astype("uint8"))
    elif fx == "noise":
        im = Image.fromarray((np.asarray(im).astype(float) + rng.normal(0, 10, (h, w, 3))).clip(0, 255)
                             .astype("uint8"))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=88)
    return buf.getvalue(), {x.lower() for x in words}, len(words)


def page_sets() -> dict[str, list]:
    """Set A: 10-226 px letters on four frame shapes, one and two columns, with effects, and the
    roll's own page. Set B: big print near the sizes read smaller, and dense print on large frames."""
    import numpy as np
    sets: dict[str, list] = {"A": [], "B": []}
    rng = np.random.default_rng(11)
    k = 0
    for size in ((1600, 1200), (4032, 3024), (1200, 1600)):
        s = size[0] / 1600
        for fp in (14, 18, 22, 28, 34, 44, 60, 90):
            for cols in ((1, 2) if fp <= 22 else (1,)):
                fx = [None, None, "blur", "rotate", "dim", "noise"][k % 6]
                sets["A"].append((f"{size[0]}x{size[1]} {int(fp * s)} px {cols} col {fx or ''}",
                                  *render_page(rng, size, int(fp * s), PAGE_FONTS[k % 4], cols, fx)))
                k += 1
    import io
    from PIL import Image, ImageDraw, ImageFont
    doc = Image.new("RGB", (1600, 1200), (250, 250, 250))       # the roll's page (make_roll)
    d = ImageDraw.Draw(doc)
    font = ImageFont.truetype(PAGE_FONTS[0], 34)
    words: list[str] = []
    for i in range(20):
        line = f"Line {i}: handover notes for bay {i % 6} review obs and meds"
        d.text((80, 60 + i * 55), line, fill=(20, 20, 20), font=font)
        words += line.split()
    buf = io.BytesIO()
    doc.save(buf, "JPEG", quality=88)
    sets["A"].append(("the roll's page", buf.getvalue(), {w.lower().strip(":") for w in words}, len(words)))
    rng = np.random.default_rng(23)
    specs = ([((1600, 1200), fp, 1) for fp in (30, 32, 36, 38, 40)] + [((1600, 1200), fp, 2) for fp in (30, 34)]
             + [((1200, 1600), fp, 1) for fp in (24, 27, 30)] + [((4032, 3024), fp, 1) for fp in (76, 85, 95, 100)]
             + [((3024, 4032), fp, 1) for fp in (60, 70)] + [((4032, 3024), fp, 2) for fp in (28, 32, 40)]
             + [((1600, 1200), 16, 2), ((3024, 4032), 30, 2), ((4032, 3024), 50, 1)])
    for k, (size, fp, cols) in enumerate(specs):
        fx = [None, "blur", "rotate", "dim", "noise", None][k % 6]
        sets["B"].append((f"{size[0]}x{size[1]} {fp} px {cols} col {fx or ''}",
                          *render_page(rng, size, fp, PAGE_FONTS[k % 4], cols, fx)))
    return sets


def size_before(gate, shape) -> int:
    """ocr_size as image-speed-4 shipped it: 16 px words, never below the gate's copy, no re-read."""
    import math
    from auditor.analysers import images
    long = max(shape[:2])
    if gate is None or not gate.ok or gate.marks < images.GATE_MIN_LINED or gate.word_px - 2 <= 0:
        return images.OCR_PX
    return int(max(long, min(images.OCR_PX, math.ceil(long * 16 / (gate.word_px - 2)))))


def bench_ocr_pages() -> None:
    from auditor.analysers import images
    lib = images.TessLibrary()
    print(f"\n== OCR size on our own rendered pages (CPU best of 2 per read) ==  [{load()}]")
    for name, pages in page_sets().items():
        before_t = after_t = 0.0
        totals = collections.Counter()
        for label, data, vocab, n in pages:
            small = images.load_grey(data, images.GATE_PX)
            gate = images.text_gate(small)
            if not gate.ok:
                continue
            memo: dict[tuple, tuple[str, float]] = {}
            used: list[tuple] = []

            def read(grey, invert=False, memo=memo, used=used):
                key = (grey.shape, invert)          # one page, one size: the same text
                if key not in memo:
                    best = float("inf")
                    for _ in range(2):
                        t0 = time.process_time()
                        text = lib.read(grey, invert)
                        best = min(best, time.process_time() - t0)
                    memo[key] = (text, best)
                used.append(key)
                return memo[key][0]
            old_px = size_before(gate, small.shape)
            old, _ = images.ocr_with_cues(images.load_grey(data, old_px), None, read)
            t_old = sum(memo[k][1] for k in used)
            used.clear()
            sizes: list[int] = []
            new, _cues, _px = images.read_text(lambda p, d=data, s=sizes: s.append(p) or images.load_grey(d, p),
                                               gate, small.shape, None, read)
            t_new = sum(memo[k][1] for k in used)
            before_t += t_old
            after_t += t_new
            c_old = sum(1 for w in WORD.findall(old) if w.lower() in vocab)
            c_new = sum(1 for w in WORD.findall(new) if w.lower() in vocab)
            totals["gated"] += 1
            totals["on page before"] += c_old
            totals["on page after"] += c_new
            if sizes != [old_px]:
                kind = "read again" if len(sizes) > 1 else "smaller" if sizes[0] < old_px else "larger"
                totals[f"{kind} pages"] += 1
                totals[f"{kind} CPU ms before"] += round(t_old * 1000)
                totals[f"{kind} CPU ms after"] += round(t_new * 1000)
                print(f"  {name} {label}: {n} words; {old_px} px -> {sizes} px ({kind}), words on the page "
                      f"{c_old} -> {c_new}, real words {real_words(old)} -> {real_words(new)}, "
                      f"CPU {t_old:.2f} -> {t_new:.2f} s")
        print(f"set {name} ({len(pages)} pages, {totals['gated']} gated): CPU {before_t:.1f} -> {after_t:.1f} s; "
              f"words on the page {totals['on page before']} -> {totals['on page after']}; "
              + ", ".join(f"{k} {v}" for k, v in totals.items() if k.endswith(("pages", "before", "after"))
                          and not k.startswith("on page")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--photos", type=int, default=5000)
    ap.add_argument("--before", help="also scan the roll with the code of this git revision")
    ap.add_argument("--skip-roll", action="store_true")
    ap.add_argument("--skip-corpora", action="store_true")
    ap.add_argument("--ocr-pages", action="store_true", help="only part 4: OCR size on our own rendered pages")
    a = ap.parse_args()
    from auditor.analysers import images, media
    shared = Path(a.shared)
    if a.ocr_pages:
        bench_ocr_pages()
        return
    print(f"bench_images: {media.cpu_count()} CPUs, {load()}, "
          f"tesseract {'yes' if images.tesseract_available() else 'MISSING'}")
    if not a.skip_corpora:
        if (shared / "corpora" / "exif").is_dir():
            bench_exif(shared / "corpora" / "exif")
        if images.tesseract_available() and (shared / "corpora" / "images_text").is_dir():
            bench_ocr(shared / "corpora" / "images_text")
    if not a.skip_roll:
        bench_roll(a.photos, a.before)


if __name__ == "__main__":
    main()
