"""findings.json: the versioned contract other tools read (schema footprint-auditor/findings/v1,
described in DESIGN.md). Keys are never removed or renamed within v1; these are additive:

    archives[].coverage   what the export should hold against what was read, skipped by reason
                          (from the importers, through the pipeline), when the scan reports it
    findings[].urgency    0..1 on the one urgency scale (auditor.model.urgency): severity x confidence
    findings[].level      "act" (deal with these first) or "check" (look at these and decide)
    findings[].note       the user's note from an earlier review ("" when none)
    findings[].new_since_last   first seen in this check, with earlier checks in the baseline
    complete              false when something could not be read (when the scan reports it)

`action` is the urgency's action: the rule's suggestion at level "act", "review" at "check".
Findings come most urgent first (the pipeline's order).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .. import __version__, rules
from ..model import Post
from ..pipeline import ScanResult, finding_urgency

SCHEMA = "footprint-auditor/findings/v1"


def iso(dt: datetime | None) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def _place(p) -> dict | None:
    if p is None:
        return None
    return {"lat": p.lat, "lon": p.lon, "name": p.name, "source": p.source}


def post_dict(p: Post) -> dict[str, Any]:
    return {
        "ref": p.ref, "platform": p.platform, "kind": p.kind, "created_at": iso(p.created_at),
        "text": p.text, "url": p.url, "audience": p.audience, "place": _place(p.place),
        "media": [{"path": m.path, "kind": m.kind, "place": _place(m.place)} for m in p.media],
        "source": {"archive": p.source.archive, "member": p.source.member, "index": p.source.index},
    }


def decisions(result: ScanResult) -> tuple[dict[str, str], set[str]]:
    """(finding id -> the user's note, ids first seen in this check) from the baseline applied to
    the scan (auditor.baseline.apply puts them in result.baseline_summary)."""
    summary = getattr(result, "baseline_summary", None) or {}
    notes = {str(k): str(v) for k, v in (summary.get("notes") or {}).items() if v}
    return notes, {str(i) for i in summary.get("first_seen_ids") or []}


def coverage_block(archive: Any) -> dict | None:
    """An archive's coverage (pipeline.ArchiveSummary.coverage_block: expected and read by what the
    files hold, skipped by reason, the per-file list); None when its importer recorded none."""
    return archive.coverage_block() if archive.coverage else None


def build(result: ScanResult) -> dict[str, Any]:
    """The findings.json document (schema footprint-auditor/findings/v1)."""
    notes, first_seen = decisions(result)
    findings = []
    for f in result.findings:
        rule = rules.get(f.rule)
        u = finding_urgency(f)
        findings.append({
            "id": f.id, "rule": f.rule, "name": rule.name, "category": rule.category,
            "severity": f.severity or rule.severity, "confidence": round(f.confidence, 3),
            "post_ref": f.post_ref, "media_path": f.media_path, "evidence": f.evidence,
            "explanation": f.explanation,
            "standards": [{"regulator": s.regulator, "edition": s.edition, "clause": s.clause,
                           "title": s.title} for s in result.citations.get(f.id, [])],
            "action": u.action, "status": result.statuses.get(f.id, "new"),
            "urgency": u.score, "level": u.level, "note": notes.get(f.id, ""),
            "new_since_last": f.id in first_seen,
        })
    archives = []
    for a in result.archives:
        entry = {"path": a.path, "platform": a.platform, "layout": a.layout, "posts": a.posts,
                 "media": a.media, "problems": a.problems}
        block = coverage_block(a)
        if block is not None:
            entry["coverage"] = block
        archives.append(entry)
    doc = {
        "schema": SCHEMA,
        "generated_at": iso(result.generated_at),
        "tool": {"name": "footprint-auditor", "version": __version__},
        "archives": archives,
        "posts": [post_dict(p) for p in result.posts],
        "findings": findings,
        "problems": [{"archive": p.archive, "member": p.member, "message": p.message}
                     for p in result.problems],
    }
    doc["complete"] = result.complete
    return doc


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
