"""The app's few touch points with the rest of the tool, in one place: the pipeline, the report
(its view model, its cards, its files), the owner-only writer and the profile file. The app calls
the same code as the command line here; nothing below re-implements a scan, a report or a
baseline.

The report is being reorganised into a package with a view model shared by report.html and the
app (auditor.report.view_model, render_findings, render_card, styles, script). Until that lands,
`adapt()` shapes today's view model into the same few keys the app's pages read, and the app draws
the cards with its own small macro; once it lands, these fall away and the real cards are used.
"""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import config as config_mod
from .. import report

# -- files --------------------------------------------------------------------------------------
try:                                       # the one owner-only atomic writer
    from .. import files as _files  # type: ignore[attr-defined]
except ImportError:                        # before auditor/files.py exists: the report's
    _files = None


def write_private(path: Path, text: str) -> None:
    (_files.write_private if _files is not None else report.write_private)(Path(path), text)


def private_dir(path: Path) -> Path:
    if _files is not None:
        return _files.private_dir(Path(path))
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_report(result: Any, out: Path) -> dict:
    """report.html, findings.json, findings.csv and audit-record.txt, as `auditor scan --out`."""
    return report.write_all(result, Path(out))


# -- decisions ----------------------------------------------------------------------------------
def refresh(result: Any, base: Any) -> Any:
    """The latest result with the baseline's current decisions and notes (after a decision in the
    app), without recording a scan: baseline.refresh where the baseline provides it."""
    from .. import baseline as baseline_mod
    fn = getattr(baseline_mod, "refresh", None)
    if callable(fn):
        return fn(result, base)
    from dataclasses import replace
    statuses = dict(result.statuses)
    summary = dict(result.baseline_summary or {})
    notes = dict(summary.get("notes") or {})
    for f in result.findings:
        e = base.entries.get(f.id)
        if e is None:
            continue
        if statuses.get(f.id) != "deleted":
            statuses[f.id] = e.status
        if e.note:
            notes[f.id] = e.note
        else:
            notes.pop(f.id, None)
    summary["notes"] = notes
    return replace(result, statuses=statuses, baseline_summary=summary)


# -- the report's view model and cards ----------------------------------------------------------
NEW_CARDS = hasattr(report, "render_findings") and hasattr(report, "render_card")
DECISIONS = (("to-delete", "Delete"), ("accepted", "Keep"), ("false-positive", "Not a problem"),
             ("skipped", "Later"))
STATUS_WORDS = {
    "new-since-last": "New since your last check", "undecided": "Not decided yet",
    "to-delete": "You chose to delete it", "still-there": "Still there: you chose to delete it",
    "accepted": "You chose to keep it", "false-positive": "You said it is not a problem",
    "skipped": "Skipped for now", "deleted": "Deleted",
}


PLATFORM_WORDS = {"twitter": "X (Twitter)", "photos": "Photos on your computer"}


def platform_label(platform: str) -> str:
    words = getattr(report, "words", None)
    fn = getattr(words, "platform", None)
    return fn(platform) if callable(fn) else PLATFORM_WORDS.get(platform, (platform or "unknown").capitalize())


def decision_choices() -> list[tuple[str, str]]:
    words = getattr(getattr(report, "words", None), "DECISION", None)
    return list(words.items()) if isinstance(words, dict) else list(DECISIONS)


def view(result: Any) -> dict:
    """The report's view model for the latest check, in the shape the app's pages read:
    headline, privacy, changes, sections (each with cards), cards, coverage, counts."""
    v = report.view_model(result)
    return v if NEW_CARDS else adapt(v, result)


def render_card(card: dict, decide: dict | None) -> Markup:
    if NEW_CARDS:
        return report.render_card(card, decide)
    from . import pages
    return pages.render_fallback_card(card, decide)


def render_findings(view: dict, sections: list[dict], decide: dict) -> Markup:
    """The cards of every section (and, with the report's own cards, its search and filters)."""
    if NEW_CARDS:
        return report.render_findings({**view, "sections": sections}, decide)
    from . import pages
    return Markup(pages.render("findings_fallback.html.j2", sections=sections, decide=decide))


def styles() -> str:
    """The report's own stylesheet, served to the app's pages as /static/report.css."""
    fn = getattr(report, "styles", None)
    return str(fn()) if callable(fn) else ""


def script() -> str:
    """The report's script (search and filters over the cards), served as /static/report.js."""
    fn = getattr(report, "script", None)
    return str(fn()) if callable(fn) else ""


def first_seen(result: Any, before: set[str], had_checks: bool) -> set[str]:
    """Findings seen for the first time in this check, when there were earlier checks."""
    if not had_checks:
        return set()
    return {f.id for f in result.findings if f.id not in before}


# today's report (auditor/report.py): its view model, reshaped -----------------------------------
def _status_key(status: str, new_since_last: bool) -> str:
    if status == "new":
        return "new-since-last" if new_since_last else "undecided"
    return status


def adapt(v: dict, result: Any) -> dict:
    summary = result.baseline_summary or {}
    first = set(summary.get("first_seen_ids") or [])
    notes = summary.get("notes") or {}
    cards = []
    for g in v["groups"]:
        fs = g["findings"]
        for f in fs:
            f["status_key"] = _status_key(f["status"], f["id"] in first)
            f["status_label"] = STATUS_WORDS.get(f["status_key"], f["status_key"])
        acting = [f for f in fs if f["attention"]]
        primary = (acting or fs)[0]
        level = "decided" if not acting else ("act" if g["section"] == "delete" else "check")
        cards.append({
            "anchor": g["anchor"], "ref": g["ref"], "level": level,
            "badge": {"act": "Act first", "check": "Look at", "decided": "Decided"}[level],
            "icon": {"act": "!", "check": "?", "decided": "\u2713"}[level],
            "platform": g["platform"], "platform_label": platform_label(g["platform"]), "kind_label": g["kind"],
            "date": g["date"], "segments": g["segments"], "why": primary["explanation"],
            "action_label": {"delete": "Delete this post", "edit": "Edit the post", "restrict":
                             "Limit who can see it"}.get(g["action"], "Read it again and decide"),
            "link": {"href": g["link"], "label": "Open the post", "is_post": True} if g["link"] else None,
            "steps": g["how_to_find"], "where": g["how_to_find"],
            "status": primary["status_key"], "status_label": primary["status_label"],
            "statuses": list(dict.fromkeys(f["status_key"] for f in fs)),
            "notes": list(dict.fromkeys(notes[f["id"]] for f in fs if notes.get(f["id"]))),
            "new_since_last": any(f["status_key"] == "new-since-last" for f in fs),
            "ids": [f["id"] for f in acting], "all_ids": [f["id"] for f in fs],
            "thumbs": g["thumbs"], "findings": fs,
        })
    order = {"act": 0, "check": 1, "decided": 2}
    titles = {"act": "Delete or change these first", "check": "Look at these when you can",
              "decided": "Already decided"}
    sections = [{"key": k, "title": titles[k], "intro": "", "count": n, "cards": [c for c in cards if c["level"] == k]}
                for k in order for n in [sum(1 for c in cards if c["level"] == k)] if k != "decided" or n]
    counts = {k: sum(1 for c in cards if c["level"] == k) for k in order}
    cov = v["coverage"]
    complete = not cov["problems"]
    pieces = []
    if not complete:
        pieces.append({"text": f"{cov['problems']} part(s) of your downloads could not be read, so not every "
                               "post was checked. ", "strong": True})
    if counts["act"]:
        pieces.append({"text": f"Delete or change {counts['act']} post(s) first. ", "strong": True})
    if counts["check"]:
        pieces.append({"text": f"Look at {counts['check']} more when you can. ", "strong": False})
    if not counts["act"] and not counts["check"]:
        pieces.append({"text": "Nothing needs your attention. ", "strong": False})
    pieces.append({"text": f"We checked {cov['posts']} posts and {cov['media']} photos or videos.",
                   "strong": False})
    level = "gaps" if not complete else "act" if counts["act"] else "check" if counts["check"] else "clear"
    return {"headline": {"pieces": pieces, "complete": complete, "level": level, "counts": counts,
                         "text": "".join(p["text"] for p in pieces)},
            "privacy": "Nothing left this computer: the check ran here.",
            "changes": None, "sections": sections, "cards": cards, "counts": counts,
            "coverage": {"posts": cov["posts"], "media": cov["media"], "date_range": cov["date_range"],
                         "archives": [{**a, "platform_label": platform_label(a["platform"])} for a in cov["archives"]],
                         "complete": complete,
                         "gaps": [{"archive": p["archive"], "member": p["member"], "message": p["message"],
                                   "advice": ""} for p in v["doc"]["problems"]]}}


def anchor(ref: str) -> str:
    return "post-" + hashlib.sha256(ref.encode("utf-8")).hexdigest()[:12]


# -- the profile file ---------------------------------------------------------------------------
def profile_text(cfg: config_mod.Config) -> str:
    """auditor.toml for `cfg`, in the commented layout `auditor init` writes (config.py), checked
    by reading it back with config.py: what is saved is exactly what the form said."""
    dump = getattr(config_mod, "dump", None)
    if callable(dump):
        text = dump(cfg)
    else:
        p, s = cfg.profile, cfg.settings
        text = config_mod.render_template(
            full_name=p.full_name, aliases=list(p.aliases), handles=list(p.handles), employer=p.employer,
            employer_aliases=list(p.employer_aliases), regulator=p.regulator, profession=p.profession,
            workplaces=list(p.workplaces))
        if p.home is not None and p.home.lat is not None and p.home.lon is not None:
            home = (f'[profile.home]\nname = "{_esc(p.home.name)}"\nlat = {p.home.lat!r}\nlon = {p.home.lon!r}\n'
                    f'radius_m = {p.home.radius_m:g}\n')
            text = text.replace("\n[scan]\n", "\n" + home + "\n[scan]\n", 1)
        text = (text.replace("include_messages = false", f"include_messages = {_bool(s.include_messages)}", 1)
                .replace('ocr = "auto"', f'ocr = "{s.ocr}"', 1)
                .replace("redact = false", f"redact = {_bool(s.redact)}", 1))
    back = config_mod.parse(tomllib.loads(text))
    keys = ("include_messages", "ocr", "redact")
    if back.profile != cfg.profile or any(getattr(back.settings, k) != getattr(cfg.settings, k) for k in keys):
        raise config_mod.ConfigError("the profile could not be written as given; nothing was saved")
    return text


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _bool(b: bool) -> str:
    return "true" if b else "false"
