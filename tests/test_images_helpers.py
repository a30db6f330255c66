"""Image makers for the image, location and photo tests (no tests here): JPEG/WebP/PNG/TIFF with
GPS written by piexif or Pillow, XMP-only GPS, 0/0 rationals, malformed EXIF, rendered text."""
from __future__ import annotations

import io
from datetime import datetime

import piexif
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def dms(value: float, zero_seconds: bool = False) -> tuple:
    v = abs(value)
    d = int(v)
    m = int((v - d) * 60)
    s = (v - d - m / 60) * 3600
    if zero_seconds:
        return ((d, 1), (m, 1), (0, 0))
    return ((d, 1), (m, 1), (int(round(s * 10000)), 10000))


def gps_ifd(lat: float | None, lon: float | None, refs: bool = True, zero_seconds: bool = False) -> dict:
    g: dict = {piexif.GPSIFD.GPSVersionID: (2, 2, 0, 0)}
    if lat is not None:
        g[piexif.GPSIFD.GPSLatitude] = dms(lat, zero_seconds)
        if refs:
            g[piexif.GPSIFD.GPSLatitudeRef] = b"N" if lat >= 0 else b"S"
    if lon is not None:
        g[piexif.GPSIFD.GPSLongitude] = dms(lon, zero_seconds)
        if refs:
            g[piexif.GPSIFD.GPSLongitudeRef] = b"E" if lon >= 0 else b"W"
    return g


def exif_bytes(lat: float | None = None, lon: float | None = None, when: str | None = "2024:03:01 10:00:00",
               offset: str | None = None, gps: dict | None = None, **kw) -> bytes:
    exif_ifd = {}
    if when:
        exif_ifd[piexif.ExifIFD.DateTimeOriginal] = when.encode()
    if offset:
        exif_ifd[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    if gps is None:
        gps = gps_ifd(lat, lon, **kw) if (lat is not None or lon is not None) else {}
    return piexif.dump({"0th": {}, "Exif": exif_ifd, "GPS": gps})


def picture(size=(640, 480), color=(120, 160, 90), text: str | None = None, text_color=None,
            font_size: int = 44) -> Image.Image:
    im = Image.new("RGB", size, color)
    if text:
        d = ImageDraw.Draw(im)
        f = ImageFont.truetype(FONT, font_size)
        y = 30
        fill = text_color or ((255, 255, 255) if sum(color) < 300 else (0, 0, 0))
        for line in text.split("\n"):
            d.text((30, y), line, fill=fill, font=f)
            y += int(font_size * 1.5)
    return im


def jpeg(lat: float | None = None, lon: float | None = None, *, exif: bytes | None = None,
         xmp: str | None = None, image: Image.Image | None = None, **kw) -> bytes:
    im = image or picture()
    b = io.BytesIO()
    extra = {}
    if exif is None:
        exif = exif_bytes(lat, lon, **kw)
    if exif:
        extra["exif"] = exif
    if xmp:
        extra["xmp"] = xmp.encode("utf-8")
    im.save(b, "JPEG", quality=85, **extra)
    return b.getvalue()


def save(fmt: str, lat: float | None, lon: float | None, **kw) -> bytes:
    """An image in another format (WEBP, PNG, TIFF) with GPS EXIF written by Pillow."""
    im = picture()
    b = io.BytesIO()
    im.save(b, fmt, exif=exif_bytes(lat, lon, **kw))
    return b.getvalue()


def xmp_packet(lat: str, lon: str, element: bool = False) -> str:
    if element:
        body = (f"<rdf:Description rdf:about='' xmlns:exif='http://ns.adobe.com/exif/1.0/'>"
                f"<exif:GPSLatitude>{lat}</exif:GPSLatitude><exif:GPSLongitude>{lon}</exif:GPSLongitude>"
                "</rdf:Description>")
    else:
        body = (f"<rdf:Description rdf:about='' xmlns:exif='http://ns.adobe.com/exif/1.0/' "
                f"exif:GPSLatitude='{lat}' exif:GPSLongitude='{lon}'/>")
    return ("<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
            "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
            f"{body}</rdf:RDF></x:xmpmeta><?xpacket end='w'?>")


def malformed_exif_jpeg() -> bytes:
    """A JPEG whose APP1 Exif segment claims an IFD offset far past its end, with GPS pointer junk."""
    good = jpeg(image=picture(), exif=b"")
    junk = b"Exif\x00\x00" + b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x02" + \
        b"\x88\x25\x00\x04\x00\x00\x00\x01\x7f\xff\xff\xf0" + b"\x01\x00\x00\x03\x00\x00\xff\xff\x00\x00\x00\x00" + \
        b"\x00\x00\x00\x00"
    seg = b"\xff\xe1" + (len(junk) + 2).to_bytes(2, "big") + junk
    return good[:2] + seg + good[2:]


def when(s: str) -> datetime:
    return datetime.fromisoformat(s)
