"""The report: what a scan found, for a person and for other tools. One job per module:

    document   findings.json, the versioned contract (footprint-auditor/findings/v1)
    view       the view model shared by report.html, findings.csv and the app: sections by
               urgency, one card per flagged post, counts, plain-word labels
    html       report.html (self-contained) and the pieces the app embeds (cards, styles, script)
    csv        findings.csv, the deletion checklist with your decisions and notes
    redact     masking other people's personal data, from the analysers' spans
    summary    the summaries below the findings (pandas) and the timeline
    audit      the audit record (audit-record.txt)
    routes     links to posts and the steps to delete them, in each platform's words
    highlight  the post's text as highlighted and masked pieces
    words      every label a person reads

    write_all(result, out, redact=None) writes the four outputs, owner-only (auditor.files).
"""
from __future__ import annotations

from pathlib import Path

from ..files import private_dir, write_private
from ..model import ATTENTION
from ..pipeline import ScanResult
from .audit import audit_record, audit_text, rules_version
from .csv import COLUMNS as CSV_COLUMNS
from .csv import cell, to_csv
from .document import SCHEMA, build, post_dict, to_json
from .highlight import excerpt, highlight_ranges, segments
from .html import environment, render_card, render_findings, script, styles, to_html
from .redact import REDACTED_CATEGORIES, Redactor, identifying_parts
from .view import Options, view_model

OUTPUTS = ("report.html", "findings.json", "findings.csv", "audit-record.txt")


def write_all(result: ScanResult, out: Path, redact: bool | None = None) -> dict:
    """Write report.html, findings.json, findings.csv and audit-record.txt to `out` (owner-only).
    `redact` defaults to the profile's [scan] redact setting. Returns the findings.json document."""
    if redact is None:
        redact = result.config.settings.redact
    private_dir(out)
    doc = build(result)
    if redact:
        doc = Redactor(result).doc(doc)
    view = view_model(result, doc, Options(redact=redact))
    write_private(out / "findings.json", to_json(doc))
    write_private(out / "findings.csv", to_csv(view))
    write_private(out / "audit-record.txt", audit_text(view["audit"]))
    write_private(out / "report.html", to_html(view))
    return doc


__all__ = ["ATTENTION", "CSV_COLUMNS", "OUTPUTS", "REDACTED_CATEGORIES", "SCHEMA", "Options", "Redactor",
           "audit_record", "audit_text", "build", "cell", "environment", "excerpt", "highlight_ranges",
           "identifying_parts", "post_dict", "render_card", "render_findings", "rules_version", "script",
           "segments", "styles", "to_csv", "to_html", "to_json", "view_model", "write_all", "write_private"]
