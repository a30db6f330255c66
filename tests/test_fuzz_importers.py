"""Fuzz every importer with hypothesis mutations of real seed archives.

Seeds: the synthetic X archives below, the invented TikTok, LinkedIn, Reddit and Mastodon exports and
the licensed Bluesky repositories of tests/platform_exports.py, the Meta HTML skeletons in
tests/fixtures/html-skeletons, and every archive in sample_exports/ (and, for the long run, the licensed
fixtures in ../shared/fixtures). Each importer in importers.all_importers() is
fuzzed on the seeds it detects, so a new importer is picked up as soon as it lands (and fails
here if no seed archive holds its platform).

Mutations of one member's bytes or JSON tree, or of the archive's member list: truncation, wrong
types, missing and renamed keys, huge strings, huge and non-finite numbers, deep nesting, invalid
UTF-8, NUL bytes, lone surrogates, a BOM or UTF-16, a window.YTD file without its prefix,
duplicate parts, deleted and moved members, damaged images.

Every case must end as posts plus Problems from every importer (nothing raised by detect() or
read()), or one clear ArchiveError; the pipeline and the report writer must then finish too,
within a time bound per case.

CI: a bounded, derandomized budget (FA_FUZZ_EXAMPLES per importer, default 40).
Longer run (one command): .venv/bin/python benchmarks/fuzz_long.py --examples 2000
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import tempfile
import time
import traceback
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import plugins as importers
from auditor import report
from auditor.archive import Archive, ArchiveError
from auditor.config import Config
from auditor.model import KINDS, PLATFORMS, Media, Post, Problem
from auditor.pipeline import scan
from auditor.plugins import Coverage, ImportContext

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"

EXAMPLES = int(os.environ.get("FA_FUZZ_EXAMPLES", "40"))
LONG = os.environ.get("FA_FUZZ_LONG") == "1"            # random (not derandomized), shared seeds too
COLLECT = os.environ.get("FA_FUZZ_COLLECT") == "1"      # record crashes and go on (the long run)
STATS_FILE = os.environ.get("FA_FUZZ_STATS")            # where to write per-importer figures
CASE_SECONDS = int(os.environ.get("FA_FUZZ_CASE_SECONDS", "30"))

# Two profiles: "fa-fuzz-ci" (derandomized: the same cases on every CI run) and "fa-fuzz-long"
# (random, for benchmarks/fuzz_long.py). No deadline: the per-case bound is CASE_SECONDS (an alarm),
# because a shared 2-core machine makes hypothesis' timing deadline flaky.
settings.register_profile("fa-fuzz-ci", max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("fa-fuzz-long", max_examples=EXAMPLES, derandomize=False, database=None,
                          deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)
FUZZ = settings.get_profile("fa-fuzz-long" if LONG else "fa-fuzz-ci")

DATA_SUFFIXES = (".js", ".json", ".html", ".htm", ".csv", ".txt")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".gif", ".tif", ".tiff")
BINARY_SUFFIXES = IMAGE_SUFFIXES + (".car",)           # damaged like images: truncated, bits flipped

Members = dict[str, bytes]


# -- seeds -----------------------------------------------------------------------------------
def _tweet(tid: str, text: str, **extra: Any) -> dict:
    t = {"id_str": tid, "id": tid, "created_at": "Sat Jun 06 13:02:35 +0000 2020", "full_text": text,
         "entities": {"urls": [], "user_mentions": [], "hashtags": []}, "favorite_count": "0",
         "retweet_count": "0", "lang": "en", "display_text_range": ["0", str(len(text))]}
    t.update(extra)
    return t


def _ytd(name: str, items: list, part: int = 0) -> bytes:
    return f"window.YTD.{name}.part{part} = {json.dumps(items, indent=1)}".encode()


def synthetic_seeds() -> dict[str, Members]:
    """Invented X archives in the three JSON-in-JS layouts (2019 bare, 2020 wrapped, 2022+ parts)."""
    jpg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
    tweets = [
        _tweet("1001", "Night shift again, coffee time https://t.co/aaa", entities={
            "urls": [{"url": "https://t.co/aaa", "expanded_url": "https://example.org/a",
                      "indices": ["35", "58"]}], "user_mentions": [], "hashtags": []}),
        _tweet("1002", "@someone_invented thanks &amp; well done", in_reply_to_status_id_str="999",
               in_reply_to_screen_name="someone_invented"),
        _tweet("1003", "RT @another_invented: a long reposted text that X truncates ..."),
        _tweet("1004", "Geotagged at the station", coordinates={"type": "Point", "coordinates": ["-1.549", "53.800"]},
               geo={"type": "Point", "coordinates": ["53.800", "-1.549"]}),
        _tweet("1005", "In town", place={"full_name": "Leeds, England", "name": "Leeds", "bounding_box": {
            "type": "Polygon", "coordinates": [[["-1.8", "53.7"], ["-1.3", "53.7"], ["-1.3", "53.9"],
                                                ["-1.8", "53.9"]]]}}),
        _tweet("1006", "Photo https://t.co/ppp", extended_entities={"media": [
            {"type": "photo", "media_url_https": "https://pbs.twimg.com/media/PhotoA.jpg", "url": "https://t.co/ppp",
             "indices": ["6", "22"]},
            {"type": "video", "media_url_https": "https://pbs.twimg.com/x.jpg", "video_info": {"variants": [
                {"bitrate": "832000", "content_type": "video/mp4",
                 "url": "https://video.twimg.com/v/vid1.mp4?tag=12"}]}}]}),
    ]
    account = [{"account": {"username": "sam_invented", "accountId": "42", "accountDisplayName": "Sam Invented",
                            "createdAt": "2012-01-01T00:00:00.000Z", "email": "sam@example.org"}}]
    manifest = (b'window.__THAR_CONFIG = {"userInfo": {"userName": "sam_invented"}, "dataTypes": {"tweets": '
                b'{"mediaDirectory": "data/tweets_media", "files": [{"fileName": "data/tweets.js", '
                b'"globalName": "YTD.tweets.part0", "count": "6"}]}}}')
    current = {"data/tweets.js": _ytd("tweets", [{"tweet": t} for t in tweets[:4]]),
               "data/tweets-part1.js": _ytd("tweets", [{"tweet": t} for t in tweets[4:]], 1),
               "data/account.js": _ytd("account", account), "data/manifest.js": manifest,
               "data/deleted-tweets.js": _ytd("deleted_tweets", [{"tweet": dict(
                   _tweet("1007", "deleted one"), deleted_at="Thu Mar 05 16:08:05 +0000 2026")}]),
               "data/like.js": _ytd("like", [{"like": {"tweetId": "77", "fullText": "someone's words",
                                                        "expandedUrl": "https://x.com/i/web/status/77"}}]),
               "data/tweets_media/1006-PhotoA.jpg": jpg, "data/tweets_media/1006-vid1.mp4": b"\0\0\0\x18ftypmp42"}
    wrapped = {"twitter-2021/data/tweet.js": _ytd("tweet", [{"tweet": t} for t in tweets]),
               "twitter-2021/data/account.js": _ytd("account", account),
               "twitter-2021/data/tweet_media/1006-PhotoA.jpg": jpg}
    bare = {"data/tweet.js": _ytd("tweet", tweets[:3])}
    return {"synthetic-x-2022": current, "synthetic-x-2020-wrapped": wrapped, "synthetic-x-2019-bare": bare}


def load_seed(path: Path, max_member: int = 4 << 20) -> Members:
    out: Members = {}
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file() and p.stat().st_size <= max_member:
                out[p.relative_to(path).as_posix()] = p.read_bytes()
    else:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.file_size <= max_member:
                    out[info.filename] = zf.read(info)
    return out


HTML_SKELETONS = Path(__file__).resolve().parent / "fixtures" / "html-skeletons"


def html_seeds() -> dict[str, Members]:
    """Meta HTML exports: the structure skeletons cut from real downloads (tests/fixtures/html-skeletons),
    each a download of its own (Facebook 2019-21 and 2022+, Instagram 2023)."""
    out: dict[str, Members] = {}
    for d in sorted(p for p in HTML_SKELETONS.iterdir() if p.is_dir()) if HTML_SKELETONS.is_dir() else []:
        out[f"skeleton:{d.name}"] = {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*.html"))}
    return out


def all_seeds(include_shared: bool = LONG) -> dict[str, Members]:
    seeds = synthetic_seeds()
    # invented TikTok, LinkedIn, Reddit and Mastodon exports and the licensed Bluesky repositories
    from platform_exports import SEEDS as PLATFORM_SEEDS
    for name, build in PLATFORM_SEEDS.items():
        seeds[f"platform:{name}"] = build()
    seeds.update(html_seeds())
    if SAMPLES.is_dir():
        for p in sorted(SAMPLES.iterdir()):
            if p.suffix.lower() == ".zip" or (p.is_dir() and not p.name.startswith((".", "_"))):
                seeds[f"sample:{p.name}"] = load_seed(p)
    if include_shared and SHARED_FIXTURES.is_dir():
        x = SHARED_FIXTURES / "twitter" / "twitter-milahu104"
        if x.is_dir():
            seeds["shared:twitter-milahu104"] = load_seed(x)
        for posts in sorted((SHARED_FIXTURES / "instagram").rglob("posts.json")):
            # flattened test folders: put them where a 2024+ export keeps them
            seeds[f"shared:{posts.parent.name}"] = {
                "your_instagram_activity/content/posts_1.json": posts.read_bytes(),
                **{f"media/posts/202401/{m.name}": m.read_bytes() for m in posts.parent.iterdir()
                   if m.suffix.lower() in IMAGE_SUFFIXES}}
    return seeds


# -- materialising a case --------------------------------------------------------------------
def materialise(members: Members, form: str, where: Path) -> Path:
    if form == "zip":
        path = where / "export.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, data in members.items():
                zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
        return path
    root = where / "export"
    for name, data in members.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_dir():          # a member moved onto a folder's name: keep the folder
            continue
        p.write_bytes(data)
    root.mkdir(exist_ok=True)
    return root


def seeds_for(importer, seeds: dict[str, Members], where: Path) -> list[str]:
    names = []
    for i, (name, members) in enumerate(seeds.items()):
        d = where / f"seed{i}"
        d.mkdir()
        with Archive.open(materialise(members, "folder", d)) as arc:
            if importer.detect(arc):
                names.append(name)
    return names


# -- mutations -------------------------------------------------------------------------------
HUGE = "A" * 2_000_000
HOSTILE_SCALARS = [None, True, False, 0, -1, 2 ** 63, -(2 ** 63) - 1, 10 ** 400, 1e308, -1e308,
                   math.nan, math.inf, -math.inf, 0.5, "", " ", "\x00", "a\x00b", "\ud800", "\udfff\ud800",
                   "\u202e\u0000", "Ã©Ã¨", "null", "NaN", "-1", "1e400", "99999999999999999999999",
                   "2020-02-30T25:61:61Z", "Sat Jun 06 25:02:35 +0000 2020", "0000-00-00", "1969-12-31",
                   "http://", "https://x.com/", "../../../etc/passwd", "/etc/passwd", "C:\\x.jpg",
                   "window.YTD.tweets.part0 = [", "<script>alert(1)</script>", "&amp;&lt;&#0;&#x110000;",
                   HUGE, "é" * 100_000, "\n" * 50_000]
hostile_value = st.deferred(lambda: st.one_of(
    st.sampled_from(HOSTILE_SCALARS),
    st.text(max_size=40),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.sampled_from(HOSTILE_SCALARS[:30]), max_size=4),
    st.dictionaries(st.sampled_from(["id", "text", "timestamp", "uri", "title", "data", "media",
                                     "created_at", "full_text", "tweet", "coordinates", "latitude"]),
                    st.sampled_from(HOSTILE_SCALARS[:30]), max_size=3)))


def split_js(data: bytes) -> tuple[str, Any, str] | None:
    """(prefix, parsed JSON, suffix) of a JSON or window.YTD file, or None if it does not parse."""
    text = data.decode("utf-8", errors="surrogateescape")
    starts = [i for i in (text.find("["), text.find("{")) if i >= 0]
    if not starts:
        return None
    i = min(starts)
    body = text[i:].rstrip()
    suffix = ""
    if body.endswith(";"):
        body, suffix = body[:-1], ";"
    try:
        return text[:i], json.loads(body), suffix
    except (ValueError, RecursionError):
        return None


def join_js(prefix: str, body: str, suffix: str) -> bytes:
    """Bytes of a re-serialised file: the prefix gets its original bytes back (it was decoded with
    surrogateescape), lone surrogates in the JSON body are written as they are (surrogatepass)."""
    return (prefix.encode("utf-8", "surrogateescape") + body.encode("utf-8", "surrogatepass")
            + suffix.encode("utf-8", "surrogateescape"))


def nodes(tree: Any, limit: int = 5000) -> list[tuple[Any, Any]]:
    """(container, key) for every node below the root, breadth first."""
    out: list[tuple[Any, Any]] = []
    queue = [tree]
    while queue and len(out) < limit:
        cur = queue.pop(0)
        items = cur.items() if isinstance(cur, dict) else enumerate(cur) if isinstance(cur, list) else ()
        for k, v in items:
            out.append((cur, k))
            if isinstance(v, (dict, list)):
                queue.append(v)
    return out


def _data_members(m: Members) -> list[str]:
    return sorted(n for n in m if n.lower().endswith(DATA_SUFFIXES))


def _image_members(m: Members) -> list[str]:
    return sorted(n for n in m if n.lower().endswith(BINARY_SUFFIXES))


def _pick(draw, names: list[str]) -> str | None:
    return draw(st.sampled_from(names)) if names else None


def op_tree(draw, m: Members) -> str:
    """Replace, delete, rename or duplicate one node of a member's JSON tree."""
    parsable = [n for n in _data_members(m) if split_js(m[n]) is not None]
    name = _pick(draw, parsable)
    if name is None:
        return "tree: nothing parsable"
    prefix, tree, suffix = split_js(m[name])  # type: ignore[misc]
    all_nodes = nodes(tree)
    if not all_nodes:
        tree = draw(hostile_value)
        what = "root replaced"
    else:
        parent, key = all_nodes[draw(st.integers(0, len(all_nodes) - 1))]
        kind = draw(st.sampled_from(["replace", "replace", "delete", "rename", "duplicate", "wrap"]))
        if kind == "replace":
            parent[key] = draw(hostile_value)
        elif kind == "delete":
            del parent[key]
        elif kind == "rename" and isinstance(parent, dict):
            parent[key + "_x" if isinstance(key, str) else key] = parent.pop(key)
        elif kind == "duplicate" and isinstance(parent, list):
            parent.extend([parent[key]] * draw(st.integers(1, 3)))
        else:
            parent[key] = [parent[key]] if draw(st.booleans()) else {"x": parent[key]}
        what = f"{kind} {key!r}"
    ascii_ = draw(st.booleans())
    body = json.dumps(tree, ensure_ascii=ascii_)
    m[name] = join_js(prefix, body, suffix)
    return f"tree {name}: {what}"


def op_truncate(draw, m: Members) -> str:
    name = _pick(draw, _data_members(m) or sorted(m))
    if name is None:
        return "truncate: nothing"
    at = draw(st.integers(0, len(m[name])))
    m[name] = m[name][:at]
    return f"truncate {name} at {at}"


def op_strip_prefix(draw, m: Members) -> str:
    js = [n for n in sorted(m) if n.endswith(".js")] or _data_members(m)
    name = _pick(draw, js)
    if name is None:
        return "strip prefix: nothing"
    data = m[name]
    idx = [i for i in (data.find(b"["), data.find(b"{")) if i >= 0]
    m[name] = data[min(idx):] if idx else data
    return f"strip prefix {name}"


def op_bytes(draw, m: Members) -> str:
    """Insert or overwrite invalid UTF-8, NUL bytes, a BOM, or re-encode as UTF-16."""
    name = _pick(draw, _data_members(m))
    if name is None:
        return "bytes: nothing"
    data = m[name]
    kind = draw(st.sampled_from(["insert", "overwrite", "bom", "utf16", "crlf", "latin1"]))
    junk = draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80" * 7, b"\x00" * 64,
                                 b"\xe2\x80\xae", b"\r", b"\x1a"]) | st.binary(min_size=1, max_size=16))
    pos = draw(st.integers(0, len(data)))
    if kind == "insert":
        m[name] = data[:pos] + junk + data[pos:]
    elif kind == "overwrite":
        m[name] = data[:pos] + junk + data[pos + len(junk):]
    elif kind == "bom":
        m[name] = b"\xef\xbb\xbf" + data
    elif kind == "utf16":
        m[name] = data.decode("utf-8", errors="replace").encode("utf-16")
    elif kind == "crlf":
        m[name] = data.replace(b"\n", b"\r\n")
    else:
        m[name] = data.decode("utf-8", errors="replace").encode("latin-1", errors="replace")
    return f"bytes {kind} {name} at {pos}: {junk[:8]!r}"


def op_deep(draw, m: Members) -> str:
    name = _pick(draw, [n for n in _data_members(m) if split_js(m[n]) is not None])
    if name is None:
        return "deep: nothing"
    prefix, tree, suffix = split_js(m[name])  # type: ignore[misc]
    depth = draw(st.sampled_from([64, 1000, 100_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    body = json.dumps(tree)
    if draw(st.booleans()) and body.startswith("[") and len(body) > 2:
        body = "[" + opener * depth + "1" + closer * depth + "," + body[1:]     # one deep record
    else:
        body = opener * depth + body + closer * depth                         # the whole file deeper
    m[name] = join_js(prefix, body, suffix)
    return f"deep {name} x{depth} {opener}"


def op_replace_member(draw, m: Members) -> str:
    name = _pick(draw, sorted(m))
    if name is None:
        return "replace: nothing"
    m[name] = draw(st.sampled_from([b"", b"null", b"[]", b"{}", b"[null]", b"[{}]", b'"text"', b"0", b"[[]]",
                                    b"window.YTD.x.part0 = ", b"<html><body>no json</body></html>",
                                    b"\x89PNG\r\n\x1a\n", bytes(1000)]) | st.binary(max_size=64))
    return f"replace {name}"


def op_members(draw, m: Members) -> str:
    """Delete a member, add a duplicate part, move everything under a parent folder, change case."""
    kind = draw(st.sampled_from(["delete", "duplicate", "duplicate", "move", "case"]))
    name = _pick(draw, sorted(m))
    if name is None:
        return "members: nothing"
    if kind == "delete":
        del m[name]
    elif kind == "duplicate":
        data_names = _data_members(m)
        name = _pick(draw, data_names) or name
        stem, dot, ext = name.rpartition(".")
        mt = re.search(r"(\d+)$", stem)
        if mt:
            new = f"{stem[:mt.start()]}{int(mt.group(1)) + 1}.{ext}"
        elif ext == "js":
            new = f"{stem}-part{draw(st.integers(1, 3))}.js"
        else:
            new = f"{stem}_1.{ext}" if dot else name + "_1"
        m[new] = m[name]
    elif kind == "move":
        prefix = draw(st.sampled_from(["extra/", "a/b/c/", "Takeout/"]))
        for k in list(m):
            m[prefix + k] = m.pop(k)
    else:
        m[name.upper()] = m.pop(name)
    return f"members {kind} {name}"


def op_image(draw, m: Members) -> str:
    name = _pick(draw, _image_members(m))
    if name is None:
        return "image: nothing"
    data = m[name]
    kind = draw(st.sampled_from(["truncate", "flip", "empty", "exif-junk", "wrong-format"]))
    if kind == "truncate":
        m[name] = data[: draw(st.integers(0, len(data)))]
    elif kind == "flip":
        buf = bytearray(data)
        for _ in range(draw(st.integers(1, 20))):
            if buf:
                i = draw(st.integers(0, len(buf) - 1))
                buf[i] ^= draw(st.integers(1, 255))
        m[name] = bytes(buf)
    elif kind == "empty":
        m[name] = b""
    elif kind == "exif-junk":
        # an APP1 Exif segment whose IFD offsets point far outside the file
        tiff = b"MM\x00\x2a\xff\xff\xff\xf0" + b"\x00" * 8
        seg = b"Exif\x00\x00" + tiff
        m[name] = b"\xff\xd8\xff\xe1" + (len(seg) + 2).to_bytes(2, "big") + seg + data[2:]
    else:
        m[name] = b"\x89PNG\r\n\x1a\n" + data[8:]
    return f"image {kind} {name}"


OPS: list[Callable] = [op_tree, op_tree, op_tree, op_truncate, op_strip_prefix, op_bytes, op_deep,
                       op_replace_member, op_members, op_image]


@dataclass
class Case:
    seed: str
    members: Members
    form: str
    ops: list[str]

    def describe(self) -> str:
        return f"seed {self.seed} as {self.form}: " + "; ".join(self.ops)

    def __repr__(self) -> str:          # what hypothesis prints for a failing case: short
        return f"Case({self.describe()!r})"


def cases(seeds: dict[str, Members], names: list[str]) -> st.SearchStrategy[Case]:
    """Mutated copies of the named seeds (a closure, so the strategy's repr stays short)."""
    @st.composite
    def mutated_seed(draw) -> Case:
        seed = draw(st.sampled_from(names))
        members = dict(seeds[seed])
        applied = [op(draw, members) for op in draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=3))]
        return Case(seed, members, draw(st.sampled_from(["zip", "folder"])), applied)
    return mutated_seed()


# -- running and checking a case -------------------------------------------------------------
@contextmanager
def time_limit(seconds: int):
    def on_alarm(signum, frame):
        raise TimeoutError(f"case took longer than {seconds} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


class CaseFailure(AssertionError):
    pass


def check_post(post: Post, platform: str, archive: str) -> None:
    # an importer may yield a sibling platform (Instagram exports hold Threads posts)
    assert post.platform == platform or post.platform in PLATFORMS, post.platform
    assert isinstance(post.ref, str) and post.ref.startswith(f"{post.platform}:"), post.ref
    assert len(post.ref) > len(post.platform) + 1, post.ref
    assert post.kind in KINDS, post.kind
    assert isinstance(post.text, str)
    assert post.created_at is None or post.created_at.utcoffset() == timedelta(0), post.created_at
    assert post.source.archive == archive
    for md in post.media:
        assert isinstance(md, Media) and isinstance(md.path, str) and md.path
    if post.place is not None:
        for v in (post.place.lat, post.place.lon):
            assert v is None or (isinstance(v, float) and math.isfinite(v)), post.place


def run_case(case: Case, where: Path) -> dict:
    """Run every importer, then the pipeline and the report writer, on one mutated archive.
    Raises CaseFailure naming the module that broke; returns figures about the case."""
    path = materialise(case.members, case.form, where)
    t0 = time.perf_counter()
    posts = problems = 0
    with time_limit(CASE_SECONDS):
        try:
            arc = Archive.open(path)
        except ArchiveError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            return {"seconds": time.perf_counter() - t0, "archive_error": True, "posts": 0, "problems": 0}
        with arc:
            for imp in importers.all_importers():
                stage = "detect"
                try:
                    for det in imp.detect(arc):
                        stage = "read"
                        for item in imp.read(arc, det, ImportContext()):
                            if isinstance(item, Post):
                                check_post(item, imp.PLATFORM, arc.path)
                                posts += 1
                            elif isinstance(item, Coverage):      # the contract's per-file counts
                                assert isinstance(item.member, str) and item.read >= 0, item
                                assert item.expected is None or item.expected >= 0, item
                                assert all(isinstance(k, str) and v >= 0 for k, v in item.skipped.items()), item
                            else:
                                assert isinstance(item, Problem) and isinstance(item.message, str), item
                                problems += 1
                except Exception as exc:
                    raise CaseFailure(f"importers/{imp.__name__.rsplit('.', 1)[-1]}.py {stage}() raised "
                                      f"{exc!r:.300}\n{_where(exc)}") from exc
        stage = "pipeline"
        try:
            result = scan([str(path)], Config(), analysers=cheap_analysers())
            stage = "report"
            out = where / "out"
            report.write_all(result, out)
            json.loads((out / "findings.json").read_text(encoding="utf-8"))
        except ArchiveError as exc:
            assert any(w in str(exc) for w in ("no platform export recognised", "is empty",
                                                "none of them is a data download")), str(exc)
        except Exception as exc:
            raise CaseFailure(f"{stage} raised {exc!r:.300}\n{_where(exc)}") from exc
        else:
            bad = [p.message for p in result.problems if "failed:" in p.message]
            if bad:
                raise CaseFailure(f"pipeline caught a crash: {bad[0][:300]}")
    return {"seconds": time.perf_counter() - t0, "archive_error": False, "posts": posts, "problems": problems}


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/site-packages/" not in f.filename and "test_fuzz" not in f.filename]
    f = (ours or frames)[-1]
    return f"  at {Path(f.filename).name}:{f.lineno} in {f.name}: {f.line}"


class FlagEveryPost:
    """A stand-in analyser: one finding on every post, so the report renders every mutated post
    (highlighted text, how-to-find routes, media names) as it would a flagged one."""
    name = "flag-every-post"

    def analyse(self, posts, ctx):
        from auditor.model import Finding, Span
        for p in posts:
            yield Finding("OFF001", p.ref, p.text[:20] or "-", "fuzz: every post is flagged", 0.5,
                          spans=(Span(0, min(len(p.text), 20)),) if p.text else ())


def cheap_analysers() -> list:
    """The analysers that need no language model or OCR (the locations analyser reads places),
    and the stand-in that flags every post."""
    from auditor.analysers import locations
    return [*(cls() for cls in getattr(locations, "ANALYSERS", [])), FlagEveryPost()]


# -- the tests -------------------------------------------------------------------------------
IMPORTERS = {m.PLATFORM: m for m in importers.all_importers()}
STATS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory):
    seeds = all_seeds()
    where = tmp_path_factory.mktemp("seeds")
    by_importer = {}
    for i, (platform, imp) in enumerate(IMPORTERS.items()):
        d = where / str(i)
        d.mkdir()
        by_importer[platform] = seeds_for(imp, seeds, d)
    yield seeds, by_importer
    if STATS_FILE:
        Path(STATS_FILE).write_text(json.dumps(STATS, indent=1))


def test_every_importer_has_a_seed(seed_corpus):
    seeds, by_importer = seed_corpus
    missing = [p for p, names in by_importer.items() if not names]
    assert not missing, f"no seed archive is detected by: {missing}; add one to sample_exports/"


@pytest.mark.parametrize("platform", sorted(IMPORTERS))
def test_fuzz_importer(platform, seed_corpus):
    seeds, by_importer = seed_corpus
    names = by_importer[platform]
    if not names:
        pytest.skip(f"no seed for {platform} (test_every_importer_has_a_seed fails)")
    stats = STATS.setdefault(platform, {"cases": 0, "archive_errors": 0, "posts": 0, "problems": 0,
                                        "slowest_s": 0.0, "slowest_case": "", "crashes": [],
                                        "seeds": names})

    @FUZZ
    @given(case=cases(seeds, names))
    def fuzz(case: Case) -> None:
        where = Path(tempfile.mkdtemp(prefix="fa-fuzz-"))
        try:
            try:
                figures = run_case(case, where)
            except (CaseFailure, TimeoutError) as exc:
                if COLLECT:
                    stats["crashes"].append({"case": case.describe()[:500], "error": str(exc)[:800]})
                    return
                raise AssertionError(f"{case.describe()[:2000]}\n{exc}") from None
        finally:
            shutil.rmtree(where, ignore_errors=True)
        stats["cases"] += 1
        stats["archive_errors"] += figures["archive_error"]
        stats["posts"] += figures["posts"]
        stats["problems"] += figures["problems"]
        if figures["seconds"] > stats["slowest_s"]:
            stats["slowest_s"] = round(figures["seconds"], 3)
            stats["slowest_case"] = case.describe()[:300]

    fuzz()
