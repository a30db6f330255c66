"""Peak memory and time of a full scan on hostile inputs (issue 9).

    .venv/bin/python benchmarks/hostile_memory.py            # all cases
    .venv/bin/python benchmarks/hostile_memory.py --only 100k_zip,bomb_png_1gp

Each case is built in a temporary folder (gigabyte sizes only claimed in a crafted central
directory, or a sparse file: nothing big is written) and scanned by `auditor scan` in a fresh
process with the default analysers, so the figure includes the language model. Printed per case:
exit code, the first words of the message, wall seconds, peak RSS (ru_maxrss of that process),
and the growth over a scan of a tiny valid archive.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

GiB = 1 << 30
MiB = 1 << 20


def build(case: str, where: Path) -> Path:
    from test_hostile_zipwriter import TWEETS_JS, Entry, deflated, stored, write_raw_zip
    if case == "baseline":
        return write_raw_zip(where / "x.zip", [stored("data/tweets.js", TWEETS_JS)])
    if case == "100k_zip":
        return write_raw_zip(where / "x.zip", [stored("data/tweets.js", TWEETS_JS)] +
                             [stored(f"data/tweets_media/{i:06d}-x.jpg", b"\xff\xd8") for i in range(100_000)])
    if case == "100k_folder":
        root = where / "x"
        media = root / "data" / "tweets_media"
        media.mkdir(parents=True)
        (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
        for i in range(100_000):
            (media / f"{i:06d}-x.jpg").write_bytes(b"\xff\xd8")
        return root
    if case == "multi_gb_claims_zip":
        return write_raw_zip(where / "x.zip", [
            stored("data/tweets.js", TWEETS_JS),
            Entry("data/tweets_media/101-huge.mp4", b"\0" * 64, file_size=6 * GiB, compress_size=5 * GiB),
            Entry("data/tweets-part1.js", b"\0" * 64, file_size=3 * GiB, compress_size=3 * GiB)])
    if case == "sparse_5gb_folder":
        root = where / "x"
        (root / "data").mkdir(parents=True)
        (root / "data" / "tweets.js").write_bytes(TWEETS_JS)
        with open(root / "data" / "tweets-part1.js", "wb") as fh:
            fh.truncate(5 * GiB)
        return root
    if case == "ratio_bomb_zip":
        return write_raw_zip(where / "x.zip", [stored("data/tweets.js", TWEETS_JS),
                                               deflated(bytes(256 * MiB), name="data/tweets-part1.js")])
    if case == "total_bomb_zip":
        return write_raw_zip(where / "x.zip", [stored("data/tweets.js", TWEETS_JS)] + [
            Entry(f"data/tweets_media/v{i}.mp4", b"\0" * 16, file_size=int(3.9 * GiB),
                  compress_size=int(1.95 * GiB)) for i in range(40)])
    if case == "liar_member_zip":
        liar = deflated(bytes(200 * MiB), name="x")
        return write_raw_zip(where / "x.zip", [stored("data/tweets.js", TWEETS_JS),
                                               Entry("data/tweets-part1.js", liar.data, method=8,
                                                     file_size=100, crc=liar.crc)])
    if case == "huge_tweet_text":
        import random
        rng = random.Random(9)        # varied words: honest text compresses ~3x, not like a bomb
        words = ["shift", "ward", "coffee", "tired", "great", "team", "patient", "run", "park", "rain",
                 "train", "late", "early", "today", "tomorrow", "night", "home", "lovely", "busy", "quiet"]
        words += ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
                  for _ in range(5000)]
        text = " ".join(rng.choice(words) for _ in range(20 * MiB // 6))
        tweets = json.dumps([{"tweet": {"id_str": "5", "created_at": "Sat Jun 06 13:02:35 +0000 2020",
                                        "full_text": text, "entities": {}}}])
        return write_raw_zip(where / "x.zip", [deflated(b"window.YTD.tweets.part0 = " + tweets.encode(),
                                                        name="data/tweets.js")])
    if case.startswith("bomb_png"):
        from test_hostile_media import png_bomb
        w, h = (40_000, 40_000) if case == "bomb_png_1gp" else (15_000, 10_000)
        root = where / "x"
        root.mkdir()
        (root / "IMG_0001.png").write_bytes(png_bomb(w, h))
        return root
    if case == "deep_nesting":
        return write_raw_zip(where / "x.zip", [stored("data/tweets.js", TWEETS_JS),
                                               stored("data/tweets-part1.js",
                                                      b"window.YTD.tweets.part1 = " + b"[" * 5_000_000)])
    raise SystemExit(f"unknown case {case}")


CASES = ["baseline", "100k_zip", "100k_folder", "multi_gb_claims_zip", "sparse_5gb_folder", "ratio_bomb_zip",
         "total_bomb_zip", "liar_member_zip", "deep_nesting", "huge_tweet_text", "bomb_png_150mp",
         "bomb_png_1gp"]


def child(path: str, out: str) -> None:
    """Run the CLI in this process, then report this process's peak RSS."""
    from auditor.cli import main
    t0 = time.perf_counter()
    code = 0
    try:
        main(["scan", path, "--out", out, "--quiet"], standalone_mode=False)
    except SystemExit as exc:
        code = exc.code or 0
    elapsed = time.perf_counter() - t0
    print(json.dumps({"code": code, "seconds": elapsed,
                      "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated case names: " + ", ".join(CASES))
    ap.add_argument("--timeout", type=int, default=600, help="seconds per case (default 600)")
    ap.add_argument("--child", nargs=2, metavar=("PATH", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    cases = args.only.split(",") if args.only else CASES
    if "baseline" not in cases:
        cases = ["baseline", *cases]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          "(shared with other work)")
    print(f"{'case':<22} {'build s':>7} {'exit':>4} {'scan s':>7} {'peak MiB':>9} {'over base':>9}  message")
    base = None
    for case in cases:
        where = Path(tempfile.mkdtemp(prefix=f"fa-hostile-{case}-"))
        try:
            t0 = time.perf_counter()
            path = build(case, where)
            built = time.perf_counter() - t0
            try:
                proc = subprocess.run([sys.executable, __file__, "--child", str(path), str(where / "out")],
                                      capture_output=True, text=True, timeout=args.timeout, cwd=ROOT)
            except subprocess.TimeoutExpired:
                print(f"{case:<22} {built:>7.1f}  TIMEOUT: the scan did not finish in {args.timeout} s")
                continue
            lines = proc.stdout.strip().splitlines()
            try:
                fig = json.loads(lines[-1])
            except (IndexError, ValueError):
                print(f"{case:<22} {built:>7.1f}  child failed: {proc.stderr[-400:]}")
                continue
            msg = " ".join(proc.stderr.split())
            msg = msg.replace(str(path), "PATH")[:90]
            if case == "baseline":
                base = fig["maxrss_mib"]
            over = fig["maxrss_mib"] - base if base is not None else 0.0
            print(f"{case:<22} {built:>7.1f} {fig['code']:>4} {fig['seconds']:>7.2f} {fig['maxrss_mib']:>9.0f} "
                  f"{over:>9.0f}  {msg}")
        finally:
            shutil.rmtree(where, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
