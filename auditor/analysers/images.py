"""What the photos (and video frames) themselves give away: GPS in the file, text in the image,
workplace and uniform cues, other people's faces.

Each file gets one job in the shared media pass (``media.run_jobs``: a pool of worker processes,
one per CPU; small scans run in this process). This process reads the file once (not at all
when nothing needs it) and the job (``inspect``), on those bytes:

1. GPS and capture time (``geo.read_gps``), unless the photos importer already read them; shared
   with the locations analyser through ``media.gps``.
2. Cues known before any pixel is looked at: the caption ("on shift", "in my scrubs" ...) and the
   position (at a profile workplace, ``places.relation``).
3. Decodes the picture once, at the smallest size that serves the content model, the gate,
   faces and the thumbnail (a JPEG at 1/2..1/8 scale, ``media.Picture``).
4. What the picture shows: the content model (``vision.VisionModel.analyse``, once per picture,
   one thread), judged with everything else known about the same post by
   ``image_content.judge``: the caption, the words read by OCR (step 5), the faces count (step 6)
   and whether an exact position is at a workplace or at home. A picture the model sees as a
   uniform or a clinical image counts as a workplace cue for steps 5 and 6; when it is judged a
   uniform photo (WRK003), the cue-words finding (WRK002) of the same picture is left out.
5. OCR policy (``scan.ocr``): ``off`` never; ``all`` every image; ``auto`` (default) images that
   pass a cheap text-likeness gate (``text_gate``, on the <=640 px greyscale copy: a morphological
   gradient, a threshold and a horizontal closing join letters into word-shaped marks): a document
   or screenshot (half its pixels share one grey level) or at least ``GATE_MIN_LINED`` marks
   sitting on lines. A photo whose caption, position or picture already points at work needs only
   one word-shaped mark (a badge's "NHS" is a single word), or to pass the gate at 320 px (big bold
   letters filling the frame): a picture with neither has no text to read, and its workplace
   finding comes from the other cues anyway.
   Tesseract (--psm 11, sparse text) reads a <=1280 px greyscale copy (decoded larger when the
   first decode was smaller; a page whose words are big enough is read at the size where they are
   16 px tall, often the decoded copy itself, and big print where it is 11 px tall: ``ocr_size``;
   a smaller read that holds far fewer words than the gate's marks is read again at 1280 px:
   ``read_text``), then the inverted image (light-on-dark text: white "NHS" on a blue badge) when
   the first pass found no workplace word and read little or the image is not a bright page
   (``ocr_with_cues``). In a worker process tesseract runs through its library (``TessLibrary``,
   loaded once per process); in this process through the ``tesseract`` command.
   OCR text also goes through the text analysers (``text.analyse_units``) for names, addresses,
   NHS numbers and patient lists: in this process, in batches, while the workers read the other
   photos (``TextChecks``), with the findings one call over every text would give.
6. Faces (OpenCV Haar cascade shipped with opencv-python-headless) only on images that already
   have a workplace cue: "may show other people" is a weak signal and means nothing on its own.
7. A thumbnail for the report, from the decoded copy, for every image that will be shown: one
   with a position, or any cue or content finding, or text read from it. Kept in memory only:
   ``ctx.cache["thumbnails"][(archive, member_path)] = {"data_uri": "data:image/jpeg;base64,...",
   "width": w, "height": h}`` (at most THUMB_PX on the long side, EXIF stripped).

Videos: ``media.VIDEO_FRAMES`` frames go through steps 4-7 (no GPS: video metadata is not read);
per rule, the surest finding over the frames is kept.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import io
import math
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, NamedTuple, Sequence

os.environ.setdefault("OMP_THREAD_LIMIT", "1")   # tesseract: 2-2.5x faster per image on 2 cores
# onnxruntime (the photo content model) >= 1.29 writes a device id under ~/.cache and would send a
# usage event to Microsoft unless this is set before its first session: never, whatever the user's
# environment says (media.py sets it in every worker too)
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from ..model import Finding, Media, Place, Post, Problem
from ..plugins import AnalysisContext, TextUnit
from . import media
from .geo import GpsFix, Timeout, read_gps
from .media import (MAX_IMAGE_BYTES, MAX_PIXELS, PARSE_SECONDS, THUMB_PX, Picture,  # noqa: F401
                    StepTimeout, archive_of, image_media, is_image, make_thumbnail, thumbnail)
from .places import at_home, at_workplace

IMAGE_EXTS = media.IMAGE_EXTS
OCR_SECONDS = 30                  # per tesseract call
GATE_PX = 640
OCR_PX = 1280                   # the largest size a picture is read at
OCR_WORD_PX = 16                # a page of text is read at the size where its words are this tall
OCR_BIG_WORD_PX = 11            # ... or this tall, when they are big (see ocr_size)
OCR_BIG_MIN_PX = 12             # big: at least this tall at the gate's copy
OCR_MIN_PX = 440                # never read smaller than this
OCR_REREAD_SPAN = 10            # read again at OCR_PX below one real word per this many word heights of marks
GATE_EDGE_PX = 2                # the gate's gradient adds a pixel above and below every mark
INVERT_MAX_WORDS = 8            # inverted pass when the first read fewer real words than this
INVERT_MEDIAN = 160             # ... or when the image's median grey is below this
FACE_PX = 640
GATE_MIN_LINED = 10             # tuned on shared/corpora/images_text (see benchmarks/bench_images.py)
CONTEXT_MIN_MARKS = 1           # with a caption or position cue: any word-shaped mark is enough
DOC_BACKGROUND = 0.5
GATE_MIN_EDGE = 48                # grey levels across a 3x3 neighbourhood
STEP_SECONDS = 10.0               # gate, faces: milliseconds normally
MODEL_SECONDS = 30.0              # the content model: tens of milliseconds normally (first call loads it)
TEXT_BATCH = 16                   # OCR texts per call of the text analysers while the photos are read


def load_grey(data: bytes, max_px: int):
    """A greyscale numpy array at most max_px on the long side (JPEG decoded at reduced scale)."""
    import numpy as np
    im = media.decode(data, max_px, "L")
    try:
        return np.asarray(media.shrink(im, max_px))
    finally:
        im.close()


# -- pixels ------------------------------------------------------------------------------------
class Gate(NamedTuple):
    ok: bool             # OCR it
    why: str
    marks: int           # word-shaped marks (on a line or not)
    lined: int = 0       # of which sit on a line with another
    word_px: float = 0.0     # height of the marks (lower quartile), in the gate's pixels
    span: float = 0.0        # the marks' widths added up, in the same pixels


def text_gate(grey) -> Gate:
    """The cheap OCR gate on a <=640 px greyscale image: (OCR it?, why, word-shaped marks).

    Document or screenshot: at least DOC_BACKGROUND of the pixels share one grey level (+-8), as
    paper and app backgrounds do and photos rarely do, and at least 1 % are edges (not a blank frame).
    Text in a photo: at least GATE_MIN_LINED word-shaped blobs (a morphological gradient, Otsu
    threshold and a 9x1 closing join letters; blobs wider than tall, 4 to 160 px high, 25-95 %
    filled) that sit on a line with another blob.
    """
    import cv2
    import numpy as np
    hist = grey_histogram(grey)
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
    span = 0
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if 4 <= h <= 160 and w >= 1.5 * h and w <= grey.shape[1] * 0.95:
            fill = cv2.countNonZero(bw[y:y + h, x:x + w]) / float(w * h)
            if 0.25 <= fill <= 0.95:
                boxes.append((y + h / 2, h))
                span += w
    lined = 0
    for i, (cy, h) in enumerate(boxes):
        if any(i != j and abs(cy - cy2) < 0.5 * max(h, h2) and 0.5 < h / h2 < 2
               for j, (cy2, h2) in enumerate(boxes)):
            lined += 1
    word_px = float(np.percentile([h for _cy, h in boxes], 25)) if boxes else 0.0
    edges = cv2.countNonZero(bw) / float(bw.size)
    if background >= DOC_BACKGROUND and edges >= 0.01:
        return Gate(True, f"document or screenshot ({background:.0%} plain background)", len(boxes), lined,
                    word_px, span)
    if lined >= GATE_MIN_LINED:
        return Gate(True, f"{lined} text-like regions in lines", len(boxes), lined, word_px, span)
    return Gate(False, f"{lined} text-like regions in lines, {background:.0%} plain background", len(boxes),
                lined, word_px, span)


def grey_histogram(grey):
    """Pixels per grey level (256 float64 counts) of a uint8 array: OpenCV's histogram, the same
    counts as numpy's bincount in a quarter of the time (bincount widens every pixel to 64 bits)."""
    import cv2
    import numpy as np
    return cv2.calcHist([np.ascontiguousarray(grey, dtype=np.uint8)], [0], None, [256], [0, 256]).ravel().astype(float)


def ocr_size(gate: Gate | None, gate_shape: tuple[int, ...]) -> int:
    """The long side (px) to read a picture at. Tesseract's cost grows with the pixels it lays
    out (recognition itself works on lines scaled to one height), so a page whose words are big
    enough is read smaller: at the size where its smaller words (the lower quartile of the gate's
    word-shaped marks; a mark may be a word or a line of words) are OCR_WORD_PX tall, never below
    the gate's own copy nor above OCR_PX. Words at least OCR_BIG_MIN_PX tall at the gate's copy
    (big print, measured on marks that are plainly words) are read where they are OCR_BIG_WORD_PX
    tall, below the gate's copy if need be (not below OCR_MIN_PX). Only a picture that passed the
    gate with at least GATE_MIN_LINED marks (a page, a screenshot, a notice) is sized from them;
    any other is read at OCR_PX, as a few word-shaped marks may be shapes, not words. Dense small
    print can merge into blocks of lines that look like big words at the gate's size: a read at a
    reduced size that gives far fewer words than the marks hold is read again at OCR_PX
    (``read_text``)."""
    long = max(gate_shape[:2]) if gate_shape else 0
    if gate is None or not gate.ok or gate.marks < GATE_MIN_LINED or long <= 0:
        return OCR_PX
    height = gate.word_px - GATE_EDGE_PX
    if height <= 0:
        return OCR_PX
    want = math.ceil(long * OCR_WORD_PX / height)
    if want > long and height >= OCR_BIG_MIN_PX:
        return int(max(min(OCR_MIN_PX, long), min(want, math.ceil(long * OCR_BIG_WORD_PX / height))))
    return int(max(long, min(OCR_PX, want)))


def too_few_words(text: str, gate: Gate | None) -> bool:
    """Fewer real words read than the gate's word-shaped marks hold (one per OCR_REREAD_SPAN
    word heights of their width): the marks were blocks of small print, not big words."""
    if gate is None or gate.word_px <= GATE_EDGE_PX or gate.span <= 0:
        return False
    return _real_words(text) * OCR_REREAD_SPAN * (gate.word_px - GATE_EDGE_PX) < gate.span


def read_text(grey_at: Callable[[int], Any], gate: Gate | None, gate_shape: tuple[int, ...],
              employer: re.Pattern | None, read: Callable | None = None,
              timed: Callable[[Callable], Callable] = lambda f: f) -> tuple[str, list[str], int]:
    """OCR at ``ocr_size`` (``grey_at(px)`` gives the greyscale copy at that size); a read at a
    reduced size with too few words (``too_few_words``) is read again at OCR_PX and the read with
    more real words kept. (text, cue words, the size finally read at)."""
    px = ocr_size(gate, gate_shape)
    grey = grey_at(px)
    text, cues = timed(lambda: ocr_with_cues(grey, employer, read))()
    if px < OCR_PX and too_few_words(text, gate):
        grey = grey_at(OCR_PX)
        again, again_cues = timed(lambda: ocr_with_cues(grey, employer, read))()
        if _real_words(again) > _real_words(text):
            return again, again_cues, OCR_PX
    return text, cues, px


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


def ocr_with_cues(grey, employer: re.Pattern | None, read: Callable | None = None) -> tuple[str, list[str]]:
    """Tesseract on the image; then on the inverted image (light-on-dark text: white "NHS" on a blue
    badge) when the first pass found no cue word and either read little or the image is mostly
    mid-to-dark (a bright page that read well is not read twice). `read` is the OCR function
    (the tesseract command by default; the library in a worker process)."""
    import numpy as np
    read = read or ocr
    text = read(grey)
    cues = find_cues(text, IMAGE_CUES, employer)
    if not cues and (_real_words(text) < INVERT_MAX_WORDS or float(np.median(grey)) < INVERT_MEDIAN):
        inv = read(grey, invert=True)
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


def employer_names(profile) -> tuple[str, ...]:
    return tuple(n for n in (profile.employer, *profile.employer_aliases) if n and len(n) >= 3)


def employer_rx(ctx_or_names) -> re.Pattern | None:
    """The user's employer and its aliases as one pattern (from a scan context or the names)."""
    names = ctx_or_names if isinstance(ctx_or_names, tuple) else employer_names(ctx_or_names.config.profile)
    return _rx([re.escape(n) for n in names]) if names else None


def find_cues(text: str, rx: re.Pattern, employer: re.Pattern | None) -> list[str]:
    out: list[str] = []
    for r in ([rx, employer] if employer else [rx]):
        for m in r.finditer(text or ""):
            w = re.sub(r"\s+", " ", m.group(0)).strip()
            if w.casefold() not in {x.casefold() for x in out}:
                out.append(w)
    return out




# -- tesseract through its library (worker processes) ---------------------------------------------
class TessLibrary:
    """libtesseract's C API, the library the ``tesseract`` command runs: loaded once per worker
    process, so an image costs its recognition only (the command loads the English model again
    for every call, ~0.12 s of CPU). Same settings as the command (--psm 11, English), the same
    text out. Used only in pool workers, where a crash or a hang costs the worker, not the scan."""

    PSM_SPARSE_TEXT = 11

    def __init__(self) -> None:
        name = ctypes.util.find_library("tesseract")
        if not name:
            raise OSError("libtesseract not found")
        lib = ctypes.CDLL(name)
        vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        lib.TessBaseAPICreate.restype = vp
        lib.TessBaseAPISetVariable.argtypes = [vp, cp, cp]
        lib.TessBaseAPIInit3.argtypes = [vp, cp, cp]
        lib.TessBaseAPISetPageSegMode.argtypes = [vp, ci]
        lib.TessBaseAPISetImage.argtypes = [vp, vp, ci, ci, ci, ci]
        lib.TessBaseAPIGetUTF8Text.argtypes = [vp]
        lib.TessBaseAPIGetUTF8Text.restype = vp
        lib.TessDeleteText.argtypes = [vp]
        lib.TessBaseAPIClear.argtypes = [vp]
        self.lib = lib
        self.api = lib.TessBaseAPICreate()
        lib.TessBaseAPISetVariable(self.api, b"debug_file", os.devnull.encode())
        if lib.TessBaseAPIInit3(self.api, None, b"eng") != 0:
            raise OSError("tesseract's English model could not be loaded")
        lib.TessBaseAPISetPageSegMode(self.api, self.PSM_SPARSE_TEXT)

    def read(self, grey, invert: bool = False) -> str:
        import numpy as np
        g = np.ascontiguousarray(255 - grey if invert else grey, dtype=np.uint8)
        h, w = g.shape[:2]
        self.lib.TessBaseAPISetImage(self.api, g.ctypes.data, w, h, 1, int(g.strides[0]))
        ptr = self.lib.TessBaseAPIGetUTF8Text(self.api)
        try:
            if not ptr:
                raise RuntimeError("tesseract could not read the image")
            return ctypes.string_at(ptr).decode("utf-8", "replace")
        finally:
            if ptr:
                self.lib.TessDeleteText(ptr)
            self.lib.TessBaseAPIClear(self.api)


def _library_reader(state) -> Callable | None:
    def build():
        try:
            return TessLibrary().read
        except Exception:
            return None
    return state.shared("ocr.library", build)


# -- the per-file job ----------------------------------------------------------------------------
@dataclass(frozen=True)
class JobConfig:
    """What every job needs to know about the scan (sent once to each worker)."""
    profile: Any
    policy: str = "auto"          # scan.ocr: auto | all | off
    can_ocr: bool = False
    employer: tuple[str, ...] = ()
    videos: bool = True           # a video decoder is installed
    model: bool = False           # run the photo content model (vision.py) on every picture


@dataclass(frozen=True)
class ImageJob:
    archive: str
    path: str
    caption: str = ""
    places: tuple[Place, ...] = ()     # positions the platform kept for the post or the file
    fix: GpsFix | None = None          # GPS already read (photos importer), else read here
    shown: bool = False                # will be in the report whatever the pixels say
    video: bool = False
    reported: bool = False             # the importer could not read it, and said so
    post: Post | None = None           # for the content findings (without its raw record)


@dataclass
class Inspection:
    """What the job found in one file (small: sent back from the worker)."""
    fix: GpsFix | None = None
    caption_cues: list[str] = field(default_factory=list)
    workplace: str = ""                      # "120 m from St Elsewhere ..." when the position says so
    home: bool = False
    gate: str = ""                           # the gate's reading (auto policy)
    ocr_done: bool = False
    ocr_why: str = ""
    ocr_px: int = 0                          # the size the picture was read at
    ocr_text: str = ""
    image_cues: list[str] = field(default_factory=list)
    faces: int = 0
    faces_run: bool = False
    frames: int = 0                          # video frames looked at
    thumbnail: dict | None = None
    thumb_made: bool = False
    unreadable: bool = False
    problems: list[str] = field(default_factory=list)
    content: list[Finding] = field(default_factory=list)    # what the picture shows (image_content.judge)
    model_seen: list[str] = field(default_factory=list)     # classes the content model flagged
    model_error: str = ""                    # the content model could not run (one note per scan)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return bool(self.caption_cues or self.image_cues or self.ocr_text.strip() or self.content)


def _timed(ins: Inspection, stage: str, fn: Callable[[], Any]) -> Callable[[], Any]:
    """fn, with the CPU seconds it used added to the stage's figure (media.cpu_seconds)."""
    def run():
        t0 = media.cpu_seconds()
        try:
            return fn()
        finally:
            ins.timings[stage] = ins.timings.get(stage, 0.0) + media.cpu_seconds() - t0
    return run


def needs_file(job: ImageJob, cfg: JobConfig, employer) -> bool:
    """Whether the job will look at the file's bytes (decided before they are read)."""
    if job.reported:
        return False
    if job.video or job.fix is None:
        return not job.video or cfg.videos
    if job.fix.unreadable:
        return False
    places = list(job.places) + ([Place(job.fix.lat, job.fix.lon, None, job.fix.source)]
                                 if job.fix.has_position else [])
    return bool(cfg.model or (cfg.can_ocr and cfg.policy != "off") or job.shown or job.fix.has_position
                or find_cues(job.caption, CAPTION_CUES, employer) or at_workplace(places, cfg.profile))


def inspect(job: ImageJob, run: media.Runner) -> Inspection:
    """One file's work (in a worker process or in this one), on the bytes the caller read
    (``run.data``; None when the file was not needed or could not be read, then ``run.read_error``
    says why). Never raises for a bad file: what could not be done is in ``problems``; a step over
    its time limit raises (the caller reports it)."""
    cfg: JobConfig = run.state.config
    employer = run.state.shared("employer", lambda: employer_rx(cfg.employer))
    ins = Inspection(caption_cues=find_cues(job.caption, CAPTION_CUES, employer))
    places = list(job.places)
    if job.video:
        ins.workplace = at_workplace(places, cfg.profile)
        ins.home = at_home(places, cfg.profile)
        _video(job, run, ins, cfg, employer)
        return ins
    want_ocr = cfg.can_ocr and cfg.policy != "off"
    fix = job.fix
    if run.read_error:
        ins.fix = fix or GpsFix(errors=[f"not readable: {run.read_error}"], unreadable=True)
        ins.unreadable = True
        if fix is None or not fix.unreadable:
            ins.problems.append(f"image could not be read ({run.read_error}); GPS and text not checked"
                                if fix is None else f"image not analysed: {run.read_error}")
        return ins
    data = run.data
    if data is None:                    # nothing to look at, or nothing that can be read
        fix = fix or GpsFix(errors=["the importer could not read it"], unreadable=True)
        if fix.has_position:
            places.append(Place(fix.lat, fix.lon, None, fix.source))
        ins.fix, ins.unreadable = fix, fix.unreadable
        ins.workplace = at_workplace(places, cfg.profile)
        ins.home = at_home(places, cfg.profile)
        return ins
    if fix is None:
        head = data[:media.HEAD_BYTES] if job.path.lower().endswith(media.JPEG_EXTS) else data
        try:
            fix = run.step("reading the metadata", PARSE_SECONDS, _timed(ins, "metadata", lambda: read_gps(head)))
        except StepTimeout as exc:
            fix = GpsFix(errors=[f"parser timeout: {exc}"], unreadable=True)
    if fix.has_position:
        places.append(Place(fix.lat, fix.lon, None, fix.source))
    ins.fix = fix
    ins.workplace = at_workplace(places, cfg.profile)
    ins.home = at_home(places, cfg.profile)
    run.partial(ins)                    # the GPS survives whatever happens to the pixels
    if fix.unreadable:
        ins.unreadable = True
        return ins
    shown = job.shown or fix.has_position
    if not (want_ocr or ins.caption_cues or ins.workplace or shown or cfg.model):
        return ins
    colour = shown or cfg.model
    try:
        pic = run.step("decoding the picture", PARSE_SECONDS,
                       lambda: Picture.from_bytes(data, GATE_PX, "RGB" if colour else "L", ins.timings))
    except StepTimeout:
        raise
    except Exception as exc:
        ins.problems.append(media.clean_error(f"image not analysed: {type(exc).__name__}: {exc}")[:300])
        return ins
    try:
        try:
            _look(pic, run, ins, cfg, employer, want_ocr, job)
        except StepTimeout:
            raise
        except Exception as exc:
            ins.problems.append(media.clean_error(f"image not fully analysed: {type(exc).__name__}: "
                                                  f"{exc}")[:300])
        if shown or ins.flagged:
            ins.thumb_made = True
            ins.thumbnail = run.step("making the thumbnail", PARSE_SECONDS, pic.thumbnail)
    finally:
        pic.close()
    return ins


def _look(pic: Picture, run: media.Runner, ins: Inspection, cfg: JobConfig, employer, want_ocr: bool,
          job: ImageJob) -> None:
    """The content model, the OCR gate and OCR, faces, then the judgement of what the picture
    shows in its context, on one decoded picture (a photo or a video frame)."""
    result = _model(pic, run, ins, cfg) if cfg.model else None
    seen_work = bool(result is not None and (result.flagged("uniform") or result.flagged("clinical")))
    context_cue = bool(ins.caption_cues or ins.workplace or seen_work)
    small = run.step("looking for text", STEP_SECONDS, _timed(ins, "gate", lambda: pic.grey(GATE_PX)))
    if want_ocr:
        why = ""
        gate = None
        if cfg.policy == "all":
            why = "OCR on every image (scan.ocr = all)"
        else:
            gate = run.step("looking for text", STEP_SECONDS, _timed(ins, "gate", lambda: text_gate(small)))
            ins.gate = gate.why
            if gate.ok:
                why = gate.why
            elif context_cue and _marked(small, gate, ins):
                why = "caption, position or picture points at work, and the picture has word-shaped marks"
        if why:
            ins.ocr_why = ins.ocr_why or why
            read = run.step("loading the OCR engine", media.START_SECONDS,
                            lambda: _library_reader(run.state)) if run.in_worker else None

            def grey_at(px: int):
                return run.step("decoding the picture", PARSE_SECONDS, lambda: pic.grey(px))

            def timed(fn: Callable) -> Callable:
                return lambda: run.step("reading text", 2 * OCR_SECONDS + 5, _timed(ins, "ocr", fn))
            text, cues, ins.ocr_px = read_text(grey_at, gate, small.shape, employer, read, timed)
            ins.ocr_done = True
            if text.strip():
                ins.ocr_text = (ins.ocr_text + "\n" + text) if ins.ocr_text else text
            if image_cue_strong(cues, employer):
                ins.image_cues += [c for c in cues if c.casefold() not in {x.casefold() for x in ins.image_cues}]
    if ins.caption_cues or ins.workplace or ins.image_cues or seen_work:
        ins.faces_run = True
        n = run.step("looking for faces", STEP_SECONDS,
                     _timed(ins, "faces", lambda: faces(_shrink(small, FACE_PX))))
        ins.faces = max(ins.faces, n)
    if result is not None and job.post is not None:
        from .image_content import ImageCues, judge
        cues = ImageCues(post=job.post, media_path=job.path, caption=job.caption, ocr_text=ins.ocr_text,
                         faces=ins.faces, at_workplace=bool(ins.workplace) if _exact(job, ins) else None,
                         at_home=ins.home if _exact(job, ins) else None, employer_names=cfg.employer)
        found = {f.rule: f for f in ins.content}
        for f in judge(result, cues):           # video frames: the surest finding per rule
            if f.rule not in found or f.confidence > found[f.rule].confidence:
                found[f.rule] = f
        ins.content = list(found.values())


def _exact(job: ImageJob, ins: Inspection) -> bool:
    """Whether any exact position is known for the picture (else "at work" is unknown, not no)."""
    from .places import is_exact
    return any(is_exact(p) for p in job.places) or bool(ins.fix is not None and ins.fix.has_position)


def _vision(state):
    """The content model, loaded once per process; the reason as text when it cannot be loaded."""
    def build():
        try:
            from .vision import VisionModel
            return VisionModel.shared(threads=1)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:300]
    return state.shared("vision", build)


def _model(pic: Picture, run: media.Runner, ins: Inspection, cfg: JobConfig):
    model = run.step("loading the photo content model", media.START_SECONDS, lambda: _vision(run.state))
    if isinstance(model, str):
        ins.model_error = model
        return None
    result = run.step("looking at what the picture shows", MODEL_SECONDS,
                      _timed(ins, "model", lambda: model.analyse(pic.image)))
    ins.model_seen = sorted(set(ins.model_seen) | {c for c in result.probs if result.flagged(c)})
    return result


def content_model_available() -> str:
    """"" when the photo content model can run here, else why not (in plain words)."""
    try:
        import onnxruntime  # noqa: F401

        from .vision import data_dir
    except Exception as exc:
        return f"the photo content model cannot run ({type(exc).__name__}: {exc})"[:300]
    if not (data_dir() / "vision_heads.json").is_file():
        return "the photo content model is missing; reinstall Footprint Auditor"
    return ""


def _marked(small, gate: Gate, ins: Inspection) -> bool:
    """Some text to read on a photo whose caption or position points at work: a word-shaped mark
    at the gate's size (a badge's "NHS" is a single word), or the gate passing at half that size
    (big bold letters, a sign filling the frame, are word-shaped only when smaller)."""
    if gate.marks >= CONTEXT_MIN_MARKS:
        return True
    return _timed(ins, "gate", lambda: text_gate(_shrink(small, GATE_PX // 2)))().ok


def _video(job: ImageJob, run: media.Runner, ins: Inspection, cfg: JobConfig, employer) -> None:
    want_ocr = cfg.can_ocr and cfg.policy != "off"
    if not cfg.videos or not (want_ocr or ins.caption_cues or ins.workplace or cfg.model):
        return                          # the caption and the position still count

    def frames():
        with run.stream() as fh:
            return media.video_frames(fh)
    try:
        images = run.step("decoding the video", media.VIDEO_SECONDS, _timed(ins, "video", frames))
    except StepTimeout:
        raise
    except Exception as exc:
        ins.problems.append(media.clean_error(f"video not analysed: {type(exc).__name__}: {exc}")[:300])
        return
    for im in images:
        pic = Picture(im, timings=ins.timings)
        try:
            try:
                _look(pic, run, ins, cfg, employer, want_ocr, job)
            except StepTimeout:
                raise
            except Exception as exc:
                ins.problems.append(media.clean_error(f"video not fully analysed: {type(exc).__name__}: "
                                                      f"{exc}")[:300])
                break
            ins.frames += 1
            if ins.flagged and not ins.thumb_made:
                ins.thumb_made = True
                ins.thumbnail = pic.thumbnail()
        finally:
            pic.close()


# -- the analyser ------------------------------------------------------------------------------
class ImageAnalyser:
    name = "images"
    # before the locations analyser (10): this pass reads each file once for both, and leaves the
    # GPS and the thumbnails in ctx.cache for it
    ORDER = 8

    # the per-file job: a module-level function (workers import it by name)
    job = staticmethod(inspect)

    def __init__(self, workers: int | None = None, pool_min: int = media.POOL_MIN_FILES,
                 model: bool | None = None) -> None:
        self.workers = workers
        self.pool_min = pool_min
        self.model = model            # None: run the photo content model when it is installed

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        items = media.visual_media(posts)
        policy = ctx.config.settings.ocr
        can_ocr = policy != "off" and tesseract_available()
        if policy != "off" and not can_ocr and items:
            yield Problem("", "", "text in photos not checked: tesseract is not installed "
                                  "(Debian/Ubuntu: apt install tesseract-ocr; macOS: brew install tesseract)")
        videos = sum(1 for _p, m in items if media.is_video(m))
        can_video = bool(videos) and media.video_decoder()
        if videos and not can_video:
            yield Problem("", "", f"{videos} video(s) not looked at (only their captions were checked): "
                                  "no video decoder is installed")
        use_model = self.model is not False and bool(items)
        if use_model and (why := content_model_available()):
            use_model = False
            if self.model:
                yield Problem("", "", f"what your photos show was not checked: {why}")
        cfg = JobConfig(ctx.config.profile, policy, can_ocr, employer_names(ctx.config.profile), can_video,
                        use_model)
        gps = ctx.cache.setdefault("media.gps", {})
        jobs = []
        for post, m in items:
            arc = ctx.archives.get(m.archive)
            known = gps.get((m.archive, m.path)) or media.remembered_fix(arc, m.path)
            places = tuple(pl for pl in (post.place, m.place) if pl is not None)
            shown = m.place is not None and (m.place.has_position or bool(m.place.name))
            jobs.append(ImageJob(m.archive, m.path, post.text or "", places, known, shown, media.is_video(m),
                                 media.reported_unreadable(arc, m.path), replace(post, extra={})))
        employer = employer_rx(cfg.employer)
        tasks = [media.Task(job, self._loader(ctx, job) if needs_file(job, cfg, employer) and not job.video else None,
                            self._opener(ctx, job) if job.video and cfg.videos else None) for job in jobs]
        results: list[Inspection | None] = [None] * len(jobs)
        text = TextChecks(ctx)
        for n, out in enumerate(media.run_jobs(self.job, tasks, ctx, cfg, self.workers, self.pool_min), 1):
            ins = results[out.index] = self._settle(out, jobs[out.index])
            if ins.ocr_text.strip():
                post, m = items[out.index]
                text.add(out.index, TextUnit(post, ins.ocr_text, origin="ocr", media_path=m.path))
            if n % 100 == 0:
                ctx.progress(n)
        stats = ctx.cache.setdefault("images.stats", {"images": 0, "gate_run": 0, "ocr": 0, "faces_run": 0})
        model_errors: list[str] = []
        for (post, m), job, ins in zip(items, jobs, results):
            assert ins is not None
            media.add_timings(ctx, ins.timings)
            stats["images"] += 1
            stats["gate_run"] += bool(ins.gate)
            stats["ocr"] += ins.ocr_done
            stats["faces_run"] += ins.faces_run
            stats["videos"] = stats.get("videos", 0) + job.video
            stats["model_run"] = stats.get("model_run", 0) + ("model" in ins.timings)
            if ins.model_error:
                model_errors.append(ins.model_error)
            if not job.video:
                fix = ins.fix or GpsFix(errors=["not read"], unreadable=True)
                gps[(m.archive, m.path)] = fix
                if (p := media.gps_problem(m, fix)) and not ins.problems and not job.reported:
                    yield p
            for msg in ins.problems[:1]:              # one Problem per file
                yield Problem(m.archive, m.path, msg)
            if ins.thumb_made:
                media.put_thumbnail(ctx, m.archive, m.path, ins.thumbnail)
            yield from self._findings(post, m, ins, ctx)
        ctx.progress(len(jobs))
        if model_errors:
            yield Problem("", "", f"what {len(model_errors)} of your photos show was not checked: the photo "
                                  f"content model could not be loaded ({model_errors[0]})")
            ctx.check_not_run(
                f"What {len(model_errors)} of your photos show (uniforms, badges, clinical pictures, what is "
                f"around you) was not checked: the photo check could not run on this computer.",
                "Look through those photos yourself, and please report this problem (the report lists the "
                "technical message under \"Every problem\").")
        yield from self._text(text, ctx)

    @staticmethod
    def _loader(ctx: AnalysisContext, job: ImageJob) -> Callable[[], bytes]:
        return lambda: ctx.read_media(job.archive, job.path, MAX_IMAGE_BYTES)

    @staticmethod
    def _opener(ctx: AnalysisContext, job: ImageJob) -> Callable[[], Any]:
        return lambda: ctx.archives[job.archive].open_member(job.path)

    @staticmethod
    def _settle(out: media.Outcome, job: ImageJob) -> Inspection:
        """The job's Inspection, or what survived of it when the job failed (then one Problem)."""
        if not out.error:
            return out.value
        ins = out.partial if isinstance(out.partial, Inspection) else Inspection()
        if ins.fix is None and not job.video:
            ins.fix = job.fix or GpsFix(errors=[out.error], unreadable=True)
            ins.unreadable = ins.fix.unreadable
        what = "video" if job.video else "image"
        ins.problems = [f"{what} not analysed: {out.error}"]
        return ins

    def _findings(self, post: Post, m: Media, ins: Inspection, ctx: AnalysisContext) -> Iterator[Finding]:
        cues = []
        if ins.caption_cues:
            cues.append("caption: " + ", ".join(f"'{c}'" for c in ins.caption_cues[:5]))
        if ins.image_cues:
            where = "in the video" if ins.frames else "in the photo"
            cues.append(f"text {where}: " + ", ".join(f"'{c}'" for c in ins.image_cues[:6]))
        if ins.workplace:
            cues.append("taken " + ins.workplace)
        if ins.faces:
            cues.append(f"{ins.faces} possible face{'s' if ins.faces > 1 else ''} (may show other people)")
        what = "Video" if ins.frames else "Photo"
        flagged = False
        content = {f.rule: f for f in ins.content}
        # one workplace finding per picture: when the picture itself shows a uniform (WRK003, which
        # weighs the caption, the words read and the place too), the cue-words finding is left out
        if (ins.caption_cues or ins.image_cues) and "WRK003" not in content:
            flagged = True
            conf = 0.5 + 0.15 * bool(ins.image_cues) + 0.1 * bool(ins.caption_cues) + 0.1 * bool(ins.workplace)
            evidence = "; ".join(ins.image_cues[:3] + ins.caption_cues[:3])
            yield Finding("WRK002", post.ref, evidence=f"workplace cues: {evidence}",
                          explanation=f"{what} with workplace or uniform cues (" + "; ".join(cues) + ").",
                          confidence=round(min(conf, 0.9), 2), media_path=m.path)
        work = ins.caption_cues or ins.image_cues or ins.workplace or "WRK003" in content
        if ins.faces and work:
            flagged = True
            yield Finding("CONF102", post.ref, evidence="possible faces in a workplace photo",
                          explanation="Face detection found what may be other people in a "
                                      f"{what.lower()} with workplace cues ("
                                      + "; ".join(cues or ["the picture looks like a work uniform"])
                                      + "); check nobody receiving care or any colleague who did not agree "
                                      "can be seen.",
                          confidence=0.4 if ins.faces == 1 else 0.5, media_path=m.path)
        for f in ins.content:
            flagged = True
            yield f
        if flagged:
            thumbnail(ctx, m.archive, m.path)

    def _text(self, text: "TextChecks", ctx: AnalysisContext) -> Iterator[Finding | Problem]:
        """The text analysers' findings on the OCR text (names, addresses, NHS numbers, patient
        lists), in the order one call over every unit would give."""
        from ..config import ConfigError
        found, exc = text.finish()
        units = text.units
        if isinstance(exc, ConfigError):
            raise exc               # the user must act (e.g. the language model is not installed)
        if exc is not None and os.environ.get("AUDITOR_DEBUG"):
            raise exc
        for item in found:
            if isinstance(item, Finding):
                m = next((u.media_path for u in units if u.post.ref == item.post_ref and u.media_path), None)
                if item.media_path is None and m is not None:
                    item = replace(item, media_path=m)
                if item.media_path:
                    post = next((u.post for u in units if u.media_path == item.media_path), None)
                    if post is not None:
                        thumbnail(ctx, archive_of(post, item.media_path), item.media_path)
            yield item
        if exc is not None:
            # the text checks stopped (their engine could not load, or ran out of memory): the
            # photos' own findings stand; say plainly which text was not checked
            yield Problem("", "", media.clean_error(
                f"checking the text read from {len(units)} of your photos failed, so names, addresses "
                f"and patient details in them were not looked for ({type(exc).__name__}: {exc})")[:400])


class TextChecks:
    """The text analysers (``text.analyse_units``) on the OCR text of the photos, in a thread of
    this process while the workers are still reading the other photos (this process mostly waits
    for them), instead of all at the end. Units are checked in batches of TEXT_BATCH (a call has a
    fixed cost of its own; each text is scored alone, so a batch gives the same findings as one
    call over every unit); ``finish`` checks what is left and returns the findings in unit order,
    as one call would give them. The first error stops the checks (the caller reports it)."""

    def __init__(self, ctx: AnalysisContext, batch: int | None = None) -> None:
        self.ctx = ctx
        self.batch = batch or TEXT_BATCH
        self.units: list[TextUnit] = []
        self._waiting: list[tuple[int, TextUnit]] = []
        self._found: list[tuple[int, int, Finding | Problem]] = []
        self._thread: Any = None
        self._analyse: Callable | None = None
        self._error: BaseException | None = None
        self._missing = False

    def add(self, index: int, unit: TextUnit) -> None:
        self.units.append(unit)
        self._waiting.append((index, unit))
        if len(self._waiting) >= self.batch and (self._thread is None or not self._thread.is_alive()):
            self._start()

    def _start(self) -> None:
        import threading
        if self._analyse is None and not self._missing:
            try:
                from .text import analyse_units
                self._analyse = analyse_units
            except ImportError:
                self._missing = True
        todo, self._waiting = sorted(self._waiting, key=lambda x: x[0]), []
        if self._missing or self._error is not None or not todo:
            return
        self._thread = threading.Thread(target=self._run, args=(todo,), name="auditor-ocr-text", daemon=True)
        self._thread.start()

    def _run(self, todo: list[tuple[int, TextUnit]]) -> None:
        assert self._analyse is not None
        where = {}
        for index, u in todo:
            where.setdefault((u.post.ref, u.media_path), index)
            where.setdefault((u.post.source.archive, u.post.source.member), index)
        try:
            for n, item in enumerate(self._analyse([u for _i, u in todo], self.ctx)):
                key = (item.post_ref, item.media_path) if isinstance(item, Finding) else (item.archive, item.member)
                self._found.append((where.get(key, todo[-1][0]), n, item))
        except BaseException as exc:            # reported by the caller, after the photos' findings
            self._error = exc

    def finish(self) -> tuple[list[Finding | Problem], BaseException | None]:
        """Every unit checked; (findings and problems in unit order, the error that stopped the checks)."""
        if self._thread is not None:
            self._thread.join()
        if self._waiting:
            self._start()
            if self._thread is not None:
                self._thread.join()
        # a call over every unit gives each unit's items together, units in order: so does this
        # (each batch is in unit order; the sort is stable)
        found = [item for _i, _n, item in sorted(self._found, key=lambda x: (x[0], x[1]))]
        return found, self._error


def _shrink(grey, px: int):
    import cv2
    h, w = grey.shape[:2]
    s = px / max(h, w)
    if s >= 1:
        return grey
    return cv2.resize(grey, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)


ANALYSERS = [ImageAnalyser]
