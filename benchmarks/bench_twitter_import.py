"""Import speed and peak memory of the X/Twitter importer on a large synthetic archive (prints
figures; not a test).

    .venv/bin/python benchmarks/bench_twitter_import.py [--tweets 100000] [--form folder|zip|both]
                                                        [--repeat 2] [--keep-dir DIR]

Builds `data/tweets.js` (+ account.js and a manifest) with N invented tweets shaped like a real
2026 archive (escaped HTML, t.co links with indices, mentions, replies, reposts, emoji, one tweet
in 20 with a photo whose file is present, one in 200 with coordinates), written record by record so
the generator itself stays small. Then, per form (folder, zip):

1. speed: importer.read() consumed end to end and the Posts kept in a list (as the pipeline
   keeps them), timed `--repeat` times, best kept; posts/s = posts / best seconds;
2. memory: the same run under tracemalloc (slower, not timed): peak Python allocation during the
   import, and the peak with the Posts dropped as they come (the streaming reader's own footprint);
3. ru_maxrss of the process at the end (includes the interpreter, the imports and all runs).

The machine's load average and core count are printed: other engineers share its 2 cores.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.archive import Archive  # noqa: E402
from auditor.model import Post, Problem  # noqa: E402
from auditor.importers import twitter  # noqa: E402
from auditor.plugins import ImportContext  # noqa: E402

WORDS = ("shift ward patient team night rota handover coffee tired proud training audit clinic bus "
         "rain lovely busy quiet break canteen &amp; &lt;3 #nhs #nurses \U0001F3E5 \U0001F489 caf\u00e9").split()
HANDLE = "bench_owner"


def synthetic_tweet(i: int, rng: random.Random, start: datetime) -> dict:
    tid = str(1_500_000_000_000_000_000 + i * 7919)
    when = start + timedelta(minutes=7 * i)
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
    roll = rng.random()
    ents: dict = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}
    t: dict = {"edit_info": {"initial": {"editTweetIds": [tid], "editableUntil": when.isoformat(),
                                         "editsRemaining": "5", "isEditEligible": False}},
               "retweeted": False, "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter "
               "Web App</a>", "favorite_count": str(rng.randint(0, 50)), "id_str": tid, "id": tid,
               "truncated": False, "retweet_count": "0", "favorited": False, "lang": "en",
               "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y")}
    if roll < 0.4:                      # a reply
        other = f"colleague{rng.randint(1, 500)}"
        body = f"@{other} {body}"
        ents["user_mentions"].append({"name": other, "screen_name": other, "indices": ["0", str(len(other) + 1)],
                                      "id_str": "12345", "id": "12345"})
        t.update(in_reply_to_status_id_str=str(int(tid) - 1), in_reply_to_status_id=str(int(tid) - 1),
                 in_reply_to_user_id_str="12345", in_reply_to_user_id="12345", in_reply_to_screen_name=other)
    elif roll < 0.52:                   # a repost, truncated as X stores it
        body = f"RT @news{rng.randint(1, 50)}: {body[:100]}\u2026"
    if rng.random() < 0.3:              # a link
        short = f"https://t.co/{i:010d}"
        a = len(body) + 1
        body = f"{body} {short}"
        ents["urls"].append({"url": short, "expanded_url": f"https://example.org/a/{i}?x=1&y=2",
                             "display_url": f"example.org/a/{i}", "indices": [str(a), str(a + len(short))]})
    if i % 20 == 0:                     # a photo
        short = f"https://t.co/p{i:09d}"
        a = len(body) + 1
        body = f"{body} {short}"
        m = {"expanded_url": f"https://x.com/{HANDLE}/status/{tid}/photo/1", "indices": [str(a), str(a + len(short))],
             "url": short, "media_url_https": f"https://pbs.twimg.com/media/P{i:08d}.jpg", "id_str": tid,
             "type": "photo", "display_url": f"pic.x.com/p{i:09d}",
             "sizes": {"large": {"w": "2048", "h": "1536", "resize": "fit"}}}
        ents["media"] = [m]
        t["extended_entities"] = {"media": [m]}
    if i % 200 == 0:
        t["coordinates"] = {"type": "Point", "coordinates": ["-1.5491", "53.8008"]}
        t["geo"] = {"type": "Point", "coordinates": ["53.8008", "-1.5491"]}
    t["entities"] = ents
    t["display_text_range"] = ["0", str(len(body))]
    t["full_text"] = body
    return t


def build(folder: Path, n: int, seed: int = 1) -> tuple[int, int]:
    """Write the synthetic archive into `folder`; returns (tweets.js bytes, media files)."""
    rng = random.Random(seed)
    data = folder / "data"
    (data / "tweets_media").mkdir(parents=True)
    start = datetime(2012, 1, 1, tzinfo=timezone.utc)
    media = 0
    with open(data / "tweets.js", "w", encoding="utf-8") as fh:
        fh.write("window.YTD.tweets.part0 = [")
        for i in range(n):
            t = synthetic_tweet(i, rng, start)
            fh.write(("" if i == 0 else ",") + "\n  " + json.dumps({"tweet": t}, indent=2, ensure_ascii=False)
                     .replace("\n", "\n  "))
            if "extended_entities" in t:
                (data / "tweets_media" / f"{t['id_str']}-P{i:08d}.jpg").write_bytes(b"\xff\xd8\xff\xe0bench")
                media += 1
        fh.write("\n]")
    (data / "account.js").write_text('window.YTD.account.part0 = [{"account": {"username": "%s", "accountId": '
                                     '"1", "accountDisplayName": "Bench Owner"}}]' % HANDLE)
    manifest = {"userInfo": {"userName": HANDLE}, "dataTypes": {"tweets": {
        "mediaDirectory": "data/tweets_media", "files": [{"fileName": "data/tweets.js", "count": str(n)}]}}}
    (data / "manifest.js").write_text("window.__THAR_CONFIG = " + json.dumps(manifest))
    return (data / "tweets.js").stat().st_size, media


def zip_folder(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return dest


def import_once(path: Path, keep: bool) -> tuple[int, int, int]:
    """(posts, media links, problems) for one full import."""
    arc = Archive.open(path)
    ctx = ImportContext()
    kept: list[Post] = []
    n = media = problems = 0
    for det in twitter.detect(arc):
        for item in twitter.read(arc, det, ctx):
            if isinstance(item, Post):
                n += 1
                media += len(item.media)
                if keep:
                    kept.append(item)
            elif isinstance(item, Problem):
                problems += 1
    arc.close()
    del kept
    return n, media, problems


def measure(path: Path, repeat: int) -> dict:
    best = float("inf")
    counts = (0, 0, 0)
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        counts = import_once(path, keep=True)
        best = min(best, time.perf_counter() - t0)
    peaks = {}
    for keep in (True, False):
        gc.collect()
        tracemalloc.start()
        import_once(path, keep=keep)
        peaks[keep] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"posts": counts[0], "media": counts[1], "problems": counts[2], "seconds": best,
            "peak_kept": peaks[True], "peak_streaming": peaks[False]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tweets", type=int, default=100_000)
    ap.add_argument("--form", choices=("folder", "zip", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep-dir", help="build the archive here and keep it (default: a temporary folder)")
    args = ap.parse_args()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    work = Path(args.keep_dir) if args.keep_dir else Path(tempfile.mkdtemp(prefix="bench-twitter-"))
    try:
        folder = work / "archive"
        t0 = time.perf_counter()
        size, media_files = build(folder, args.tweets)
        print(f"built {args.tweets:,} tweets: data/tweets.js {size / 2**20:.1f} MiB, {media_files:,} media files "
              f"({time.perf_counter() - t0:.1f} s)")
        forms = ["folder", "zip"] if args.form == "both" else [args.form]
        for form in forms:
            path = folder if form == "folder" else zip_folder(folder, work / "archive.zip")
            load = os.getloadavg()
            r = measure(path, args.repeat)
            print(f"[{form}] {r['posts']:,} posts, {r['media']:,} media links, {r['problems']} problems; "
                  f"best of {args.repeat}: {r['seconds']:.2f} s = {r['posts'] / r['seconds']:,.0f} posts/s; "
                  f"peak Python memory (tracemalloc): {r['peak_kept'] / 2**20:.0f} MiB keeping the Posts, "
                  f"{r['peak_streaming'] / 2**20:.1f} MiB streaming; load average before {load[0]:.2f}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"process peak RSS (ru_maxrss): {rss / 1024:.0f} MiB (at start {rss0 / 1024:.0f} MiB); "
              f"cores: {os.cpu_count()}; load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        assert r["posts"] == args.tweets, "the importer lost tweets"
    finally:
        if not args.keep_dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
