"""Speed and memory of the TikTok/LinkedIn/Reddit/Mastodon/Bluesky importers on big inputs built here
(invented content): a Bluesky repository of about 100 MB, a LinkedIn Comments.csv with a million rows,
and a Mastodon outbox of 100,000 posts. Prints records read, seconds and peak memory (RSS growth)
for each. Run one at a time (each in its own process, so the peak is its own):

    .venv/bin/python benchmarks/bench_platforms.py [car|csv|outbox]    (default: all three)
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _cid(data: bytes) -> bytes:
    return b"\x01\x71\x12\x20" + hashlib.sha256(data).digest()        # CIDv1, dag-cbor, sha2-256


def build_car(path: Path, target_mb: int = 100) -> int:
    """A repository whose MST is one level of nodes of 32 entries under a root, each record a post of
    about 3 KB: enough records to reach `target_mb`."""
    import libipld

    body = "Invented post text about a shift, a coffee and the weather. " * 50
    records = []
    n = 0
    size = 0
    while size < target_mb * 1_000_000:
        rec = libipld.encode_dag_cbor({"$type": "app.bsky.feed.post", "text": f"{n} {body}",
                                       "createdAt": "2024-01-01T00:00:00.000Z"})
        records.append((f"app.bsky.feed.post/3k{n:011d}", _cid(rec), rec))
        size += len(rec) + 40
        n += 1
    blocks = [(cid, rec) for _, cid, rec in records]

    def node_of(recs):
        entries, prev = [], b""
        for key, cid, _ in recs:
            k = key.encode()
            p = 0
            while p < min(len(prev), len(k)) and prev[p] == k[p]:
                p += 1
            entries.append({"p": p, "k": k[p:], "v": cid, "t": None})
            prev = k
        data = libipld.encode_dag_cbor({"l": None, "e": entries})
        return _cid(data), data

    # two levels: a root whose entries are every 33rd record, each with a leaf of the next 32 on its right
    leaves = [node_of(records[0:32])]
    root_entries, prev = [], b""
    for i in range(32, len(records), 33):
        key, cid, _ = records[i]
        leaf = node_of(records[i + 1:i + 33])
        leaves.append(leaf)
        k = key.encode()
        p = 0
        while p < min(len(prev), len(k)) and prev[p] == k[p]:
            p += 1
        root_entries.append({"p": p, "k": k[p:], "v": cid, "t": leaf[0]})
        prev = k
    root = libipld.encode_dag_cbor({"l": leaves[0][0], "e": root_entries})
    commit = libipld.encode_dag_cbor({"did": "did:plc:benchinvented", "version": 3, "data": _cid(root),
                                      "rev": "3k", "prev": None, "sig": b"0" * 64})
    header = libipld.encode_dag_cbor({"version": 1, "roots": [_cid(commit)]})
    with open(path, "wb") as fh:
        fh.write(_varint(len(header)) + header)
        for cid, data in [(_cid(commit), commit), (_cid(root), root)] + leaves + blocks:
            fh.write(_varint(len(cid) + len(data)) + cid + data)
    return n


def build_csv(path: Path, rows: int = 1_000_000) -> int:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Date,Link,Message\n")
        for i in range(rows):
            fh.write(f'2024-01-01 00:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A{i},'
                     f'"Invented comment {i} with a \\"quote\\", a comma\nand a second line"\n')
    return rows


def build_outbox(path: Path, n: int = 100_000) -> int:
    items = [{"id": f"https://s.example/users/a/statuses/{i}/activity", "type": "Create",
              "published": "2023-01-01T00:00:00Z", "to": ["https://www.w3.org/ns/activitystreams#Public"],
              "object": {"id": f"https://s.example/users/a/statuses/{i}", "type": "Note",
                         "published": "2023-01-01T00:00:00Z", "url": f"https://s.example/@a/{i}",
                         "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [],
                         "content": f"<p>Invented post {i} &amp; some <a href=\"#\">link</a></p>"}} for i in range(n)]
    path.write_text(json.dumps({"type": "OrderedCollection", "totalItems": n, "orderedItems": items}))
    return n


def measure(kind: str) -> None:
    from auditor.archive import Archive
    from auditor.model import Post, Problem
    from auditor.plugins import ImportContext

    with tempfile.TemporaryDirectory() as d:
        folder = Path(d) / "export"
        folder.mkdir()
        t0 = time.perf_counter()
        if kind == "car":
            from auditor.importers import bluesky as imp
            n = build_car(folder / "repo.car")
            name = "repo.car"
        elif kind == "csv":
            from auditor.importers import linkedin as imp
            n = build_csv(folder / "Comments.csv")
            name = "Comments.csv"
        else:
            from auditor.importers import mastodon as imp
            n = build_outbox(folder / "outbox.json")
            name = "outbox.json"
        built = time.perf_counter() - t0
        size = (folder / name).stat().st_size
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t1 = time.perf_counter()
        posts = problems = 0
        with Archive.open(folder) as arc:
            for det in imp.detect(arc):
                for item in imp.read(arc, det, ImportContext()):
                    posts += isinstance(item, Post)
                    problems += isinstance(item, Problem)
        secs = time.perf_counter() - t1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"{kind:7s} {name}: {size / 1e6:7.1f} MB, {n:,} records built in {built:.1f} s; read {posts:,} posts, "
              f"{problems} problems in {secs:.1f} s ({posts / max(secs, 1e-9):,.0f} per s); "
              f"peak RSS {peak / 1024:,.0f} MiB (+{(peak - base) / 1024:,.0f} MiB while reading)")


if __name__ == "__main__":
    kinds = sys.argv[1:] or ["car", "csv", "outbox"]
    if len(kinds) == 1:
        measure(kinds[0])
    else:
        for k in kinds:                 # one process each, so that each peak is its own
            subprocess.run([sys.executable, __file__, k], check=False, env=os.environ)
