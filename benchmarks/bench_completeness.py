"""Completeness per layout: what each file should hold (the platform's own count), an independent
count of its records (a plain json.loads / csv read of the file, no importer code), and what the
importer read, skipped and reported as gaps.

    .venv/bin/python benchmarks/bench_completeness.py [--size N]

Layouts built here from invented posts (the X layouts of tests/test_twitter_layouts.py at a larger
size, as zip and as folder), damaged variants (cut short, a damaged region, a missing part), the
project's sample_exports/ folder, and the licensed X archives in ../shared/fixtures/twitter and
tests/fixtures/twitter when present. Prints one row per data file; the last column says whether
read + skipped is within 2 % of the independent count.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from auditor.archive import Archive  # noqa: E402
from auditor.config import Config, Profile  # noqa: E402
from auditor.pipeline import scan  # noqa: E402

SHARED = ROOT.parent.parent / "shared" if (ROOT.parent.parent / "shared").is_dir() else ROOT.parent / "shared"


# -- independent counts -------------------------------------------------------------------------
def independent(archive: Archive, member: str) -> int | None:
    """Records in a data file, counted without the importer: the list after `... =` parsed in one
    go (None when it does not parse: damaged), or the rows of a CSV."""
    try:
        text = archive.read_text(member)
    except Exception:
        return None
    if member.endswith(".csv"):
        try:
            return sum(1 for _ in csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error:
            return None
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    if start < 0:
        return 0
    try:
        data = json.loads(text[start:])
    except ValueError:
        return None
    return len(data) if isinstance(data, list) else None


# -- layouts built here --------------------------------------------------------------------------
def big_current(n: int) -> dict:
    from test_twitter_layouts import OWNER, account, tweet, utc, ytd
    rng = random.Random(14)
    parts = [list(range(0, n // 2)), list(range(n // 2, n))]
    members = {"data/account.js": account()}
    files = []
    for k, ids in enumerate(parts):
        name = "data/tweets.js" if k == 0 else f"data/tweets-part{k}.js"
        items = [{"tweet": tweet(str(10_000 + i), utc(2015 + i % 10, 1 + i % 12, 1 + i % 28),
                                 f"post {i} " + " ".join(rng.choice(["ward", "shift", "tea", "run"])
                                                         for _ in range(8)))}
                 for i in ids]
        members[name] = ytd("tweets", items, part=k)
        files.append({"fileName": name, "count": str(len(ids))})
    likes = [{"like": {"tweetId": str(90_000 + i), "fullText": f"liked {i}"}} for i in range(n // 4)]
    members["data/like.js"] = ytd("like", likes)
    members["data/manifest.js"] = "window.__THAR_CONFIG = " + json.dumps({
        "userInfo": {"userName": OWNER}, "dataTypes": {
        "tweets": {"files": files}, "like": {"files": [{"fileName": "data/like.js", "count": str(len(likes))}]}}})
    return members


def big_grailbird(n: int) -> dict:
    from test_twitter_layouts import grailbird_month, grailbird_tweet
    months: dict[str, list] = {}
    for i in range(n):
        y, m = 2012 + (i % 72) // 12, 1 + (i % 12)
        months.setdefault(f"{y}_{m:02d}", []).append(grailbird_tweet(
            300_000_000_000_000_000 + i, f"{y}-{m:02d}-{1 + i % 28:02d} 10:00:00 +0000", f"old post {i}"))
    index = [{"file_name": f"data/js/tweets/{k}.js", "tweet_count": len(v)} for k, v in sorted(months.items())]
    members = {f"data/js/tweets/{k}.js": grailbird_month(k, v) for k, v in months.items()}
    members["data/js/tweet_index.js"] = "var tweet_index = " + json.dumps(index)
    rows = ['"tweet_id","in_reply_to_status_id","in_reply_to_user_id","timestamp","source","text",'
            '"retweeted_status_id","retweeted_status_user_id","retweeted_status_timestamp","expanded_urls"']
    for v in months.values():
        for t in v:
            rows.append(f'"{t["id_str"]}","","","{t["created_at"]}","web","{t["text"]}","","","",""')
    members["tweets.csv"] = "\n".join(rows) + "\n"
    return members


def csv_only(n: int) -> dict:
    return {"tweets.csv": big_grailbird(n)["tweets.csv"]}


def cut_short(members: dict) -> dict:
    m = dict(members)
    t = m["data/tweets.js"]
    m["data/tweets.js"] = t[: int(len(t) * 0.6)]
    return m


def missing_part(members: dict) -> dict:
    m = dict(members)
    del m["data/tweets-part1.js"]
    return m


def write(tmp: Path, name: str, members: dict, form: str) -> Path:
    from conftest import write_folder, write_zip
    if form == "zip":
        return write_zip(tmp / f"{name}.zip", members)
    return write_folder(tmp / name, members)


def damaged_region(tmp: Path, members: dict) -> Path:
    """Stored zip with one flipped byte two thirds into tweets.js (its CRC fails)."""
    path = tmp / "damaged-region.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("data/tweets.js")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size * 2 // 3] ^= 0x01
    path.write_bytes(bytes(raw))
    return path


# -- report ----------------------------------------------------------------------------------------
def report(label: str, path: Path) -> list[tuple]:
    t0 = time.perf_counter()
    res = scan([str(path)], Config(Profile(full_name="Invented Person")), analysers=[])
    secs = time.perf_counter() - t0
    rows = []
    for s in res.archives:
        with Archive.open(s.path) if Path(s.path).exists() else _nested(path, s.path) as arc:
            for c in s.coverage:
                if c.what == "photos and videos" or c.member.endswith("/") or c.member == "":
                    ind = None
                else:
                    ind = independent(arc, (s.root or "") + c.member if c.member not in arc else c.member)
                skipped = sum(c.skipped.values())
                ok = "" if ind is None else ("yes" if abs(c.read + skipped - ind) <= 0.02 * max(ind, 1) else "NO")
                rows.append((label, s.platform, s.layout, c.member or "(folder)", c.what, c.expected, ind,
                             c.read, dict(c.skipped), ok))
    gaps = "; ".join(f"{g.member or g.archive}: {g.message}" for g in res.gaps) or "none"
    print(f"\n{label}: {len(res.posts)} posts from {len(res.archives)} export(s) in {secs:.2f} s; "
          f"complete={res.complete}; gaps: {gaps[:300]}")
    if res.ignored:
        print(f"  not read: {', '.join(Path(i.path).name for i in res.ignored)}")
    for r in rows:
        print("  {3:<34} {4:<34} expected={5!s:>6} independent={6!s:>6} read={7:>6} skipped={8} "
              "within2%={9}".format(*r))
    return rows


def _nested(outer: Path, label: str):
    """The archive for a label such as outer.zip/inner.zip (a zip opened in place)."""
    arc = Archive.open(outer)
    rest = label[len(str(outer)) + 1:]
    return arc.view(rest + "/", label) if rest and not rest.endswith(".zip") else arc.open_nested(rest)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=4000, help="posts in the built X layouts")
    args = ap.parse_args()
    n = args.size
    from test_twitter_layouts import current_archive, grailbird_archive, toplevel_archive, tweet_js_archive
    all_rows: list[tuple] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        layouts = {
            "X 2022+ tweets.js (small, every file type)": current_archive(),
            "X 2019-2022 tweet.js wrapped": tweet_js_archive(True),
            "X 2019 tweet.js bare": tweet_js_archive(False),
            "X 2018-2019 top-level tweet.js": toplevel_archive(""),
            "X Grailbird 2012-2019 (small)": grailbird_archive(),
            f"X 2022+ tweets.js, {n} posts in 2 parts": big_current(n),
            f"X Grailbird, {n} posts in 72 months + tweets.csv": big_grailbird(n),
            f"X tweets.csv only, {n} rows": csv_only(n),
        }
        for label, members in layouts.items():
            for form in ("zip", "folder"):
                all_rows += report(f"{label} [{form}]", write(tmp, f"l{len(all_rows)}", members, form))
        big = big_current(n)
        print("\n-- damaged variants (each must be incomplete; never an all-clear) --")
        report("cut short at 60 % of tweets.js [zip]", write(tmp, "cut", cut_short(big), "zip"))
        report("a part missing (tweets-part1.js) [folder]", write(tmp, "miss", missing_part(big), "folder"))
        report("a damaged region in tweets.js [stored zip]", damaged_region(tmp, big))
        print("\n-- inputs as people have them --")
        all_rows += report("sample_exports/ (a folder of downloads)", ROOT / "sample_exports")
        from conftest import write_zip
        inner = write_zip(tmp / "inner.zip", big_current(200))
        outer = write_zip(tmp / "outer.zip", {"twitter-2024.zip": inner.read_bytes()})
        all_rows += report("an export zip inside a zip", outer)
        print("\n-- licensed real X archives --")
        for p in (SHARED / "fixtures" / "twitter" / "twitter-milahu104",
                  ROOT / "tests" / "fixtures" / "twitter" / "milahu104",
                  SHARED / "fixtures" / "twitter" / "twitter-to-sqlite" / "tests" / "zip_contents"):
            if p.exists():
                try:
                    all_rows += report(str(p.relative_to(p.parents[2])), p)
                except Exception as exc:
                    print(f"\n{p}: not read as an export ({str(exc).split('. Looked for')[0][-80:]})")
            else:
                print(f"\n{p}: not present")
    checked = [r for r in all_rows if r[-1]]
    bad = [r for r in checked if r[-1] == "NO"]
    print(f"\n{len(checked)} files with an independent count; {len(checked) - len(bad)} within 2 %"
          + (f"; NOT within 2 %: {[r[3] for r in bad]}" if bad else ""))


if __name__ == "__main__":
    main()
