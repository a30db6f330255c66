"""The shared media pass: worker pool (crashes and hangs become Problems), each file read once,
no import circle between the image and location analysers, video frames."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from auditor.analysers import geo, images, media
from auditor.analysers.images import ImageAnalyser
from auditor.analysers.locations import PlatformLocations
from auditor.archive import Archive
from auditor.config import Config, Profile, Settings, Workplace
from auditor.model import Finding, Media, Post, Problem, SourceRef
from auditor.pipeline import analyse, import_posts, open_archives
from auditor.plugins import AnalysisContext
from test_images_helpers import jpeg, picture

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 2, 1, 12, 0, tzinfo=timezone.utc)
HOSPITAL = Workplace("St Elsewhere General", 52.4862, -1.8904, 250)


# -- the pool on its own -----------------------------------------------------------------------------
def toy_job(job: str, run: media.Runner):
    """Module-level (workers import it by name)."""
    run.partial(f"partial {job}")
    if job == "crash":
        os.abort()                                   # what a decoder's segfault looks like
    if job == "hang":
        run.step("hanging", 1.0, lambda: time.sleep(600))
    if job == "raise":
        raise ValueError("bad file")
    return job.upper(), os.getpid()


def test_pool_turns_a_crash_and_a_hang_into_errors_and_goes_on():
    pool = media.Pool(toy_job, 2)
    jobs = ["a", "crash", "b", "hang", "c", "raise", "d", "e"]
    t0 = time.monotonic()
    outs = {o.index: o for o in pool.run(enumerate(media.Task(j) for j in jobs))}
    assert time.monotonic() - t0 < 90
    assert sorted(outs) == list(range(len(jobs)))
    for i, job in enumerate(jobs):
        if job in ("crash", "hang", "raise"):
            assert outs[i].value is None and outs[i].partial == f"partial {job}"
        else:
            assert outs[i].value[0] == job.upper() and not outs[i].error
    assert "crashed" in outs[1].error
    assert "hanging took longer" in outs[3].error
    assert "ValueError: bad file" in outs[5].error
    # a lost worker is replaced only while work is left for it: with jobs sent ahead, the other
    # worker may have done the rest already (test_jobs_waiting_behind_... checks the replacement)
    assert pool.crashed == 1 and pool.killed == 1 and pool.started >= 2
    assert {o.value[1] for o in outs.values() if o.value} .isdisjoint({os.getpid()})
    assert not [s for s in pool._slots]                                      # all stopped


# -- the image analyser through the pool -------------------------------------------------------------
def hostile_inspect(job, run):
    """The real job, except that two files crash or hang their worker after the GPS is read."""
    if job.path.endswith("crash.jpg"):
        os.abort()
    if job.path.endswith("hang.jpg"):
        ins = images.Inspection(fix=geo.read_gps(run.data))
        run.partial(ins)
        run.step("decoding the picture", 1.0, lambda: time.sleep(600))
    return images.inspect(job, run)


class HostileAnalyser(ImageAnalyser):
    job = staticmethod(hostile_inspect)


def scan_folder(path, analysers, profile=None, ocr="off"):
    cfg = Config(profile or Profile(), Settings(ocr=ocr))
    archives = open_archives([str(path)])
    _s, posts, problems, owner = import_posts(archives, cfg)
    ctx = AnalysisContext(config=cfg, archives={a.path: a for a in archives}, owner=owner)
    findings, aproblems = analyse(posts, ctx, analysers)
    for a in archives:
        a.close()
    return posts, findings, problems + aproblems, ctx


def test_a_crashing_or_hanging_file_is_one_problem_in_a_pooled_scan(make_archive):
    files = {f"ok{i}.jpg": jpeg(52.0 + i / 100, -1.0) for i in range(6)}
    files["crash.jpg"] = jpeg(53.0, -2.0)
    files["hang.jpg"] = jpeg(53.5, -2.5)
    path = make_archive(files)
    # posts of a platform export: the GPS is read in the pass itself (no importer read it)
    arc = Archive.open(str(path))
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="off")), archives={str(path): arc})
    findings, problems = analyse(platform_posts(path, files), ctx,
                                 [HostileAnalyser(workers=2, pool_min=1, model=False), PlatformLocations()])
    by_file: dict[str, list[str]] = {}
    for p in problems:
        by_file.setdefault(p.member, []).append(p.message)
    assert set(by_file) == {"crash.jpg", "hang.jpg"}, by_file
    assert len(by_file["crash.jpg"]) == 1 and "crashed" in by_file["crash.jpg"][0]
    assert len(by_file["hang.jpg"]) == 1 and "took longer than its time limit" in by_file["hang.jpg"][0]
    assert not [p for p in problems if "failed" in p.message]
    gps = {f.media_path for f in findings if f.rule == "GEO002"}
    # the GPS read before the hang is kept (a location leak is still reported); the crashed file's
    # was never read
    assert gps == {f"ok{i}.jpg" for i in range(6)} | {"hang.jpg"}
    stats = ctx.cache["media.stats"]
    assert stats["pool_crashed"] == 1 and stats["pool_killed"] == 1


def test_a_crash_in_a_camera_roll_keeps_the_importers_gps(make_archive):
    files = {f"ok{i}.jpg": jpeg(52.0 + i / 100, -1.0) for i in range(3)}
    files["crash.jpg"] = jpeg(53.0, -2.0)
    posts, findings, problems, _ctx = scan_folder(make_archive(files),
                                                  [HostileAnalyser(workers=2, pool_min=1, model=False),
                                                   PlatformLocations()])
    assert [p.member for p in problems] == ["crash.jpg"]
    assert {f.media_path for f in findings if f.rule == "GEO002"} == set(files)


def test_pooled_and_in_process_scans_agree(make_archive):
    prof = Profile(workplaces=(HOSPITAL,))
    files = {f"p{i}.jpg": jpeg(52.4862, -1.8904, image=picture(color=(30 * i, 90, 120))) for i in range(3)}
    files.update({f"q{i}.jpg": jpeg(image=picture(color=(10, 20 * i, 200))) for i in range(3)})
    files["doc.jpg"] = jpeg(image=picture(color=(255, 255, 255), text="Ward 7 handover\nBed 3 review"))
    path = make_archive(files)
    results = []
    for workers in (1, 2):
        _posts, findings, problems, ctx = scan_folder(
            path, [ImageAnalyser(workers=workers, pool_min=1), PlatformLocations()], prof, ocr="auto")
        results.append((sorted((f.id, f.confidence, f.explanation) for f in findings),
                        sorted(p.message for p in problems), sorted(ctx.cache["thumbnails"])))
        if workers == 2:
            assert ctx.cache["media.stats"]["pool_started"] == 2
    assert results[0] == results[1]


# -- each file read once -------------------------------------------------------------------------------
def count_reads(monkeypatch) -> dict[str, int]:
    """Opens of each member through the archive (Archive.read goes through open_member too)."""
    reads: dict[str, int] = {}
    real_open = Archive.open_member

    def open_member(self, member):
        reads[member] = reads.get(member, 0) + 1
        return real_open(self, member)
    monkeypatch.setattr(Archive, "open_member", open_member)
    return reads


def count_parses(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = geo.read_gps

    def counted(data):
        calls.append(1)
        return real(data)
    monkeypatch.setattr(geo, "read_gps", counted)
    monkeypatch.setattr(images, "read_gps", counted)
    return calls


def platform_posts(path, names):
    return [Post(ref=f"twitter:{i}", platform="twitter", kind="post", created_at=T0,
                 text="on shift" if i == 0 else "", media=(Media(n, "photo", None, False, str(path)),),
                 source=SourceRef(str(path), "data/tweets.js", i)) for i, n in enumerate(names)]


def test_each_image_of_a_platform_export_is_read_and_parsed_once(make_archive, monkeypatch):
    prof = Profile(workplaces=(HOSPITAL,))
    files = {"gps.jpg": jpeg(52.4862, -1.8904), "plain.jpg": jpeg(),
             "doc.jpg": jpeg(image=picture(color=(255, 255, 255), text="Patient list\nBed 4 Jane Doe"))}
    path = make_archive(files)
    arc = Archive.open(str(path))
    ctx = AnalysisContext(config=Config(prof, Settings(ocr="auto")), archives={str(path): arc})
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", None)      # no language model here
    reads, parses = count_reads(monkeypatch), count_parses(monkeypatch)
    findings, problems = analyse(platform_posts(path, files), ctx, [ImageAnalyser(workers=1), PlatformLocations()])
    assert not problems
    assert reads == {name: 1 for name in files}                 # EXIF, gate, OCR, thumbnail: one read
    assert len(parses) == len(files)                            # the metadata parsed once per file
    assert {f.rule for f in findings} >= {"GEO002", "WRK001"}
    assert "thumbnails_late" not in ctx.cache.get("media.stats", {})    # made in the same pass


def test_a_camera_roll_is_parsed_once_and_read_once_more_for_pixels(make_archive, monkeypatch):
    files = {f"IMG_{i}.jpg": jpeg(52.4862 + i / 1000, -1.8904) for i in range(4)}
    path = make_archive(files)
    reads, parses = count_reads(monkeypatch), count_parses(monkeypatch)
    cfg = Config(Profile(workplaces=(HOSPITAL,)), Settings(ocr="off"))
    archives = open_archives([str(path)])
    _s, posts, _p, owner = import_posts(archives, cfg)
    # the importer needs the date: it reads the metadata (a JPEG's first MiB) and keeps the GPS
    assert reads == {name: 1 for name in files} and len(parses) == len(files)
    reads.clear()
    ctx = AnalysisContext(config=cfg, archives={a.path: a for a in archives}, owner=owner)
    findings, problems = analyse(posts, ctx, [ImageAnalyser(workers=1), PlatformLocations()])
    assert not problems and len(parses) == len(files)           # not parsed again
    assert reads == {name: 1 for name in files}                 # one read for the thumbnail's pixels
    assert sum(f.rule == "GEO002" for f in findings) == len(files)


def test_pool_workers_get_each_file_read_once(make_archive, monkeypatch):
    files = {f"IMG_{i}.jpg": jpeg(52.0, -1.0 - i / 100) if i % 2 else jpeg() for i in range(8)}
    path = make_archive(files)
    reads = count_reads(monkeypatch)
    posts, findings, problems, ctx = scan_folder(
        path, [ImageAnalyser(workers=2, pool_min=1, model=False), PlatformLocations()], ocr="all")
    assert not problems and len(posts) == len(files)
    assert reads == {name: 2 for name in files}      # the importer's metadata read, the pixels' read
    assert ctx.cache["media.stats"]["pool_started"] == 2 and "metadata_only_reads" not in ctx.cache["media.stats"]


# -- structure ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", ["auditor.analysers.images", "auditor.analysers.locations",
                                    "auditor.analysers.media", "auditor.analysers.places"])
def test_each_module_imports_alone(module):
    out = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                         cwd=str(ROOT), timeout=120)
    assert out.returncode == 0, out.stderr


def imported_siblings(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(a.name for a in node.names)
    return found


def test_images_and_locations_do_not_import_each_other():
    folder = ROOT / "auditor" / "analysers"
    assert "locations" not in imported_siblings(folder / "images.py")
    assert "images" not in imported_siblings(folder / "locations.py")
    for shared in ("media.py", "places.py"):
        assert not {"images", "locations"} & imported_siblings(folder / shared)


def test_one_archive_of_helper():
    post = Post(ref="twitter:1", platform="twitter", kind="post", created_at=T0,
                media=(Media("a.jpg", archive="one.zip"), Media("b.jpg", archive="two.zip")),
                source=SourceRef("one.zip", "data/tweets.js"))
    assert media.archive_of(post, "b.jpg") == "two.zip"
    assert media.archive_of(post, "missing.jpg") == "one.zip"


# -- videos ----------------------------------------------------------------------------------------------
def mp4(tmp_path: Path, text: str = "NHS", frames: int = 24) -> bytes:
    import cv2
    out = tmp_path / "clip.mp4"
    w = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 8, (640, 480))
    if not w.isOpened():
        pytest.skip("no MPEG-4 encoder in this OpenCV build")
    for _ in range(frames):
        f = np.full((480, 640, 3), (184, 94, 0), np.uint8)              # NHS blue (BGR)
        cv2.putText(f, text, (120, 280), cv2.FONT_HERSHEY_SIMPLEX, 4, (255, 255, 255), 12)
        w.write(f)
    w.release()
    return out.read_bytes()


def video_posts(path, name, caption=""):
    return [Post(ref="twitter:9", platform="twitter", kind="post", created_at=T0, text=caption,
                 media=(Media(name, "video", None, False, str(path)),),
                 source=SourceRef(str(path), "data/tweets.js", 0))]


needs_tesseract = pytest.mark.skipif(images.tesseract_available() is False, reason="tesseract not installed")


@needs_tesseract
def test_video_frames_go_through_the_image_path(make_archive, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", None)
    path = make_archive({"data/tweets_media/9-clip.mp4": mp4(tmp_path)})
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="all")), archives={str(path): Archive.open(str(path))})
    out = list(ImageAnalyser(workers=1).analyse(video_posts(path, "data/tweets_media/9-clip.mp4"), ctx))
    assert not [p for p in out if isinstance(p, Problem)]
    wrk = [f for f in out if isinstance(f, Finding) and f.rule == "WRK002"]
    assert len(wrk) == 1 and "text in the video: 'NHS'" in wrk[0].explanation
    assert wrk[0].explanation.startswith("Video with workplace")
    assert ctx.cache["images.stats"]["videos"] == 1
    thumb = ctx.cache["thumbnails"][(str(path), "data/tweets_media/9-clip.mp4")]
    assert thumb["data_uri"].startswith("data:image/jpeg")


def test_a_broken_video_is_one_problem(make_archive):
    path = make_archive({"v.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(5000)})
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="off")), archives={str(path): Archive.open(str(path))})
    out = list(ImageAnalyser(workers=1).analyse(video_posts(path, "v.mp4", "on shift"), ctx))
    probs = [p for p in out if isinstance(p, Problem)]
    assert len(probs) == 1 and probs[0].member == "v.mp4" and "video not analysed" in probs[0].message
    assert [f.rule for f in out if isinstance(f, Finding)] == ["WRK002"]       # the caption still counts


def test_no_video_decoder_is_a_note_not_a_crash(make_archive, tmp_path, monkeypatch):
    monkeypatch.setattr(media, "video_decoder", lambda: False)
    path = make_archive({"v.mp4": b"not read"})
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="off")), archives={str(path): Archive.open(str(path))})
    out = list(ImageAnalyser(workers=1).analyse(video_posts(path, "v.mp4", "on shift"), ctx))
    probs = [p for p in out if isinstance(p, Problem)]
    assert len(probs) == 1 and "no video decoder" in probs[0].message
    assert [f.rule for f in out if isinstance(f, Finding)] == ["WRK002"]       # the caption still counts


# -- the photo content model in the same pass -----------------------------------------------------------
FIXTURES = ROOT / "tests" / "fixtures" / "vision"


def one_post(path, name, caption="", place=None):
    return [Post(ref="twitter:7", platform="twitter", kind="post", created_at=T0, text=caption, place=place,
                 media=(Media(name, "photo", None, False, str(path)),),
                 source=SourceRef(str(path), "data/tweets.js", 0))]


def test_a_clinical_image_is_judged_with_its_caption(make_archive, monkeypatch):
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", None)
    path = make_archive({"scan.png": (FIXTURES / "ct_small.png").read_bytes()})
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="off")), archives={str(path): Archive.open(str(path))})
    out = list(ImageAnalyser(workers=1).analyse(one_post(path, "scan.png", "interesting case today"), ctx))
    conf = [f for f in out if isinstance(f, Finding) and f.rule == "CONF103"]
    assert len(conf) == 1 and conf[0].media_path == "scan.png"
    assert "'interesting case'" in conf[0].explanation            # the caption weighed in the judgement
    assert ctx.cache["images.stats"]["model_run"] == 1 and ctx.cache["media.timings"]["model"] > 0
    assert (str(path), "scan.png") in ctx.cache["thumbnails"]


class FakeModel:
    """A content model that sees a uniform in every picture (a real VisionResult)."""
    def analyse(self, image):
        from auditor.analysers.vision import CLASSES, VisionResult
        probs = {c: 0.0 for c in CLASSES}
        probs["uniform"] = 0.9
        return VisionResult(probs=probs, clinical_kind="x-ray", clinical_kind_prob=0.1,
                            labels=(("a lab coat", 0.6),), thresholds={c: 0.5 for c in CLASSES})


def test_the_uniform_judgement_sees_caption_words_read_place_and_faces(make_archive, monkeypatch):
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", None)
    monkeypatch.setattr(images, "_vision", lambda state: FakeModel())
    monkeypatch.setattr(images, "tesseract_available", lambda: True)
    monkeypatch.setattr(images, "ocr", lambda grey, invert=False: "Brightwater NHS Trust\nWard 7")
    monkeypatch.setattr(images, "faces", lambda grey: 2)
    prof = Profile(employer="Brightwater NHS Trust", workplaces=(HOSPITAL,))
    badge = picture(color=(0, 94, 184), text="Brightwater NHS Trust\nWard 7\nStaff Nurse")
    path = make_archive({"me.jpg": jpeg(52.4862, -1.8904, image=badge)})
    ctx = AnalysisContext(config=Config(prof, Settings(ocr="auto")), archives={str(path): Archive.open(str(path))})
    out = list(ImageAnalyser(workers=1).analyse(one_post(path, "me.jpg", "first day in my new uniform"), ctx))
    fs = {f.rule: f for f in out if isinstance(f, Finding)}
    assert "WRK002" not in fs                       # one workplace finding per picture: the combined one
    w = fs["WRK003"]
    assert "Your employer is named ('Brightwater NHS Trust')" in w.explanation
    assert "taken at one of your workplaces" in w.explanation and "Other people may be in it" in w.explanation
    assert "employer named" in w.evidence and w.confidence >= 0.9
    assert "CONF102" in fs and "look like a work uniform" not in fs["CONF102"].explanation


def test_without_the_content_model_the_scan_says_so(make_archive, monkeypatch):
    monkeypatch.setattr(images, "content_model_available", lambda: "the photo content model is missing")
    path = make_archive({"a.jpg": jpeg()})
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="off")), archives={str(path): Archive.open(str(path))})
    out = list(ImageAnalyser(workers=1, model=True).analyse(one_post(path, "a.jpg"), ctx))
    assert [p.message for p in out if isinstance(p, Problem)] == [
        "what your photos show was not checked: the photo content model is missing"]


def test_the_content_model_runtime_sends_and_writes_nothing():
    # onnxruntime's usage events and device-id file are off before any session is created
    assert os.environ.get("ORT_DISABLE_TELEMETRY") == "1"
    src = (ROOT / "auditor" / "analysers" / "media.py").read_text(encoding="utf-8")
    assert '"ORT_DISABLE_TELEMETRY"' in src.split("def _worker_main", 1)[1].split("state = State", 1)[0]


@needs_tesseract
def test_videos_stream_to_pool_workers(tmp_path, monkeypatch):
    # two videos in a zip, each decoded in a worker that asks this process for the bytes it seeks to
    from conftest import write_zip
    monkeypatch.setitem(sys.modules, "auditor.analysers.text", None)
    data = mp4(tmp_path)
    path = write_zip(tmp_path / "x.zip", {"a.mp4": data, "b.mp4": data})
    reads = count_reads(monkeypatch)
    ctx = AnalysisContext(config=Config(Profile(), Settings(ocr="all")), archives={str(path): Archive.open(str(path))})
    posts = video_posts(path, "a.mp4") + [replace(p, ref="twitter:10") for p in video_posts(path, "b.mp4")]
    out = list(ImageAnalyser(workers=2, pool_min=1, model=False).analyse(posts, ctx))
    assert not [o for o in out if isinstance(o, Problem)]
    assert sorted(f.media_path for f in out if isinstance(f, Finding) and f.rule == "WRK002") == ["a.mp4", "b.mp4"]
    assert ctx.cache["media.stats"]["pool_started"] == 2 and reads == {"a.mp4": 1, "b.mp4": 1}


# -- jobs sent ahead, and a pool that cannot start -----------------------------------------------------
def test_jobs_waiting_behind_a_killed_or_crashed_job_are_still_done():
    """Each worker has its next job sent ahead: when the running job hangs or crashes, the jobs
    waiting behind it in that worker are given to a new worker, not lost nor failed."""
    pool = media.Pool(toy_job, 1, depth=3)
    jobs = ["hang", "a", "b", "crash", "c", "d"]
    outs = {o.index: o for o in pool.run(enumerate(media.Task(j) for j in jobs))}
    assert sorted(outs) == list(range(len(jobs)))
    assert "took longer" in outs[0].error and "crashed" in outs[3].error
    assert [outs[i].value[0] for i in (1, 2, 4, 5)] == ["A", "B", "C", "D"]
    assert pool.killed == 1 and pool.crashed == 1 and pool.started == 3


def test_workers_wait_for_nothing_between_jobs(make_archive):
    """The pool's figure of how long its workers waited for their next job is kept for the
    benchmark (a job sent ahead means a worker starts the next file at once)."""
    files = {f"p{i}.jpg": jpeg(52.0 + i / 100, -1.0) for i in range(12)}
    _posts, _f, problems, ctx = scan_folder(make_archive(files), [ImageAnalyser(workers=2, model=False)])
    stats = ctx.cache["media.stats"]
    assert not problems and stats["pool_started"] == 2 and "pool_wait_s" in stats


def test_a_pool_that_cannot_start_is_a_note_and_every_photo_is_still_checked(make_archive, monkeypatch):
    """Worker processes that cannot start: the photos are checked in this process (nothing lost)
    and the scan's notices say so in plain words (the report and the command line show them)."""
    from auditor.pipeline import scan
    monkeypatch.setattr(media, "_worker_main", os.abort)         # every worker dies as it starts
    files = {f"p{i}.jpg": jpeg(52.0 + i / 100, -1.0) for i in range(media.POOL_MIN_FILES)}
    result = scan([str(make_archive(files))], Config(Profile(), Settings(ocr="off")),
                  analysers=[ImageAnalyser(workers=2, model=False), PlatformLocations()])
    assert media.POOL_BROKEN_NOTE in result.notices
    assert "background checker stopped; every photo was still checked" in media.POOL_BROKEN_NOTE
    assert {f.media_path for f in result.findings if f.rule == "GEO002"} == set(files)
    assert not result.problems


def test_a_scan_whose_pool_works_has_no_such_note(make_archive):
    from auditor.pipeline import scan
    files = {f"p{i}.jpg": jpeg(52.0 + i / 100, -1.0) for i in range(media.POOL_MIN_FILES)}
    result = scan([str(make_archive(files))], Config(Profile(), Settings(ocr="off")),
                  analysers=[ImageAnalyser(workers=2, model=False), PlatformLocations()])
    assert media.POOL_BROKEN_NOTE not in result.notices
    assert len([f for f in result.findings if f.rule == "GEO002"]) == len(files)
