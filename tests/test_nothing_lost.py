"""Nothing lost or changed: every input file is byte-identical (and keeps its times and mode)
after a scan and nothing appears beside it; --out never overwrites an existing report without
--force; outputs are written atomically (temporary file in the same folder, then rename) and are
readable by the owner only, whatever the umask."""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import report
from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
TWEETS = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "11", "created_at": '
          '"Tue Feb 04 09:00:00 +0000 2020", "full_text": "Shift done, pic https://t.co/p", "entities": '
          '{"media": [{"type": "photo", "media_url_https": "https://pbs.twimg.com/media/Abc.jpg"}]}, '
          '"coordinates": {"type": "Point", "coordinates": ["-1.549", "53.800"]}}}]')
MEMBERS = {"data/tweets.js": TWEETS, "data/tweets_media/11-Abc.jpg": JPEG,
           "data/account.js": 'window.YTD.account.part0 = [{"account": {"username": "sam_invented"}}]'}


def fingerprint(path: Path) -> dict[str, tuple]:
    """Every file and folder under path (or path itself): content hash, size, mode, mtime."""
    paths = [path] if path.is_file() else [path, *sorted(path.rglob("*"))]
    out = {}
    for p in paths:
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
        out[str(p.relative_to(path.parent))] = (digest, st.st_size if digest else 0, st.st_mode, st.st_mtime_ns)
    return out


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def scan(paths: list[Path], out: Path, *extra: str):
    return run("scan", *map(str, paths), "--out", str(out), "--quiet", *extra)


# -- inputs are not touched ------------------------------------------------------------------
def test_built_archive_unchanged_and_nothing_beside_it(make_archive, tmp_path):
    path = make_archive(MEMBERS)
    os.chmod(path, 0o500 if path.is_dir() else 0o400)     # as a cautious user might leave it
    before, beside = fingerprint(path), listing(path.parent)
    try:
        r = scan([path], tmp_path / "reports" / "out")
        assert r.exit_code in (0, 1), r.output
        assert fingerprint(path) == before
        assert listing(path.parent) == sorted(beside + ["reports"])
    finally:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def test_sample_exports_unchanged_by_a_full_scan(tmp_path):
    if not SAMPLES.is_dir():
        pytest.skip("sample_exports/ not present")
    inputs = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".zip" or p.is_dir())
    if not inputs:
        pytest.skip("sample_exports/ holds no archives yet")
    before = {str(p): fingerprint(p) for p in inputs}
    beside = listing(SAMPLES)
    cfg = SAMPLES / "auditor.toml"
    r = scan(inputs, tmp_path / "out", *(["--config", str(cfg)] if cfg.exists() else []))
    assert r.exit_code in (0, 1, 2), r.output
    assert {str(p): fingerprint(p) for p in inputs} == before
    assert listing(SAMPLES) == beside


def test_refused_input_is_unchanged(tmp_path):
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04" + os.urandom(300))
    before = fingerprint(bad)
    r = scan([bad], tmp_path / "out")
    assert r.exit_code == 2
    assert fingerprint(bad) == before
    assert listing(tmp_path) == ["export.zip"]


def test_out_inside_the_archive_folder_is_refused(make_archive, tmp_path):
    path = make_archive(MEMBERS)
    if not path.is_dir():
        pytest.skip("only a folder input can contain --out")
    before = fingerprint(path)
    r = scan([path], path / "report")
    assert r.exit_code == 2 and "inside the archive folder" in r.output
    assert fingerprint(path) == before


# -- --out and --force -----------------------------------------------------------------------
@pytest.mark.parametrize("name", report.OUTPUTS)
def test_existing_report_file_is_not_overwritten_without_force(make_archive, tmp_path, name):
    path = make_archive(MEMBERS)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the user's earlier report")
    before = fingerprint(out)
    r = scan([path], out)
    assert r.exit_code == 2
    assert "already exists" in r.output and "--force" in r.output
    assert fingerprint(out) == before


def test_force_overwrites_and_the_result_is_private(make_archive, tmp_path):
    path = make_archive(MEMBERS)
    out = tmp_path / "out"
    assert scan([path], out).exit_code in (0, 1)
    first = json.loads((out / "findings.json").read_text())
    (out / "findings.json").write_text("stale")
    os.chmod(out / "findings.json", 0o644)
    r = scan([path], out, "--force")
    assert r.exit_code in (0, 1), r.output
    assert json.loads((out / "findings.json").read_text())["posts"] == first["posts"]
    for name in listing(out):
        mode = (out / name).stat().st_mode
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"
    assert not [n for n in listing(out) if n.startswith(".")], "temporary files left behind"


def test_outputs_private_even_with_a_permissive_umask(make_archive, tmp_path):
    path = make_archive(MEMBERS)
    old = os.umask(0)
    try:
        r = scan([path], tmp_path / "new" / "out")
    finally:
        os.umask(old)
    assert r.exit_code in (0, 1), r.output
    out = tmp_path / "new" / "out"
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0
    written = listing(out)
    assert {"report.html", "findings.json", "findings.csv"} <= set(written)
    for name in written:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name


def test_dangling_symlink_in_out_is_replaced_not_followed(make_archive, tmp_path):
    path = make_archive(MEMBERS)
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "elsewhere.html"
    (out / "report.html").symlink_to(target)
    r = scan([path], out)
    assert r.exit_code in (0, 1), r.output
    assert not target.exists(), "the report was written through a symbolic link"
    assert not (out / "report.html").is_symlink()


# -- atomic writes ---------------------------------------------------------------------------
def test_write_private_renames_a_temporary_file_from_the_same_folder(tmp_path, monkeypatch):
    dest = tmp_path / "findings.json"
    dest.write_text("old")
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src), Path(dst), Path(dst).read_text(), Path(src).read_text()))
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", spy)
    report.write_private(dest, "new")
    (src, dst, dst_then, src_then), = seen
    assert dst == dest and src.parent == dest.parent and src != dest
    assert dst_then == "old" and src_then == "new"       # the old file stays whole until the rename
    assert dest.read_text() == "new" and listing(tmp_path) == ["findings.json"]


@pytest.mark.parametrize("where", ["write", "rename"])
def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, where):
    dest = tmp_path / "report.html"
    dest.write_text("old report")
    if where == "rename":
        def broken_replace(src, dst):
            raise OSError(errno.EXDEV, "rename failed")
        monkeypatch.setattr(os, "replace", broken_replace)
    else:
        real_fdopen = os.fdopen

        class Full(io.TextIOWrapper):
            def write(self, s):
                raise OSError(errno.ENOSPC, "No space left on device")

        def full_fdopen(fd, *a, **kw):
            return Full(real_fdopen(fd, "wb"), encoding="utf-8")
        monkeypatch.setattr(os, "fdopen", full_fdopen)
    with pytest.raises(OSError):
        report.write_private(dest, "new report " * 1000)
    assert dest.read_text() == "old report"
    assert listing(tmp_path) == ["report.html"]


def test_disk_full_during_scan_is_a_clear_message(make_archive, tmp_path, monkeypatch):
    path = make_archive(MEMBERS)

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(report, "write_private", full)
    r = scan([path], tmp_path / "out")
    assert r.exit_code == 2
    assert "cannot write the report" in r.output and "No space left" in r.output
    assert "Traceback" not in r.output
