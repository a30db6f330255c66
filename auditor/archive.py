"""One reader over a zip file or a folder. Never extracts to disk, never writes, caps sizes.

Archives are untrusted: member paths that escape (``..``, absolute, drive letters) are refused,
symlinks that point outside a folder input are refused, sizes and counts are capped, and a zip
bomb is refused from its central directory before anything is decompressed.
"""
from __future__ import annotations

import io
import os
import posixpath
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .model import Problem

MiB = 1024 * 1024
GiB = 1024 * MiB


class ArchiveError(Exception):
    """The whole input cannot be read (not a zip or folder, encrypted, a bomb, no platform).
    The message is shown to the user as it is; the CLI exits with 2."""


class MemberError(OSError):
    """One member cannot be read (damaged data, bad CRC, unsupported compression, encrypted).
    An OSError, so importers that catch OSError turn it into a Problem."""


# what zipfile and zlib raise on a damaged or unsupported member
_MEMBER_FAILURES = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                    struct.error)


class _MemberStream(io.BufferedIOBase):
    """A zip member's stream whose damaged-data errors surface as MemberError (an OSError)."""

    def __init__(self, member: str, raw: io.BufferedIOBase):
        self._member, self._raw = member, raw

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except _MEMBER_FAILURES as exc:
            raise MemberError(f"{self._member}: damaged or unsupported data in the archive ({exc})") from None

    CHUNK = 1 * MiB

    def read(self, n: int | None = -1) -> bytes:
        # In chunks: zipfile inflates as much as one read asks for before it cuts the result to the
        # member's declared size, so one big read of a member that lies about its size would
        # inflate the whole stream into memory.
        if n is not None and 0 <= n <= self.CHUNK:
            return self._call(self._raw.read, n)
        parts: list[bytes] = []
        left = -1 if n is None or n < 0 else n
        while left != 0:
            part = self._call(self._raw.read, self.CHUNK if left < 0 else min(self.CHUNK, left))
            if not part:
                break
            parts.append(part)
            if left > 0:
                left -= len(part)
        return b"".join(parts)

    def read1(self, n: int = -1) -> bytes:
        return self._call(self._raw.read1, n)

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._call(self._raw.seek, offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


@dataclass(frozen=True)
class Limits:
    max_members: int = 250_000
    max_member_size: int = 4 * GiB          # a single member (declared, uncompressed)
    max_total_size: int = 64 * GiB          # all members together (declared, uncompressed)
    max_ratio: int = 200                    # compression ratio above which a big member is a bomb
    ratio_floor: int = 1 * MiB              # the ratio test applies to members at least this big
    max_read: int = 512 * MiB               # the most read into memory from one member at once


DEFAULT_LIMITS = Limits()


def _safe_member(name: str) -> str | None:
    """Normalise a member name to a relative posix path, or None if it escapes the archive."""
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or any("\x00" in p for p in parts):
        return None
    return "/".join(parts)


@dataclass
class Archive:
    """A zip or a folder given on the command line. Member paths are relative posix paths."""
    path: str
    kind: str                                   # "zip" or "folder"
    limits: Limits = DEFAULT_LIMITS
    problems: list[Problem] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    _infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    _files: dict[str, int] = field(default_factory=dict)    # folder: member -> size
    _root: Path | None = None

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> "Archive":
        p = Path(path)
        label = str(path)
        if not p.exists():
            raise ArchiveError(f"{label}: no such file or folder. Expected a platform's data-download "
                               "archive (a .zip file) or the folder it was unpacked into.")
        if p.is_dir():
            arc = cls(label, "folder", limits)
            arc._scan_folder(p)
            return arc
        try:
            regular = stat.S_ISREG(p.stat().st_mode)
        except OSError as exc:
            raise ArchiveError(f"{label}: cannot be read ({exc.strerror or exc}).") from None
        if not regular:
            raise ArchiveError(f"{label}: not a regular file or a folder. Expected a platform's "
                               "data-download archive (a .zip file) or the folder it was unpacked into.")
        try:
            is_zip = zipfile.is_zipfile(p)
        except OSError as exc:
            raise ArchiveError(f"{label}: cannot be read ({exc.strerror or exc}).") from None
        if not is_zip:
            try:
                with open(p, "rb") as fh:
                    head = fh.read(4)
            except OSError:
                head = b""
            if head == b"PK\x03\x04":
                raise ArchiveError(f"{label}: the zip file is incomplete or damaged (its table of contents "
                                   "at the end is missing). The download was probably cut short: "
                                   "download the archive again.")
            raise ArchiveError(f"{label}: not a zip archive or a folder. Expected a data-download "
                               "archive from X/Twitter, Facebook or Instagram (a .zip file), the folder "
                               "it was unpacked into, or a folder of photos.")
        arc = cls(label, "zip", limits)
        arc._open_zip(p)
        return arc

    def _open_zip(self, p: Path) -> None:
        try:
            zf = zipfile.ZipFile(p)
            infos = zf.infolist()
        except (OSError, ValueError, *_MEMBER_FAILURES) as exc:
            raise ArchiveError(f"{self.path}: the zip file is damaged and cannot be read ({exc}). "
                               "Download the archive again.") from None
        lim = self.limits
        if len(infos) > lim.max_members:
            zf.close()
            raise ArchiveError(f"{self.path}: holds {len(infos):,} members, more than the "
                               f"{lim.max_members:,} this tool reads; refusing it as a possible zip bomb.")
        total = 0
        encrypted = 0
        for info in infos:
            if info.is_dir():
                continue
            name = _safe_member(info.filename)
            if name is None:
                self.problems.append(Problem(self.path, info.filename,
                                             "refused: member path escapes the archive (.. or absolute)"))
                continue
            if info.flag_bits & 0x1:
                encrypted += 1
            size = info.file_size
            if size >= lim.ratio_floor and size > lim.max_ratio * max(info.compress_size, 1):
                zf.close()
                raise ArchiveError(f"{self.path}: member {name} expands {size // max(info.compress_size, 1):,} "
                                   "times; refusing the archive as a zip bomb.")
            if size > lim.max_member_size:
                # an honest big file (a long video): never read, so skip it rather than the archive
                self.problems.append(Problem(self.path, name, f"skipped: {size / GiB:.1f} GiB uncompressed, "
                                             f"over the {lim.max_member_size / GiB:.0f} GiB limit for one file"))
                continue
            total += size
            if total > lim.max_total_size:
                zf.close()
                raise ArchiveError(f"{self.path}: members claim more than {lim.max_total_size / GiB:.0f} GiB "
                                   "uncompressed in total; refusing the archive as a possible zip bomb.")
            if name in self._infos:
                self.problems.append(Problem(self.path, name, "duplicate member name; the first copy is used"))
                continue
            self._infos[name] = info
        if encrypted and encrypted == len(self._infos):
            zf.close()
            raise ArchiveError(f"{self.path}: the zip is password-protected (encrypted). Download the "
                               "archive again without a password, or unpack it and give the folder.")
        if encrypted:
            self.problems.append(Problem(self.path, "", f"{encrypted} encrypted members skipped"))
            self._infos = {n: i for n, i in self._infos.items() if not i.flag_bits & 0x1}
        self._zip = zf

    def _scan_folder(self, root: Path) -> None:
        self._root = root.resolve()
        count = 0
        stack = [self._root]
        while stack:
            d = stack.pop()
            try:
                entries = list(os.scandir(d))
            except OSError as exc:
                self.problems.append(Problem(self.path, self._rel(Path(d)), f"folder not readable: {exc}"))
                continue
            for e in entries:
                p = Path(e.path)
                rel = self._rel(p)
                try:
                    if e.is_symlink():
                        target = p.resolve()
                        if not target.is_relative_to(self._root):
                            self.problems.append(Problem(self.path, rel, "refused: symbolic link points "
                                                         "outside the folder"))
                            continue
                        if target.is_dir():
                            continue            # avoid loops: linked folders are not followed
                    st = p.stat()
                except OSError as exc:
                    self.problems.append(Problem(self.path, rel, f"not readable: {exc}"))
                    continue
                if stat.S_ISDIR(st.st_mode):
                    stack.append(p)
                elif stat.S_ISREG(st.st_mode):
                    count += 1
                    if count > self.limits.max_members:
                        raise ArchiveError(f"{self.path}: holds more than {self.limits.max_members:,} files; "
                                           "give the export folder itself, not a larger folder.")
                    self._files[rel] = st.st_size

    def _rel(self, p: Path) -> str:
        assert self._root is not None
        try:
            return p.relative_to(self._root).as_posix()
        except ValueError:
            return p.as_posix()

    # -- reading -------------------------------------------------------------------------
    def members(self) -> list[str]:
        """Sorted member paths (computed once: the member set never changes after opening)."""
        cached = self.__dict__.get("_sorted")
        if cached is None:
            cached = sorted(self._infos) if self.kind == "zip" else sorted(self._files)
            self.__dict__["_sorted"] = cached
        return list(cached)

    def __contains__(self, member: str) -> bool:
        return member in (self._infos if self.kind == "zip" else self._files)

    def size(self, member: str) -> int:
        return self._infos[member].file_size if self.kind == "zip" else self._files[member]

    def find(self, suffix: str) -> list[str]:
        """Members whose path is `suffix` or ends with `/suffix` (the export may sit in a parent folder)."""
        index = self.__dict__.get("_by_base")
        if index is None:          # basename -> members, built once so repeated look-ups stay cheap
            index = {}
            for m in self.members():
                index.setdefault(m.rsplit("/", 1)[-1], []).append(m)
            self.__dict__["_by_base"] = index
        return [m for m in index.get(suffix.rsplit("/", 1)[-1], ()) if m == suffix or m.endswith("/" + suffix)]

    def read(self, member: str, max_size: int | None = None) -> bytes:
        """The member's bytes. Every failure is an OSError (MemberError for damaged zip data,
        FileNotFoundError, PermissionError) or a ValueError (over the size cap), never an
        ArchiveError: importers turn it into a Problem and read on."""
        cap = self.limits.max_read if max_size is None else max_size
        if member not in self:
            raise FileNotFoundError(f"{member}: not in the archive")
        if self.size(member) > cap:
            raise ValueError(f"{member}: {self.size(member) / MiB:.0f} MiB, over the {cap / MiB:.0f} MiB "
                             "read limit; skipped")
        want = min(cap, self.size(member))      # never ask for more: a read(n) reserves n bytes
        with self.open_member(member) as fh:
            data = fh.read(want + 1)
        if len(data) > want:
            raise ValueError(f"{member}: larger than its declared size (changed while being read?); skipped")
        return data

    def open_member(self, member: str) -> io.BufferedIOBase:
        if member not in self:
            raise FileNotFoundError(f"{member}: not in the archive")
        if self.kind == "zip":
            assert self._zip is not None
            try:
                raw = self._zip.open(self._infos[member])
            except _MEMBER_FAILURES as exc:
                raise MemberError(f"{member}: damaged or unsupported data in the archive ({exc})") from None
            return _MemberStream(member, raw)  # type: ignore[arg-type]
        assert self._root is not None
        full = (self._root / member).resolve()
        if not full.is_relative_to(self._root):
            raise PermissionError(f"{member}: path escapes the folder")
        return open(full, "rb")

    def read_text(self, member: str, max_size: int | None = None) -> str:
        data = self.read(member, max_size)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return data.decode("utf-8", errors="replace")

    def iter_files(self, prefix: str = "") -> Iterator[str]:
        for m in self.members():
            if not prefix or m.startswith(prefix):
                yield m

    def nested_archives(self) -> list[str]:
        return [m for m in self.members() if m.lower().endswith(".zip")]

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def common_root(member: str, marker: str) -> str:
    """The folder prefix above `marker` in `member` ("" when the export sits at the top)."""
    if member == marker:
        return ""
    assert member.endswith("/" + marker)
    return member[: -len(marker)]


def join(root: str, rel: str) -> str:
    return posixpath.normpath(root + rel) if root else rel
