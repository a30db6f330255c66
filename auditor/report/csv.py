"""findings.csv: the deletion checklist, one row per flagged post, in the report's order (delete
or change first, then look at, then already decided; most urgent first within each), with the
action, how to fix it, where the post is, your decision and your note. Starts with a UTF-8 byte
order mark so spreadsheets read accents; no cell can run as a formula."""
from __future__ import annotations

import csv
import io
from typing import Any

from . import words
from .highlight import excerpt

COLUMNS = ("done", "urgency", "action", "post_date", "platform", "kind", "audience", "text_excerpt", "why",
           "how_to_fix", "link", "where", "steps", "status", "note", "new_since_last", "severity", "rules",
           "categories", "clauses_then", "clauses_now", "post_ref", "finding_ids")


def cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (cells starting = + - @ tab or CR)."""
    s = "" if value is None else str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def _clauses(cites: list[dict]) -> str:
    return "; ".join(dict.fromkeys(
        f"{s['regulator']} {s['edition']} {s['clause']}" + ("" if s.get("verified", True) else " (unverified)")
        for s in cites))


def rows(view: dict) -> list[list[str]]:
    out = []
    for c in view["cards"]:
        fs = c["findings"]
        acting = [f for f in fs if f["attention"]] or fs
        when = (c["created_at"] or "").replace("T", " ").replace("Z", " UTC")
        out.append([cell(x) for x in (
            "yes" if all(f["status"] == "deleted" for f in fs) else "",
            words.LEVEL[c["level"]], c["action_label"], when, c["platform_label"], c["kind_label"],
            c["audience"] or "", excerpt("".join(s["text"] for s in c["segments"])), c["why"], c["fix"],
            (c["link"] or {}).get("href", ""), c["where"], c["steps"], c["status_label"],
            " | ".join(c["notes"]), "yes" if c["new_since_last"] else "", acting[0]["severity"],
            "; ".join(dict.fromkeys(f"{f['rule']} {f['name']}" for f in acting)),
            "; ".join(dict.fromkeys(f["category"] for f in acting)),
            _clauses([s for f in acting for s in f["then"]]),
            _clauses([s for f in acting for s in f["now"]]) or ("same" if any(f["then_is_current"] for f in acting)
                                                                 else ""),
            c["ref"], " ".join(f["id"] for f in fs))])
    return out


def to_csv(view: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows(rows(view))
    return "\ufeff" + buf.getvalue()
