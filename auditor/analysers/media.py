"""Per-image work shared by every analyser that looks at photos and videos.

One pass per file and scan:

    read      the bytes, once (a JPEG's metadata needs only its first MiB)
    metadata  GPS and capture time (``geo.read_gps``), once: a photos importer that already read
              them leaves them on the archive (``remember_fix``) and the analysers reuse them
    decode    once, at the smallest size that serves the OCR gate, faces, the content model and
              the thumbnail (Pillow ``draft()`` lets libjpeg decode a JPEG at 1/2..1/8 scale);
              only an image that is to be read by OCR is decoded a second time, larger
    thumbnail from the decoded copy, for the images the report will show

The work is spread over a pool of worker processes, one per CPU (``Pool``). The calling process
reads each file from its archive (archives stay in one process) and sends the bytes with the job;
a worker runs each step under a time limit the parent enforces and sends back small results. A
worker that crashes (a decoder's bug on a hostile file) or overruns a step is killed and
replaced; that file becomes a Problem and the scan goes on. Each worker has its next job sent
ahead (``Pool.depth``), so it never waits for this process between two files. Memory stays
bounded: two files per worker in flight, and each worker's address space is capped. Small scans
run in the calling process (``Runner`` with ``run_bounded`` time limits), where starting
processes would cost more than it saves.

Videos: a few frames (``VIDEO_FRAMES``) are decoded with OpenCV's bundled FFmpeg from the archive's
stream (a worker asks the parent for the bytes it seeks to; nothing is extracted to disk), and go
through the same per-image path.

Nothing here knows what to look for in a picture: the image analyser supplies the per-file job.
"""
from __future__ import annotations

import base64
import io
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..model import Media, Post, Problem
from .geo import GpsFix, Timeout, clean_error, open_image, read_gps_bounded, run_bounded

IMAGE_EXTS = (".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".hif", ".tif", ".tiff",
              ".gif", ".bmp", ".avif", ".mpo", ".dng")
VIDEO_EXTS = (".mp4", ".mov", ".m4v", ".3gp", ".webm", ".mkv", ".avi")
JPEG_EXTS = (".jpg", ".jpeg", ".jpe", ".mpo")
MAX_IMAGE_BYTES = 64 * 1024 * 1024
HEAD_BYTES = 1024 * 1024          # a JPEG's EXIF and XMP segments sit in its first 128 KiB
PARSE_SECONDS = 10.0              # per file, for the metadata readers and for decoding
MAX_PIXELS = 64_000_000           # decompression-bomb guard (Pillow errors at twice its own limit)
THUMB_PX = 192
VIDEO_FRAMES = 3                  # frames read from a video, at 1/6, 1/2 and 5/6 of its length
VIDEO_SECONDS = 30.0
WORKER_MEMORY = 4 * 1024 ** 3     # address-space cap of one worker process
POOL_MIN_FILES = 12               # fewer files than this run in the calling process
START_SECONDS = 120.0             # a worker's start (imports, models) on a loaded machine
POOL_BROKEN_NOTE = ("Some photos were checked more slowly than usual because a background checker "
                    "stopped; every photo was still checked.")


# -- which media ---------------------------------------------------------------------------------
def is_video(m: Media) -> bool:
    if m.missing:
        return False
    return m.kind == "video" or m.path.lower().endswith(VIDEO_EXTS)


def is_image(m: Media) -> bool:
    if m.missing or is_video(m):
        return False
    if m.kind == "photo":
        return True
    return m.path.lower().endswith(IMAGE_EXTS)


def visual_media(posts: Sequence[Post], videos: bool = True) -> list[tuple[Post, Media]]:
    """(post, media) for every image (and video) of these posts, each file once, in post order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in posts:
        for m in p.media:
            key = (m.archive, m.path)
            if key not in seen and (is_image(m) or (videos and is_video(m))):
                seen.add(key)
                out.append((p, m))
    return out


def image_media(posts: Sequence[Post]) -> list[tuple[Post, Media]]:
    return visual_media(posts, videos=False)


def archive_of(post: Post, media_path: str | None) -> str:
    """The archive that holds one of a post's media files (the post's own archive otherwise)."""
    for m in post.media:
        if m.path == media_path:
            return m.archive
    return post.source.archive


# -- metadata: read once per file and scan ---------------------------------------------------------
def _fixes_of(archive) -> dict[str, GpsFix]:
    # kept on the Archive object: it lives exactly as long as the scan that opened it
    return archive.__dict__.setdefault("_media_fixes", {})


def read_head(archive, member: str) -> bytes:
    """The bytes the metadata readers need: a JPEG's first MiB, any other image whole."""
    if member.lower().endswith(JPEG_EXTS):
        with archive.open_member(member) as fh:
            return fh.read(HEAD_BYTES)
    return archive.read(member, MAX_IMAGE_BYTES)


def metadata_of(data: bytes, member: str) -> GpsFix:
    head = data[:HEAD_BYTES] if member.lower().endswith(JPEG_EXTS) else data
    return read_gps_bounded(head, PARSE_SECONDS)


def file_metadata(archive, member: str) -> GpsFix:
    """GPS and capture time of one image, read for an importer (that needs the date) and kept on
    the archive, so the analysers of the same scan do not parse the file again. Raises OSError or
    ValueError when the file cannot be read at all."""
    fixes = _fixes_of(archive)
    if member not in fixes:
        try:
            data = read_head(archive, member)
        except (OSError, ValueError):
            archive.__dict__.setdefault("_media_unread", set()).add(member)   # the importer reports it
            raise
        fixes[member] = metadata_of(data, member)
    return fixes[member]


def remembered_fix(archive, member: str) -> GpsFix | None:
    return _fixes_of(archive).get(member) if archive is not None else None


def reported_unreadable(archive, member: str) -> bool:
    """The importer could not read this file and said so (one Problem per file is enough)."""
    return archive is not None and member in archive.__dict__.get("_media_unread", ())


def gps(posts: Sequence[Post], ctx) -> dict[tuple[str, str], GpsFix]:
    """(archive, path) -> GpsFix for every image of these posts, parsed once per scan: from the
    importer's reading, from the image pass when it ran, or read here (metadata only)."""
    cache: dict[tuple[str, str], GpsFix] = ctx.cache.setdefault("media.gps", {})
    for _post, m in image_media(posts):
        key = (m.archive, m.path)
        if key in cache:
            continue
        arc = ctx.archives.get(m.archive)
        known = remembered_fix(arc, m.path)
        if known is not None:
            cache[key] = known
            continue
        try:
            cache[key] = metadata_of(read_head(arc, m.path), m.path)
            count(ctx, "metadata_only_reads")
        except Exception as exc:
            cache[key] = GpsFix(errors=[f"not readable: {exc}"], unreadable=True)
    return cache


def gps_problem(m: Media, fix: GpsFix) -> Problem | None:
    """A Problem when no reader could read the file at all (one reader failing is normal)."""
    if not fix.unreadable:
        return None
    why = "; ".join(fix.errors)[:300] or "not a readable image"
    return Problem(m.archive, m.path, f"image could not be read ({why}); GPS and text not checked")


# -- pixels --------------------------------------------------------------------------------------
def _too_big(w: int, h: int) -> None:
    if w * h > MAX_PIXELS:
        raise ValueError(f"{w}x{h} pixels, over the {MAX_PIXELS:,} pixel limit")


def decode(data: bytes, min_px: int, mode: str = "RGB"):
    """The picture upright in `mode`, decoded at the smallest scale whose long side is still at
    least min_px (JPEG: libjpeg scales by 1/2..1/8 while decoding), or at full size. Raises on
    unreadable images and on decompression bombs. The caller closes it."""
    return decode_sized(data, min_px, mode)[0]


def decode_sized(data: bytes, min_px: int, mode: str = "RGB"):
    """decode(), and the file's full (width, height)."""
    from PIL import Image, ImageOps
    im = open_image(data)
    keep = False
    try:
        full = im.size
        _too_big(*full)
        if im.format == "JPEG" and max(full) > min_px:
            # draft() keeps both sides at or above the size asked for: ask for the picture's own
            # shape with min_px on the long side (1600x1200 for 640 px decodes at 800x600, 1/2)
            long = max(full)
            im.draft(mode, (max(1, -(-full[0] * min_px // long)), max(1, -(-full[1] * min_px // long))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # in place: the decoded picture itself, not a copy (a fresh 800x600 copy cost ~2 ms,
            # most of it the new memory's page faults)
            ImageOps.exif_transpose(im, in_place=True)
        if im.mode == mode:
            keep = True                          # the caller closes it
            return im, full
        if mode == "RGB" and (im.mode in ("RGBA", "LA", "PA") or
                              (im.mode == "P" and "transparency" in im.info)):
            rgba = im.convert("RGBA")            # transparent parts on white, as a viewer shows them
            bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(bg, rgba).convert("RGB"), full
        return im.convert(mode), full
    finally:
        if not keep:
            im.close()


def shrink(image, max_px: int, resample=None):
    """A copy at most max_px on the long side (the same image when already small enough)."""
    from PIL import Image
    if max(image.size) <= max_px:
        return image
    out = image.copy()
    out.thumbnail((max_px, max_px), resample or Image.Resampling.BILINEAR)
    return out


class Picture:
    """One decoded picture and the copies derived from it, each made once.

    ``data`` is the file's bytes (None for a video frame): kept only so that a larger copy can be
    decoded for OCR when the first decode was at a reduced scale."""

    def __init__(self, image, data: bytes | None = None, full_size: tuple[int, int] | None = None,
                 timings: dict | None = None) -> None:
        self.image = image                  # PIL image, upright, RGB or L
        self.data = data
        self.full_size = full_size or image.size
        self.timings = timings if timings is not None else {}
        self._grey: dict[int, Any] = {}

    @classmethod
    def from_bytes(cls, data: bytes, min_px: int, mode: str = "RGB", timings: dict | None = None) -> "Picture":
        t0 = cpu_seconds()
        im, full = decode_sized(data, min_px, mode)
        pic = cls(im, data, full, timings)
        pic._add("decode", t0)
        return pic

    @property
    def scaled(self) -> bool:
        """Decoded below the file's full size (JPEG draft)."""
        return max(self.image.size) < max(self.full_size)

    def _add(self, stage: str, t0: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + cpu_seconds() - t0

    def grey(self, max_px: int):
        """A greyscale numpy array at most max_px on the long side. When the decoded copy is
        smaller than that and the file is larger, a larger copy is decoded (JPEG only)."""
        import numpy as np
        if max_px in self._grey:
            return self._grey[max_px]
        src = self.image
        if self.scaled and self.data is not None and max(src.size) < max_px:
            t0 = cpu_seconds()
            src = decode(self.data, max_px, "L")
            self._add("decode_large", t0)
        grey = src if src.mode == "L" else src.convert("L")
        arr = np.asarray(shrink(grey, max_px))
        self._grey[max_px] = arr
        return arr

    def rgb(self, max_px: int):
        im = self.image if self.image.mode == "RGB" else self.image.convert("RGB")
        return shrink(im, max_px)

    def thumbnail(self, px: int = THUMB_PX) -> dict:
        """From the decoded copy; a picture decoded in grey only (no colour was needed until now)
        is decoded again at thumbnail scale (1/8 for a JPEG: a few milliseconds)."""
        t0 = cpu_seconds()
        try:
            if self.image.mode != "RGB" and self.data is not None:
                return make_thumbnail(self.data, px)
            return thumbnail_of(self.image, px)
        finally:
            self._add("thumbnail", t0)

    def close(self) -> None:
        self.image.close()
        self._grey.clear()
        self.data = None


def thumbnail_of(image, px: int = THUMB_PX) -> dict:
    """A small JPEG data URI (a fresh file: no EXIF, no GPS) of a decoded picture."""
    from PIL import Image
    im = image if image.mode == "RGB" else image.convert("RGB")
    small = shrink(im, px, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=70, optimize=True)
    return {"data_uri": "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
            "width": small.width, "height": small.height}


def make_thumbnail(data: bytes, px: int = THUMB_PX) -> dict:
    im = decode(data, px, "RGB")
    try:
        return thumbnail_of(im, px)
    finally:
        im.close()


def put_thumbnail(ctx, archive: str, path: str, thumb: dict | None) -> None:
    ctx.cache.setdefault("thumbnails", {})[(archive, path)] = thumb


def thumbnail(ctx, archive: str, path: str) -> dict | None:
    """The thumbnail of a flagged image, kept in ctx.cache["thumbnails"]. Made by the image pass
    for every image it expects to be flagged; any other is read and decoded here (counted as
    ``thumbnails_late`` in the scan's media figures)."""
    thumbs = ctx.cache.setdefault("thumbnails", {})
    key = (archive, path)
    if key in thumbs:
        return thumbs[key]
    thumbs[key] = None
    if path.lower().endswith(VIDEO_EXTS):
        return None
    try:
        data = ctx.read_media(archive, path, MAX_IMAGE_BYTES)
        thumbs[key] = run_bounded(lambda: make_thumbnail(data), PARSE_SECONDS)
        count(ctx, "thumbnails_late")
    except Exception:
        thumbs[key] = None
    return thumbs[key]


# -- videos --------------------------------------------------------------------------------------
def video_decoder() -> bool:
    """OpenCV with its FFmpeg backend able to read from a stream (opencv-python-headless has it)."""
    try:
        import cv2
        return cv2.CAP_FFMPEG in cv2.videoio_registry.getStreamBufferedBackends()
    except Exception:
        return False


def video_frames(stream, n: int = VIDEO_FRAMES) -> list:
    """Up to n RGB PIL frames spread over the video, read from a seekable binary stream."""
    import cv2
    from PIL import Image
    cap = cv2.VideoCapture(stream, cv2.CAP_FFMPEG, [])
    try:
        if not cap.isOpened():
            raise ValueError("not a video the decoder can read")
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        _too_big(w, h)
        positions = [total * (2 * i + 1) // (2 * n) for i in range(n)] if total > n else list(range(n))
        frames = []
        for pos in positions:
            if total > n:
                cap.set(cv2.CAP_PROP_POS_FRAMES, pos)
            ok, frame = cap.read()
            if not ok or frame is None:
                continue
            frames.append(Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        if not frames:
            raise ValueError("no frame could be decoded")
        return frames
    finally:
        cap.release()


# -- scan figures ----------------------------------------------------------------------------------
def cpu_seconds() -> float:
    """CPU time of the calling thread plus that of finished child processes (the tesseract
    command): what a stage costs, whatever else the machine is doing."""
    t = time.thread_time()
    try:
        import resource
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        t += ru.ru_utime + ru.ru_stime
    except ImportError:
        pass
    return t


def count(ctx, name: str, n: int = 1) -> None:
    stats = ctx.cache.setdefault("media.stats", {})
    stats[name] = stats.get(name, 0) + n


def add_timings(ctx, timings: dict[str, float]) -> None:
    t = ctx.cache.setdefault("media.timings", {})
    for k, v in timings.items():
        t[k] = t.get(k, 0.0) + v


# -- running the per-file work -----------------------------------------------------------------------
class StepTimeout(Exception):
    """A step of one file's work overran its time limit."""


@dataclass
class Outcome:
    """What came back for one job: the job function's value, or why it failed (``error``) with
    the last partial value it had sent (e.g. the GPS read before a decoder hung)."""
    index: int
    value: Any = None
    partial: Any = None
    error: str = ""


class State:
    """Per-process resources of the per-file work: engines built once (OCR, the content model)."""

    def __init__(self, config: Any = None) -> None:
        self.config = config
        self.engines: dict[str, Any] = {}

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self.engines:
            self.engines[key] = build()
        return self.engines[key]


class Runner:
    """Handed to the job function with each job: the file's bytes (read by the calling process),
    ``step`` to run one bounded step, ``partial`` to record a result that must survive a later
    failure of the same file, and ``stream()`` for a file too big to pass whole (a video)."""

    def __init__(self, state: State, send: Callable[[tuple], None] | None = None,
                 recv: Callable[[], Any] | None = None) -> None:
        self.state = state
        self._send, self._recv = send, recv
        self.in_worker = send is not None
        self.data: bytes | None = None
        self.read_error = ""                 # why the file could not be read ("" when it was)
        self.last_partial: Any = None
        self._opener: Callable[[], Any] | None = None

    def step(self, name: str, seconds: float, fn: Callable[[], Any]) -> Any:
        if self._send is not None:           # a worker: the parent watches the clock and kills
            self._send(("step", name, seconds))
            return fn()
        try:
            return run_bounded(fn, seconds)
        except Timeout:
            raise StepTimeout(f"{name} took longer than {seconds:g} s") from None

    def partial(self, value: Any) -> None:
        self.last_partial = value
        if self._send is not None:
            self._send(("partial", value))

    def stream(self):
        """A seekable binary stream of the file: the archive's own in this process; in a worker,
        reads and seeks are asked of the parent (nothing is copied whole, nothing written)."""
        if self._send is None:
            assert self._opener is not None
            return self._opener()
        return io.BufferedReader(_RemoteFile(self._send, self._recv), buffer_size=1 << 20)


class _RemoteFile(io.RawIOBase):
    def __init__(self, send, recv) -> None:
        self._send, self._recv = send, recv
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        self._send(("io", self._pos, len(b)))
        data = self._recv()
        if isinstance(data, str):
            raise OSError(data)
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == io.SEEK_END:
            self._send(("io", -1, 0))
            size = self._recv()
            if isinstance(size, str):
                raise OSError(size)
            self._pos = size + offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = offset
        self._pos = max(0, self._pos)
        return self._pos

    def tell(self) -> int:
        return self._pos


@dataclass
class Task:
    """One job and how the calling process gets its file: `load()` returns the bytes (called just
    before the job runs, so only the files in flight are in memory), or `open()` a stream."""
    job: Any
    load: Callable[[], bytes] | None = None
    open: Callable[[], Any] | None = None


JobFn = Callable[[Any, Runner], Any]


def _load(task: Task) -> tuple[bytes | None, str]:
    if task.load is None:
        return None, ""
    try:
        return task.load(), ""
    except Exception as exc:
        return None, clean_error(f"{type(exc).__name__}: {exc}")[:300]


def run_inline(fn: JobFn, tasks: Iterable[tuple[int, Task]], state: State) -> Iterator[Outcome]:
    for index, task in tasks:
        runner = Runner(state)
        runner.data, runner.read_error = _load(task)
        runner._opener = task.open
        try:
            yield Outcome(index, fn(task.job, runner), runner.last_partial)
        except Exception as exc:
            yield Outcome(index, None, runner.last_partial, _describe(exc))
        finally:
            runner.data = None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StepTimeout):
        return str(exc)
    return clean_error(f"{type(exc).__name__}: {exc}")[:300]


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _worker_main(conn, fn: JobFn, config: Any, memory: int) -> None:
    """A pool worker: one job at a time from the parent, answers on the same pipe."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # the parent decides when workers stop
    for var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "ORT_DISABLE_TELEMETRY"):       # one thread each; onnxruntime: no device id, no upload
        os.environ[var] = "1"
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    if not os.environ.get("AUDITOR_WORKER_STDERR"):
        # decoders and OCR print warnings about hostile files: not for the user's terminal
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    if memory:
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        except (ImportError, ValueError, OSError):
            pass
    import queue
    import threading
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    answers: queue.SimpleQueue = queue.SimpleQueue()

    def reader() -> None:
        # takes everything off the pipe as it arrives (the parent never blocks sending the next
        # job); jobs queue up here, answers to this worker's stream reads go to the job
        try:
            while True:
                msg = conn.recv()
                if msg is None:
                    break
                (jobs if msg[0] == "job" else answers).put(msg[1])
        except (EOFError, OSError):
            pass
        answers.put("the scan stopped")
        jobs.put(None)

    state = State(config)
    runner = Runner(state, conn.send, answers.get)
    waited = 0.0                        # seconds this worker sat waiting for its next job
    try:
        conn.send(("ready",))
        threading.Thread(target=reader, name="auditor-media-reader", daemon=True).start()
        while True:
            t0 = time.monotonic()
            msg = jobs.get()
            if msg is None:
                break
            index, job, data, read_error = msg
            waited += time.monotonic() - t0
            runner.data, runner.read_error, runner.last_partial = data, read_error, None
            del msg, data
            try:
                value = fn(job, runner)
                conn.send(("done", index, value, waited))
            except Exception as exc:
                conn.send(("error", index, _describe(exc), waited))
            runner.data = None
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        os._exit(0)       # no C++ static destructors (tesseract prints leak warnings in them)


@dataclass
class _Slot:
    proc: Any
    conn: Any
    ready: bool = False
    # the jobs sent to this worker, in order: the first is running, the others wait in the worker
    # (so it never waits for this process between two jobs)
    jobs: list = field(default_factory=list)
    stream: Any = None
    step: str = "start"
    deadline: float = 0.0
    partial: Any = None

    @property
    def index(self) -> int | None:
        return self.jobs[0][0] if self.jobs else None

    @property
    def task(self) -> Task | None:
        return self.jobs[0][1] if self.jobs else None


class PoolBroken(RuntimeError):
    """Worker processes could not be started; the caller runs the work in its own process."""


class Pool:
    """Worker processes (spawned: the same on Linux, macOS and Windows, and safe with threads in
    the parent) that run ``fn(job, runner)`` one job at a time each. The parent reads every file
    (the archives stay in one process) and sends its bytes with the job.

    Time limits: each ``runner.step(name, seconds, ...)`` tells the parent how long the step may
    take; a worker past its deadline is killed and replaced and its job comes back with an error.
    A worker that dies (a crash in a decoder) gives its job back with an error too."""

    def __init__(self, fn: JobFn, workers: int, config: Any = None, memory: int = WORKER_MEMORY,
                 first_step_seconds: float = 30.0, depth: int = 2) -> None:
        import multiprocessing
        self.fn = fn
        self.workers = max(1, workers)
        self.config = config
        self.memory = memory
        self.first_step_seconds = first_step_seconds
        self.depth = max(1, depth)           # jobs sent ahead to each worker
        self._mp = multiprocessing.get_context("spawn")
        self._slots: list[_Slot] = []
        self.started = 0
        self.killed = 0
        self.crashed = 0
        self._start_failures = 0
        self.waited: dict[int, float] = {}      # per worker: seconds waiting for a job (idle gaps)

    def _spawn(self) -> _Slot:
        parent, child = self._mp.Pipe()
        proc = self._mp.Process(target=_worker_main, name="auditor-media-worker", daemon=True,
                                args=(child, self.fn, self.config, self.memory))
        proc.start()
        child.close()
        self.started += 1
        return _Slot(proc, parent, deadline=time.monotonic() + START_SECONDS)

    def _retire(self, slot: _Slot, kill: bool) -> None:
        if kill and slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        for closing in (slot.conn, slot.stream):
            try:
                if closing is not None:
                    closing.close()
            except OSError:
                pass
        slot.stream = None
        if slot in self._slots:
            self._slots.remove(slot)

    def run(self, tasks: Iterable[tuple[int, Task]]) -> Iterator[Outcome]:
        from multiprocessing.connection import wait
        todo = list(tasks)
        todo.reverse()                                   # pop() from the end keeps the order
        try:
            while todo or any(s.index is not None for s in self._slots):
                while len(self._slots) < min(self.workers, len(todo) + self._busy()):
                    self._slots.append(self._spawn())
                self._feed(todo)
                busy = [s for s in self._slots if s.index is not None or not s.ready]
                if not busy:
                    continue
                timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
                ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout)
                for slot in busy:
                    if slot.conn in ready or slot.proc.sentinel in ready:
                        yield from self._drain(slot, todo)
                now = time.monotonic()
                for slot in list(self._slots):
                    if slot.deadline <= now and (slot.index is not None or not slot.ready):
                        yield from self._overrun(slot, todo)
        finally:
            self.close()

    def _busy(self) -> int:
        return sum(1 for s in self._slots if s.index is not None)

    def _feed(self, todo: list) -> None:
        """Every worker one job, then a second one ahead, and so on up to `depth` (a worker
        finishing a job starts the next at once, whatever this process is busy with)."""
        for depth in range(1, self.depth + 1):
            for slot in self._slots:
                if len(slot.jobs) < depth and todo:
                    self._dispatch(slot, todo)

    def _dispatch(self, slot: _Slot, todo: list) -> None:
        index, task = todo.pop()
        data, error = _load(task)
        try:
            slot.conn.send(("job", (index, task.job, data, error)))
        except (OSError, ValueError):
            todo.append((index, task))
            return
        slot.jobs.append((index, task))
        if len(slot.jobs) > 1:
            return                                # waits in the worker behind the running job
        slot.partial, slot.step = None, "start"
        now = time.monotonic()
        slot.deadline = max(slot.deadline, now + self.first_step_seconds) if not slot.ready \
            else now + self.first_step_seconds

    def _serve_io(self, slot: _Slot, pos: int, n: int) -> None:
        try:
            if slot.stream is None:
                if slot.task is None or slot.task.open is None:
                    raise OSError("no stream for this file")
                slot.stream = slot.task.open()
            if pos < 0:
                answer: Any = slot.stream.seek(0, io.SEEK_END)
            else:
                slot.stream.seek(pos)
                answer = slot.stream.read(min(n, 8 << 20))
        except Exception as exc:
            answer = clean_error(f"{type(exc).__name__}: {exc}")[:300]
        slot.conn.send(("io", answer))

    def _drain(self, slot: _Slot, todo: list) -> Iterator[Outcome]:
        while True:
            try:
                if not slot.conn.poll():
                    break
                msg = slot.conn.recv()
            except (EOFError, OSError):
                break
            kind = msg[0]
            if kind == "ready":
                slot.ready = True
                self._start_failures = 0
                slot.deadline = time.monotonic() + self.first_step_seconds if slot.index is not None \
                    else float("inf")
            elif kind == "step":
                slot.step = msg[1]
                slot.deadline = time.monotonic() + float(msg[2])
            elif kind == "partial":
                slot.partial = msg[1]
            elif kind == "io":
                self._serve_io(slot, msg[1], msg[2])
            elif kind in ("done", "error") and slot.index == msg[1]:
                self.waited[slot.proc.pid] = msg[3]
                out = Outcome(slot.index, msg[2], slot.partial) if kind == "done" else \
                    Outcome(slot.index, None, slot.partial, msg[2])
                self._free(slot)
                self._feed(todo)           # before the caller works on this outcome
                yield out
        if not slot.proc.is_alive():
            yield from self._lost(slot, todo, "the image reader stopped working on this file (it crashed)")

    def _free(self, slot: _Slot) -> None:
        """The running job is done: the next one sent to this worker (if any) is running now."""
        if slot.stream is not None:
            try:
                slot.stream.close()
            except OSError:
                pass
        slot.jobs.pop(0)
        slot.partial = slot.stream = None
        slot.step = "start"
        slot.deadline = time.monotonic() + self.first_step_seconds if slot.jobs else float("inf")

    def _overrun(self, slot: _Slot, todo: list) -> Iterator[Outcome]:
        if not slot.ready:
            yield from self._lost(slot, todo, "", kill=True)
            return
        self.killed += 1
        yield from self._lost(slot, todo, f"{slot.step} took longer than its time limit (the reader "
                                          "was stopped)", kill=True)

    def _lost(self, slot: _Slot, todo: list, why: str, kill: bool = False) -> Iterator[Outcome]:
        index, partial, ready = slot.index, slot.partial, slot.ready
        jobs, slot.jobs = slot.jobs, []
        self._retire(slot, kill)
        # the jobs waiting behind the running one were not started: back in the queue, in order
        todo.extend(reversed(jobs[1:] if ready else jobs))
        if not ready:
            # the worker never started: not this file's fault; its jobs went back in the queue
            self._start_failures += 1
            if self._start_failures >= 2:
                raise PoolBroken("the image worker processes could not be started")
            return
        if index is not None:
            if not kill:
                self.crashed += 1
            yield Outcome(index, None, partial, why)

    def close(self) -> None:
        for slot in list(self._slots):
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 5
        for slot in list(self._slots):
            slot.proc.join(max(0.0, deadline - time.monotonic()))
            self._retire(slot, kill=True)


def run_jobs(fn: JobFn, tasks: Sequence[Task], ctx, config: Any = None, workers: int | None = None,
             pool_min: int = POOL_MIN_FILES) -> Iterator[Outcome]:
    """Run fn over the tasks: in a worker pool when there are enough of them and more than one
    CPU, else in this process. Outcomes come back in any order (each carries its task's index)."""
    import multiprocessing
    workers = cpu_count() if workers is None else workers
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        workers = 1      # a worker still starting (a script without a main guard): never nest pools
    numbered = list(enumerate(tasks))
    stats = ctx.cache.setdefault("media.stats", {})
    if workers > 1 and len(numbered) >= max(pool_min, 1):
        pool = Pool(fn, min(workers, len(numbered)), config)
        done: set[int] = set()
        try:
            for out in pool.run(numbered):
                done.add(out.index)
                yield out
            stats["workers"] = max(stats.get("workers", 0), pool.workers)
            numbered = []
        except PoolBroken:
            count(ctx, "pool_failures")
            notes = ctx.cache.setdefault("media.notes", [])     # shown with the scan's notices
            if POOL_BROKEN_NOTE not in notes:
                notes.append(POOL_BROKEN_NOTE)
            numbered = [(i, t) for i, t in numbered if i not in done]
        finally:
            for name in ("started", "killed", "crashed"):
                stats[f"pool_{name}"] = stats.get(f"pool_{name}", 0) + getattr(pool, name)
            stats["pool_wait_s"] = round(stats.get("pool_wait_s", 0.0) + sum(pool.waited.values()), 2)
    if numbered:
        yield from run_inline(fn, numbered, State(config))
