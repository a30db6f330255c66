"""A raw zip writer for hostile-archive tests: it writes whatever central directory it is told to,
including sizes the data does not have, escaping names, encryption flags and zip64 claims of many
gigabytes (without writing them). Used by tests/test_hostile_*.py and benchmarks/hostile_memory.py."""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Entry:
    name: str | bytes
    data: bytes = b""                 # bytes stored in the file (already compressed when method=8)
    method: int = 0                   # 0 stored, 8 deflate, anything else: unsupported
    file_size: int | None = None      # claimed uncompressed size (default: the real one)
    compress_size: int | None = None  # claimed compressed size (default: len(data))
    crc: int | None = None            # claimed CRC (default: of the uncompressed data)
    flags: int = 0                    # bit 0: encrypted; bit 11: UTF-8 name


def deflated(raw: bytes, **kw) -> Entry:
    """An honest deflated entry for `raw` (name given in kw)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = co.compress(raw) + co.flush()
    return Entry(data=data, method=8, file_size=len(raw), crc=zlib.crc32(raw), **kw)


def stored(name: str | bytes, raw: bytes, **kw) -> Entry:
    return Entry(name=name, data=raw, method=0, crc=zlib.crc32(raw), **kw)


def write_raw_zip(path: Path, entries: list[Entry]) -> Path:
    """Write a zip whose local headers and central directory say exactly what the entries claim.
    Sizes of 4 GiB and over are written as zip64 extra fields."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e.name.encode("utf-8") if isinstance(e.name, str) else e.name
        size = len(e.data) if e.file_size is None else e.file_size
        csize = len(e.data) if e.compress_size is None else e.compress_size
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        zip64 = size >= 0xFFFFFFFF or csize >= 0xFFFFFFFF or len(out) >= 0xFFFFFFFF
        offset = len(out)
        extra = struct.pack("<HHQQ", 0x0001, 16, size, csize) if zip64 else b""
        s32, c32 = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (size, csize)
        version = 45 if zip64 else 20
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", version, e.flags, e.method, 0, 0x5821,
                           crc, c32, s32, len(name), len(extra)) + name + extra + e.data
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", version, version, e.flags,
                               e.method, 0, 0x5821, crc, c32, s32, len(name), len(extra), 0, 0, 0,
                               0o100644 << 16, offset) + name + extra
    cd_offset = len(out)
    out += central
    n = len(entries)
    if n >= 0xFFFF:
        # zip64 end of central directory record and locator
        z64_offset = len(out)
        out += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(central), cd_offset)
        out += struct.pack("<4sIQI", b"PK\x06\x07", 0, z64_offset, 1)
        out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(central), cd_offset, 0)
    else:
        out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(central), cd_offset, 0)
    path.write_bytes(bytes(out))
    return path


TWEETS_JS = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "101", "created_at": '
             '"Sat Jun 06 13:02:35 +0000 2020", "full_text": "Lovely walk by the canal today", '
             '"entities": {}}}]').encode()


# -- the writer itself: zipfile must read what it writes -------------------------------------
def test_writer_round_trip(tmp_path):
    import zipfile
    p = write_raw_zip(tmp_path / "a.zip", [stored("data/tweets.js", TWEETS_JS),
                                           deflated(b"x" * 5000, name="big.txt")])
    with zipfile.ZipFile(p) as zf:
        assert zf.read("data/tweets.js") == TWEETS_JS
        assert zf.read("big.txt") == b"x" * 5000
        assert zf.getinfo("big.txt").compress_size < 100


def test_writer_zip64_claims(tmp_path):
    import zipfile
    p = write_raw_zip(tmp_path / "a.zip", [Entry("huge.mp4", b"abc", file_size=6 << 30, compress_size=3)]
                      + [stored(f"f{i}", b"") for i in range(70_000)])
    with zipfile.ZipFile(p) as zf:
        assert zf.getinfo("huge.mp4").file_size == 6 << 30
        assert len(zf.infolist()) == 70_001
