"""The image analyser: OCR policy and gate, workplace/uniform cues, faces, thumbnails, OCR text
handed to the text analysers, bad files as Problems."""
from __future__ import annotations

import base64
import io
import shutil
import sys
import types
from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import auditor.analysers.images as images
from auditor.analysers import media
from auditor.plugins import AnalysisContext, TextUnit
from auditor.archive import Archive
from auditor.config import Config, Profile, Settings, Workplace
from auditor.model import Finding, Media, Post, Problem, SourceRef
from test_images_helpers import FONT, jpeg, picture

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
T0 = datetime(2024, 2, 1, 12, 0, tzinfo=timezone.utc)
NHS_BLUE = (0, 94, 184)


def noise_photo(seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = rng.normal(128, 40, (60, 80, 3)).clip(0, 255).astype("uint8")
    return Image.fromarray(base).resize((640, 480), Image.Resampling.BICUBIC)


def setup(make_archive, files: dict[str, bytes], captions: dict[str, str] | None = None,
          profile: Profile | None = None, ocr: str = "auto"):
    path = str(make_archive(files))
    arc = Archive.open(path)
    posts = [Post(ref=f"twitter:{i + 1}", platform="twitter", kind="post", created_at=T0,
                  text=(captions or {}).get(name, ""), media=(Media(name, "photo", None, False, path),),
                  source=SourceRef(path, "data/tweets.js", i))
             for i, name in enumerate(files)]
    ctx = AnalysisContext(config=Config(profile or Profile(), Settings(ocr=ocr)), archives={path: arc})
    return posts, ctx, path


def run(posts, ctx, workers=1):
    out = list(images.ImageAnalyser(workers=workers).analyse(posts, ctx))
    return [f for f in out if isinstance(f, Finding)], [p for p in out if isinstance(p, Problem)]


@pytest.fixture
def no_text_module(monkeypatch):
    """Make `from .text import analyse_units` fail, whatever the text engineer has built."""
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", None)


@needs_tesseract
def test_badge_text_is_a_workplace_cue(make_archive, no_text_module):
    badge = picture(color=NHS_BLUE, text="NHS\nWard 7\nStaff Nurse")
    posts, ctx, path = setup(make_archive, {"badge.jpg": jpeg(image=badge)})
    fs, probs = run(posts, ctx)
    assert not probs
    wrk = [f for f in fs if f.rule == "WRK002"]
    assert len(wrk) == 1 and "'NHS'" in wrk[0].explanation and "text in the photo" in wrk[0].explanation
    assert wrk[0].media_path == "badge.jpg"
    thumb = ctx.cache["thumbnails"][(path, "badge.jpg")]
    assert thumb["data_uri"].startswith("data:image/jpeg;base64,")
    assert max(thumb["width"], thumb["height"]) <= images.THUMB_PX


@needs_tesseract
def test_employer_name_in_image(make_archive, no_text_module):
    img = picture(color=(255, 255, 255), text="Welcome to\nBrightwater Lodge")
    prof = Profile(employer="Brightwater Lodge")
    posts, ctx, _ = setup(make_archive, {"sign.jpg": jpeg(image=img)}, profile=prof)
    fs, _ = run(posts, ctx)
    assert any(f.rule == "WRK002" and "Brightwater Lodge" in f.explanation for f in fs)


def test_caption_cue_without_ocr(make_archive, no_text_module):
    posts, ctx, _ = setup(make_archive, {"selfie.jpg": jpeg(image=noise_photo())},
                          captions={"selfie.jpg": "Another night shift done, still in my scrubs"}, ocr="off")
    fs, _ = run(posts, ctx)
    wrk = [f for f in fs if f.rule == "WRK002"]
    assert len(wrk) == 1
    assert "'in my scrubs'" in wrk[0].explanation and "night shift" in wrk[0].explanation


def test_ocr_off_reads_no_text(make_archive, monkeypatch, no_text_module):
    calls = []
    monkeypatch.setattr(images, "ocr", lambda *a, **k: calls.append(1) or "NHS")
    posts, ctx, _ = setup(make_archive, {"doc.jpg": jpeg(image=picture(color=(255, 255, 255),
                                                                       text="NHS Trust\nWard 9"))}, ocr="off")
    fs, _ = run(posts, ctx)
    assert calls == [] and not fs


def test_auto_policy_skips_plain_photos(make_archive, monkeypatch, no_text_module):
    calls = []
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda *a, **k: calls.append(1) or "")
    posts, ctx, _ = setup(make_archive, {"a.jpg": jpeg(image=noise_photo(1)), "b.jpg": jpeg(image=noise_photo(2)),
                                         "blank.jpg": jpeg(image=picture(color=(90, 140, 220)))})
    run(posts, ctx)
    assert calls == []
    assert ctx.cache["images.stats"]["ocr"] == 0


def test_auto_policy_reads_documents_and_captioned_photos(make_archive, monkeypatch, no_text_module):
    seen = []
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: seen.append(invert) or "")
    doc = picture(color=(255, 255, 255), text="Handover list\nBed 3 review\nBed 4 obs", font_size=28)
    sign = Image.fromarray(np.asarray(noise_photo(5)))
    ImageDraw.Draw(sign).rectangle([200, 200, 420, 260], fill=(250, 250, 250))
    ImageDraw.Draw(sign).text((215, 205), "Ward 7", fill=(0, 0, 0), font=ImageFont.truetype(FONT, 40))
    posts, ctx, _ = setup(make_archive, {"doc.jpg": jpeg(image=doc), "sign.jpg": jpeg(image=sign),
                                         "shift.jpg": jpeg(image=noise_photo())},
                          captions={"sign.jpg": "on shift again", "shift.jpg": "on shift again"})
    run(posts, ctx)
    # the document and the captioned photo with a word on it are read, each twice (normal then
    # inverted, as neither pass found a cue word); the captioned photo with no word-shaped mark
    # at all is not read (its caption makes the finding)
    assert seen.count(False) == 2 and seen.count(True) == 2
    assert ctx.cache["images.stats"]["ocr"] == 2


def test_captioned_photo_without_marks_is_not_read(make_archive, monkeypatch, no_text_module):
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: pytest.fail("OCR on a picture without text"))
    posts, ctx, _ = setup(make_archive, {"shift.jpg": jpeg(image=noise_photo())},
                          captions={"shift.jpg": "another night shift done"})
    fs, probs = run(posts, ctx)
    assert not probs and [f.rule for f in fs] == ["WRK002"]
    assert images.text_gate(images.load_grey(jpeg(image=noise_photo()), images.GATE_PX)).marks == 0


def test_captioned_photo_with_one_big_word_is_read(make_archive, monkeypatch, no_text_module):
    seen = []
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: seen.append(invert) or "NHS")
    badge = picture(color=NHS_BLUE, text="NHS", font_size=150)
    assert images.text_gate(images.load_grey(jpeg(image=badge), images.GATE_PX)).marks == 0
    posts, ctx, _ = setup(make_archive, {"badge.jpg": jpeg(image=badge)}, captions={"badge.jpg": "first shift!"})
    fs, _ = run(posts, ctx)
    assert seen == [False]
    assert any(f.rule == "WRK002" and "'NHS'" in f.explanation for f in fs)


def test_inverted_pass_only_when_first_pass_finds_nothing(monkeypatch):
    passes = []

    def fake(grey, invert=False):
        passes.append(invert)
        return "NHS" if invert else "some words"
    monkeypatch.setattr(images, "ocr", fake)
    text, cues = images.ocr_with_cues(np.zeros((10, 10), "uint8"), None)
    assert passes == [False, True] and cues == ["NHS"] and "some words" in text
    passes.clear()
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: passes.append(invert) or "Ward 7 NHS")
    images.ocr_with_cues(np.zeros((10, 10), "uint8"), None)
    assert passes == [False]


def test_gate_on_document_and_photo():
    doc = np.asarray(picture(color=(255, 255, 255), text="The quick brown fox\njumps over the lazy\ndog again",
                             font_size=30).convert("L"))
    assert images.text_gate(doc)[0]
    assert not images.text_gate(np.asarray(noise_photo().convert("L")))[0]
    assert not images.text_gate(np.full((480, 640), 200, "uint8"))[0]      # a blank frame


def test_weak_ocr_words_alone_are_not_enough():
    assert not images.image_cue_strong(["staff"], None)
    assert images.image_cue_strong(["staff", "patients"], None)
    assert images.image_cue_strong(["NHS"], None)
    assert images.image_cue_strong(["Foundation Trust"], None)


def test_faces_only_with_a_workplace_cue(make_archive, monkeypatch, no_text_module):
    runs = []
    monkeypatch.setattr(images, "faces", lambda grey: runs.append(1) or 2)
    files = {"team.jpg": jpeg(image=noise_photo(3)), "beach.jpg": jpeg(image=noise_photo(4))}
    posts, ctx, path = setup(make_archive, files, captions={"team.jpg": "best crew mates on the ward"}, ocr="off")
    fs, _ = run(posts, ctx)
    assert len(runs) == 1
    conf = [f for f in fs if f.rule == "CONF102"]
    assert len(conf) == 1 and conf[0].media_path == "team.jpg"
    assert "may show other people" in next(f for f in fs if f.rule == "WRK002").explanation
    assert (path, "team.jpg") in ctx.cache["thumbnails"] and (path, "beach.jpg") not in ctx.cache["thumbnails"]


def test_at_workplace_photo_runs_faces(make_archive, monkeypatch, no_text_module):
    monkeypatch.setattr(images, "faces", lambda grey: 1)
    prof = Profile(workplaces=(Workplace("General Hospital", 53.0, -2.0, 200),))
    posts, ctx, _ = setup(make_archive, {"w.jpg": jpeg(53.0005, -2.0, image=noise_photo())}, profile=prof, ocr="off")
    fs, _ = run(posts, ctx)
    conf = [f for f in fs if f.rule == "CONF102"]
    assert len(conf) == 1 and "General Hospital" in conf[0].explanation


def test_real_haar_cascade_runs_and_finds_no_face_in_a_plain_image():
    assert images.faces(np.full((480, 640), 128, "uint8")) == 0


def test_thumbnail_is_small_and_has_no_gps(make_archive):
    posts, ctx, path = setup(make_archive, {"g.jpg": jpeg(53.1, -2.1, image=picture(size=(1200, 900)))})
    t = images.thumbnail(ctx, path, "g.jpg")
    raw = base64.b64decode(t["data_uri"].split(",", 1)[1])
    im = Image.open(io.BytesIO(raw))
    assert max(im.size) <= images.THUMB_PX
    assert not im.getexif().get_ifd(0x8825)


def test_bad_image_is_a_problem_and_the_rest_is_read(make_archive, no_text_module):
    files = {"bad.jpg": b"\xff\xd8\xff\xe0 this is not really a jpeg", "good.jpg": jpeg(image=noise_photo())}
    posts, ctx, _ = setup(make_archive, files, captions={"bad.jpg": "on shift", "good.jpg": "at work today"},
                          ocr="off")
    fs, probs = run(posts, ctx, workers=2)
    assert any(p.member == "bad.jpg" for p in probs)
    assert [f.media_path for f in fs if f.rule == "WRK002"] == ["bad.jpg", "good.jpg"] or \
        "good.jpg" in [f.media_path for f in fs if f.rule == "WRK002"]


def test_decompression_bomb_refused(monkeypatch):
    monkeypatch.setattr(media, "MAX_PIXELS", 1000)
    with pytest.raises(ValueError):
        images.load_grey(jpeg(image=picture(size=(100, 100))), 640)


def test_ocr_text_goes_to_the_text_analysers(make_archive, monkeypatch):
    got: list[TextUnit] = []

    def analyse_units(units, ctx):
        got.extend(units)
        for u in units:
            yield Finding("CONF001", u.post.ref, evidence="Jane Doe", explanation="name in image",
                          media_path=u.media_path)
    posts, ctx, path = patient_list_photo(monkeypatch, make_archive, analyse_units)
    fs, _ = run(posts, ctx)
    assert len(got) == 1 and got[0].origin == "ocr" and got[0].media_path == "list.jpg"
    assert "Jane Doe" in got[0].text
    assert any(f.rule == "CONF001" and f.media_path == "list.jpg" for f in fs)
    assert (path, "list.jpg") in ctx.cache["thumbnails"]


def test_missing_tesseract_is_one_problem(make_archive, monkeypatch, no_text_module):
    monkeypatch.setattr(images, "tesseract_available", lambda: False)
    posts, ctx, _ = setup(make_archive, {"a.jpg": jpeg(), "b.jpg": jpeg()})
    _, probs = run(posts, ctx)
    assert len([p for p in probs if "tesseract" in p.message]) == 1


@needs_tesseract
def test_ocr_writes_no_copy_of_the_picture(monkeypatch):
    """The picture goes to tesseract on stdin: writing any file (pytesseract's temp-file route) fails."""
    import builtins
    real_open = builtins.open

    def guarded(file, mode="r", *a, **k):
        if any(c in str(mode) for c in "wax+"):
            raise AssertionError(f"OCR wrote a file: {file}")
        return real_open(file, mode, *a, **k)
    monkeypatch.setattr(builtins, "open", guarded)
    grey = np.asarray(picture(color=(255, 255, 255), text="Ward 7 handover").convert("L"))
    assert "Ward" in images.ocr(grey)


# -- reading size (issue 16: a page of big text is read smaller than OCR_PX) --------------------------
def page_of_text(size=(1600, 1200), font_size=34, lines=18) -> Image.Image:
    im = Image.new("RGB", size, (248, 248, 244))
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT.replace("-Bold", ""), font_size)
    for i in range(lines):
        d.text((70, 50 + i * int(font_size * 1.6)), f"Item {i} please check the kettle and the lights",
               fill=(25, 25, 25), font=f)
    return im


def test_ocr_size_follows_the_height_of_the_words():
    big = images.load_grey(jpeg(image=page_of_text()), images.GATE_PX)
    gate = images.text_gate(big)
    assert gate.ok and gate.marks >= images.GATE_MIN_LINED and gate.word_px > 0
    px = images.ocr_size(gate, big.shape)
    # words ~15 px tall at 640 px (big print) are read where they are OCR_BIG_WORD_PX tall: below
    # the gate's copy, not decoded again at 1280
    assert gate.word_px - images.GATE_EDGE_PX >= images.OCR_BIG_MIN_PX
    assert images.OCR_MIN_PX <= px < max(big.shape)
    assert gate.span > 10 * gate.word_px            # the marks' widths, for the words they should hold
    small = images.load_grey(jpeg(image=page_of_text(font_size=16, lines=40)), images.GATE_PX)
    assert images.ocr_size(images.text_gate(small), small.shape) == images.OCR_PX
    # no gate reading (scan.ocr = all, or a photo sent to OCR by its caption): the full size
    assert images.ocr_size(None, big.shape) == images.OCR_PX
    assert images.ocr_size(images.Gate(False, "", 3, 3, 20.0), big.shape) == images.OCR_PX
    # a few lined marks are not enough to size from (they may be shapes, not words)
    assert images.ocr_size(images.Gate(True, "", 5, 5, 30.0), big.shape) == images.OCR_PX
    assert images.ocr_size(images.Gate(True, "", 40, 40, 2.0), big.shape) == images.OCR_PX
    # words 10 px tall at 640: where they are 16 px tall (1024), never below the gate's copy
    assert images.ocr_size(images.Gate(True, "", 40, 40, 12.0), (480, 640)) == 1024
    assert images.ocr_size(images.Gate(True, "", 40, 40, 20.0), (480, 640)) == 640
    # big print (12+ px at 640): where it is OCR_BIG_WORD_PX tall, not below OCR_MIN_PX
    assert images.ocr_size(images.Gate(True, "", 40, 40, 16.0), (480, 640)) == 503
    assert images.ocr_size(images.Gate(True, "", 40, 40, 14.0), (480, 640)) == 587
    assert images.ocr_size(images.Gate(True, "", 40, 40, 14.0), (200, 300)) == 300


def test_a_small_read_with_too_few_words_is_read_again_at_full_size():
    """Dense small print can merge into blocks of lines that the gate measures as big words: the
    smaller read then holds far fewer words than the marks' width does, and is read again at
    OCR_PX; the read with more real words is kept. A read that holds enough is not repeated."""
    gate = images.Gate(True, "", 20, 20, 16.0, span=20 * 400.0)   # 20 marks 400 px wide, 14 px tall
    sizes: list[int] = []

    def grey_at(px):
        sizes.append(px)
        return np.full((px * 3 // 4, px), 255, np.uint8)
    few = "Iine ot smaII prlnt"
    many = " ".join(["handover notes review the ward"] * 12)
    text, _cues, px = images.read_text(grey_at, gate, (480, 640), None,
                                       read=lambda g, invert=False: many if max(g.shape) == 1280 else few)
    assert sizes == [503, 1280] and px == 1280 and text.startswith(many)
    sizes.clear()
    text, _cues, px = images.read_text(grey_at, gate, (480, 640), None, read=lambda g, invert=False: many)
    assert sizes == [503] and px == 503
    # the full-size read is no better: the first read is kept
    sizes.clear()
    text, _cues, px = images.read_text(grey_at, gate, (480, 640), None, read=lambda g, invert=False: few)
    assert sizes == [503, 1280] and px == 503
    # read at OCR_PX already, or no gate reading: never read twice
    sizes.clear()
    images.read_text(grey_at, None, (480, 640), None, read=lambda g, invert=False: few)
    assert sizes == [images.OCR_PX]
    assert images.too_few_words(few, gate) and not images.too_few_words(many, gate)
    assert not images.too_few_words("", None) and not images.too_few_words("", images.Gate(True, "", 20, 20, 16.0))


@needs_tesseract
def test_page_of_big_text_is_still_read_at_the_smaller_size(make_archive, monkeypatch, no_text_module):
    shapes = []
    real = images.ocr

    def spy(grey, invert=False):
        shapes.append(grey.shape)
        return real(grey, invert)
    monkeypatch.setattr(images, "ocr", spy)
    posts, ctx, _ = setup(make_archive, {"page.jpg": jpeg(image=page_of_text())})
    seen: list = []
    monkeypatch.setattr(images.ImageAnalyser, "_text", lambda self, text, ctx: seen.extend(text.units) or iter(()))
    run(posts, ctx)
    assert shapes and max(shapes[0]) < 640          # below the gate's copy, read once (no re-read)
    assert all(s == shapes[0] for s in shapes)
    words = " ".join(u.text for u in seen)
    assert words.count("kettle") >= 16 and words.count("lights") >= 16


def test_decoding_at_reduced_scale_keeps_the_gps_exact(make_archive, monkeypatch, no_text_module):
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: "")
    sizes = []
    real = media.Picture.from_bytes.__func__

    def spy(cls, data, min_px, mode="RGB", timings=None):
        pic = real(cls, data, min_px, mode, timings)
        sizes.append((pic.image.size, pic.full_size))
        return pic
    monkeypatch.setattr(media.Picture, "from_bytes", classmethod(spy))
    photo = noise_photo().resize((1600, 1200))
    posts, ctx, path = setup(make_archive, {"gps.jpg": jpeg(52.4862137, -1.8904412, image=photo)})
    run(posts, ctx)
    assert sizes == [((800, 600), (1600, 1200))]             # decoded at 1/2 scale
    fix = ctx.cache["media.gps"][(path, "gps.jpg")]
    assert abs(fix.lat - 52.4862137) < 1e-6 and abs(fix.lon + 1.8904412) < 1e-6


def test_text_checks_that_stop_are_one_plain_problem(make_archive, monkeypatch):
    """The text analysers failing on OCR text (their engine cannot load, memory runs out) cost the
    text checks only: the photos' own findings stand and one Problem says what was not checked."""
    def analyse_units(units, ctx):
        raise MemoryError("no room for the language model")
        yield  # pragma: no cover
    monkeypatch.delenv("AUDITOR_DEBUG", raising=False)
    posts, ctx, _ = patient_list_photo(monkeypatch, make_archive, analyse_units)
    fs, probs = run(posts, ctx)
    assert [f.rule for f in fs] == ["WRK002"]
    assert len(probs) == 1 and "text read from 1 of your photos" in probs[0].message
    assert "MemoryError" in probs[0].message


def patient_list_photo(monkeypatch, make_archive, analyse_units):
    """One photo whose OCR reads a patient's name, with the text analysers replaced by `analyse_units`."""
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", types.SimpleNamespace(analyse_units=analyse_units))
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: "Patient: Jane Doe, Bed 4")
    return setup(make_archive, {"list.jpg": jpeg(image=noise_photo())}, captions={"list.jpg": "on shift"}, ocr="all")


def test_ocr_text_checked_in_batches_gives_the_order_of_one_call(monkeypatch):
    """The OCR text units are checked in batches while the photos are still being read (in any
    order the workers finish them); the findings come back as one call over every unit, in unit
    order, would give them."""
    import threading
    calls: list[list[str]] = []
    threads: set[str] = set()

    def analyse_units(units, ctx):
        calls.append([u.media_path for u in units])
        threads.add(threading.current_thread().name)
        for u in units:
            for rule in ("CONF001", "PII001"):
                yield Finding(rule, u.post.ref, evidence=u.text, explanation="x", media_path=u.media_path)
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", types.SimpleNamespace(analyse_units=analyse_units))
    posts = [Post(ref=f"p{i}", platform="photos", kind="photo", text="", created_at=None,
                  source=SourceRef("a", f"{i}.jpg")) for i in range(7)]
    checks = images.TextChecks(AnalysisContext(config=Config()), batch=3)
    for i in (4, 0, 6, 2, 1, 5, 3):                    # the order the workers finished them
        checks.add(i, TextUnit(posts[i], f"text {i}", origin="ocr", media_path=f"{i}.jpg"))
    found, error = checks.finish()
    assert error is None
    assert [(f.media_path, f.rule) for f in found] == [(f"{i}.jpg", r) for i in range(7) for r in ("CONF001", "PII001")]
    assert calls[0] == ["0.jpg", "4.jpg", "6.jpg"]      # a batch is checked as soon as it is full
    assert sorted(sum(calls, [])) == sorted(f"{i}.jpg" for i in range(7))
    assert threads == {"auditor-ocr-text"}               # beside the photo work, not after it


def test_a_photo_check_that_cannot_run_makes_the_result_incomplete(make_archive, no_text_module, monkeypatch):
    """The photo content model refused on this computer (its self-check differs) or missing: what the photos
    show was not checked, and the scan must say so first (a Gap), never give an all-clear."""
    from auditor.analysers import vision

    def refuse(*a, **k):
        raise vision.VisionModelMismatch("the photo content model gives different answers on this computer")
    monkeypatch.setattr(vision.VisionModel, "shared", classmethod(refuse))
    posts, ctx, _ = setup(make_archive, {"a.jpg": jpeg(image=noise_photo(1)), "b.jpg": jpeg(image=noise_photo(2))})
    _, problems = run(posts, ctx)
    assert any("content model could not be loaded" in p.message for p in problems)
    assert len(ctx.not_run) == 1
    message, advice = ctx.not_run[0]
    assert message.startswith("What 2 of your photos show") and "could not run on this computer" in message
    assert "report this problem" in advice
