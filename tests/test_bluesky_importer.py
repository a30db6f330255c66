"""Bluesky repository exports (CAR): the licensed indigo fixtures import with the exact counts found
by an independent walk of each repository, links are built from the DID and record key, and damaged
files become Problems."""
from __future__ import annotations

import struct
from collections import Counter
from datetime import timezone

import pytest

from auditor.archive import Archive
from auditor.importers import bluesky
from auditor.model import Post, Problem
from auditor.pipeline import scan
from auditor.config import Config
from auditor.plugins import Coverage, ImportContext
from platform_exports import bluesky_cars, bluesky_export


# -- an independent reader: CAR framing, a minimal DAG-CBOR decoder and the tree walk ----------------
# It shares no code with the importer or libipld, so the counts below are checked by another route.
def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def _cbor(data: bytes, i: int):
    head = data[i]
    i += 1
    major, info = head >> 5, head & 0x1F
    if info < 24:
        arg = info
    else:
        n = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        arg = int.from_bytes(data[i:i + n], "big")
        if major == 7 and n in (4, 8):
            return struct.unpack(">f" if n == 4 else ">d", data[i:i + n])[0], i + n
        i += n
    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major == 2:
        return data[i:i + arg], i + arg
    if major == 3:
        return data[i:i + arg].decode("utf-8"), i + arg
    if major == 4:
        out = []
        for _ in range(arg):
            v, i = _cbor(data, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(arg):
            k, i = _cbor(data, i)
            v, i = _cbor(data, i)
            out[k] = v
        return out, i
    if major == 6:                          # tag 42: a CID link, 0x00 then the binary CID
        v, i = _cbor(data, i)
        return (v[1:] if arg == 42 else v), i
    return {20: False, 21: True, 22: None}.get(arg), i


def _cid_end(data: bytes, i: int) -> int:
    if data[i] == 0x12 and data[i + 1] == 0x20:          # CIDv0: a bare sha2-256 multihash
        return i + 34
    for _ in range(3):                                     # version, codec, hash code
        _, i = _varint(data, i)
    length, i = _varint(data, i)
    return i + length


def independent_counts(raw: bytes) -> Counter:
    hlen, i = _varint(raw, 0)
    header, _ = _cbor(raw[i:i + hlen], 0)
    i += hlen
    blocks = {}
    while i < len(raw):
        n, i = _varint(raw, i)
        end = i + n
        cid_end = _cid_end(raw, i)
        blocks[raw[i:cid_end]] = raw[cid_end:end]
        i = end
    commit, _ = _cbor(blocks[header["roots"][0]], 0)
    counts: Counter = Counter()

    def walk(cid: bytes) -> None:
        node, _ = _cbor(blocks[cid], 0)
        if node.get("l"):
            walk(node["l"])
        key = b""
        for e in node["e"]:
            key = key[:e["p"]] + e["k"]
            counts[key.decode().split("/")[0]] += 1
            if e.get("t"):
                walk(e["t"])
    walk(commit["data"])
    return counts


# Verified with the walker above (and by libipld.decode_car plus a separate tree walk, by hand):
EXPECTED = {
    "bnewbold.robocracy.org.20250310005405.car": {"posts": 23, "reposts": 1, "likes": 2},
    "paul_staging.repo.car": {"posts": 101, "reposts": 15, "likes": 60},
    "fakermaker.repo.car": {"posts": 26, "reposts": 15, "likes": 22},
    "greenground.repo.car": {"posts": 0, "reposts": 0, "likes": 0},
}


def import_all(path) -> tuple[list[Post], list[Problem], list[Coverage], dict]:
    ctx = ImportContext()
    posts, problems, cov = [], [], []
    with Archive.open(path) as arc:
        for det in bluesky.detect(arc):
            for item in bluesky.read(arc, det, ctx):
                (posts if isinstance(item, Post) else problems if isinstance(item, Problem) else cov).append(item)
    return posts, problems, cov, ctx.owner


def test_fixtures_are_present():
    assert set(bluesky_cars()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_independent_walk_matches_the_expected_counts(name):
    counts = independent_counts(bluesky_cars()[name].read_bytes())
    want = EXPECTED[name]
    assert counts["app.bsky.feed.post"] == want["posts"]
    assert counts["app.bsky.feed.repost"] == want["reposts"]
    assert counts["app.bsky.feed.like"] == want["likes"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_imports_with_exact_counts(name, make_archive):
    posts, problems, cov, _ = import_all(make_archive(bluesky_export(name)))
    assert problems == []
    kinds = Counter(p.kind for p in posts)
    want = EXPECTED[name]
    assert kinds["post"] + kinds["reply"] + kinds["quote"] == want["posts"]
    assert kinds["repost"] == want["reposts"]
    assert kinds["like"] == want["likes"]
    by_what = {c.what: c.read for c in cov}
    assert by_what["posts"] == want["posts"] and by_what["reposts"] == want["reposts"]
    assert by_what["likes"] == want["likes"]
    assert len({p.ref for p in posts}) == len(posts)


def test_post_fields_links_and_owner(make_archive):
    posts, problems, _, owner = import_all(make_archive(bluesky_export()))
    did = "did:plc:nhxcyu4ewwhl5pqil4dotqjo"
    own = [p for p in posts if p.kind in ("post", "reply", "quote")]
    for p in own:
        rkey = p.ref.split(":", 1)[1]
        assert p.url == f"https://bsky.app/profile/{did}/post/{rkey}"
        assert p.created_at is not None and p.created_at.tzinfo == timezone.utc
        assert p.how_to_find.startswith("Bluesky:")
        assert p.platform == "bluesky" and p.audience == "public"
    assert Counter(p.kind for p in own) == {"post": 20, "reply": 2, "quote": 1}
    likes = [p for p in posts if p.kind == "like"]
    assert all(p.url and p.url.startswith("https://bsky.app/profile/did:") and "/post/" in p.url for p in likes)
    assert all(p.endorsement and p.text == "" for p in likes)
    assert owner.get("full_name") and [p for p in posts if p.kind == "bio"]


def test_unreferenced_blocks_are_not_read(make_archive):
    """paul_staging holds app.bsky.feed.vote blocks and more follows than its tree lists."""
    posts, _, cov, _ = import_all(make_archive(bluesky_export("paul_staging.repo.car")))
    assert not [p for p in posts if "vote" in p.ref]
    other = [c for c in cov if c.what == "other records"][0]
    assert sum(other.skipped.values()) == 8 + 0     # the 8 follows in the tree (17 follow blocks in the file)


def test_a_folder_of_several_repositories_is_read_repository_by_repository(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, path in bluesky_cars().items():
        (folder / name).write_bytes(path.read_bytes())
    posts, problems, _, _ = import_all(folder)
    assert problems == []
    assert sum(1 for p in posts if p.kind in ("post", "reply", "quote")) == 23 + 101 + 26


def test_scan_reports_bluesky_platform(tmp_path):
    raw = bluesky_cars()["bnewbold.robocracy.org.20250310005405.car"].read_bytes()
    (tmp_path / "repo.car").write_bytes(raw)
    result = scan([str(tmp_path / "repo.car").rsplit("/", 1)[0]], Config(), analysers=[])
    assert {a.platform for a in result.archives} == {"bluesky"}
    assert sum(1 for p in result.posts if p.platform == "bluesky") == 23 + 1 + 2 + 1


# -- damage ----------------------------------------------------------------------------------------
def test_truncated_car_is_a_problem(make_archive):
    raw = bluesky_export()["bnewbold.robocracy.org.20250310005405.car"]
    posts, problems, cov, _ = import_all(make_archive({"repo.car": raw[: len(raw) // 2]}))
    assert posts == [] or all(isinstance(p, Post) for p in posts)
    assert problems and "repo.car" in problems[0].member


def test_missing_records_and_nodes_are_problems(make_archive):
    """A record block cut out of the file: the tree still names it, so it is a Problem, not a gap."""
    import libipld

    raw = bluesky_export()["bnewbold.robocracy.org.20250310005405.car"]
    header, blocks = libipld.decode_car(raw)
    commit = blocks[header["roots"][0]]
    # drop the first post record from the block list and rebuild the CAR
    victim = next(cid for cid, b in blocks.items() if isinstance(b, dict) and b.get("$type") == "app.bsky.feed.post")

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)
    hdr = libipld.encode_dag_cbor(header)
    body = varint(len(hdr)) + hdr
    for cid, block in blocks.items():
        if cid == victim:
            continue
        data = libipld.encode_dag_cbor(block)
        body += varint(len(cid) + len(data)) + cid + data
    posts, problems, cov, _ = import_all(make_archive({"repo.car": body}))
    assert commit["did"]
    assert len([p for p in posts if p.kind in ("post", "reply", "quote")]) == 22
    assert any("missing" in p.message for p in problems)
    assert [c for c in cov if c.what == "posts"][0].skipped == {"not readable": 1}


def test_not_a_car_is_not_detected(make_archive):
    with Archive.open(make_archive({"notes.car": b"just some text about my car"})) as arc:
        assert bluesky.detect(arc) == []


def test_deeply_nested_block_is_a_problem(make_archive):
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)
    import libipld
    cid = b"\x01\x71\x12\x20" + b"\x00" * 32
    hdr = libipld.encode_dag_cbor({"version": 1, "roots": [cid]})
    block = b"\x81" * 200_000 + b"\x01"
    car = varint(len(hdr)) + hdr + varint(len(cid) + len(block)) + cid + block
    posts, problems, cov, _ = import_all(make_archive({"repo.car": car}))
    assert posts == [] and len(problems) == 1 and "not a readable CAR" in problems[0].message
