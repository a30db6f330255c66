"""Hostile archives: zip bombs (ratio and total), escaping and absolute names, symlinks out of a
folder, a zip in a zip, 100,000 tiny members, encrypted zips, multi-gigabyte members, damaged
members. Each is refused with one clear message (exit 2) or skipped as a Problem, quickly and in
bounded memory; never a traceback. Sizes of gigabytes are only claimed in a crafted central
directory or a sparse file: nothing big is written to disk."""
from __future__ import annotations

import os
import signal
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.archive import Archive, ArchiveError, Limits, MemberError
from auditor.cli import main
from auditor.config import Config
from auditor.pipeline import scan
from test_hostile_zipwriter import TWEETS_JS, Entry, deflated, stored, write_raw_zip

MiB = 1 << 20
GiB = 1 << 30


@contextmanager
def time_limit(seconds: int):
    """Fail (instead of hanging the suite) if the block runs longer than `seconds`."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def cli_scan(*paths: Path, out: Path):
    return CliRunner().invoke(main, ["scan", *map(str, paths), "--out", str(out), "--quiet"])


def assert_refused(path: Path, tmp_path: Path, *words: str) -> str:
    """The CLI refuses the input: exit 2, one clear message naming the problem, no traceback,
    no report written."""
    out = tmp_path / "out"
    with time_limit(20):
        r = cli_scan(path, out=out)
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    msg = r.output.strip()
    assert msg.startswith("auditor: ") and str(path) in msg
    for w in words:
        assert w in msg, msg
    assert not (out / "findings.json").exists()
    return msg


def scan_problems(path: Path) -> tuple[list, list]:
    with time_limit(30):
        res = scan([str(path)], Config(), analysers=[])
    return res.posts, res.problems


# -- zip bombs -------------------------------------------------------------------------------
def test_ratio_bomb_refused_from_central_directory_within_a_second(tmp_path):
    # 64 MiB of zeros deflates to ~64 KiB (ratio ~1000): refused before anything is inflated
    bomb = write_raw_zip(tmp_path / "bomb.zip", [stored("data/tweets.js", TWEETS_JS),
                                                 deflated(bytes(64 * MiB), name="data/zeros.js")])
    assert bomb.stat().st_size < MiB
    t0 = time.perf_counter()
    with pytest.raises(ArchiveError, match="zip bomb"):
        Archive.open(bomb)
    assert time.perf_counter() - t0 < 1.0
    assert_refused(bomb, tmp_path, "data/zeros.js", "zip bomb")


def test_ratio_bomb_that_lies_about_its_size_is_refused(tmp_path):
    # Claims a 2 GiB member in 1 KiB of data: refused on the claim, nothing is inflated.
    bomb = write_raw_zip(tmp_path / "liar.zip", [stored("data/tweets.js", TWEETS_JS),
                                                 Entry("data/tweets-part1.js", bytes(1024), method=8,
                                                       file_size=2 * GiB)])
    t0 = time.perf_counter()
    assert_refused(bomb, tmp_path, "zip bomb")
    assert time.perf_counter() - t0 < 5.0


def test_total_bomb_refused_within_a_second(tmp_path):
    # 40 members each claiming 3.9 GiB at an innocent ratio of 2: 156 GiB in total, over the cap.
    entries = [stored("data/tweets.js", TWEETS_JS)]
    entries += [Entry(f"data/tweets_media/v{i}.mp4", b"\0" * 16, file_size=int(3.9 * GiB),
                      compress_size=int(1.95 * GiB)) for i in range(40)]
    bomb = write_raw_zip(tmp_path / "total.zip", entries)
    assert bomb.stat().st_size < 64 * 1024
    t0 = time.perf_counter()
    with pytest.raises(ArchiveError, match="in total"):
        Archive.open(bomb)
    assert time.perf_counter() - t0 < 1.0
    assert_refused(bomb, tmp_path, "in total", "zip bomb")


def test_overlapping_entries_bomb_refused(tmp_path):
    # Fifield-style: many central directory entries share one highly compressed kernel.
    kernel = deflated(bytes(8 * MiB), name="k")
    entries = [stored("data/tweets.js", TWEETS_JS)]
    entries += [Entry(f"data/tweets_media/{i}.jpg", kernel.data, method=8, file_size=kernel.file_size,
                      crc=kernel.crc) for i in range(50)]
    assert_refused(write_raw_zip(tmp_path / "overlap.zip", entries), tmp_path, "zip bomb")


def test_small_members_under_the_ratio_floor_read_in_bounded_memory(tmp_path):
    # Below the 1 MiB ratio floor a high ratio is allowed, and reading stays bounded by the claim.
    arc_path = write_raw_zip(tmp_path / "small.zip", [stored("data/tweets.js", TWEETS_JS),
                                                      deflated(bytes(900 * 1024), name="data/z.js")])
    with Archive.open(arc_path) as arc:
        assert len(arc.read("data/z.js")) == 900 * 1024


def test_member_inflating_past_its_claim_is_cut_at_the_claim(tmp_path):
    # Claims 100 bytes but the deflate stream holds 50 MiB: only the claim is read, then the CRC fails.
    liar = deflated(bytes(50 * MiB), name="data/tweets.js")
    path = write_raw_zip(tmp_path / "liar.zip", [Entry("data/tweets.js", liar.data, method=8, file_size=100,
                                                       crc=liar.crc)])
    tracemalloc.start()
    try:
        with Archive.open(path) as arc, pytest.raises(MemberError, match="damaged"):
            arc.read("data/tweets.js")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB, peak
    posts, problems = scan_problems(path)
    assert posts == [] and any("damaged" in p.message for p in problems)


# -- names that escape -----------------------------------------------------------------------
ESCAPING = ["../evil.js", "data/../../evil.js", "/etc/passwd", "\\\\server\\share\\x.js",
            "C:\\Windows\\x.js", "c:/x.js", "..\\..\\x.js", "data/\x00/x.js"]


def test_escaping_and_absolute_names_are_problems_and_the_rest_is_read(tmp_path):
    entries = [stored("data/tweets.js", TWEETS_JS)] + [stored(n, b"{}") for n in ESCAPING]
    path = write_raw_zip(tmp_path / "escape.zip", entries)
    with Archive.open(path) as arc:
        assert arc.members() == ["data/tweets.js"] or all(".." not in m and not m.startswith("/")
                                                          for m in arc.members())
        refused = [p for p in arc.problems if "escapes" in p.message]
    # zipfile itself cuts names at NUL, so "data/\x00/x.js" becomes the harmless "data/"
    assert len(refused) >= len(ESCAPING) - 1
    posts, problems = scan_problems(path)
    assert [p.ref for p in posts] == ["twitter:101"]
    assert sum("escapes" in p.message for p in problems) == len(refused)
    out = tmp_path / "out"
    r = cli_scan(path, out=out)
    assert r.exit_code in (0, 1), r.output
    assert not (tmp_path / "evil.js").exists() and not (tmp_path.parent / "evil.js").exists()


def test_escaping_names_only_is_a_clear_archive_error(tmp_path):
    path = write_raw_zip(tmp_path / "only.zip", [stored("../data/tweets.js", TWEETS_JS)])
    assert_refused(path, tmp_path, "no platform export recognised", "data/tweets.js")


def test_duplicate_member_names_keep_the_first(tmp_path):
    other = TWEETS_JS.replace(b"101", b"202")
    path = write_raw_zip(tmp_path / "dup.zip", [stored("data/tweets.js", TWEETS_JS),
                                                stored("data/tweets.js", other)])
    posts, problems = scan_problems(path)
    assert [p.ref for p in posts] == ["twitter:101"]
    assert any("duplicate" in p.message for p in problems)


# -- symlinks and special files in a folder --------------------------------------------------
def test_symlinks_pointing_outside_a_folder_are_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.js"
    secret.write_bytes(TWEETS_JS.replace(b"101", b"999"))
    root = tmp_path / "arc"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
    (root / "data" / "tweets-part1.js").symlink_to(secret)
    (root / "data" / "tweets-part2.js").symlink_to("../../outside/secret.js")
    (root / "data" / "tweets_media").symlink_to(outside, target_is_directory=True)
    (root / "data" / "loop").symlink_to(root, target_is_directory=True)
    (root / "data" / "dangling.js").symlink_to(tmp_path / "nowhere")
    (root / "data" / "inside.js").symlink_to(root / "data" / "tweets.js")
    with Archive.open(root) as arc:
        assert "data/inside.js" in arc.members()
        assert not any(m.startswith(("data/tweets-part", "data/tweets_media", "data/loop"))
                       for m in arc.members())
        with pytest.raises(OSError):
            arc.open_member("data/../../outside/secret.js")
    posts, problems = scan_problems(root)
    assert [p.ref for p in posts] == ["twitter:101"]
    outside_msgs = [p for p in problems if "outside the folder" in p.message]
    assert {p.member for p in outside_msgs} >= {"data/tweets-part1.js", "data/tweets-part2.js",
                                                "data/tweets_media"}


def test_fifo_in_folder_is_skipped_without_hanging(tmp_path):
    root = tmp_path / "arc"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
    os.mkfifo(root / "data" / "tweets-part1.js")
    posts, _ = scan_problems(root)
    assert [p.ref for p in posts] == ["twitter:101"]


def test_fifo_given_as_the_archive_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "export.zip"
    os.mkfifo(fifo)
    assert_refused(fifo, tmp_path, "not a regular file")


def test_unreadable_file_in_folder_is_a_problem(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    root = tmp_path / "arc"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
    part = root / "data" / "tweets-part1.js"
    part.write_bytes(TWEETS_JS.replace(b"101", b"102"))
    part.chmod(0)
    try:
        posts, problems = scan_problems(root)
    finally:
        part.chmod(0o600)
    assert [p.ref for p in posts] == ["twitter:101"]
    assert any(p.member == "data/tweets-part1.js" for p in problems)


# -- zip in zip ------------------------------------------------------------------------------
def test_zip_inside_a_zip_is_opened_one_level_down_in_place(tmp_path):
    inner = write_raw_zip(tmp_path / "inner.zip", [stored("data/tweets.js", TWEETS_JS)])
    only = write_raw_zip(tmp_path / "outer.zip", [stored("twitter-2024.zip", inner.read_bytes())])
    res = scan([str(only)], Config(), analysers=[])
    assert [p.ref for p in res.posts] == ["twitter:101"]
    assert [a.path for a in res.archives] == [f"{only}/twitter-2024.zip"]
    assert res.complete, res.gaps
    # compressed inside, and beside an export of its own: both read
    other = write_raw_zip(tmp_path / "other.zip", [stored("data/tweets.js", TWEETS_JS.replace(b"101", b"102"))])
    mixed = write_raw_zip(tmp_path / "mixed.zip", [stored("data/tweets.js", TWEETS_JS),
                                                   deflated(other.read_bytes(), name="data/extra/42.zip")])
    res = scan([str(mixed)], Config(), analysers=[])
    assert sorted(p.ref for p in res.posts) == ["twitter:101", "twitter:102"]
    assert not list(tmp_path.glob("**/data/tweets.js"))          # nothing extracted to disk


def test_zip_inside_a_zip_inside_a_zip_is_not_opened(tmp_path):
    inner = write_raw_zip(tmp_path / "inner.zip", [stored("data/tweets.js", TWEETS_JS)])
    middle = write_raw_zip(tmp_path / "middle.zip", [stored("twitter.zip", inner.read_bytes())])
    outer = write_raw_zip(tmp_path / "outer.zip", [stored("middle.zip", middle.read_bytes())])
    msg = assert_refused(outer, tmp_path, "inside a zip inside a zip", "Unzip middle.zip")
    assert "twitter.zip" in msg
    # beside an export, it is a gap: the scan goes on but is not complete
    both = write_raw_zip(tmp_path / "both.zip", [stored("data/tweets.js", TWEETS_JS),
                                                 stored("old/middle.zip", middle.read_bytes())])
    res = scan([str(both)], Config(), analysers=[])
    assert [p.ref for p in res.posts] == ["twitter:101"]
    assert not res.complete and "inside a zip inside a zip" in res.gaps[0].message


def test_bomb_inside_a_zip_is_refused_and_counts_against_the_outer_limits(tmp_path):
    bomb = write_raw_zip(tmp_path / "bomb.zip", [stored("data/tweets.js", TWEETS_JS),
                                                 deflated(bytes(64 * MiB), name="data/zeros.js")])
    outer = write_raw_zip(tmp_path / "outer.zip", [stored("bomb.zip", bomb.read_bytes())])
    assert_refused(outer, tmp_path, "zip bomb", "bomb.zip")
    # many members: the inner zip's members count against the outer zip's cap
    inner = write_raw_zip(tmp_path / "inner.zip", [stored("data/tweets.js", TWEETS_JS)] +
                          [stored(f"data/tweets_media/{i}-a.jpg", b"x") for i in range(30)])
    outer = write_raw_zip(tmp_path / "outer2.zip", [stored(f"f{i}.txt", b"x") for i in range(30)] +
                          [stored("inner.zip", inner.read_bytes())])
    Archive.open(inner, Limits(max_members=40)).close()          # each alone is under the cap
    Archive.open(outer, Limits(max_members=40)).close()
    with pytest.raises(ArchiveError, match="counting the zips inside"):
        scan([str(outer)], Config(), analysers=[], limits=Limits(max_members=40))
    # a compressed inner zip is read into memory only up to its cap
    big = write_raw_zip(tmp_path / "big.zip", [stored("data/tweets.js", TWEETS_JS),
                                               deflated(inner.read_bytes(), name="more/inner.zip")])
    res = scan([str(big)], Config(), analysers=[], limits=Limits(max_nested_read=100))
    assert [p.ref for p in res.posts] == ["twitter:101"]
    assert "too large to open inside another zip" in res.gaps[0].message
    assert "Unzip big.zip" in res.gaps[0].advice


# -- many members ----------------------------------------------------------------------------
def test_100k_tiny_members_bounded_memory(tmp_path):
    entries = [stored("data/tweets.js", TWEETS_JS)]
    entries += [stored(f"data/tweets_media/{i:06d}-x.jpg", b"\xff\xd8") for i in range(100_000)]
    path = write_raw_zip(tmp_path / "many.zip", entries)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with time_limit(120):
            res = scan([str(path)], Config(), analysers=[])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - t0
    assert [p.ref for p in res.posts] == ["twitter:101"]
    # ~100 MB measured under tracemalloc for the zip directory (about 1 KB per member): stay well below
    assert peak < 400 * MiB, f"peak {peak / MiB:.0f} MiB"
    assert elapsed < 100, elapsed


def test_member_count_cap_refuses_zip_and_folder(tmp_path):
    lim = Limits(max_members=50)
    path = write_raw_zip(tmp_path / "many.zip", [stored(f"f{i}", b"") for i in range(51)])
    with pytest.raises(ArchiveError, match="more than the 50"):
        Archive.open(path, lim)
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(51):
        (folder / f"f{i}").write_bytes(b"")
    with pytest.raises(ArchiveError, match="more than 50 files"):
        Archive.open(folder, lim)


# -- encryption ------------------------------------------------------------------------------
def test_encrypted_zip_is_refused(tmp_path):
    path = write_raw_zip(tmp_path / "locked.zip", [Entry("data/tweets.js", os.urandom(200), flags=0x1,
                                                         file_size=188),
                                                   Entry("data/account.js", os.urandom(50), flags=0x1)])
    assert_refused(path, tmp_path, "password-protected")


def test_partly_encrypted_zip_reads_the_rest(tmp_path):
    path = write_raw_zip(tmp_path / "part.zip", [stored("data/tweets.js", TWEETS_JS),
                                                 Entry("data/tweets-part1.js", os.urandom(80), flags=0x1)])
    posts, problems = scan_problems(path)
    assert [p.ref for p in posts] == ["twitter:101"]
    assert any("encrypted" in p.message for p in problems)


# -- multi-gigabyte members ------------------------------------------------------------------
def test_multi_gigabyte_member_in_zip_is_skipped_not_read(tmp_path):
    # a 6 GiB "video" at an honest ratio: skipped with a Problem; a 3 GiB tweets part is over the
    # read limit: a Problem from the importer. Nothing big is written or read.
    path = write_raw_zip(tmp_path / "big.zip", [
        stored("data/tweets.js", TWEETS_JS),
        Entry("data/tweets_media/101-huge.mp4", b"\0" * 64, file_size=6 * GiB, compress_size=5 * GiB),
        Entry("data/tweets-part1.js", b"\0" * 64, file_size=3 * GiB, compress_size=3 * GiB),
    ])
    assert path.stat().st_size < 4096
    tracemalloc.start()
    try:
        posts, problems = scan_problems(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.ref for p in posts] == ["twitter:101"]
    msgs = {p.member: p.message for p in problems}
    assert "GiB" in msgs["data/tweets_media/101-huge.mp4"]
    assert any("data/tweets-part1.js" in m and "limit" in msg for m, msg in msgs.items())
    assert peak < 64 * MiB, peak


def test_multi_gigabyte_sparse_file_in_folder_is_not_read(tmp_path):
    root = tmp_path / "arc"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
    with open(root / "data" / "tweets-part1.js", "wb") as fh:
        fh.truncate(5 * GiB)                 # sparse: no blocks written
    tracemalloc.start()
    try:
        posts, problems = scan_problems(root)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.ref for p in posts] == ["twitter:101"]
    assert any(p.member.startswith("data/tweets-part1.js") and "limit" in p.message for p in problems)
    assert peak < 64 * MiB, peak


def test_read_stops_at_the_cap_when_a_folder_file_grows(tmp_path):
    root = tmp_path / "arc"
    root.mkdir()
    (root / "a.js").write_bytes(b"x")
    with Archive.open(root, Limits(max_read=1000)) as arc:
        (root / "a.js").write_bytes(b"x" * 5000)       # grew after the folder was listed
        with pytest.raises(ValueError, match="larger than its declared size"):
            arc.read("a.js")


# -- damaged zips and members ----------------------------------------------------------------
def test_truncated_zip_says_download_again(tmp_path):
    good = write_raw_zip(tmp_path / "good.zip", [stored("data/tweets.js", TWEETS_JS * 50)])
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert_refused(cut, tmp_path, "incomplete or damaged", "download the archive again")


def test_not_a_zip_is_refused(tmp_path):
    f = tmp_path / "export.zip"
    f.write_bytes(b"\x1f\x8b\x08 this is a tar.gz really" * 10)
    assert_refused(f, tmp_path, "not a zip archive or a folder")


def test_empty_zip_and_empty_folder_each_get_their_own_one_line_message(tmp_path):
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w"):
        pass
    msgs = [assert_refused(empty, tmp_path, "the zip file is empty", "download your archive again")]
    (tmp_path / "nothing").mkdir()
    msgs.append(assert_refused(tmp_path / "nothing", tmp_path, "the folder is empty"))
    zero = tmp_path / "zero.zip"
    zero.write_bytes(b"")
    msgs.append(assert_refused(zero, tmp_path, "0 bytes", "Download your archive again"))
    for m in msgs:
        assert "\n" not in m and len(m) < 250 and "Looked for" not in m


@pytest.mark.parametrize("entry", [
    Entry("data/tweets-part1.js", b"garbage that is not deflate", method=8, file_size=500),   # bad stream
    Entry("data/tweets-part1.js", TWEETS_JS, method=0, crc=12345),                           # bad CRC
    Entry("data/tweets-part1.js", TWEETS_JS, method=97),                                     # unsupported
    Entry("data/tweets-part1.js", TWEETS_JS[:20], method=0, file_size=len(TWEETS_JS),
          compress_size=len(TWEETS_JS) + 10_000),                                             # past the end
], ids=["bad-deflate", "bad-crc", "unsupported-method", "past-end"])
def test_damaged_member_is_one_problem_and_the_rest_is_read(tmp_path, entry):
    path = write_raw_zip(tmp_path / "dmg.zip", [stored("data/tweets.js", TWEETS_JS), entry])
    with Archive.open(path) as arc:
        with pytest.raises((MemberError, ValueError)):
            arc.read("data/tweets-part1.js")
    posts, problems = scan_problems(path)
    assert [p.ref for p in posts] == ["twitter:101"]
    mine = [p for p in problems if p.member.startswith("data/tweets-part1.js")]
    assert len(mine) == 1, problems
    assert "importer failed" not in mine[0].message


def test_member_stream_errors_are_oserrors(tmp_path):
    path = write_raw_zip(tmp_path / "dmg.zip", [Entry("a.jpg", b"not deflate at all", method=8, file_size=9000)])
    with Archive.open(path) as arc:
        with pytest.raises(OSError):
            with arc.open_member("a.jpg") as fh:
                fh.read()
        with pytest.raises(FileNotFoundError):
            arc.open_member("missing.jpg")


def test_non_utf8_member_names(tmp_path):
    # bytes that are not UTF-8 with the UTF-8 flag set, and cp437 names without it
    path = write_raw_zip(tmp_path / "names.zip", [stored("data/tweets.js", TWEETS_JS),
                                                  Entry(b"data/\xff\xfe.js", b"{}", flags=0x800),
                                                  Entry(b"data/caf\x82.js", b"{}")])
    out = tmp_path / "out"
    r = cli_scan(path, out=out)
    assert "Traceback" not in r.output
    if r.exit_code == 2:
        assert r.output.startswith("auditor: ") and "zip" in r.output
    else:
        assert r.exit_code in (0, 1) and (out / "findings.json").exists()


def test_non_utf8_file_names_in_a_folder(tmp_path):
    root = tmp_path / "arc"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
    try:
        with open(os.path.join(os.fsencode(root / "data"), b"\xff\xfe.js"), "wb") as fh:
            fh.write(b"{}")
    except OSError:
        pytest.skip("file system refuses non-UTF-8 names")
    out = tmp_path / "out"
    r = cli_scan(root, out=out)
    assert r.exit_code in (0, 1), r.output
    assert (out / "findings.json").exists()
