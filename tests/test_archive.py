"""The archive reader and whole-archive failures through the CLI (issue 2): zip and folder
inputs, a nested top folder, traversal, bomb, encrypted and non-archive inputs."""
import json
import os
import time
import zipfile

import pytest
from click.testing import CliRunner

from auditor.archive import Archive, ArchiveError, Limits
from auditor.cli import main
from conftest import write_zip

TWEETS = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "7", "created_at": "Sat Jun 06 13:02:35 +0000 2020",'
          ' "full_text": "hello", "entities": {}}}]')


def scan(*args):
    return CliRunner().invoke(main, ["scan", *map(str, args), "--quiet"], catch_exceptions=False)


def test_zip_and_folder_read_the_same(make_archive, tmp_path):
    path = make_archive({"data/tweets.js": TWEETS})
    out = tmp_path / "out"
    r = scan(path, "--out", out)
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "findings.json").read_text())
    assert [p["ref"] for p in doc["posts"]] == ["twitter:7"]
    assert doc["archives"][0]["layout"].startswith("tweets.js")


def test_export_inside_a_parent_folder_is_found(make_archive):
    path = make_archive({"Downloads/twitter-2024/data/tweets.js": TWEETS})
    with Archive.open(path) as a:
        import importers.twitter as tw
        dets = tw.detect(a)
    assert [d.root for d in dets] == ["Downloads/twitter-2024/"]


def test_member_paths_that_escape_are_refused(tmp_path):
    p = tmp_path / "evil.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("data/tweets.js", TWEETS)
        zf.writestr("../../outside.txt", "x")
        zf.writestr("/etc/passwd-copy", "x")
    with Archive.open(p) as a:
        assert a.members() == ["data/tweets.js"]
        assert len(a.problems) == 2
        assert all("escapes" in pr.message for pr in a.problems)


def test_zip_bomb_refused_quickly_and_nothing_written(tmp_path):
    p = tmp_path / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/tweets.js", TWEETS)
        zf.writestr("data/big.bin", b"\0" * (20 * 1024 * 1024))
    out = tmp_path / "out"
    t0 = time.perf_counter()
    r = scan(p, "--out", out)
    assert time.perf_counter() - t0 < 1.0
    assert r.exit_code == 2
    assert "zip bomb" in r.output
    assert not out.exists()


def test_total_size_cap(tmp_path):
    p = write_zip(tmp_path / "a.zip", {"data/tweets.js": TWEETS, "b.bin": b"x" * 5000})
    with pytest.raises(ArchiveError, match="in total"):
        Archive.open(p, Limits(max_total_size=1000))


def test_encrypted_zip_is_a_clear_error(tmp_path):
    p = write_zip(tmp_path / "locked.zip", {"data/tweets.js": TWEETS})
    # zipfile cannot write encrypted members: set the "encrypted" flag bit in the local and
    # central headers by hand, as a password-protected zip has it
    raw = bytearray(p.read_bytes())
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = raw.find(sig)
        raw[i + off] |= 0x1
    p.write_bytes(bytes(raw))
    r = scan(p, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "password-protected" in r.output


def test_non_archive_and_missing_and_unrecognised(tmp_path):
    f = tmp_path / "photo.txt"
    f.write_text("not a zip")
    assert scan(f, "--out", tmp_path / "o1").exit_code == 2
    r = scan(tmp_path / "nope.zip", "--out", tmp_path / "o2")
    assert r.exit_code == 2 and "no such file" in r.output
    z = write_zip(tmp_path / "other.zip", {"readme.txt": "hello"})
    r = scan(z, "--out", tmp_path / "o3")
    assert r.exit_code == 2
    assert "no platform export recognised" in r.output and "data/tweets.js" in r.output
    assert not any((tmp_path / o).exists() for o in ("o1", "o2", "o3"))


def test_folder_symlink_outside_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    root = tmp_path / "export"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_text(TWEETS)
    os.symlink(secret, root / "data" / "link.txt")
    with Archive.open(root) as a:
        assert "data/link.txt" not in a.members()
        assert any("outside" in p.message for p in a.problems)


def test_read_is_bounded(tmp_path):
    p = write_zip(tmp_path / "a.zip", {"data/tweets.js": TWEETS})
    with Archive.open(p) as a:
        with pytest.raises(ValueError, match="read limit"):
            a.read("data/tweets.js", max_size=10)


def test_existing_report_needs_force(tmp_path, make_archive):
    path = make_archive({"data/tweets.js": TWEETS})
    out = tmp_path / "out"
    assert scan(path, "--out", out).exit_code == 0
    r = scan(path, "--out", out)
    assert r.exit_code == 2 and "--force" in r.output
    assert scan(path, "--out", out, "--force").exit_code == 0
