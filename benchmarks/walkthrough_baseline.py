"""A two-scan walkthrough of a periodic check on sample_exports/ (issue 8), with the real CLI.

    .venv/bin/python benchmarks/walkthrough_baseline.py [--keep DIR] [--new-top-folder]

1. scan every sample export with --baseline: everything is "new";
2. mark some findings (auditor mark): to delete, keep, false positive, skip;
3. build a "second download": the same exports under new zip names, with the posts of two
   to-delete findings removed (one on X, one on Facebook), one to-delete post left in, and one
   new tweet added (sent with location on, from near the station);
4. scan the second download with the same baseline and print the statuses, what is still there,
   what was confirmed deleted, stale entries and the exit code;
5. a Twitter-only re-check: Facebook and Instagram decisions are left alone;
6. check the baseline file holds none of the posts' text or evidence.

--new-top-folder also renames the folder inside the Facebook zip (as a real second download
would be named), which shows the known gap: image findings' ids include that folder.
Nothing is written into sample_exports/; all output goes to a temporary folder (or --keep DIR).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_exports"
PY = sys.executable


def auditor(*args: str, now: str) -> tuple[int, str, float]:
    env = dict(os.environ, AUDITOR_NOW=now, PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    p = subprocess.run([PY, "-m", "auditor", *args], cwd=REPO, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr, time.perf_counter() - t0


def load(out: Path) -> dict:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def show(title: str, rc: int, output: str, secs: float, doc: dict) -> None:
    counts = Counter(f["status"] for f in doc["findings"])
    print(f"\n== {title}: exit code {rc}, {secs:.1f} s wall")
    print("   findings by status: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    for line in output.splitlines():
        if line.startswith(("Baseline", "  ", "Read ")):
            print("   " + line.strip())


def members_of(src: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(src) as z:
        return [(i.filename, z.read(i)) for i in z.infolist() if not i.is_dir()]


def drop_records(data: bytes, indices: set[int]) -> bytes:
    """Remove records by index from a window.YTD ... = [...] file or a Meta JSON list."""
    text = data.decode("utf-8")
    m = re.match(r"\s*window\.YTD\.[\w.]+\s*=\s*", text)
    prefix, body = (text[: m.end()], text[m.end():]) if m else ("", text)
    value = json.loads(body)
    lst = value if isinstance(value, list) else next(v for v in value.values() if isinstance(v, list))
    for i in sorted(indices, reverse=True):
        del lst[i]
    return (prefix + json.dumps(value, ensure_ascii=not prefix, indent=1)).encode("utf-8")


def add_tweet(data: bytes) -> bytes:
    text = data.decode("utf-8")
    m = re.match(r"\s*window\.YTD\.[\w.]+\s*=\s*", text)
    assert m, "tweets.js without the window.YTD prefix"
    items = json.loads(text[m.end():])
    items.append({"tweet": {
        "id_str": "500000000099000099", "id": "500000000099000099",
        "created_at": "Fri Nov 20 21:40:00 +0000 2026",
        "full_text": "Back on nights tomorrow, quick coffee stop first",
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "coordinates": {"type": "Point", "coordinates": ["-1.54880", "53.80110"]},
        "geo": {"type": "Point", "coordinates": ["53.80110", "-1.54880"]},
        "lang": "en", "source": "", "favorite_count": "0", "retweet_count": "0"}})
    return (text[: m.end()] + json.dumps(items, indent=1)).encode("utf-8")


def second_download(first: dict, remove: list[str], work: Path, new_top: bool) -> list[Path]:
    """Copies of the sample exports under new names, without the posts in `remove`, plus a tweet."""
    posts = {p["ref"]: p for p in first["posts"]}
    drops: dict[tuple[str, str], set[int]] = {}
    for ref in remove:
        src = posts[ref]["source"]
        drops.setdefault((Path(src["archive"]).name, src["member"]), set()).add(src["index"])
    out = []
    for src in sorted(SAMPLES.glob("*.zip")):
        new_name = re.sub(r"2026-11-01", "2027-02-14", src.name)
        items = members_of(src)
        top_old = src.stem if all(n.startswith(src.stem + "/") for n, _ in items) else None
        dst = work / "second-download" / new_name
        dst.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in reversed(items):                          # another member order too
                key = (src.name, name)
                if key in drops:
                    data = drop_records(data, drops[key])
                if src.name.startswith("twitter") and name.endswith("data/tweets.js"):
                    data = add_tweet(data)
                if new_top and top_old:
                    name = Path(new_name).stem + name[len(top_old):]
                z.writestr(name, data)
        out.append(dst)
    photos = SAMPLES / "camera-roll"
    if photos.is_dir():
        shutil.copytree(photos, work / "second-download" / "camera-roll")
        out.append(work / "second-download" / "camera-roll")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="write everything here instead of a temporary folder")
    ap.add_argument("--new-top-folder", action="store_true",
                    help="also rename the folder inside the Facebook zip (shows the image-id gap)")
    args = ap.parse_args()
    if not any(SAMPLES.glob("*.zip")):
        print(f"no sample exports in {SAMPLES}: run sample_exports/generate.py first")
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="walkthrough-"))
    work.mkdir(parents=True, exist_ok=True)
    base = work / "decisions.json"
    cfg = ["--config", str(SAMPLES / "auditor.toml")] if (SAMPLES / "auditor.toml").exists() else []
    firsts = [str(p) for p in sorted(SAMPLES.glob("*.zip"))] + (
        [str(SAMPLES / "camera-roll")] if (SAMPLES / "camera-roll").is_dir() else [])
    print(f"Footprint Auditor: two-scan walkthrough (work folder {work}; machine: {os.cpu_count()} cores "
          "shared with other engineers' test runs, so the timings are loaded figures)")

    rc, output, secs = auditor("scan", *firsts, *cfg, "--out", str(work / "scan1"), "--baseline", str(base),
                               "--force", now="2026-11-02T09:00:00Z")
    if rc not in (0, 1):
        print(output)
        return rc
    first = load(work / "scan1")
    show("scan 1 (first download)", rc, output, secs, first)

    # -- decisions ----------------------------------------------------------------------------
    by_platform: dict[str, list[dict]] = {}
    for f in first["findings"]:
        if f["status"] == "new":
            by_platform.setdefault(f["post_ref"].split(":")[0], []).append(f)
    plan: list[tuple[dict, str]] = []
    tw, fb = by_platform.get("twitter", []), by_platform.get("facebook", [])
    if tw:
        plan.append((tw[0], "to-delete"))                     # removed in the second download
    if len(tw) > 1:
        later = next((f for f in tw[1:] if f["post_ref"] != tw[0]["post_ref"]), None)
        if later:
            plan.append((later, "to-delete"))                 # forgotten: still there
    if fb:
        plan.append((fb[0], "to-delete"))                     # removed in the second download
    rest = [f for fs in by_platform.values() for f in fs if f["post_ref"] not in {p[0]["post_ref"] for p in plan}]
    for f, status in zip(rest, ["accepted", "false-positive", "skipped"]):
        plan.append((f, status))
    print("\n== decisions (auditor mark)")
    for f, status in plan:
        mrc, mout, _ = auditor("mark", f["id"], status, "--baseline", str(base), "--note", "walkthrough",
                               now="2026-11-02T09:30:00Z")
        print(f"   {status:<15} {f['id']} {f['rule']:<8} {f['post_ref']}  -> exit {mrc}")
    removed = [plan[0][0]["post_ref"]] + ([f["post_ref"] for f, s in plan[2:3] if s == "to-delete"])

    # -- second download ----------------------------------------------------------------------
    seconds = second_download(first, removed, work, args.new_top_folder)
    print(f"\n== second download: {', '.join(p.name for p in seconds)}")
    print(f"   posts removed: {', '.join(removed)}; one tweet added (500000000099000099, with location)")
    rc, output, secs = auditor("scan", *map(str, seconds), *cfg, "--out", str(work / "scan2"),
                               "--baseline", str(base), "--force", now="2027-02-15T09:00:00Z")
    second = load(work / "scan2")
    show("scan 2 (second download, same baseline)", rc, output, secs, second)
    status = {f["id"]: f["status"] for f in second["findings"]}
    print("   decisions now:")
    for f, decided in plan:
        now = status.get(f["id"], "not found (see deleted)")
        print(f"     {f['id']} {f['post_ref']:<36} decided {decided:<15} -> {now}")
    new_ones = [f for f in second["findings"] if f["status"] == "new" and f["post_ref"] == "twitter:500000000099000099"]
    print(f"   the added tweet: {len(new_ones)} new finding(s): {', '.join(f['rule'] for f in new_ones)}")

    # -- a Twitter-only re-check --------------------------------------------------------------
    before = {e["id"]: e for e in json.loads(base.read_text())["entries"] if e["platform"] != "twitter"}
    tw_only = [p for p in seconds if p.name.startswith("twitter")]
    rc, output, secs = auditor("scan", *map(str, tw_only), *cfg, "--out", str(work / "scan3"), "--baseline",
                               str(base), "--force", now="2027-02-16T09:00:00Z")
    show("scan 3 (Twitter only)", rc, output, secs, load(work / "scan3"))
    after = {e["id"]: e for e in json.loads(base.read_text())["entries"] if e["platform"] != "twitter"}
    print(f"   other platforms' entries unchanged: {before == after} ({len(after)} entries)")

    # -- the baseline holds no content ---------------------------------------------------------
    raw = base.read_text(encoding="utf-8").casefold()
    texts = [p["text"] for p in first["posts"] if p.get("text")] + [f["evidence"] for f in first["findings"]]
    leaks = [t for t in texts if len(t) > 3 and t.casefold() in raw]
    print(f"\n== baseline {base.name}: {len(json.loads(raw)['entries'])} entries, {base.stat().st_size} bytes, "
          f"mode {oct(base.stat().st_mode & 0o777)}; post texts or evidence found in it: {len(leaks)}")
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
