"""Owner-only atomic writes: the one writer for every file the tool produces (the report's four
outputs, the baseline, the profile written by `auditor init`).

A file is written to a temporary file in the destination's folder, flushed to disk, made readable
by its owner only (0600) and renamed over the destination, so that a crash or a full disk never
leaves a half-written file and the old one stays whole until the rename. A symbolic link at the
destination is replaced, never followed. Also the one checksum of a file (`sha256_file`), with which
the shipped model files are checked.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def write_private(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically, mode 0600. Lone surrogates (broken escapes in an
    archive's JSON) become U+FFFD: UTF-8 cannot hold them."""
    path = Path(path)
    text = _LONE_SURROGATE.sub("\ufffd", text)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) readable by the owner only; returns it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (shipped model files are checked against theirs)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
