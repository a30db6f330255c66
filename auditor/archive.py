"""One reader over a zip file or a folder. Never extracts to disk, never writes, caps sizes.

Archives are untrusted: member paths that escape (``..``, absolute, drive letters) are refused,
symlinks that point outside a folder input are refused, sizes and counts are capped, and a zip
bomb is refused from its central directory before anything is decompressed.

File handles are bounded: a zip holds an open file only while it is being read, through a shared
pool that closes the least recently used ones (so any number of zips can be given). A zip held
inside a zip is opened in place, one level down (`Archive.open_nested`): a stored one is read
through a window on the outer file, a compressed one is read into memory up to a cap; its members
count against the outer zip's limits. A folder can be cut into views (`Archive.view`), one per
export it holds.
"""
from __future__ import annotations

import errno
import io
import os
import posixpath
import stat
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .model import Problem

MiB = 1024 * 1024
GiB = 1024 * MiB


class ArchiveError(Exception):
    """The whole input cannot be read (not a zip or folder, encrypted, a bomb, no platform).
    The message is shown to the user as it is; the CLI exits with 2."""


class ArchiveRefused(ArchiveError):
    """The input is refused as hostile (a zip bomb): never read, not even in part."""


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
    max_nested_read: int = 512 * MiB        # a compressed zip inside a zip is read into memory up to this
    max_nested_memory: int = 1 * GiB        # ... and all of them together


DEFAULT_LIMITS = Limits()


# -- bounded file handles ------------------------------------------------------------------------
def _default_handle_limit() -> int:
    """An eighth of the process's open-file limit, between 2 and 64: the rest is left for the
    analysers, the report writer and the folders' files."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY or soft <= 0:
            soft = 4096
    except (ImportError, OSError, ValueError):
        soft = 256
    return max(2, min(64, soft // 8))


class _HandlePool:
    """The zips' open files, least recently used first. Opening one more than `limit` closes the
    oldest that is not being read at that moment (it reopens itself when read again)."""

    def __init__(self) -> None:
        self._open: OrderedDict[_ReopeningFile, None] = OrderedDict()
        self._lock = threading.Lock()
        self.limit = _default_handle_limit()

    def admit(self, f: "_ReopeningFile") -> None:
        with self._lock:
            self._open.pop(f, None)
            while len(self._open) >= self.limit:
                for victim in self._open:
                    if victim._lock.acquire(blocking=False):       # never wait: no lock cycles
                        try:
                            victim._close_handle()
                        finally:
                            victim._lock.release()
                        del self._open[victim]
                        break
                else:
                    break                                          # all busy: go over for a moment
            self._open[f] = None

    def touch(self, f: "_ReopeningFile") -> None:
        with self._lock:
            if f in self._open:
                self._open.move_to_end(f)

    def forget(self, f: "_ReopeningFile") -> None:
        with self._lock:
            self._open.pop(f, None)

    def open_count(self) -> int:
        return len(self._open)


_POOL = _HandlePool()


class _ReopeningFile:
    """A read-only file object over a path that holds an OS file handle only while the pool lets it:
    zipfile reads the central directory once, and members later, through it."""

    def __init__(self, path: str | os.PathLike):
        self.name = os.fspath(path)
        self._fh: io.BufferedReader | None = None
        self._pos = 0
        self._lock = threading.Lock()
        self._closed = False

    def _handle(self) -> io.BufferedReader:        # called with self._lock held
        if self._fh is None:
            if self._closed:
                raise ValueError("I/O operation on a closed archive")
            _POOL.admit(self)
            try:
                self._fh = open(self.name, "rb")
            except BaseException:
                _POOL.forget(self)
                raise
        else:
            _POOL.touch(self)
        return self._fh

    def read(self, n: int | None = -1) -> bytes:
        with self._lock:
            fh = self._handle()
            fh.seek(self._pos)
            data = fh.read() if n is None or n < 0 else fh.read(n)
            self._pos += len(data)
            return data

    def pread(self, offset: int, n: int) -> bytes:
        with self._lock:
            fh = self._handle()
            fh.seek(offset)
            return fh.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        with self._lock:
            if whence == 0:
                pos = offset
            elif whence == 1:
                pos = self._pos + offset
            elif whence == 2:
                pos = os.fstat(self._handle().fileno()).st_size + offset
            else:
                raise ValueError(f"invalid whence {whence}")
            if pos < 0:
                raise OSError(errno.EINVAL, "negative seek position")
            self._pos = pos
            return pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def _close_handle(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None

    def release(self) -> None:
        """Give the OS handle back now (it is reopened on the next read)."""
        with self._lock:
            self._close_handle()
        _POOL.forget(self)

    def close(self) -> None:
        self.release()
        self._closed = True


class _Window:
    """A read-only file object over `size` bytes of another file from `start`: a zip stored
    (uncompressed) inside a zip, read in place."""

    def __init__(self, base: _ReopeningFile, start: int, size: int, name: str):
        self._base, self._start, self._size, self.name = base, start, size, name
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        left = self._size - self._pos
        n = left if n is None or n < 0 else min(n, left)
        if n <= 0:
            return b""
        data = self._base.pread(self._start + self._pos, n)
        self._pos += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        pos = {0: offset, 1: self._pos + offset, 2: self._size + offset}.get(whence)
        if pos is None or pos < 0:
            raise OSError(errno.EINVAL, "invalid seek")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


@dataclass
class _Budget:
    """What a zip and the zips inside it have claimed so far, against one set of limits."""
    members: int = 0
    total: int = 0
    in_memory: int = 0


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")      # a zip member's local file header (30 bytes)


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
    """A zip or a folder given on the command line (or found inside one). Member paths are
    relative posix paths. `path` is the label shown to the user: the path given, or
    ``outer.zip/inner.zip`` for a zip inside a zip."""
    path: str
    kind: str                                   # "zip" or "folder"
    limits: Limits = DEFAULT_LIMITS
    problems: list[Problem] = field(default_factory=list)
    level: int = 0                              # 1 for a zip opened inside another zip
    encrypted: int = 0                          # password-protected members left out
    _zip: zipfile.ZipFile | None = None
    _file: _ReopeningFile | None = None
    _infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    _files: dict[str, int] = field(default_factory=dict)    # folder: member -> size
    _root: Path | None = None
    _budget: _Budget = field(default_factory=_Budget)
    _shared: bool = False                       # a view: the zip file belongs to another Archive

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS, label: str | None = None
             ) -> "Archive":
        p = Path(path)
        label = str(path) if label is None else label
        if not p.exists():
            raise ArchiveError(f"{label}: no such file or folder. Expected a platform's data-download "
                               "archive (a .zip file) or the folder it was unpacked into.")
        if p.is_dir():
            arc = cls(label, "folder", limits)
            arc._scan_folder(p)
            return arc
        try:
            st = p.stat()
        except OSError as exc:
            raise ArchiveError(f"{label}: cannot be read ({exc.strerror or exc}).") from None
        if not stat.S_ISREG(st.st_mode):
            raise ArchiveError(f"{label}: not a regular file or a folder. Expected a platform's "
                               "data-download archive (a .zip file) or the folder it was unpacked into.")
        if st.st_size == 0:
            raise ArchiveError(f"{label}: the file is empty (0 bytes): the download did not finish. "
                               "Download your archive again.")
        arc = cls(label, "zip", limits)
        arc._file = _ReopeningFile(p)
        try:
            arc._open_zip(arc._file)
        finally:
            arc._file.release()               # reopened when a member is read
        return arc

    def _open_zip(self, fileobj) -> None:
        try:
            zf = zipfile.ZipFile(fileobj)
            infos = zf.infolist()
        except zipfile.BadZipFile:
            try:
                fileobj.seek(0)
                head = fileobj.read(4)
            except OSError:
                head = b""
            if head == b"PK\x03\x04":
                raise ArchiveError(f"{self.path}: the zip file is incomplete or damaged (its table of contents "
                                   "at the end is missing). The download was probably cut short: "
                                   "download the archive again.") from None
            raise ArchiveError(f"{self.path}: not a zip archive or a folder. Expected a data-download "
                               "archive from X/Twitter, Facebook or Instagram (a .zip file), the folder "
                               "it was unpacked into, or a folder of photos.") from None
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                raise ArchiveError(f"{self.path}: cannot be opened: this computer has too many files open "
                                   "at once. Close other programs and scan again.") from None
            raise ArchiveError(f"{self.path}: cannot be read ({exc.strerror or exc}).") from None
        except (ValueError, *_MEMBER_FAILURES) as exc:
            raise ArchiveError(f"{self.path}: the zip file is damaged and cannot be read ({exc}). "
                               "Download the archive again.") from None
        lim = self.limits
        budget = self._budget
        inside = " (counting the zips inside it)" if self.level else ""
        budget.members += len(infos)
        if budget.members > lim.max_members:
            zf.close()
            raise ArchiveRefused(f"{self.path}: holds {len(infos):,} members, more than the "
                               f"{lim.max_members:,} this tool reads{inside}; refusing it as a possible zip bomb.")
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
                raise ArchiveRefused(f"{self.path}: member {name} expands {size // max(info.compress_size, 1):,} "
                                   "times; refusing the archive as a zip bomb.")
            if size > lim.max_member_size:
                # an honest big file (a long video): never read, so skip it rather than the archive
                self.problems.append(Problem(self.path, name, f"skipped: {size / GiB:.1f} GiB uncompressed, "
                                             f"over the {lim.max_member_size / GiB:.0f} GiB limit for one file"))
                continue
            budget.total += size
            if budget.total > lim.max_total_size:
                zf.close()
                raise ArchiveRefused(f"{self.path}: members claim more than {lim.max_total_size / GiB:.0f} GiB "
                                   f"uncompressed in total{inside}; refusing the archive as a possible zip bomb.")
            if name in self._infos:
                self.problems.append(Problem(self.path, name, "duplicate member name; the first copy is used"))
                continue
            self._infos[name] = info
        if encrypted and encrypted == len(self._infos):
            zf.close()
            raise ArchiveError(f"{self.path}: the zip is password-protected (encrypted). Download the "
                               "archive again without a password, or unpack it and give the folder.")
        if encrypted:
            self.encrypted = encrypted
            self.problems.append(Problem(self.path, "", f"{encrypted} password-protected (encrypted) files "
                                         "in the zip could not be read"))
            self._infos = {n: i for n, i in self._infos.items() if not i.flag_bits & 0x1}
        self._zip = zf

    def open_nested(self, member: str) -> "Archive":
        """The zip `member` of this archive, opened in place as an archive of its own (labelled
        ``<this>/<member>``); nothing is written to disk. In a folder it is simply a zip file. In a
        zip: one level down only, stored members through a window on this zip's file, compressed
        ones read into memory up to `max_nested_read`; their members count against this zip's
        limits. Raises ArchiveError when it cannot or may not be opened."""
        label = f"{self.path.rstrip('/')}/{member}"
        if member not in self:
            raise ArchiveError(f"{label}: not in the archive")
        if self.kind == "folder":
            assert self._root is not None
            return Archive.open(self._root / member, self.limits, label=label)
        if self.level >= 1:
            raise ArchiveError(f"{label}: a zip inside a zip inside a zip is not opened. Unzip "
                               f"{posixpath.basename(self.path)} and give the zip files it holds directly.")
        info = self._infos[member]
        lim = self.limits
        if info.compress_type == zipfile.ZIP_STORED and self._file is not None:
            try:
                head = self._file.pread(info.header_offset, _LOCAL_HEADER.size)
                fields = _LOCAL_HEADER.unpack(head)
            except (OSError, struct.error) as exc:
                raise ArchiveError(f"{label}: the zip inside the archive cannot be read ({exc}).") from None
            if fields[0] != b"PK\x03\x04":
                raise ArchiveError(f"{label}: the zip inside the archive is damaged (bad header).")
            start = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
            fileobj: object = _Window(self._file, start, info.file_size, label)
        else:
            budget = self._budget
            if info.file_size > lim.max_nested_read or budget.in_memory + info.file_size > lim.max_nested_memory:
                raise ArchiveError(f"{label}: this compressed zip inside {posixpath.basename(self.path)} is "
                                   f"{info.file_size / MiB:,.0f} MiB, too large to open inside another zip. "
                                   f"Unzip {posixpath.basename(self.path)} and give {posixpath.basename(member)} "
                                   "directly.")
            try:
                data = self.read(member, lim.max_nested_read)
            except (OSError, ValueError) as exc:
                raise ArchiveError(f"{label}: the zip inside the archive cannot be read ({exc}).") from None
            budget.in_memory += len(data)
            fileobj = io.BytesIO(data)
        arc = Archive(label, "zip", lim, level=self.level + 1, _budget=self._budget)
        arc._open_zip(fileobj)
        return arc

    def view(self, prefix: str, label: str, only: Iterable[str] | None = None) -> "Archive":
        """Part of this archive as an archive of its own (one export of a folder or zip that holds
        several): the members under `prefix` (made relative to it), or exactly the members `only`
        (loose files beside the exports). Nothing is listed or opened again: a zip's view shares
        its file, and closing the view leaves it open."""
        arc = Archive(label, self.kind, self.limits, level=self.level, _budget=self._budget)
        table = self._infos if self.kind == "zip" else self._files
        if only is not None:
            sub = {m: table[m] for m in only if m in table}
        else:
            sub = {m[len(prefix):]: v for m, v in table.items() if m.startswith(prefix)}
        if self.kind == "zip":
            arc._zip, arc._file, arc._infos, arc._shared = self._zip, self._file, sub, True  # type: ignore[assignment]
        else:
            assert self._root is not None
            arc._root = (self._root / prefix).resolve() if prefix else self._root
            arc._files = sub  # type: ignore[assignment]
        arc.problems = [Problem(label, pr.member[len(prefix):], pr.message) for pr in self.problems
                        if prefix and pr.member.startswith(prefix)]
        return arc

    @property
    def empty(self) -> bool:
        """Holds no files at all (none refused or skipped either)."""
        return not (self._infos if self.kind == "zip" else self._files) and not self.problems

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
            if self._zip is None:
                raise ValueError(f"{member}: the archive {self.path} is closed")
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

    def release(self) -> None:
        """Give back the OS file handle now (it is reopened when a member is read again)."""
        if self._file is not None:
            self._file.release()

    def close(self) -> None:
        if self._shared:
            return
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._file is not None:
            self._file.close()

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
