"""Which written training posts (data/writer_*.jsonl) repeat a validation post's phrasing.

    python benchmarks/training/ftp_overlap.py [--write]
    python benchmarks/training/ftp_overlap.py --public NAME [--mirrors /work/.mirror] [--write]
    (NAME: hatexplain, covidrumor, healthmisinfo: concern_data.PUBLIC_EXTRA)

A written post (or, with --public, a training row of that public corpus) is a hit when its normalised text equals a validation post's, or shares a 5-word run
with one and is close to it (difflib ratio > 0.6), or shares three or more 5-word runs with it. This script only compares texts;
it reads ../shared/corpora/ftp/ for that and nothing else, and nothing from ftp enters training: with
--write, the hits' ids go to data/excluded_ids.txt, which concern_data.read_written (and build, for a
public corpus's rows) leaves out; --public --write adds its hits to the ids already there.
--public ghc (the Gab Hate Corpus's training file) and --public hxtrain (HateXplain's training split, CSV
export), like every --public corpus, are read by concern_data.public_texts.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402


def norm(t: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", t.lower())).strip()


def grams(t: str, n: int = 5) -> set[str]:
    w = t.split()
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def written_items(data_dir: Path = cd.DATA_DIR):
    """(id, text) of every line of the written files."""
    for path in sorted(data_dir.glob("writer_*.jsonl")):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                yield r["id"], r["text"]


def hits(shared: Path, data_dir: Path = cd.DATA_DIR) -> list[tuple[str, str, str]]:
    return hits_in(shared, written_items(data_dir))


def hits_in(shared: Path, items) -> list[tuple[str, str, str]]:
    """(id, why, normalised text) of the (id, text) items close to a validation post."""
    ftp = [norm(json.loads(line).get("text", "")) for p in sorted((shared / "corpora/ftp").glob("*.jsonl"))
           for line in open(p, encoding="utf-8") if line.strip()]
    index: dict[str, set[int]] = {}
    for i, t in enumerate(ftp):
        for g in grams(t):
            index.setdefault(g, set()).add(i)
    exact = set(ftp)
    out = []
    for rid, text in items:
        t = norm(text)
        if t in exact:
            out.append((rid, "exact", t))
            continue
        shared_runs: dict[int, int] = {}
        for g in grams(t):
            for i in index.get(g, ()):
                shared_runs[i] = shared_runs.get(i, 0) + 1
        for i in sorted(shared_runs):
            ratio = difflib.SequenceMatcher(None, t, ftp[i]).ratio()
            if ratio > 0.6 or shared_runs.get(i, 0) >= 3:
                out.append((rid, f"ratio {ratio:.2f}, shared 5-word runs {shared_runs.get(i, 0)}", t))
                break
    return out


def report_public(a, rows: list[tuple[str, str]]) -> None:
    """Print the ids (never the texts) of a public corpus's training rows close to a validation post;
    with --write, add them to excluded_ids.txt (build() then leaves them out)."""
    found = hits_in(Path(a.shared), rows)
    for rid, why, _ in found:
        print(f"{rid}\t{why}")
    print(f"{len(found)} of {len(rows)} {a.public} training rows close to a validation post")
    if a.write and found:
        path = cd.DATA_DIR / "excluded_ids.txt"
        have = cd.excluded_ids()
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("".join(f"{rid}\n" for rid, _, _ in found if rid not in have))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--public", choices=cd.PUBLIC_EXTRA, default=None,
                    help="compare this public corpus's training rows instead of the written posts")
    ap.add_argument("--mirrors", default=str(cd.MIRRORS))
    a = ap.parse_args()
    if a.public:
        return report_public(a, cd.public_texts(a.public, Path(a.mirrors)))
    found = hits(Path(a.shared))
    for rid, why, t in found:
        print(f"{rid}\t{why}\t{t[:90]}")
    print(f"{len(found)} written posts close to a validation post")
    if a.write:
        (cd.DATA_DIR / "excluded_ids.txt").write_text(
            "# written posts left out of training: too close to a validation post (ftp_overlap.py)\n"
            + "".join(f"{rid}\n" for rid, _, _ in found), encoding="utf-8")


if __name__ == "__main__":
    main()
