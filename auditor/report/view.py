"""The view model: everything a person sees about a scan, in plain words, shared by the static
report (report.html, findings.csv) and the local web app, which render the same cards.

    view_model(result, doc=None, options=Options()) -> dict

The dict (all values plain data: str, int, float, bool, None, lists and dicts):

    headline    {"pieces": [{"text", "strong"}], "text" (the pieces joined), "complete",
                 "level": "gaps"|"act"|"check"|"clear",
                 "counts": {"act", "check", "decided", "posts", "media", "archives"}}
                The first sentence answers "is there anything serious?": what could not be read
                comes first when anything could not be read, then how many posts to deal with
                first and how many to look at, then what was checked.
    checked     "21 Nov 2026 · Jordan Ashby, paramedic · HCPC standards"
    privacy     one sentence: nothing left this computer
    counts      {"act", "check", "decided"}: posts in each section
    notices     short sentences from the scan (e.g. no profile given)
    changes     None on a first check; else what changed since the last one:
                {"new", "still_there", "deleted", "undecided", "decided"} (numbers of posts) and
                "links": [{"text", "status"}] (a status filter value to show them)
    sections    [{"key": "act"|"check"|"decided", "title", "intro", "count", "cards": [card]}],
                most urgent first; "decided" only when it has cards
    cards       every card, in the order shown
    filters     {"platform"|"category"|"year"|"status": [{"value", "label"}]}
    boxes       the summaries below the findings (auditor.report.summary.boxes)
    coverage    what was read: {"archives": [...], "posts", "media", "date_range", "undecided_dates",
                "gaps": [{"archive", "member", "message", "advice"}], "problems": [...], "complete"}
    timeline, rules_fired, audit, audit_text, doc (the findings.json document), redacted, regulator
    limits_measured  one sentence for "What this check can miss": how the text check did on posts written
                outside the project, or None when the shipped model has no figures of its own

A card is one flagged post (a post with several findings is one thing to deal with):

    anchor, ref, level ("act"|"check"|"decided"), badge, icon, urgency (0..1, for ordering only)
    platform, platform_label, kind, kind_label, created_at (ISO), date (e.g. "2 Mar 2015"), year, ts,
    audience, deleted
    segments (the whole text, highlighted/masked pieces), short (the first ~480 characters),
    truncated, media_names, thumbs [{"src", "alt"}], hidden_media, caveats
    why (one line), also (other reasons, one line each), standard (human title first, clause second)
    action (delete|edit|restrict|review), action_label ("Delete this post", "Remove the location" ...)
    fix (how to fix, plain English), steps (in the platform's own words), where (how to find it)
    link {"href", "label", "is_post"} | None
    status (the most urgent finding's status key), status_label, statuses (every key), notes [str],
    new_since_last, ids (finding ids needing a decision), all_ids
    dims {"platform", "category", "year", "level", "clause", "status": [tokens]} (for the filters)
    findings [finding detail]: rule, name, category_label, sure ("We are fairly sure about this."),
    explanation (as the check wrote it), evidence, media_name, then/now clauses, fix, status_label,
    note, level, action

Status keys: "new" splits into "new-since-last" (first seen in this check, with earlier checks in
the baseline) and "undecided"; the others are auditor.model.STATUSES.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import rules, standards
from ..model import ATTENTION, SEVERITY_RANK, Post, Standard
from ..pipeline import ScanResult
from . import routes, summary, words
from .audit import audit_record, audit_text
from .document import build
from .highlight import cut, highlight_ranges, segments
from .redact import Redactor

LEVEL_ORDER = {"act": 0, "check": 1, "decided": 2}
NO_EDIT = ("twitter", "threads")      # platforms that let you edit a post only just after sending it


@dataclass(frozen=True)
class Options:
    redact: bool = False
    text_limit: int = 480       # characters of a post shown on its card before "Read the whole post"


@dataclass(frozen=True)
class _Ev:
    evidence: str
    span: None = None
    media_path: None = None


_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$")


def thumb_uri(value: Any) -> str | None:
    """A thumbnail from the image analyser: a data URI, or {"data_uri": ..., "width", "height"}.
    Only inline raster images are accepted (never a link to a file or a remote address)."""
    if isinstance(value, dict):
        value = value.get("data_uri")
    return value if isinstance(value, str) and _DATA_URI.match(value) else None


def _by_edition(cites: list[dict]) -> list[dict]:
    out: list[dict] = []
    for s in cites:
        if not out or (out[-1]["regulator"], out[-1]["edition"]) != (s["regulator"], s["edition"]):
            out.append({"regulator": s["regulator"], "edition": s["edition"], "link": s["link"], "clauses": []})
        out[-1]["clauses"].append(s)
    return out


def split_citations(cites: list[Standard], regulator: str, today: date) -> dict:
    """The first edition cited is the one in force on the post's date; the rest are today's."""
    editions = list(dict.fromkeys(s.edition for s in cites))
    then = [s for s in cites if editions and s.edition == editions[0]]
    now = [s for s in cites if editions and s.edition != editions[0]]
    try:
        ed = standards.in_force(regulator, today)
        current = ed.edition if ed is not None else None
    except Exception:  # an unreadable standards file must not stop the report
        current = None

    def as_dict(s: Standard) -> dict:
        return {"regulator": s.regulator, "edition": s.edition, "clause": s.clause, "title": s.title,
                "link": routes.safe_link(s.link), "verified": s.verified}
    then_d, now_d = [as_dict(s) for s in then], [as_dict(s) for s in now]
    return {"then": then_d, "now": now_d, "then_by_edition": _by_edition(then_d),
            "now_by_edition": _by_edition(now_d),
            "then_is_current": bool(then) and not now and editions[0] == current}


def clause_token(s: dict) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", f"{s['regulator']} {s['edition']} {s['clause']}".lower())


def status_key(status: str, new_since_last: bool) -> str:
    if status == "new":
        return "new-since-last" if new_since_last else "undecided"
    return status


def _standard_line(f: dict) -> str | None:
    """Human terms first, the clause second: "Treat information ... as confidential: HCPC standard 5.1
    (2024)". Today's edition where the finding has one."""
    cites = f["now"] or f["then"]
    if not cites:
        return None
    s = cites[0]
    return f"{s['title']}: {s['regulator']} standard {s['clause']} ({s['edition']})"


def _finding_view(f: dict, rule: Any, cites: list[Standard], regulator: str, today: date) -> dict:
    key = status_key(f["status"], bool(f.get("new_since_last")))
    return {**f, **split_citations(cites, regulator, today),
            "summary": rule.summary if rule else "", "fix": rule.fix if rule else "",
            "rule_action": rule.action if rule else f["action"],
            "category_label": words.category(f["category"]),
            "why": words.one_line(words.plain(f["explanation"])) or (rule.summary if rule else ""),
            "sure": words.sure(f["confidence"]),
            "attention": f["status"] in ATTENTION,
            "status_key": key, "status_label": words.status(key),
            "level": f.get("level", "check"), "urgency": f.get("urgency", 0.0),
            "media_name": (f["media_path"] or "").rsplit("/", 1)[-1] or None}


def _card(ref: str, fs: list[dict], post: Post | None, pd: dict, result: ScanResult, redactor: Redactor | None,
          options: Options, regulator: str, today: date, thumbnails: dict, findings_obj: dict) -> dict:
    raw_text = post.text if post is not None else pd.get("text") or ""
    fobjs = [findings_obj[f["id"]] for f in fs if f["id"] in findings_obj]
    marks = highlight_ranges(raw_text, fobjs or [_Ev(f["evidence"]) for f in fs])
    masks = redactor.ranges(raw_text, ref) if redactor else []
    pieces = segments(raw_text, marks, masks)
    short, truncated = cut(pieces, options.text_limit)
    views = []
    for f in fs:
        try:
            rule = rules.get(f["rule"])
        except KeyError:
            rule = None
        views.append(_finding_view(f, rule, result.citations.get(f["id"], []), regulator, today))
    views.sort(key=lambda v: (not v["attention"], -v["urgency"], SEVERITY_RANK.get(v["severity"], 3), v["rule"]))
    acting = [v for v in views if v["attention"]]
    primary = views[0]
    level = primary["level"] if acting else "decided"
    kind = pd.get("kind", "")
    platform = pd.get("platform", "")
    # what to do: at "act" the rule's action; at "check" look again, with the steps for the rule's
    # own action should the user decide to go ahead
    action = primary["action"] if acting else primary["rule_action"]
    if action == "edit" and platform in NO_EDIT and primary["category"] != "location":
        action = "delete"
    steps_for = primary["rule_action"] if action == "review" else action
    thumbs, hidden_media = [], 0
    for m in (post.media if post is not None else ()):
        uri = thumb_uri(thumbnails.get((m.archive, m.path)))
        if uri is None:
            continue
        if redactor is not None:
            hidden_media += 1
            continue
        thumbs.append({"src": uri, "alt": f"Your photo {m.path.rsplit('/', 1)[-1]}"})
    where = routes.how_to_find(post, pd)
    created = post.created_at if post is not None else None
    year = pd["created_at"][:4] if pd.get("created_at") else "unknown"
    why = primary["why"]
    also = list(dict.fromkeys(v["why"] for v in (acting or views)[1:] if v["why"] and v["why"] != why))[:3]
    cats = list(dict.fromkeys(v["category"] for v in (acting or views)))
    status_keys = list(dict.fromkeys(v["status_key"] for v in views))
    clauses = list(dict.fromkeys(clause_token(s) for v in (acting or views) for s in (v["now"] or v["then"])))
    notes = list(dict.fromkeys(v["note"] for v in views if v.get("note")))
    return {
        "anchor": "post-" + hashlib.sha256(ref.encode("utf-8")).hexdigest()[:12], "ref": ref,
        "level": level, "badge": words.BADGE[level], "icon": words.ICON[level], "urgency": primary["urgency"],
        "platform": platform, "platform_label": words.platform(platform),
        "kind": kind, "kind_label": words.kind(kind), "created_at": pd.get("created_at"),
        "date": words.day(created) if created else words.day_iso(pd.get("created_at")), "year": year,
        "ts": created.timestamp() if created else 0.0,
        "audience": pd.get("audience"), "deleted": bool(post and post.deleted),
        "segments": pieces, "short": short, "truncated": truncated,
        "media_names": [m["path"].rsplit("/", 1)[-1] for m in pd.get("media", [])],
        "thumbs": thumbs, "hidden_media": hidden_media,
        "caveats": list(post.notes) if post is not None else [],
        "why": why, "also": also, "standard": _standard_line(primary),
        "action": action, "action_label": words.action(action, primary["category"], kind, platform, level),
        "fix": primary["fix"], "steps": routes.steps(platform, steps_for, kind, primary["category"]),
        "where": redactor.mask(where) if redactor else where,
        "link": routes.post_link(post, pd),
        "status": primary["status_key"], "status_label": primary["status_label"], "statuses": status_keys,
        "notes": notes, "new_since_last": any(v["status_key"] == "new-since-last" for v in views),
        "ids": [v["id"] for v in acting], "all_ids": [v["id"] for v in views],
        "dims": {"platform": [platform], "category": cats, "year": [year], "level": [level],
                 "clause": clauses, "status": status_keys},
        "findings": views,
    }


MISS_LINE = "The check can miss things, so it is still worth reading through your older posts yourself."


def _in_words(share: float) -> str:
    """0.82 -> "about 8 in 10"; 0.16 -> "about 1 in 6"; 0.03 -> "about 1 in 33"; 1 -> "all"; 0 -> "none"."""
    if share >= 1:
        return "all"
    if share <= 0:
        return "none"
    if share >= 0.25:
        return f"about {min(9, max(3, int(share * 10 + 0.5)))} in 10"
    return f"about 1 in {int(1 / share + 0.5)}"


def measured_line(figures: dict | None = None) -> str | None:
    """What the text check found in a test on posts written outside the project, in plain words, or None
    when the shipped model has no figures measured on it (auditor.analysers.text.model.validation_figures)."""
    if figures is None:
        from ..analysers.text.model import validation_figures
        figures = validation_figures()
    if not figures:
        return None
    found = int(figures["found"]) / int(figures["concerning"])
    wrong = int(figures["clean_flagged"]) / int(figures["clean"])
    total = int(figures["concerning"]) + int(figures["clean"])
    second = ("It flagged none of the harmless posts that only looked like one." if wrong == 0 else
              f"It also flagged {_in_words(wrong)} harmless posts that only looked like one.")
    return (f"In a test on {total} posts written by people outside this project, it found {_in_words(found)} "
            f"of the posts that raised a concern. {second}")


def _headline(counts: dict[str, int], complete: bool, gaps: list[dict], date_range: list[str] | None) -> dict:
    pieces: list[dict] = []

    def say(text: str, strong: bool = False) -> None:
        pieces.append({"text": text, "strong": strong})
    act, check = counts["act"], counts["check"]
    if not complete:
        n = len(gaps)
        say("We could not read everything, so this is not an all-clear: ", True)
        g = gaps[0] if gaps else None
        if n == 1 and g is not None and g["message"]:
            say(g["message"].rstrip(".") + ". ")          # the pipeline's message names the file
        else:
            say(f"{words.count(n, 'part')} of your downloads {'was' if n == 1 else 'were'} not read. " if n else
                "part of your downloads was not read. ")
        advice = next((x["advice"] for x in gaps if x.get("advice")), "")
        say((advice.rstrip(".") + ". ") if advice else "Download your data again and check the new copy. ")
    if act:
        say("Deal with ")
        say(words.count(act, "post"), True)
        say(" first" + (", and look at " if check else ". "))
        if check:
            say(f"{check} more", True)
            say(" when you can. ")
    elif check:
        say("Nothing needs deleting first. Look at ")
        say(words.count(check, "post"), True)
        say(" when you can. ")
    else:
        say("Nothing needs your attention" + ("" if complete else " in what we could read") + ". ",
            complete)
    dates = f", {date_range[0][:4]} to {date_range[1][:4]}" if date_range else ""
    media = words.count(counts["media"], "photo or video", "photos or videos")
    say(f"We checked {words.count(counts['posts'], 'post')} and {media} "
        f"({words.count(counts['archives'], 'download')}{dates}).")
    level = "gaps" if not complete else "act" if act else "check" if check else "clear"
    if not (act or check):
        # the check finds many concerning posts, not all (the model card's measured recall): an empty
        # result is never read as a promise
        say(" " + MISS_LINE)
    return {"pieces": pieces, "complete": complete, "level": level, "counts": counts,
            "text": "".join(p["text"] for p in pieces)}


def _changes(result: ScanResult, cards: list[dict]) -> dict | None:
    s = getattr(result, "baseline_summary", None)
    if not s:
        return None
    live = [c for c in cards if c["level"] != "decided"]
    new = sum(1 for c in live if c["new_since_last"])
    still = sum(1 for c in live if "still-there" in c["statuses"])
    undecided = sum(1 for c in live if "undecided" in c["statuses"] and not c["new_since_last"])
    gone = {d.get("post_ref") for d in s.get("deleted", []) if d.get("newly")}
    out = {"new": new, "still_there": still, "deleted": len(gone), "undecided": undecided,
           "decided": sum(1 for c in cards if c["level"] == "decided"), "links": []}
    if new:
        out["links"].append({"text": f"{new} new", "status": "new-since-last"})
    if still:
        out["links"].append({"text": f"{still} still there though you chose to delete "
                                     f"{'it' if still == 1 else 'them'}", "status": "still-there"})
    if gone:
        out["links"].append({"text": f"{len(gone)} deleted", "status": "deleted"})
    if undecided:
        out["links"].append({"text": f"{undecided} not decided yet", "status": "undecided"})
    return out


def _gaps(result: ScanResult) -> tuple[bool, list[dict]]:
    """Whether everything was read, and what was not, in plain words (the pipeline's gaps)."""
    gaps = [{"archive": g.archive, "member": g.member, "message": g.message, "advice": g.advice}
            for g in result.gaps]
    return result.complete, gaps


def checked_line(result: ScanResult, record: dict) -> str:
    """21 Nov 2026 · Jordan Ashby, paramedic · HCPC standards"""
    parts = [words.day(result.generated_at)]
    if record.get("name"):
        parts.append(record["name"] + (f", {record['profession']}" if record.get("profession") else ""))
    parts.append(f"{record['regulator']} standards")
    return " \u00b7 ".join(parts)


def _total(counts) -> int | None:
    """A coverage count: {what: n} from the pipeline's coverage block, summed; None when unknown."""
    if counts is None:
        return None
    if isinstance(counts, dict):
        return sum(int(v) for v in counts.values()) if counts else None
    return int(counts)


def view_model(result: ScanResult, doc: dict | None = None, options: Options = Options()) -> dict[str, Any]:
    """Everything the report page, the CSV and the app show (see the module's doc), beside the
    contract document `doc` (built from `result` when not given; masked when options.redact)."""
    redactor = Redactor(result) if options.redact else None
    if doc is None:
        doc = build(result)
        if redactor is not None:
            doc = redactor.doc(doc)
    posts_json = {p["ref"]: p for p in doc["posts"]}
    posts_obj = {p.ref: p for p in result.posts}
    findings_obj = {f.id: f for f in result.findings}
    regulator = result.config.profile.regulator or "HCPC"
    today = result.generated_at.date()
    thumbnails = getattr(result, "thumbnails", None) or {}

    grouped: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        grouped.setdefault(f["post_ref"], []).append(f)
    cards = []
    for ref, fs in grouped.items():
        pd = posts_json.get(ref) or {"ref": ref, "platform": ref.split(":")[0], "kind": "post",
                                     "created_at": None, "text": "", "url": None, "audience": None,
                                     "place": None, "media": [], "source": {}}
        cards.append(_card(ref, fs, posts_obj.get(ref), pd, result, redactor, options, regulator, today,
                           thumbnails, findings_obj))
    cards.sort(key=lambda c: (LEVEL_ORDER[c["level"]], -c["urgency"], -c["ts"], c["ref"]))
    by_level = {k: [c for c in cards if c["level"] == k] for k in LEVEL_ORDER}
    sections = [{"key": k, "title": words.LEVEL[k], "intro": words.LEVEL_INTRO[k], "count": len(by_level[k]),
                 "cards": by_level[k]} for k in LEVEL_ORDER if k != "decided" or by_level[k]]
    counts = {"act": len(by_level["act"]), "check": len(by_level["check"]), "decided": len(by_level["decided"])}

    complete, gaps = _gaps(result)
    if redactor is not None:
        gaps = [{**g, "message": redactor.mask(g["message"]) or ""} for g in gaps]
    dates = [p.created_at for p in result.posts if p.created_at]
    date_range = [min(dates).strftime("%Y-%m-%d"), max(dates).strftime("%Y-%m-%d")] if dates else None
    record = audit_record(result, doc, counts, options.redact, complete)
    headline = _headline({**counts, "posts": len(result.posts), "media": record["media_read"],
                          "archives": len(result.archives)}, complete, gaps, date_range)

    labels = {
        "platform": {c["platform"]: c["platform_label"] for c in cards},
        "category": {k: words.category(k) for c in cards for k in c["dims"]["category"]},
        "level": dict(words.LEVEL),
        "status": dict(words.STATUS),
        "clause": {clause_token(s): f"{s['title']} ({s['regulator']} {s['edition']}, {s['clause']})"
                   for c in cards for v in c["findings"] for s in (v["now"] or v["then"])},
    }
    filters = {
        "platform": [{"value": k, "label": labels["platform"][k]} for k in sorted(labels["platform"],
                                                                                 key=lambda k: labels["platform"][k])],
        "category": [{"value": k, "label": labels["category"][k]} for k in sorted(labels["category"],
                                                                                 key=lambda k: labels["category"][k])],
        "year": [{"value": y, "label": y} for y in sorted({c["year"] for c in cards},
                                                          key=lambda y: (y == "unknown", y), reverse=False)],
        "status": [{"value": k, "label": words.STATUS[k]} for k in words.STATUS_ORDER
                   if any(k in c["statuses"] for c in cards)],
    }

    rule_rows: dict[str, dict] = {}
    for c in cards:
        for v in c["findings"]:
            row = rule_rows.setdefault(v["rule"], {"id": v["rule"], "findings": 0, "posts": set()})
            row["findings"] += 1
            row["posts"].add(c["ref"])
    rules_fired = []
    for rid in sorted(rule_rows):
        try:
            rule = rules.get(rid)
        except KeyError:
            rule = None
        rules_fired.append({"id": rid, "rule": rule, "findings": rule_rows[rid]["findings"],
                            "posts": len(rule_rows[rid]["posts"])})

    coverage_blocks = {(a["path"], a["platform"]): a.get("coverage") for a in doc["archives"]}
    archives = []
    for a in record["archives"]:
        block = coverage_blocks.get((a["path"], a["platform"]))
        skipped = (block or {}).get("skipped") or {}
        archives.append({**a, "platform_label": words.platform(a["platform"]),
                         "skipped": [{"reason": str(k), "count": int(v)} for k, v in skipped.items() if v],
                         "expected": _total((block or {}).get("expected")),
                         "read": _total((block or {}).get("read"))})
    flagged = {lvl: [posts_obj[c["ref"]].created_at for c in by_level[lvl]
                     if c["ref"] in posts_obj and posts_obj[c["ref"]].created_at] for lvl in ("act", "check")}
    notices = [str(n) for n in (getattr(result, "notices", None) or [])]
    return {
        "doc": doc, "headline": headline,
        "privacy": "Nothing left this computer: the check ran here.",
        "checked": checked_line(result, record),
        "notices": notices, "changes": _changes(result, cards),
        "sections": sections, "cards": cards, "counts": counts,
        "filters": filters, "boxes": summary.boxes(cards, labels),
        "coverage": {"archives": archives, "posts": len(result.posts), "media": record["media_read"],
                     "date_range": date_range, "undated": len(result.posts) - len(dates),
                     "gaps": gaps, "problems": doc["problems"], "complete": complete},
        "timeline": summary.timeline(dates, flagged),
        "rules_fired": rules_fired, "audit": record, "audit_text": audit_text(record),
        "redacted": options.redact, "regulator": record["regulator"],
        "limits_measured": measured_line(),
    }
