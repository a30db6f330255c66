"""Speed and completeness of the Facebook HTML reader, before and after issue 14 (prints figures;
not a test).

    .venv/bin/python benchmarks/bench_meta_html.py [--blocks 20000] [--old-rev 16a33a8] [--repeat 3]

1. Completeness, per block shape: pages built from the shapes of tests/test_meta_html_layouts.py
   (2022-23 French posts, comments, group comments; 2019 English groups) and the structure
   skeletons cut from real downloads (tests/fixtures/html-skeletons), read by today's importer and by
   the one at --old-rev (loaded from git into a temporary package). For each file: blocks, what
   each reader made of them, and, for the shape fixtures, which shapes the old reader dropped.
2. Speed: one generated 2019-21 posts page and one 2022+ posts page of --blocks blocks each (a mix
   of the real skeletons' blocks, dates moved so every block is distinct), read end to end by both
   importers, best of --repeat, in one run (compare the ratio; the machine is shared). Peak memory of
   each run is printed too (tracemalloc).
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from auditor.archive import Archive  # noqa: E402
from auditor.importers import facebook as new_fb  # noqa: E402
from auditor.model import Post, Problem  # noqa: E402
from auditor.pipeline import locator  # noqa: E402
from auditor.plugins import Coverage, ImportContext  # noqa: E402

SK = ROOT / "tests" / "fixtures" / "html-skeletons"


def load_old(rev: str):
    """The Facebook importer (and its meta helpers) as they were at `rev`, as a throwaway package."""
    pkg = Path(tempfile.mkdtemp(prefix="fa-old-importers-")) / "old_meta_importers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("meta.py", "facebook.py"):
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:importers/{name}"], check=True,
                             capture_output=True, text=True).stdout
        (pkg / name).write_text(src)
    sys.path.insert(0, str(pkg.parent))
    return importlib.import_module("old_meta_importers.facebook")


def read(importer, path: str) -> tuple[list[Post], list[Problem], list[Coverage]]:
    with Archive.open(path) as a:
        ctx = ImportContext(locate=locator([a]))
        items = [it for det in importer.detect(a) for it in importer.read(a, det, ctx)]
    return ([i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, Problem)],
            [i for i in items if isinstance(i, Coverage)])


def write(folder: Path, members: dict) -> str:
    for k, v in members.items():
        p = folder / k
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(v if isinstance(v, bytes) else v.encode("utf-8"))
    return str(folder)


def count_blocks(html: str) -> int:
    from auditor.importers import _html
    return len(_html.find_blocks(_html.parse(html)))


def completeness(old_fb, work: Path) -> None:
    import test_meta_html_layouts as L
    print("== 1. completeness: blocks, and what each reader made of them (posts by kind; Problems naming blocks)")
    cases = []
    for lang, style in (("fr", "day-first"), ("fr", "month-first"), ("de", "")):
        members, _ = L.build_2022(lang, style, repeat=10)
        cases.append((f"2022-23 {lang} {style}".strip(), members))
    members, _ = L.build_2019_groups(120)
    # the old reader recognised no download holding only a groups file: give it a profile page too
    members["profile_information/profile_information.html"] = "<html><body></body></html>"
    cases.append(("2019 en groups", members))
    for sk in sorted(p.parent.name for p in SK.glob("*/EXPECTED.json")):
        if sk.startswith("facebook"):
            m = {p.relative_to(SK / sk).as_posix(): p.read_bytes() for p in (SK / sk).rglob("*.html")}
            if sk == "facebook-2021-en-b":
                m["profile_information/profile_information.html"] = "<html><body></body></html>"
            cases.append((f"skeleton {sk}", m))
    for n, (name, members) in enumerate(cases):
        path = write(work / f"c{n}", members)
        new_posts, new_probs, _ = read(new_fb, path)
        old_posts, old_probs, _ = read(old_fb, path)
        for member, html in sorted(members.items()):
            if not member.endswith(".html") or "profile_information" in member:
                continue
            blocks = count_blocks(html if isinstance(html, str) else html.decode("utf-8"))
            nk = Counter(p.kind for p in new_posts if p.source.member == member)
            ok = Counter(p.kind for p in old_posts if p.source.member == member)
            named = sum(int(m.group(1)) for p in new_probs if p.member.startswith(member + "#")
                        for m in [re.match(r"(\d+) entr", p.message)] if m)
            stamp_posts = sum(1 for p in old_posts if p.source.member == member and _stamp_only(p.text))
            print(f"  {name:34} {member.rsplit('/', 1)[-1]:48} blocks {blocks:5}  new {sum(nk.values()):5} "
                  f"{dict(nk)} + {named} named empty  |  old {sum(ok.values()):5} {dict(ok)}, "
                  f"{stamp_posts} edit-stamp-only posts")
    print("  shapes the old reader dropped (2022-23 French, day-first; each shape 10 times):")
    members, _ = L.build_2022("fr", "day-first", repeat=1)
    path = write(work / "shapes", members)
    old_posts, _, _ = read(old_fb, path)
    old_keys = {(p.source.member, p.source.index) for p in old_posts}
    act = "your_activity_across_facebook/"
    shapes = [(act + "posts/your_posts_1.html", n, kind) for n, _, kind, _ in L.post_shapes(L.LANG["fr"])] + \
        [(act + "comments_and_reactions/comments.html", n, kind) for n, _, kind in L.comment_shapes(L.LANG["fr"])] + \
        [(act + "groups/your_comments_in_groups.html", n, kind) for n, _, kind in L.comment_shapes(L.LANG["fr"])]
    index = Counter()
    for member, shape, kind in shapes:
        i = index[member]
        index[member] += 1
        old = next((p for p in old_posts if (p.source.member, p.source.index) == (member, i)), None)
        verdict = ("dropped" if old is None else "edit stamp as text" if _has_stamp_line(old.text) else
                   f"read as {old.kind}")
        print(f"    {member.rsplit('/', 1)[-1]:34} {shape:34} should be {kind:9} old: {verdict}")
    del old_keys


def _has_stamp_line(text: str) -> bool:
    from auditor.importers import _dates
    return any(_dates.stamp(x) for x in text.split("\n"))


def _stamp_only(text: str) -> bool:
    from auditor.importers import _dates
    lines = [x for x in text.split("\n") if x.strip()]
    return bool(lines) and all(_dates.stamp(x) for x in lines)


def big_pages(n: int) -> dict[str, str]:
    """A 2019-21 and a 2022+ posts page of n blocks each, from the skeletons' blocks, every block made
    distinct (its words numbered)."""
    from lxml import etree
    from auditor.importers import _html
    out = {}
    for sk, rel, target in (("facebook-2021-en-a", "posts/your_posts_1.html", "posts/your_posts_1.html"),
                            ("facebook-2024-es",
                             "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.html",
                             "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.html")):
        raw = (SK / sk / rel).read_text(encoding="utf-8")
        root = _html.parse(raw)
        blocks = [etree.tostring(b.el, encoding="unicode", method="html") for b in _html.find_blocks(root)]
        i = raw.index(blocks[0][:40])
        head = raw[:i]
        tail = raw[raw.rindex("</div></div></div></div></div>"):] if "</body>" in raw else "</div></body></html>"
        body = []
        es = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]
        for k in range(n):
            b = blocks[k % len(blocks)]
            t = datetime(2010, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=7 * k)
            if "_2lem" in b:      # 2019-21: "Oct 23, 2014, 11:20 PM"
                when = f"{t:%b} {t.day}, {t.year}, {t.hour % 12 or 12}:{t:%M} {'PM' if t.hour >= 12 else 'AM'}"
                b = re.sub(r'(<div class="_3-94 _2lem">(?:<a [^>]*>)?)[^<]+', lambda m, w=when: m.group(1) + w, b)
            else:                 # 2022+ Spanish: "feb 10, 2024 9:30:47pm"
                ampm = "pm" if t.hour >= 12 else "am"
                when = f"{es[t.month - 1]} {t.day:02d}, {t.year} {t.hour % 12 or 12}:{t:%M:%S}{ampm}"
                b = re.sub(r'(<div class="_a72d">)[^<]+', lambda m, w=when: m.group(1) + w, b)
            body.append(b)
        out[target] = head + "".join(body) + tail
    return out


def speed(old_fb, work: Path, n: int, repeat: int) -> None:
    print(f"== 2. speed: two generated posts pages of {n} blocks each (2019-21 and 2022+), read end to end")
    pages = big_pages(n)
    size = sum(len(v.encode()) for v in pages.values())
    for name, page in pages.items():
        print(f"  {name}: {len(page.encode()) / 2**20:.1f} MiB")
    figures = {}
    for label, imp in (("old (html.parser tree)", old_fb), ("new (lxml)", new_fb)):
        for member, page in pages.items():
            path = write(work / f"speed-{label[:3]}-{len(figures)}", {member: page})
            best = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                posts, _, _ = read(imp, path)
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            tracemalloc.start()
            read(imp, path)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            figures[(label, member)] = best
            print(f"  {label:24} {member.split('/')[0]:24} {len(posts):6} posts  {best:6.2f} s  "
                  f"{n / best:8.0f} blocks/s  peak {peak / 2**20:6.1f} MiB")
    for member in pages:
        o, nw = figures[("old (html.parser tree)", member)], figures[("new (lxml)", member)]
        print(f"  ratio old/new {member.split('/')[0]:24} {o / nw:5.2f}x")
    print(f"  ({size / 2**20:.1f} MiB of HTML in all; load average {os.getloadavg()[0]:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=20000)
    ap.add_argument("--old-rev", default="16a33a8")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    old_fb = load_old(args.old_rev)
    with tempfile.TemporaryDirectory(prefix="fa-bench-html-") as tmp:
        completeness(old_fb, Path(tmp))
        speed(old_fb, Path(tmp), args.blocks, args.repeat)


if __name__ == "__main__":
    main()
