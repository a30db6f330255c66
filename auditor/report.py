"""Report data (pure) and its renderings: findings.json (contract), findings.csv, report.html.

`build()` turns a ScanResult into plain data; the writers only format it. Outputs are written
atomically (temporary file, then rename) and readable by the owner only.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from . import __version__, rules
from .model import Post
from .pipeline import ScanResult

SCHEMA = "footprint-auditor/findings/v1"
OUTPUTS = ("report.html", "findings.json", "findings.csv")


def _iso(dt: datetime | None) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def _place(p) -> dict | None:
    if p is None:
        return None
    return {"lat": p.lat, "lon": p.lon, "name": p.name, "source": p.source}


def post_dict(p: Post) -> dict[str, Any]:
    return {
        "ref": p.ref, "platform": p.platform, "kind": p.kind, "created_at": _iso(p.created_at),
        "text": p.text, "url": p.url, "audience": p.audience, "place": _place(p.place),
        "media": [{"path": m.path, "kind": m.kind, "place": _place(m.place)} for m in p.media],
        "source": {"archive": p.source.archive, "member": p.source.member, "index": p.source.index},
    }


def build(result: ScanResult) -> dict[str, Any]:
    """The findings.json document (schema footprint-auditor/findings/v1)."""
    findings = []
    for f in result.findings:
        rule = rules.get(f.rule)
        findings.append({
            "id": f.id, "rule": f.rule, "name": rule.name, "category": rule.category,
            "severity": f.severity or rule.severity, "confidence": round(f.confidence, 3),
            "post_ref": f.post_ref, "media_path": f.media_path, "evidence": f.evidence,
            "explanation": f.explanation,
            "standards": [{"regulator": s.regulator, "edition": s.edition, "clause": s.clause,
                           "title": s.title} for s in result.citations.get(f.id, [])],
            "action": f.action or rule.action, "status": result.statuses.get(f.id, "new"),
        })
    return {
        "schema": SCHEMA,
        "generated_at": _iso(result.generated_at),
        "tool": {"name": "footprint-auditor", "version": __version__},
        "archives": [{"path": a.path, "platform": a.platform, "layout": a.layout, "posts": a.posts,
                      "media": a.media, "problems": a.problems} for a in result.archives],
        "posts": [post_dict(p) for p in result.posts],
        "findings": findings,
        "problems": [{"archive": p.archive, "member": p.member, "message": p.message}
                     for p in result.problems],
    }


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


CSV_COLUMNS = ("finding_id", "post_date", "platform", "kind", "text_excerpt", "rule", "name", "category",
               "severity", "standard", "action", "status", "link", "how_to_find", "done")


def excerpt(text: str, n: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def to_csv(doc: dict) -> str:
    posts = {p["ref"]: p for p in doc["posts"]}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for f in doc["findings"]:
        p = posts.get(f["post_ref"], {})
        std = "; ".join(f"{s['regulator']} {s['edition']} {s['clause']}" for s in f["standards"])
        w.writerow([f["id"], p.get("created_at") or "", p.get("platform", ""), p.get("kind", ""),
                    excerpt(p.get("text", "")), f["rule"], f["name"], f["category"], f["severity"], std,
                    f["action"], f["status"], p.get("url") or "", "", ""])
    return buf.getvalue()


def _env() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("templates").joinpath(name)
                                   .read_text(encoding="utf-8"))
    return jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)


def view_model(doc: dict) -> dict[str, Any]:
    """Groups findings by post for the HTML page: posts to delete first, most serious first."""
    posts = {p["ref"]: p for p in doc["posts"]}
    grouped: dict[str, dict] = {}
    for f in doc["findings"]:
        g = grouped.setdefault(f["post_ref"], {"post": posts.get(f["post_ref"], {"ref": f["post_ref"]}),
                                               "findings": []})
        g["findings"].append(f)
    rank = {"high": 0, "medium": 1, "low": 2}
    items = list(grouped.values())
    for g in items:
        g["worst"] = min((rank.get(f["severity"], 3) for f in g["findings"]), default=3)
        g["delete"] = any(f["action"] == "delete" for f in g["findings"])
    items.sort(key=lambda g: (not g["delete"], g["worst"], g["post"].get("created_at") or ""))
    return {"doc": doc, "to_delete": [g for g in items if g["delete"]],
            "to_review": [g for g in items if not g["delete"]]}


def to_html(doc: dict) -> str:
    return _env().get_template("report.html.j2").render(**view_model(doc))


def write_private(path: Path, text: str) -> None:
    """Atomic write (temporary file in the same folder, then rename), mode 0600."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_all(result: ScanResult, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = build(result)
    write_private(out / "findings.json", to_json(doc))
    write_private(out / "findings.csv", to_csv(doc))
    write_private(out / "report.html", to_html(doc))
    return doc
