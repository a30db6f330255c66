"""Check the written training files (data/writer_*.jsonl) before training on them.

    python benchmarks/training/check_written.py [FILE ...]     (default: every data/writer_*.jsonl)

Every line must parse as a JSON object with the fields of data/README.md and valid values; ids must be
unique across all files and start with the file's letter; texts must not repeat. Prints per file the
number of posts, clean posts (hard negatives) and positives per label, then every problem; exits 1 if
there is any problem.
"""
from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402

FIELDS = ("id", "text", "categories", "platform", "kind", "year", "voice", "severity", "note")
PLATFORMS = {"facebook", "twitter", "instagram", "reddit", "linkedin", "threads", "tiktok", "bluesky", "mastodon"}
KINDS = {"post", "reply", "comment", "caption", "repost", "like", "bio", "message"}
SEVERITIES = {"high", "medium", "low", "none"}


def check(paths: list[Path]) -> list[str]:
    problems, ids, texts = [], {}, {}
    for path in paths:
        letter = path.stem.split("_")[-1]
        n = clean = 0
        pos = collections.Counter()
        for ln, line in enumerate(open(path, encoding="utf-8"), 1):
            where = f"{path.name}:{ln}"
            if not line.strip():
                problems.append(f"{where}: empty line")
                continue
            try:
                r = json.loads(line)
            except ValueError as e:
                problems.append(f"{where}: not JSON ({e})")
                continue
            if not isinstance(r, dict):
                problems.append(f"{where}: not an object")
                continue
            missing = [f for f in FIELDS if f not in r]
            extra = [f for f in r if f not in FIELDS]
            if missing or extra:
                problems.append(f"{where}: missing {missing} extra {extra}")
            rid, text, cats = r.get("id"), r.get("text"), r.get("categories")
            if not isinstance(rid, str) or not re.fullmatch(rf"{letter}-\d{{4,}}", rid):
                problems.append(f"{where}: id {rid!r}")
            elif rid in ids:
                problems.append(f"{where}: id {rid} also at {ids[rid]}")
            else:
                ids[rid] = where
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: empty text")
                continue
            key = re.sub(r"\s+", " ", text.strip().lower())
            if key in texts:
                problems.append(f"{where}: same text as {texts[key]}")
            texts.setdefault(key, where)
            if not isinstance(cats, list) or any(c not in cd.LABELS for c in cats) or len(set(cats)) != len(cats):
                problems.append(f"{where}: categories {cats!r}")
                continue
            if r.get("platform") not in PLATFORMS:
                problems.append(f"{where}: platform {r.get('platform')!r}")
            if r.get("kind") not in KINDS:
                problems.append(f"{where}: kind {r.get('kind')!r}")
            if not isinstance(r.get("year"), int) or not 2006 <= r["year"] <= 2026:
                problems.append(f"{where}: year {r.get('year')!r}")
            sev = r.get("severity")
            if sev not in SEVERITIES or (sev == "none") != (not cats):
                problems.append(f"{where}: severity {sev!r} with categories {cats}")
            for f in ("voice", "note"):
                if not isinstance(r.get(f), str) or not r[f].strip():
                    problems.append(f"{where}: {f} {r.get(f)!r}")
            n += 1
            clean += not cats
            pos.update(cats)
        print(f"{path.name}: {n} posts, {clean} clean ({clean / max(n, 1):.0%}); "
              + ", ".join(f"{lab} {pos[lab]}" for lab in cd.LABELS))
    return problems


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or sorted(cd.DATA_DIR.glob("writer_*.jsonl"))
    problems = check(paths)
    for p in problems:
        print(p)
    print(f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
