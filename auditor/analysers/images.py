"""What the photos themselves give away: GPS in the file, text in the image, workplace and uniform
cues, other people's faces.

Per image (each file's work is bounded in time, every parser exception is caught per file):

1. GPS and capture time from the bytes (``geo.read_gps``: exifread, then Pillow, then XMP), shared
   with the locations analyser through ``media_gps`` so each file is parsed once per scan.
2. Cues: the caption ("on shift", "in my scrubs" ...), the position (at a profile workplace), and
   text read from the image (OCR) that names the NHS, a trust, hospital, ward, ambulance, badge or
   lanyard, or the employer.
3. OCR policy (``scan.ocr``): ``off`` never; ``all`` every image; ``auto`` (default) only images
   that (a) have a workplace cue already (caption or position), or (b) pass a cheap text-likeness
   gate: on a <=640 px greyscale copy (JPEG decoded at 1/2..1/8 scale by the DCT, a few ms), a
   morphological gradient, a threshold and a horizontal closing join letters into word blobs; the
   image is OCR'd when it looks like a document or screenshot (half its pixels share one grey
   level) or holds at least ``GATE_MIN_LINED`` text-shaped blobs sitting on lines (see text_gate).
   Tesseract (--psm 11, sparse text) reads a <=1280 px greyscale copy with OMP_THREAD_LIMIT=1,
   then the inverted image (light-on-dark text: white "NHS" on a blue badge) when the first pass
   found no workplace word and read little or the image is not a bright page (ocr_with_cues).
   OCR text also goes through the text analysers (``text.analyse_units``) for names, addresses,
   NHS numbers and patient lists.
4. Faces (OpenCV Haar cascade shipped with opencv-python-headless) only on images that already
   have a workplace cue: "may show other people" is a weak signal and means nothing on its own.
5. Flagged images get a thumbnail for the report, kept in memory only:
   ``ctx.cache["thumbnails"][(archive, member_path)] = {"data_uri": "data:image/jpeg;base64,...",
   "width": w, "height": h}`` (at most THUMB_PX on the long side, EXIF stripped). The full image
   is never copied out.
"""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Sequence

os.environ.setdefault("OMP_THREAD_LIMIT", "1")   # tesseract: 2-2.5x faster per image on 2 cores

from ..model import Finding, Media, Post, Problem
from ..plugins import AnalysisContext, TextUnit
from .geo import GpsFix, Timeout, clean_error, open_image, read_gps_bounded, run_bounded

IMAGE_EXTS = (".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".hif", ".tif", ".tiff",
              ".gif", ".bmp", ".avif", ".mpo", ".dng")
MAX_IMAGE_BYTES = 64 * 1024 * 1024
HEAD_BYTES = 1024 * 1024          # a JPEG's EXIF and XMP segments sit in its first 128 KiB
PARSE_SECONDS = 10.0              # per file, for the metadata readers and for decoding
OCR_SECONDS = 30                  # per tesseract call
GATE_PX = 640
OCR_PX = 1280
INVERT_MAX_WORDS = 8            # inverted pass when the first read fewer real words than this
INVERT_MEDIAN = 160             # ... or when the image's median grey is below this
FACE_PX = 640
THUMB_PX = 192
GATE_MIN_LINED = 10             # tuned on shared/corpora/images_text (see benchmarks/bench_images.py)
DOC_BACKGROUND = 0.5
GATE_MIN_EDGE = 48                # grey levels across a 3x3 neighbourhood
MAX_PIXELS = 64_000_000           # decompression-bomb guard (Pillow errors at twice its own limit)


# -- which media are images ------------------------------------------------------------------
def is_image(m: Media) -> bool:
    if m.missing:
        return False
    if m.kind == "photo":
        return True
    return m.path.lower().endswith(IMAGE_EXTS)


def image_media(posts: Sequence[Post]) -> list[tuple[Post, Media]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in posts:
        for m in p.media:
            key = (m.archive, m.path)
            if is_image(m) and key not in seen:
                seen.add(key)
                out.append((p, m))
    return out


def _read(ctx: AnalysisContext, m: Media, head_only: bool = False) -> bytes:
    arc = ctx.archives[m.archive]
    if head_only and m.path.lower().endswith((".jpg", ".jpeg", ".jpe")):
        with arc.open_member(m.path) as fh:
            return fh.read(HEAD_BYTES)
    return ctx.read_media(m.archive, m.path, MAX_IMAGE_BYTES)


# -- GPS, shared with the locations analyser --------------------------------------------------
def media_gps(posts: Sequence[Post], ctx: AnalysisContext) -> dict[tuple[str, str], GpsFix]:
    """(archive, path) -> GpsFix for every image of these posts; parsed once per scan."""
    cache: dict[tuple[str, str], GpsFix] = ctx.cache.setdefault("images.gps", {})
    for _post, m in image_media(posts):
        key = (m.archive, m.path)
        if key in cache:
            continue
        try:
            data = _read(ctx, m, head_only=True)
        except Exception as exc:  # a file we cannot read is a Problem, not a crash
            cache[key] = GpsFix(errors=[f"not readable: {exc}"], unreadable=True)
            continue
        cache[key] = read_gps_bounded(data, PARSE_SECONDS)
    return cache


def gps_problem(m: Media, fix: GpsFix) -> Problem | None:
    """A Problem when no reader could read the file at all (one reader failing is normal)."""
    if not fix.unreadable:
        return None
    why = "; ".join(fix.errors)[:300] or "not a readable image"
    return Problem(m.archive, m.path, f"image could not be read ({why}); GPS and text not checked")


# -- pixels ------------------------------------------------------------------------------------
def downscaled(data: bytes, mode: str, max_px: int, resample=None):
    """The image upright, converted to `mode`, at most max_px on the long side (JPEG decoded at
    reduced scale). Raises on unreadable images and on decompression bombs. The caller closes it."""
    from PIL import Image, ImageOps
    im = open_image(data)
    try:
        if im.width * im.height > MAX_PIXELS:
            raise ValueError(f"{im.width}x{im.height} pixels, over the {MAX_PIXELS:,} pixel limit")
        if im.format == "JPEG":
            im.draft(mode, (max_px, max_px))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            upright = ImageOps.exif_transpose(im) or im
        out = upright.convert(mode)
        out.thumbnail((max_px, max_px), resample or Image.Resampling.BILINEAR)
        return out
    finally:
        im.close()


def load_grey(data: bytes, max_px: int):
    """A greyscale numpy array at most max_px on the long side."""
    import numpy as np
    im = downscaled(data, "L", max_px)
    try:
        return np.asarray(im)
    finally:
        im.close()


def text_gate(grey) -> tuple[bool, str]:
    """The cheap OCR gate on a <=640 px greyscale image: (OCR it?, why).

    Document or screenshot: at least DOC_BACKGROUND of the pixels share one grey level (+-8), as
    paper and app backgrounds do and photos rarely do, and at least 1 % are edges (not a blank frame).
    Text in a photo: at least GATE_MIN_LINED
    word-shaped blobs (a morphological gradient, Otsu threshold and a 9x1 closing join letters;
    blobs wider than tall, 4 to 160 px high, 25-95 % filled) that sit on a line with another blob.
    """
    import cv2
    import numpy as np
    hist = np.bincount(grey.ravel(), minlength=256).astype(float)
    hist /= max(hist.sum(), 1.0)
    mode = int(hist.argmax())
    background = float(hist[max(0, mode - 8):mode + 9].sum())
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    grad = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, kernel)
    otsu, _ = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # letters have sharp, strong edges: a floor on the threshold ignores soft texture
    _, bw = cv2.threshold(grad, max(otsu, GATE_MIN_EDGE), 255, cv2.THRESH_BINARY)
    joined = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if 4 <= h <= 160 and w >= 1.5 * h and w <= grey.shape[1] * 0.95:
            fill = cv2.countNonZero(bw[y:y + h, x:x + w]) / float(w * h)
            if 0.25 <= fill <= 0.95:
                boxes.append((y + h / 2, h))
    lined = 0
    for i, (cy, h) in enumerate(boxes):
        if any(i != j and abs(cy - cy2) < 0.5 * max(h, h2) and 0.5 < h / h2 < 2
               for j, (cy2, h2) in enumerate(boxes)):
            lined += 1
    edges = cv2.countNonZero(bw) / float(bw.size)
    if background >= DOC_BACKGROUND and edges >= 0.01:
        return True, f"document or screenshot ({background:.0%} plain background)"
    if lined >= GATE_MIN_LINED:
        return True, f"{lined} text-like regions in lines"
    return False, f"{lined} text-like regions in lines, {background:.0%} plain background"


def faces(grey) -> int:
    """Possible faces (Haar frontal-face cascade, strict settings). A weak signal."""
    import cv2
    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
    cascade = _CASCADE.get(path)
    if cascade is None:
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise RuntimeError("OpenCV face cascade not found (opencv-python-headless<5 ships it)")
        _CASCADE[path] = cascade
    eq = cv2.equalizeHist(grey)
    found = cascade.detectMultiScale(eq, scaleFactor=1.1, minNeighbors=8, minSize=(32, 32))
    return len(found)


_CASCADE: dict[str, Any] = {}


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr(grey, invert: bool = False) -> str:
    """Tesseract on a greyscale array. The image goes in on stdin and the text comes back on
    stdout: no temporary copy of the picture is written to disk (pytesseract would write one)."""
    import subprocess
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(255 - grey if invert else grey).save(buf, "PNG", compress_level=1)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        out = subprocess.run(["tesseract", "stdin", "stdout", "-l", "eng", "--psm", "11"],
                             input=buf.getvalue(), capture_output=True, timeout=OCR_SECONDS, env=env,
                             check=False)
    except subprocess.TimeoutExpired:
        raise Timeout(f"tesseract gave up after {OCR_SECONDS} s") from None
    if out.returncode != 0:
        raise RuntimeError("tesseract failed: " + out.stderr.decode("utf-8", "replace").strip()[-200:])
    return out.stdout.decode("utf-8", "replace")


def ocr_with_cues(grey, employer: re.Pattern | None) -> tuple[str, list[str]]:
    """Tesseract on the image; then on the inverted image (light-on-dark text: white "NHS" on a blue
    badge) when the first pass found no cue word and either read little or the image is mostly
    mid-to-dark (a bright page that read well is not read twice)."""
    import numpy as np
    text = ocr(grey)
    cues = find_cues(text, IMAGE_CUES, employer)
    if not cues and (_real_words(text) < INVERT_MAX_WORDS or float(np.median(grey)) < INVERT_MEDIAN):
        inv = ocr(grey, invert=True)
        if inv.strip():
            text = text + "\n" + inv
            cues = find_cues(inv, IMAGE_CUES, employer)
    return text, cues


_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def _real_words(text: str) -> int:
    return sum(1 for w in _WORD.findall(text) if re.search(r"[aeiouyAEIOUY]", w))


# -- cue words ---------------------------------------------------------------------------------
def _rx(words: Sequence[str]) -> re.Pattern:
    return re.compile(r"(?<![\w])(" + "|".join(words) + r")(?![\w])", re.I)


# what the caption says about being at work or in uniform
CAPTION_CUES = _rx([
    r"on (?:a |the )?(?:night |day |late |early |long )?shift", r"(?:night|day|long|late|early) shifts?",
    r"(?:at|in|off to|back at|back to) work", r"work(?:ing)? today", r"on the wards?",
    r"in (?:my |our )?(?:scrubs|greens|blues|tunic|uniform|whites)", r"(?:my|our|new) (?:scrubs|greens|tunic|uniform)",
    r"scrubs", r"uniform", r"lanyard", r"(?:id|name|staff) badge", r"crew ?mates?", r"on the road",
    r"handover", r"(?:in|on) resus", r"A&E", r"(?:ambulance|fire) station", r"in theatres?",
    r"on placement", r"placement", r"(?:ward|bay) \d+", r"NHS", r"hospital", r"ambulance",
])
# words read from the image (OCR) that point at a workplace, a uniform or a badge
IMAGE_CUES = _rx([
    r"NHS", r"(?:foundation |health |care )?trust", r"hospitals?", r"infirmary", r"wards?",
    r"ambulance", r"paramedics?", r"nurs(?:e|es|ing)", r"clinic(?:al)?", r"A&E", r"emergency department",
    r"health board", r"patients?", r"staff(?: only)?", r"badge", r"lanyard", r"resus", r"theatres?",
    r"radiology", r"maternity", r"physiotherapy", r"pharmacy", r"surgery", r"GP practice",
    r"authori[sz]ed personnel", r"visiting hours",
])


# OCR cue words that point at a care workplace on their own; the others ("staff", "patients",
# "badge", "surgery" ...) count only when two or more are read in the same image
STRONG_IMAGE_CUES = re.compile(r"^(nhs|.*trust|hospitals?|infirmary|wards?|ambulance|paramedics?|a&e|"
                               r"emergency department|health board|resus|maternity)$", re.I)


def image_cue_strong(cues: Sequence[str], employer: re.Pattern | None) -> bool:
    if any(STRONG_IMAGE_CUES.match(c) or (employer is not None and employer.fullmatch(c)) for c in cues):
        return True
    return len({c.casefold() for c in cues}) >= 2


def employer_rx(ctx: AnalysisContext) -> re.Pattern | None:
    prof = ctx.config.profile
    names = [n for n in (prof.employer, *prof.employer_aliases) if n and len(n) >= 3]
    return _rx([re.escape(n) for n in names]) if names else None


def find_cues(text: str, rx: re.Pattern, employer: re.Pattern | None) -> list[str]:
    out: list[str] = []
    for r in ([rx, employer] if employer else [rx]):
        for m in r.finditer(text or ""):
            w = re.sub(r"\s+", " ", m.group(0)).strip()
            if w.casefold() not in {x.casefold() for x in out}:
                out.append(w)
    return out


# -- thumbnails --------------------------------------------------------------------------------
def thumbnail(ctx: AnalysisContext, archive: str, path: str) -> dict | None:
    """A small JPEG data URI of a flagged image, kept in ctx.cache["thumbnails"]; None if unreadable."""
    thumbs = ctx.cache.setdefault("thumbnails", {})
    key = (archive, path)
    if key in thumbs:
        return thumbs[key]
    thumbs[key] = None
    try:
        data = ctx.read_media(archive, path, MAX_IMAGE_BYTES)
        thumbs[key] = run_bounded(lambda: make_thumbnail(data), PARSE_SECONDS)
    except Exception:  # the report shows no picture for it
        thumbs[key] = None
    return thumbs[key]


def make_thumbnail(data: bytes, px: int = THUMB_PX) -> dict:
    from PIL import Image
    im = downscaled(data, "RGB", px, Image.Resampling.LANCZOS)
    try:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=70, optimize=True)     # a fresh file: no EXIF, no GPS
        return {"data_uri": "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
                "width": im.width, "height": im.height}
    finally:
        im.close()


# -- the analyser ------------------------------------------------------------------------------
@dataclass
class Inspection:
    post: Post
    media: Media
    caption_cues: list[str] = field(default_factory=list)
    workplace: str = ""                      # "at St Elsewhere (120 m ...)" when the position says so
    gate: str = ""                           # the gate's reading (auto policy)
    ocr_done: bool = False
    ocr_why: str = ""
    ocr_text: str = ""
    image_cues: list[str] = field(default_factory=list)
    faces: int = 0
    faces_run: bool = False
    unreadable: bool = False
    problems: list[str] = field(default_factory=list)


class ImageAnalyser:
    name = "images"
    ORDER = 30

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or min(2, os.cpu_count() or 1)

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        from .locations import Sighting, relation
        from ..model import Place
        items = image_media(posts)
        gps = media_gps(posts, ctx)
        policy = ctx.config.settings.ocr
        can_ocr = policy != "off" and tesseract_available()
        if policy != "off" and not can_ocr and items:
            yield Problem("", "", "text in photos not checked: tesseract is not installed "
                                  "(Debian/Ubuntu: apt install tesseract-ocr; macOS: brew install tesseract)")
        employer = employer_rx(ctx)
        plans = []
        for post, m in items:
            fix = gps.get((m.archive, m.path))
            ins = Inspection(post, m, caption_cues=find_cues(post.text, CAPTION_CUES, employer))
            if fix is not None and (p := gps_problem(m, fix)):
                yield p                    # one Problem per unreadable file: no pixel work either
                ins.unreadable = True
            places = [pl for pl in (post.place, m.place) if pl is not None]
            if fix is not None and fix.has_position:
                places.append(Place(fix.lat, fix.lon, None, fix.source))
            for pl in places:
                for rule, _ev, _c, words in relation(Sighting(post, pl, m.path), ctx):
                    if rule == "WRK001" and not ins.workplace:
                        ins.workplace = words
            plans.append(ins)

        def work(ins: Inspection) -> Inspection:
            try:
                self._inspect(ins, ctx, policy, can_ocr, employer)
            except Exception as exc:  # per file
                ins.problems.append(clean_error(f"image not analysed: {type(exc).__name__}: {exc}")[:300])
            return ins

        units: list[TextUnit] = []
        done = 0
        if self.workers > 1 and len(plans) > 1:
            with ThreadPoolExecutor(self.workers) as pool:
                results = list(pool.map(work, plans))
        else:
            results = [work(i) for i in plans]
        stats = ctx.cache.setdefault("images.stats", {"images": 0, "gate_run": 0, "ocr": 0, "faces_run": 0})
        for ins in results:
            done += 1
            stats["images"] += 1
            stats["gate_run"] += bool(ins.gate)
            stats["ocr"] += ins.ocr_done
            stats["faces_run"] += ins.faces_run
            for msg in ins.problems:
                yield Problem(ins.media.archive, ins.media.path, msg)
            if ins.ocr_text.strip():
                units.append(TextUnit(ins.post, ins.ocr_text, origin="ocr", media_path=ins.media.path))
            yield from self._findings(ins, ctx)
        ctx.progress(done)
        if units:
            yield from self._text(units, ctx)

    # per image (runs in a worker thread; touches only its own Inspection)
    def _inspect(self, ins: Inspection, ctx: AnalysisContext, policy: str, can_ocr: bool,
                 employer: re.Pattern | None) -> None:
        context_cue = bool(ins.caption_cues or ins.workplace)
        want_ocr = can_ocr and policy != "off"
        if ins.unreadable or not (want_ocr or context_cue):
            return
        data = _read(ctx, ins.media)
        small = run_bounded(lambda: load_grey(data, GATE_PX), PARSE_SECONDS)
        if want_ocr:
            if policy == "all":
                ins.ocr_why = "OCR on every image (scan.ocr = all)"
            elif context_cue:
                ins.ocr_why = "caption or position points at work"
            else:
                ok, why = text_gate(small)
                ins.gate = why
                if ok:
                    ins.ocr_why = why
            if ins.ocr_why:
                grey = run_bounded(lambda: load_grey(data, OCR_PX), PARSE_SECONDS)
                text, cues = ocr_with_cues(grey, employer)
                ins.ocr_done = True
                ins.ocr_text = text
                ins.image_cues = cues if image_cue_strong(cues, employer) else []
        if ins.caption_cues or ins.workplace or ins.image_cues:
            ins.faces_run = True
            ins.faces = faces(_shrink(small, FACE_PX))

    def _findings(self, ins: Inspection, ctx: AnalysisContext) -> Iterator[Finding]:
        post, m = ins.post, ins.media
        cues = []
        if ins.caption_cues:
            cues.append("caption: " + ", ".join(f"'{c}'" for c in ins.caption_cues[:5]))
        if ins.image_cues:
            cues.append("text in the photo: " + ", ".join(f"'{c}'" for c in ins.image_cues[:6]))
        if ins.workplace:
            cues.append("taken " + ins.workplace)
        if ins.faces:
            cues.append(f"{ins.faces} possible face{'s' if ins.faces > 1 else ''} (may show other people)")
        flagged = False
        if ins.caption_cues or ins.image_cues:
            flagged = True
            conf = 0.5 + 0.15 * bool(ins.image_cues) + 0.1 * bool(ins.caption_cues) + 0.1 * bool(ins.workplace)
            evidence = "; ".join(ins.image_cues[:3] + ins.caption_cues[:3])
            yield Finding("WRK002", post.ref, evidence=f"workplace cues: {evidence}",
                          explanation="Photo with workplace or uniform cues (" + "; ".join(cues) + ").",
                          confidence=round(min(conf, 0.9), 2), media_path=m.path)
        if ins.faces and (ins.caption_cues or ins.image_cues or ins.workplace):
            flagged = True
            yield Finding("CONF102", post.ref, evidence="possible faces in a workplace photo",
                          explanation="Face detection found what may be other people in a photo with "
                                      "workplace cues (" + "; ".join(cues) + "); check nobody receiving "
                                      "care or any colleague who did not agree can be seen.",
                          confidence=0.4 if ins.faces == 1 else 0.5, media_path=m.path)
        if flagged:
            thumbnail(ctx, m.archive, m.path)

    def _text(self, units: list[TextUnit], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        """OCR text through the text analysers (names, addresses, NHS numbers, patient lists)."""
        try:
            from .text import analyse_units
        except ImportError:
            return
        for item in analyse_units(units, ctx):
            if isinstance(item, Finding):
                m = next((u.media_path for u in units if u.post.ref == item.post_ref and u.media_path), None)
                if item.media_path is None and m is not None:
                    item = replace(item, media_path=m)
                if item.media_path:
                    thumbnail(ctx, _archive_of(units, item), item.media_path)
            yield item


def _archive_of(units: list[TextUnit], f: Finding) -> str:
    for u in units:
        if u.media_path == f.media_path:
            for m in u.post.media:
                if m.path == f.media_path:
                    return m.archive
    return ""


def _shrink(grey, px: int):
    import cv2
    h, w = grey.shape[:2]
    s = px / max(h, w)
    if s >= 1:
        return grey
    return cv2.resize(grey, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)


ANALYSERS = [ImageAnalyser]
