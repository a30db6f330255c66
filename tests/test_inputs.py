"""Inputs as people have them (issue 14): a folder holding export zips and folders (a Downloads
folder, sample_exports/) scans every export in it and names what it ignored; an export zip holding
export zips is opened one level down; an empty zip, an empty folder and a folder of unrecognised
zips each get their own one-line message; any number of zips can be given (file handles are
bounded). Fixtures are built at test time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.archive import Archive
from auditor.cli import main
from auditor.config import Config, load
from auditor.pipeline import open_inputs, scan
from conftest import write_folder, write_zip
from test_images_helpers import jpeg
from test_twitter_layouts import tweet, utc, ytd

ROOT = Path(__file__).resolve().parent.parent


def x_export(handle: str, *tids: str) -> dict:
    return {"data/account.js": ytd("account", [{"account": {"username": handle, "accountId": "1"}}]),
            "data/tweets.js": ytd("tweets", [{"tweet": tweet(t, utc(2024, 1, 1), f"post {t}")} for t in tids])}


def downloads(tmp_path: Path, form: str) -> Path:
    """A Downloads folder (or the same, zipped): two X export zips, an unpacked X export, a camera
    roll, a loose photo, and things that are not downloads."""
    members: dict[str, bytes | str] = {}
    zips = {"twitter-2024-a.zip": x_export("ann_a", "11", "12"), "twitter-2019-b.zip": x_export("ann_b", "21")}
    for name, m in zips.items():
        members[name] = write_zip(tmp_path / f"build-{name}", m).read_bytes()
    members.update({f"twitter-2022/{k}": v for k, v in x_export("ann_c", "31").items()})
    members.update({"camera-roll/IMG_1.jpg": jpeg(), "camera-roll/IMG_2.jpg": jpeg(), "loose.jpg": jpeg(),
                    "notes.txt": "shopping list", "setup.exe": b"MZ", ".DS_Store": b"\0",
                    "empty-folder/readme.md": "nothing here"})
    if form == "folder":
        return write_folder(tmp_path / "Downloads", members)
    return write_zip(tmp_path / "Downloads.zip", members)


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_a_downloads_folder_reads_every_export_and_names_the_rest(tmp_path, form):
    path = downloads(tmp_path, form)
    res = scan([str(path)], Config(), analysers=[])
    refs = sorted(p.ref for p in res.posts if p.platform == "twitter")
    assert refs == ["twitter:11", "twitter:12", "twitter:21", "twitter:31"]
    photos = [p for p in res.posts if p.platform == "photos"]
    assert len(photos) == 3                                   # the camera roll and the loose photo
    platforms = sorted(a.platform for a in res.archives)
    assert platforms.count("twitter") == 3 and "photos" in platforms
    assert res.complete, res.gaps
    if form == "folder":
        ignored = {os.path.basename(i.path): i.reason for i in res.ignored}
        assert set(ignored) == {"notes.txt", "setup.exe", "empty-folder"}      # .DS_Store: silently
        assert f"{path}/twitter-2024-a.zip" in [a.path for a in res.archives]
        assert f"{path}/camera-roll" in [a.path for a in res.archives]
    else:
        assert f"{path}/twitter-2024-a.zip" in [a.path for a in res.archives]   # opened in place
    assert not list(tmp_path.glob("**/data/tweets.js")) or form == "folder"      # nothing extracted


def test_cli_names_what_it_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr("auditor.pipeline.default_analysers", lambda: [])
    path = downloads(tmp_path, "folder")
    r = CliRunner().invoke(main, ["scan", str(path), "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "Not read (3)" in r.output and "notes.txt" in r.output and "setup.exe" in r.output
    assert "Read 7 posts from 5 export(s)" in r.output


def test_sample_exports_folder_reads_the_three_exports_and_the_camera_roll(tmp_path, monkeypatch):
    monkeypatch.setattr("auditor.pipeline.default_analysers", lambda: [])
    monkeypatch.chdir(ROOT)
    out = tmp_path / "r"
    r = CliRunner().invoke(main, ["scan", "sample_exports", "--out", str(out), "--config",
                                  "sample_exports/auditor.toml"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "findings.json").read_text())
    assert sorted(a["platform"] for a in doc["archives"]) == ["facebook", "instagram", "photos", "threads", "twitter"]
    assert "generate.py" in r.output and "auditor.toml" in r.output          # named as not read
    given = scan(["sample_exports/twitter-2026-11-01-3f9a1c.zip",
                  "sample_exports/facebook-jordanashby-2026-11-01-Ab12Cd34.zip",
                  "sample_exports/instagram-jordan.ashby.runs-2026-11-01-Zx98Yw76.zip",
                  "sample_exports/camera-roll"], load("sample_exports/auditor.toml"), analysers=[])
    assert sorted(p["ref"] for p in doc["posts"]) == sorted(p.ref for p in given.posts)   # the same posts


def test_export_folder_beside_a_camera_roll_without_zips(tmp_path):
    root = write_folder(tmp_path / "stuff", {**{f"twitter/{k}": v for k, v in x_export("ann", "5").items()},
                                             "phone/IMG_9.jpg": jpeg()})
    res = scan([str(root)], Config(), analysers=[])
    assert sorted(p.platform for p in res.posts) == ["photos", "twitter"]


def test_a_plain_photo_folder_stays_one_archive(tmp_path):
    root = write_folder(tmp_path / "roll", {"2023/a.jpg": jpeg(), "2024/b.jpg": jpeg()})
    res = scan([str(root)], Config(), analysers=[])
    assert [a.path for a in res.archives] == [str(root)] and len(res.posts) == 2


def test_an_export_folder_is_read_as_one_even_with_a_zip_inside(tmp_path):
    inner = write_zip(tmp_path / "inner.zip", x_export("ann", "8"))
    root = write_folder(tmp_path / "export", {**x_export("ann", "7"), "extra/old.zip": inner.read_bytes()})
    res = scan([str(root)], Config(), analysers=[])
    assert sorted(p.ref for p in res.posts) == ["twitter:7", "twitter:8"]
    assert res.archives[0].path == str(root)


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_only_unrecognised_zips_get_a_one_line_message(tmp_path, form):
    members = {f"{n}.zip": write_zip(tmp_path / f"b{n}.zip", {"readme.txt": "hello"}).read_bytes()
               for n in ("one", "two", "three", "four")}
    path = write_folder(tmp_path / "zips", members) if form == "folder" else write_zip(tmp_path / "zips.zip", members)
    r = CliRunner().invoke(main, ["scan", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    msg = r.output.strip()
    assert "\n" not in msg and "Looked for" not in msg
    assert "holds 4 zip file(s)" in msg and "and 1 more" in msg and "none of them is a data download" in msg


def test_damaged_zip_in_a_downloads_folder_is_a_gap(tmp_path):
    root = write_folder(tmp_path / "dl", {"broken.zip": b"PK\x03\x04 not really a zip",
                                          "twitter.zip": write_zip(tmp_path / "t.zip",
                                                                   x_export("a", "1")).read_bytes()})
    res = scan([str(root)], Config(), analysers=[])
    assert [p.ref for p in res.posts] == ["twitter:1"]
    assert not res.complete and res.gaps[0].archive.endswith("broken.zip")
    assert "incomplete or damaged" in res.gaps[0].message


# -- file handles --------------------------------------------------------------------------------
SCRIPT = textwrap.dedent('''
    import os, resource, sys, zipfile
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    from auditor.config import Config
    from auditor.pipeline import open_inputs, import_posts, scan
    folder = Path(sys.argv[1])
    paths = sorted(str(p) for p in folder.iterdir())
    res = scan(paths, Config(), analysers=[])
    assert res.complete, res.gaps[:3]
    # the media of every post, read after all imports (as the analysers do): handles are reopened
    inputs = open_inputs(paths)
    _, posts, problems, _ = import_posts(inputs, Config())
    byname = {a.path: a for a in inputs}
    n = 0
    for p in posts:
        for m in p.media:
            assert byname[m.archive].read(m.path) == b"\\xff\\xd8" + m.path.encode()
            n += 1
    fds = len(os.listdir("/proc/self/fd"))
    inputs.close()
    print(len(res.posts), len(res.archives), n, fds)
''')


def test_thousands_of_zips_with_few_file_handles(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    count = 2500
    for i in range(count):
        tid = str(10_000 + i)
        media = f"data/tweets_media/{tid}-p.jpg"
        t = tweet(tid, utc(2024, 1, 1), f"post {i} https://t.co/x", media=[{
            "type": "photo", "url": "https://t.co/x", "media_url_https": "https://pbs.twimg.com/media/p.jpg",
            "indices": ["7", "30"]}])
        write_zip(folder / f"twitter-{i:05d}.zip", {"data/tweets.js": ytd("tweets", [{"tweet": t}]),
                                                     media: b"\xff\xd8" + media.encode()})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(folder)], capture_output=True, text=True, timeout=600,
                       env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    posts, archives, media, fds = map(int, r.stdout.split())
    assert (posts, archives, media) == (count, count, count)
    assert fds < 64


def test_handle_pool_reopens_and_never_exceeds_its_limit(tmp_path, monkeypatch):
    from auditor import archive as archive_mod
    monkeypatch.setattr(archive_mod._POOL, "limit", 3)
    paths = [write_zip(tmp_path / f"{i}.zip", {"a.txt": f"zip {i}"}) for i in range(10)]
    arcs = [Archive.open(p) for p in paths]
    for _ in range(3):
        for i, a in enumerate(arcs):
            assert a.read("a.txt") == f"zip {i}".encode()
            assert archive_mod._POOL.open_count() <= 3
    # a member stream stays readable while its zip's handle is given back and taken again
    with arcs[0].open_member("a.txt") as fh:
        for a in arcs[1:]:
            a.read("a.txt")
        assert fh.read() == b"zip 0"
    for a in arcs:
        a.close()
    assert archive_mod._POOL.open_count() == 0


def test_open_inputs_lists_each_archive_once(tmp_path):
    z = write_zip(tmp_path / "x.zip", x_export("a", "1"))
    inputs = open_inputs([str(z)])
    try:
        assert [a.path for a in inputs] == [str(z)] and len(inputs.plan) == 1
    finally:
        inputs.close()
