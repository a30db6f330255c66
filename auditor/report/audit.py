"""The audit record (audit-record.txt, and folded at the end of report.html): what was checked,
when, against which rules and regulator, and the counts. Counts only, never content: it can be kept
or shown as a record that the check was done."""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from typing import Any

from .. import __version__, rules, standards
from ..pipeline import ScanResult


def when(iso: str | None) -> str:
    """2026-11-21T12:00:00Z -> 21 Nov 2026, 12:00 UTC"""
    try:
        return datetime.strptime(iso or "", "%Y-%m-%dT%H:%M:%SZ").strftime("%d %b %Y, %H:%M UTC")
    except ValueError:
        return iso or "unknown time"


def rules_version() -> str:
    """A short hash of the rule catalogue and the shipped standards files: two reports with the
    same value were checked against the same rules and clauses."""
    data = {
        "rules": [[r.id, r.name, r.category, r.severity, r.action, r.summary, r.what, r.why, r.fix]
                  for r in rules.all_rules()],
        "standards": [[e.file, e.regulator, e.edition, str(e.in_force_from), str(e.in_force_until),
                       e.clauses, e.rules, e.categories] for e in standards.editions()],
    }
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:12]


def baseline_line(result: ScanResult) -> str | None:
    """The counts line of `scan --baseline` (auditor.baseline), when a baseline was applied."""
    summary = getattr(result, "baseline_summary", None)
    if not summary:
        return None
    try:
        from .. import baseline
        lines = baseline.summary_lines(summary)
    except Exception:  # the report does not fail over a summary line
        return None
    return lines[0].removeprefix("Baseline: ") if lines else None


def archive_rows(result: ScanResult) -> list[dict[str, Any]]:
    """Per export: counts and the dates of its posts. Posts of a platform with no export of its own
    in that archive (Threads posts in an Instagram download) count for the archive's first export."""
    keys = {(a.path, a.platform) for a in result.archives}
    first: dict[str, str] = {}
    for a in result.archives:
        first.setdefault(a.path, a.platform)
    by_archive: dict[tuple[str, str], list[datetime]] = {}
    for p in result.posts:
        if p.created_at:
            key = (p.source.archive, p.platform)
            if key not in keys and p.source.archive in first:
                key = (p.source.archive, first[p.source.archive])
            by_archive.setdefault(key, []).append(p.created_at)
    rows = []
    for a in result.archives:
        ds = by_archive.get((a.path, a.platform), [])
        rows.append({"path": a.path, "name": os.path.basename(a.path.rstrip("/\\")) or a.path,
                     "platform": a.platform, "layout": a.layout, "posts": a.posts, "media": a.media,
                     "problems": a.problems,
                     "from": min(ds).strftime("%Y-%m-%d") if ds else None,
                     "to": max(ds).strftime("%Y-%m-%d") if ds else None})
    return rows


def audit_record(result: ScanResult, doc: dict, sections: dict[str, int], redacted: bool,
                 complete: bool = True) -> dict:
    """What was checked, when, against which rules and regulator, and the counts. `sections` is the
    number of posts at each level of the view ("act", "check", "decided")."""
    dates = [p.created_at for p in result.posts if p.created_at]
    profile = result.config.profile
    regulator = profile.regulator or "HCPC"
    try:
        eds = [f"{e.edition} ({e.in_force_from:%d %b %Y} to "
               f"{e.in_force_until.strftime('%d %b %Y') if e.in_force_until else 'now'})"
               for e in standards.editions_of(regulator)]
    except Exception:
        eds = []
    statuses: dict[str, int] = {}
    for f in doc["findings"]:
        statuses[f["status"]] = statuses.get(f["status"], 0) + 1
    sev = {s: sum(1 for f in doc["findings"] if f["severity"] == s) for s in ("high", "medium", "low")}
    return {
        "checked_at": doc["generated_at"],
        "tool": f"footprint-auditor {__version__}",
        "rules_version": rules_version(),
        "rules": len(rules.all_rules()),
        "regulator": regulator,
        "editions": eds,
        "profession": profile.profession,
        "name": profile.full_name,
        "archives": archive_rows(result),
        "date_range": ([min(dates).strftime("%Y-%m-%d"), max(dates).strftime("%Y-%m-%d")] if dates else None),
        "posts_read": len(result.posts),
        "media_read": sum(a.media for a in result.archives),
        "problems": len(result.problems),
        "complete": complete,
        "findings": len(doc["findings"]),
        "by_severity": sev,
        "by_status": dict(sorted(statuses.items())),
        "posts_flagged": sum(sections.values()),
        "posts_act": sections.get("act", 0),
        "posts_check": sections.get("check", 0),
        "posts_decided": sections.get("decided", 0),
        "baseline": baseline_line(result),
        "options": {"include_messages": result.config.settings.include_messages,
                    "ocr": result.config.settings.ocr, "redacted": redacted},
    }


def audit_text(rec: dict) -> str:
    lines = [
        "Footprint Auditor: record of a social media footprint check",
        "",
        f"Checked at:      {rec['checked_at']} ({when(rec['checked_at'])})",
        f"Checked by:      {rec['name'] or '(name not set in the profile)'}"
        + (f", {rec['profession']}" if rec["profession"] else ""),
        f"Tool:            {rec['tool']}",
        f"Rules version:   {rec['rules_version']} ({rec['rules']} rules and the shipped standards files)",
        f"Standards:       {rec['regulator']}; editions: {'; '.join(rec['editions']) or 'none shipped'}",
        f"Posts read:      {rec['posts_read']}"
        + (f", dated {rec['date_range'][0]} to {rec['date_range'][1]}" if rec["date_range"] else ""),
        f"Media read:      {rec['media_read']}",
        f"Problems:        {rec['problems']} (files or records not read, or checks that failed)"
        + ("" if rec.get("complete", True) else ": NOT everything could be read"),
        f"Findings:        {rec['findings']} (high {rec['by_severity']['high']}, medium "
        f"{rec['by_severity']['medium']}, low {rec['by_severity']['low']})",
        f"Posts flagged:   {rec['posts_flagged']} ({rec['posts_act']} to deal with first, "
        f"{rec['posts_check']} to look at, {rec['posts_decided']} already decided)",
        "Review status:   " + (", ".join(f"{k} {v}" for k, v in rec["by_status"].items()) or "none"),
        *([f"Earlier checks:  {rec['baseline']}"] if rec.get("baseline") else []),
        "Options:         " + ", ".join(f"{k.replace('_', ' ')}: {'yes' if v is True else 'no' if v is False else v}"
                                        for k, v in rec["options"].items()),
        "",
        "Archives checked:",
    ]
    for a in rec["archives"]:
        span = f"{a['from']} to {a['to']}" if a["from"] else "no dated posts"
        lines.append(f"  - {a['name']}: {a['platform']} ({a['layout']}), {a['posts']} posts, {a['media']} media, "
                     f"{a['problems']} problems, {span}")
    lines += ["", "This record lists counts only; the posts themselves are in report.html and findings.csv,",
              "which hold private content. The check ran on this computer; nothing was sent anywhere.", ""]
    return "\n".join(lines)
