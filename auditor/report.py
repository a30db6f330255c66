"""Report data (pure) and its renderings: findings.json (contract), findings.csv (a deletion
checklist, one row per post), report.html (self-contained) and audit-record.txt.

    build(result)                 -> the findings.json document (contract: keys never change)
    Redactor(result).doc(doc)     -> the same document with third parties' personal data masked
    view_model(result, doc, ...)  -> what the HTML page and the CSV need beside the contract
                                     (posts grouped, highlights, clauses then/now, timeline, audit)
    to_json / to_csv / to_html / audit_text -> text; write_all() writes them, owner-only.

Redaction (`--redact`, `[scan] redact = true`) applies to all four outputs, findings.json
included: its keys stay as the contract says, only values are masked (post text, evidence,
explanations, place names, problem messages; place lat/lon become null), finding ids stay those
of the unmasked finding so review labels still match, and thumbnails are left out of the HTML.
What is masked: see Redactor. Run again without --redact for your own full copy.

The HTML holds no remote assets: styles, script, the timeline (inline SVG) and thumbnails
(data: URIs) are inline, and a Content-Security-Policy meta tag stops the browser fetching
anything else. Links (<a href>) to the user's own posts and to the standards are allowed: they
are followed only when clicked (tests/test_report_html.py tells assets and links apart).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jinja2

from . import __version__, rules, standards
from .model import ATTENTION, SEVERITY_RANK, STATUSES, Post, Standard
from .pipeline import ScanResult

SCHEMA = "footprint-auditor/findings/v1"
OUTPUTS = ("report.html", "findings.json", "findings.csv", "audit-record.txt")
ACTION_RANK = {"delete": 0, "edit": 1, "restrict": 2, "review": 3}
REDACTED_CATEGORIES = ("personal-data", "confidentiality")


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


# -- rules version ---------------------------------------------------------------------------
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


# -- redaction -------------------------------------------------------------------------------
def _nhs_checksum_ok(digits: str) -> bool:
    """NHS numbers carry a modulus-11 check digit (NHS Data Dictionary)."""
    if len(digits) != 10:
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TEN_DIGITS = re.compile(r"(?<![\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])")
_PHONE = re.compile(r"(?:(?<![\w+])\+44\s?\(?0?\)?\s?|(?<![\w+])0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@.])@(\w{1,30})")


_NAME_WORD = r"[A-Z][a-z]+(?:['-][A-Za-z]+)*"
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+{_NAME_WORD}(?:\s+{_NAME_WORD})?")
_CAPWORD = re.compile(r"\b[A-Z][\w'-]+")
_COORDS = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}(?![\d.])")


def identifying_parts(evidence: str) -> set[str]:
    """From a personal-data or confidentiality finding's evidence ("night shift; Mrs Patterson;
    78 year old; Harewood Street"), the parts that identify someone: titled names, two or more
    capitalised words, anything with a digit. Work context and conditions alone ("night shift",
    "dementia") are kept so the reader can still see why the post was flagged."""
    out: set[str] = set()
    ev = (evidence or "").strip()
    parts = [p.strip() for p in re.split(r";|\|", ev)] if re.search(r"[;|]", ev) else [ev]
    for part in parts:
        if len(part) < 2:
            continue
        if (_TITLED.search(part) or len(_CAPWORD.findall(part)) >= 2 or re.search(r"\d", part)
                or len(parts) == 1 and _CAPWORD.match(part)):
            out.add(part)
    return out


class Redactor:
    """Masks third parties' personal data: the identifying parts of personal-data and
    confidentiality findings' evidence (names, ages, places, identifiers), titled names
    ("Mrs Patterson") anywhere, e-mail addresses, UK phone numbers, NHS numbers, postcodes,
    @mentions of accounts other than the user's own, and exact coordinates (a repeated place can
    be a service user's home; in findings.json place lat/lon become null). The user's own names and handles (from the
    profile) are kept. Best effort, with no language model: a name no rule flagged and written
    without a title stays visible, so the report asks the user to read the copy before sharing."""

    def __init__(self, result: ScanResult | None = None, terms: Iterable[str] = (),
                 own_names: Iterable[str] = ()):
        own = {n.casefold().lstrip("@") for n in own_names}
        found: set[str] = set(t for t in terms if t)
        if result is not None:
            own |= result.config.profile.own_names()
            for f in result.findings:
                try:
                    category = rules.get(f.rule).category
                except KeyError:
                    continue
                if category in REDACTED_CATEGORIES and f.evidence:
                    found |= identifying_parts(f.evidence)
        self.own = own
        self.terms = sorted((t for t in found if t.casefold() not in own), key=len, reverse=True)
        self._terms_re = (re.compile("|".join(r"\s+".join(re.escape(w) for w in t.split())
                                              for t in self.terms), re.IGNORECASE)
                          if self.terms else None)

    def ranges(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, label) of every stretch to mask, merged, in order."""
        if not text:
            return []
        spans: list[tuple[int, int, str]] = [(m.start(), m.end(), "[email]") for m in _EMAIL.finditer(text)]
        spans += [(m.start(), m.end(), "[coordinates]") for m in _COORDS.finditer(text)]
        for m in _TEN_DIGITS.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            spans.append((m.start(), m.end(), "[NHS no.]" if _nhs_checksum_ok(digits) else "[number]"))
        spans += [(m.start(), m.end(), "[phone]") for m in _PHONE.finditer(text)]
        spans += [(m.start(), m.end(), "[postcode]") for m in _POSTCODE.finditer(text)]
        spans += [(m.start(), m.end(), "@[user]") for m in _MENTION.finditer(text)
                  if m.group(1).casefold() not in self.own]
        spans += [(m.start(), m.end(), "[name]") for m in _TITLED.finditer(text)
                  if m.group().split(None, 1)[-1].casefold() not in self.own
                  and not any(w.casefold() in self.own for w in m.group().split()[1:])]
        if self._terms_re is not None:   # after the typed labels: an e-mail stays "[email]"
            spans += [(m.start(), m.end(), "[redacted]") for m in self._terms_re.finditer(text)]
        spans.sort(key=lambda s: (s[0], -s[1]))
        merged: list[tuple[int, int, str]] = []
        for s, e, label in spans:
            if merged and s < merged[-1][1]:
                ps, pe, pl = merged[-1]
                merged[-1] = (ps, max(pe, e), pl)
            else:
                merged.append((s, e, label))
        return merged

    def mask(self, text: str | None) -> str | None:
        if not text:
            return text
        out, pos = [], 0
        for s, e, label in self.ranges(text):
            out += [text[pos:s], label]
            pos = e
        out.append(text[pos:])
        return "".join(out)

    def doc(self, doc: dict) -> dict:
        """A copy of a findings.json document with text values masked (same keys, same ids)."""
        d = json.loads(json.dumps(doc))
        for p in d["posts"]:
            p["text"] = self.mask(p["text"])
            for place in [p["place"], *(m["place"] for m in p["media"])]:
                if place:                     # positions can show where a service user lives
                    place["lat"] = place["lon"] = None
                    place["name"] = self.mask(place["name"])
        for f in d["findings"]:
            if f["category"] in REDACTED_CATEGORIES:
                f["evidence"] = "[redacted]"
            else:
                f["evidence"] = self.mask(f["evidence"])
            f["explanation"] = self.mask(f["explanation"])
        for pr in d["problems"]:
            pr["message"] = self.mask(pr["message"])
        return d


# -- highlighting ----------------------------------------------------------------------------
def _evidence_pattern(evidence: str) -> re.Pattern | None:
    words = (evidence or "").split()
    if not words or len(evidence.strip()) < 2:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight_ranges(text: str, findings: Iterable[Any]) -> list[tuple[int, int]]:
    """Where the triggering words are in the post text: the finding's span when it points at its
    evidence, otherwise every occurrence of the evidence. Findings about an image (media_path)
    point into text read from the image, so only their evidence is searched."""
    out: list[tuple[int, int]] = []
    for f in findings:
        evidence = getattr(f, "evidence", "") or ""
        span = getattr(f, "span", None)
        if span and getattr(f, "media_path", None) is None:
            s, e = span
            if 0 <= s < e <= len(text):
                piece = text[s:e].casefold()
                ev = evidence.casefold()
                if not ev or ev in piece or piece in ev:
                    out.append((s, e))
                    continue
        pat = _evidence_pattern(evidence)
        hits = [(m.start(), m.end()) for m in pat.finditer(text)][:20] if pat is not None else []
        if not hits:   # evidence listing several cues: "Home visit; Karen Whitfield; today", "clown, again"
            for part in re.split(r"[;,:|]\s*", evidence):
                pp = _evidence_pattern(part.strip()) if len(part.strip()) >= 3 else None
                if pp is not None:
                    hits += [(m.start(), m.end()) for m in pp.finditer(text)][:5]
        out += hits
    return sorted(out)


def segments(text: str, marks: list[tuple[int, int]], masks: list[tuple[int, int, str]]) -> list[dict]:
    """Split text into pieces {text, mark, redacted}: highlighted stretches and masked stretches
    (a masked stretch shows its label instead of the words). Linear in the text's length: runs are
    found by a regular expression over a highlight map, never character by character."""
    if not text:
        return []
    n = len(text)
    hl = bytearray(b"0") * n
    for s, e in marks:
        s, e = max(0, s), min(n, e)
        if s < e:
            hl[s:e] = b"1" * (e - s)
    flags = hl.decode("ascii")
    out: list[dict] = []

    def plain(a: int, b: int) -> None:
        for run in re.finditer(r"0+|1+", flags[a:b]):
            piece, mark = text[a + run.start():a + run.end()], run.group(0)[0] == "1"
            if out and out[-1]["mark"] == mark and not out[-1]["redacted"]:
                out[-1]["text"] += piece
            else:
                out.append({"text": piece, "mark": mark, "redacted": False})
    i = 0
    for s, e, label in sorted(masks):
        if s < i or s >= n:
            continue
        plain(i, s)
        out.append({"text": label, "mark": "1" in flags[s:e], "redacted": True})
        i = max(e, s + 1)
    plain(i, n)
    return out


# -- how to find and delete a post -----------------------------------------------------------
# Routes in the platforms' own menus, in our own words; menu names change, the date and the
# text are the reliable part.
ROUTES = {
    "twitter": "X: open your profile (Posts or Replies), or search \"from:your_handle\" with "
               "\"until:\" the day after {date}; look for the post's text, then ... > Delete.",
    "facebook": "Facebook: Settings & privacy > Activity log > Your activity across Facebook > Posts; "
                "filter by date ({date}) and look for the post's text, then ... > Move to bin / Delete.",
    "instagram": "Instagram: Your activity > Photos and videos (or Comments); sort oldest first and go "
                 "to {date}; look for the post's text or picture, then ... > Delete.",
    "threads": "Threads: your profile > Threads or Replies; scroll to {date} and look for the post's "
               "text, then ... > Delete.",
    "photos": "A photo from the folder you scanned ({path}): if you posted it anywhere, find that post "
              "by date ({date}); remove location data before sharing the file again.",
}
DEFAULT_ROUTE = ("{platform}: find the post dated {date} in your profile or activity log and look for "
                 "the post's text.")


def _safe_link(url: str | None) -> str | None:
    """Only web links are clickable (archives are untrusted: no javascript: or file: links)."""
    if url and re.match(r"https?://[^\s\"'<>]+$", url, re.IGNORECASE):
        return url
    return None


def how_to_find(post: Post | None, pd: dict, handle: str = "") -> str:
    """The importer's route to the post when it gave one, else the platform's route in general."""
    if post is not None and post.how_to_find:
        return post.how_to_find
    when = (pd.get("created_at") or "")[:10] or "unknown date"
    path = pd["media"][0]["path"] if pd.get("media") else (pd.get("source") or {}).get("member", "")
    route = ROUTES.get(pd.get("platform", ""), DEFAULT_ROUTE)
    text = route.format(date=when, path=path, platform=pd.get("platform", "").capitalize())
    return text.replace("from:your_handle", f"from:{handle.lstrip('@')}") if handle else text


# -- the view for the HTML page and the CSV --------------------------------------------------
@dataclass(frozen=True)
class Options:
    redact: bool = False


def _when(iso: str | None) -> str:
    """2026-11-21T12:00:00Z -> 21 Nov 2026, 12:00 UTC"""
    try:
        return datetime.strptime(iso or "", "%Y-%m-%dT%H:%M:%SZ").strftime("%d %b %Y, %H:%M UTC")
    except ValueError:
        return iso or "unknown time"


def _human_date(iso: str | None) -> str:
    if not iso:
        return "date unknown"
    return f"{iso[:10]} {iso[11:16]} UTC"


_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$")


def _thumb_uri(value: Any) -> str | None:
    """A thumbnail from the image analyser: a data URI, or {"data_uri": ..., "width", "height"}.
    Only inline raster images are accepted (never a link to a file or a remote address)."""
    if isinstance(value, dict):
        value = value.get("data_uri")
    return value if isinstance(value, str) and _DATA_URI.match(value) else None


def _by_edition(cites: list[dict]) -> list[dict]:
    """Clauses grouped by regulator and edition, for one line per edition."""
    out: list[dict] = []
    for s in cites:
        if not out or (out[-1]["regulator"], out[-1]["edition"]) != (s["regulator"], s["edition"]):
            out.append({"regulator": s["regulator"], "edition": s["edition"], "link": s["link"], "clauses": []})
        out[-1]["clauses"].append(s)
    return out


def _split_citations(cites: list[Standard], regulator: str, today: date) -> dict:
    """The first edition cited is the one in force on the post's date; the rest are today's."""
    editions = list(dict.fromkeys(s.edition for s in cites))
    then = [s for s in cites if editions and s.edition == editions[0]]
    now = [s for s in cites if editions and s.edition != editions[0]]
    current = None
    try:
        ed = standards.in_force(regulator, today)
        current = ed.edition if ed is not None else None
    except Exception:  # an unreadable standards file must not stop the report
        current = None
    as_dict = (lambda s: {"regulator": s.regulator, "edition": s.edition, "clause": s.clause,
                          "title": s.title, "link": _safe_link(s.link), "verified": s.verified})
    then_d, now_d = [as_dict(s) for s in then], [as_dict(s) for s in now]
    return {"then": then_d, "now": now_d, "then_by_edition": _by_edition(then_d),
            "now_by_edition": _by_edition(now_d),
            "then_is_current": bool(then) and not now and editions[0] == current}


def _timeline(dates: list[datetime], flagged: dict[str, list[datetime]]) -> dict | None:
    """Bars of posts per month (or per year over long histories), with flagged posts overlaid."""
    if not dates:
        return None
    first, last = min(dates), max(dates)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    monthly = months <= 120

    def key(d: datetime) -> str:
        return f"{d.year:04d}-{d.month:02d}" if monthly else f"{d.year:04d}"
    if monthly:
        keys = []
        y, m = first.year, first.month
        for _ in range(months):
            keys.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        keys = [f"{y:04d}" for y in range(first.year, last.year + 1)]
    counts = {k: 0 for k in keys}
    for d in dates:
        counts[key(d)] += 1
    over = {name: {k: 0 for k in keys} for name in flagged}
    for name, ds in flagged.items():
        for d in ds:
            over[name][key(d)] += 1
    width, height, left, bottom, top = 900, 180, 34, 22, 8
    plot_h = height - bottom - top
    peak = max(counts.values()) or 1
    step = (width - left) / len(keys)
    bar_w = max(1.0, step * 0.8)
    bars = []
    for i, k in enumerate(keys):
        x = left + i * step
        def h(n: int) -> float:
            return round(plot_h * n / peak, 2)
        stack, layers = 0, []
        for name in flagged:
            n = over[name][k]
            if n:
                layers.append({"cls": name, "y": round(top + plot_h - h(stack + n), 2), "h": h(n), "n": n})
                stack += n
        bars.append({"key": k, "x": round(x, 2), "w": round(bar_w, 2), "n": counts[k],
                     "y": round(top + plot_h - h(counts[k]), 2), "h": h(counts[k]), "layers": layers,
                     "tip": f"{k}: {counts[k]} post(s)" + "".join(f", {l['n']} {l['cls'].replace('-', ' ')}"
                                                                 for l in layers)})
    labels = []
    seen_years = set()
    every = max(1, len({k[:4] for k in keys}) // 12 + 1)
    for i, k in enumerate(keys):
        year = int(k[:4])
        if year in seen_years:
            continue
        seen_years.add(year)
        if (year - first.year) % every == 0:
            labels.append({"x": round(left + i * step, 2), "text": str(year)})
    return {"width": width, "height": height, "bars": bars, "labels": labels, "peak": peak,
            "unit": "month" if monthly else "year", "base": top + plot_h, "left": left}


def _count(items: Iterable[tuple[str, str]]) -> list[dict]:
    """[(key, post_ref)] -> rows {key, findings, posts} sorted by findings then key."""
    f: dict[str, int] = {}
    p: dict[str, set] = {}
    for k, ref in items:
        f[k] = f.get(k, 0) + 1
        p.setdefault(k, set()).add(ref)
    return [{"key": k, "findings": f[k], "posts": len(p[k])} for k in sorted(f, key=lambda k: (-f[k], k))]


def _clause_key(clause: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.\-]", clause))


def _baseline_line(result: ScanResult) -> str | None:
    """The counts line of `scan --baseline` (auditor.baseline), when a baseline was applied."""
    summary = getattr(result, "baseline_summary", None)
    if not summary:
        return None
    try:
        from . import baseline
        lines = baseline.summary_lines(summary)
    except Exception:  # the report does not fail over a summary line
        return None
    return lines[0].removeprefix("Baseline: ") if lines else None


def audit_record(result: ScanResult, doc: dict, view_groups: list[dict], redacted: bool) -> dict:
    """What was checked, when, against which rules and regulator, and the counts."""
    # dates per export; posts of a platform with no export of its own in that archive (Threads
    # posts in an Instagram download) count for the archive's first export
    keys = {(a.path, a.platform) for a in result.archives}
    first = {}
    for a in result.archives:
        first.setdefault(a.path, a.platform)
    by_archive: dict[tuple[str, str], list[datetime]] = {}
    for p in result.posts:
        if p.created_at:
            key = (p.source.archive, p.platform)
            if key not in keys and p.source.archive in first:
                key = (p.source.archive, first[p.source.archive])
            by_archive.setdefault(key, []).append(p.created_at)
    archives = []
    for a in result.archives:
        ds = by_archive.get((a.path, a.platform), [])
        archives.append({"path": a.path, "name": os.path.basename(a.path.rstrip("/\\")) or a.path,
                         "platform": a.platform, "layout": a.layout, "posts": a.posts, "media": a.media,
                         "problems": a.problems,
                         "from": min(ds).strftime("%Y-%m-%d") if ds else None,
                         "to": max(ds).strftime("%Y-%m-%d") if ds else None})
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
        "archives": archives,
        "date_range": ([min(dates).strftime("%Y-%m-%d"), max(dates).strftime("%Y-%m-%d")] if dates else None),
        "posts_read": len(result.posts),
        "media_read": sum(a.media for a in result.archives),
        "problems": len(result.problems),
        "findings": len(doc["findings"]),
        "by_severity": sev,
        "by_status": dict(sorted(statuses.items())),
        "posts_flagged": len(view_groups),
        "posts_to_delete": sum(1 for g in view_groups if g["section"] == "delete"),
        "posts_to_review": sum(1 for g in view_groups if g["section"] == "review"),
        "baseline": _baseline_line(result),
        "options": {"include_messages": result.config.settings.include_messages,
                    "ocr": result.config.settings.ocr, "redacted": redacted},
    }


def audit_text(rec: dict) -> str:
    lines = [
        "Footprint Auditor: record of a social media footprint check",
        "",
        f"Checked at:      {rec['checked_at']} ({_when(rec['checked_at'])})",
        f"Checked by:      {rec['name'] or '(name not set in the profile)'}"
        + (f", {rec['profession']}" if rec["profession"] else ""),
        f"Tool:            {rec['tool']}",
        f"Rules version:   {rec['rules_version']} ({rec['rules']} rules and the shipped standards files)",
        f"Regulator:       {rec['regulator']}; editions: {'; '.join(rec['editions']) or 'none shipped'}",
        f"Posts read:      {rec['posts_read']}"
        + (f", dated {rec['date_range'][0]} to {rec['date_range'][1]}" if rec["date_range"] else ""),
        f"Media read:      {rec['media_read']}",
        f"Problems:        {rec['problems']} (files or records not read, or checks that failed)",
        f"Findings:        {rec['findings']} (high {rec['by_severity']['high']}, medium "
        f"{rec['by_severity']['medium']}, low {rec['by_severity']['low']})",
        f"Posts flagged:   {rec['posts_flagged']} ({rec['posts_to_delete']} to delete, "
        f"{rec['posts_to_review']} to review)",
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


def view_model(result: ScanResult, doc: dict | None = None, options: Options = Options()) -> dict[str, Any]:
    """Everything the HTML page and the CSV show, beside the contract document `doc` (built from
    `result` when not given; masked when options.redact)."""
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
    rule_rows: dict[str, dict] = {}

    grouped: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        grouped.setdefault(f["post_ref"], []).append(f)
    groups = []
    for ref, fs in grouped.items():
        post = posts_obj.get(ref)
        pd = posts_json.get(ref) or {"ref": ref, "platform": ref.split(":")[0], "kind": "post",
                                     "created_at": None, "text": "", "url": None, "audience": None,
                                     "place": None, "media": [], "source": {}}
        raw_text = post.text if post is not None else pd.get("text") or ""
        fobjs = [findings_obj[f["id"]] for f in fs if f["id"] in findings_obj]
        marks = highlight_ranges(raw_text, fobjs or [_Ev(f["evidence"]) for f in fs])
        masks = redactor.ranges(raw_text) if redactor else []
        fs_sorted = sorted(fs, key=lambda f: (SEVERITY_RANK.get(f["severity"], 3), -f["confidence"], f["rule"]))
        fviews = []
        for f in fs_sorted:
            cites = result.citations.get(f["id"], [])
            try:
                rule = rules.get(f["rule"])
                summary = rule.summary
            except KeyError:
                rule, summary = None, ""
            fviews.append({**f, "summary": summary, **_split_citations(cites, regulator, today),
                           "attention": f["status"] in ATTENTION,
                           "media_name": (f["media_path"] or "").rsplit("/", 1)[-1] or None,
                           "confidence_pct": int(round(f["confidence"] * 100))})
            row = rule_rows.setdefault(f["rule"], {"id": f["rule"], "rule": rule, "findings": 0, "posts": set()})
            row["findings"] += 1
            row["posts"].add(ref)
        attention = [f for f in fviews if f["attention"]]
        if any(f["action"] == "delete" for f in attention):
            section = "delete"
        elif attention:
            section = "review"
        else:
            section = "reviewed"
        acting = attention or fviews
        thumbs, hidden_media = [], 0
        for m in (post.media if post is not None else ()):
            uri = _thumb_uri(thumbnails.get((m.archive, m.path)))
            if uri is None:
                continue
            if redactor is not None:
                hidden_media += 1
                continue
            thumbs.append({"src": uri, "alt": m.path.rsplit("/", 1)[-1]})
        m = re.match(r"https?://(?:www\.)?(?:x|twitter)\.com/(\w{1,50})/status/", pd.get("url") or "")
        find = how_to_find(post, pd, m.group(1) if m and m.group(1) != "i" else "")
        created = post.created_at if post is not None else None
        groups.append({
            "ref": ref, "anchor": "post-" + hashlib.sha256(ref.encode("utf-8")).hexdigest()[:12], "post": pd,
            "platform": pd.get("platform", ""), "kind": pd.get("kind", ""), "date": _human_date(pd.get("created_at")),
            "year": pd["created_at"][:4] if pd.get("created_at") else "unknown",
            "audience": pd.get("audience"), "deleted": bool(post and post.deleted),
            "notes": list(post.notes) if post is not None else [],
            "link": _safe_link(pd.get("url")), "how_to_find": redactor.mask(find) if redactor else find,
            "segments": segments(raw_text, marks, masks),
            "thumbs": thumbs, "hidden_media": hidden_media,
            "media_names": [m["path"].rsplit("/", 1)[-1] for m in pd.get("media", [])],
            "findings": fviews, "section": section,
            "worst": min(SEVERITY_RANK.get(f["severity"], 3) for f in acting),
            "severity": min((f["severity"] for f in acting), key=lambda s: SEVERITY_RANK.get(s, 3)),
            "action": min((f["action"] for f in acting), key=lambda a: ACTION_RANK.get(a, 9)),
            # how sure the checks are about the post's most serious finding(s): the sort key
            "confidence": max(f["confidence"] for f in acting
                              if SEVERITY_RANK.get(f["severity"], 3) == min(SEVERITY_RANK.get(x["severity"], 3)
                                                                             for x in acting)),
            "ts": created.timestamp() if created else 0.0,
        })
    order = {"delete": 0, "review": 1, "reviewed": 2}
    groups.sort(key=lambda g: (order[g["section"]], g["worst"], -g["confidence"], -g["ts"], g["ref"]))

    # summaries
    fl = doc["findings"]
    clause_rows: dict[tuple, dict] = {}
    for f in fl:
        for s in f["standards"]:
            k = (s["regulator"], s["edition"], s["clause"])
            row = clause_rows.setdefault(k, {"regulator": s["regulator"], "edition": s["edition"],
                                             "clause": s["clause"], "title": s["title"], "findings": 0,
                                             "posts": set()})
            row["findings"] += 1
            row["posts"].add(f["post_ref"])
    clauses = sorted(clause_rows.values(), key=lambda r: (r["regulator"], r["edition"], _clause_key(r["clause"])))
    for r in clauses:
        r["posts"] = len(r["posts"])
    summary = {
        "clauses": clauses,
        "categories": _count((f["category"], f["post_ref"]) for f in fl),
        "severities": sorted(_count((f["severity"], f["post_ref"]) for f in fl),
                             key=lambda r: SEVERITY_RANK.get(r["key"], 3)),
        "platforms": _count((posts_json.get(f["post_ref"], {}).get("platform", "?"), f["post_ref"]) for f in fl),
        "actions": _count((f["action"], f["post_ref"]) for f in fl),
    }
    rules_fired = []
    for rid in sorted(rule_rows):
        row = rule_rows[rid]
        rules_fired.append({**row, "posts": len(row["posts"])})

    # coverage
    dates = [p.created_at for p in result.posts if p.created_at]
    kinds: dict[str, int] = {}
    for p in result.posts:
        kinds[f"{p.platform} {p.kind}"] = kinds.get(f"{p.platform} {p.kind}", 0) + 1
    flagged_dates = {
        "to-delete": [g_created for g in groups if g["section"] == "delete"
                      for g_created in [posts_obj[g["ref"]].created_at] if g["ref"] in posts_obj and g_created],
        "to-review": [g_created for g in groups if g["section"] == "review"
                      for g_created in [posts_obj[g["ref"]].created_at] if g["ref"] in posts_obj and g_created],
    }
    record = audit_record(result, doc, groups, options.redact)
    filters = {
        "platform": sorted({g["platform"] for g in groups}),
        "category": sorted({f["category"] for g in groups for f in g["findings"]}),
        "severity": [s for s in ("high", "medium", "low")
                     if any(f["severity"] == s for g in groups for f in g["findings"])],
        "year": sorted({g["year"] for g in groups}),
        "status": [s for s in STATUSES if any(f["status"] == s for g in groups for f in g["findings"])],
    }
    return {
        "doc": doc, "groups": groups,
        "to_delete": [g for g in groups if g["section"] == "delete"],
        "to_review": [g for g in groups if g["section"] == "review"],
        "reviewed": [g for g in groups if g["section"] == "reviewed"],
        "summary": summary, "rules_fired": rules_fired,
        "coverage": {"archives": record["archives"], "date_range": record["date_range"],
                     "posts": len(result.posts), "media": record["media_read"],
                     "undated": len(result.posts) - len(dates), "kinds": sorted(kinds.items()),
                     "problems": len(doc["problems"]),
                     "percent_flagged": (round(100 * len(groups) / len(result.posts), 1) if result.posts else 0.0)},
        "timeline": _timeline(dates, flagged_dates),
        "audit": record, "audit_text": audit_text(record), "filters": filters, "redacted": options.redact,
        "regulator": record["regulator"],
    }


@dataclass(frozen=True)
class _Ev:
    evidence: str
    span: None = None
    media_path: None = None


# -- CSV: the deletion checklist -------------------------------------------------------------
CSV_COLUMNS = ("done", "post_date", "platform", "kind", "audience", "text_excerpt", "link", "how_to_find",
               "action", "severity", "rules", "categories", "clauses_then", "clauses_now", "status",
               "post_ref", "finding_ids")


def excerpt(text: str, n: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (cells starting = + - @ tab or CR)."""
    s = "" if value is None else str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def _clauses(cites: list[dict]) -> str:
    return "; ".join(dict.fromkeys(
        f"{s['regulator']} {s['edition']} {s['clause']}" + ("" if s.get("verified", True) else " (unverified)")
        for s in cites))


def checklist_rows(view: dict) -> list[list[str]]:
    rows = []
    for g in view["groups"]:
        fs = g["findings"]
        acting = [f for f in fs if f["attention"]] or fs
        statuses = list(dict.fromkeys(f["status"] for f in fs))
        rows.append([_cell(x) for x in (
            "yes" if all(f["status"] == "deleted" for f in fs) else "",
            (g["post"].get("created_at") or "").replace("T", " ").replace("Z", " UTC"),
            g["platform"], g["kind"], g["audience"] or "", excerpt(g["post"].get("text") or ""),
            g["link"] or "", g["how_to_find"], g["action"], g["severity"],
            "; ".join(dict.fromkeys(f"{f['rule']} {f['name']}" for f in acting)),
            "; ".join(dict.fromkeys(f["category"] for f in acting)),
            _clauses([s for f in acting for s in f["then"]]),
            _clauses([s for f in acting for s in f["now"]]) or ("same" if any(f["then_is_current"] for f in acting)
                                                                 else ""),
            "; ".join(statuses), g["ref"], " ".join(f["id"] for f in fs))])
    return rows


def to_csv(view: dict) -> str:
    """One row per flagged post, in report order (to delete first, most serious first), with a
    `done` column to tick. Starts with a UTF-8 byte order mark so spreadsheets read accents."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    w.writerows(checklist_rows(view))
    return "\ufeff" + buf.getvalue()


# -- HTML -----------------------------------------------------------------------------------
def _env() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("auditor.templates").joinpath(name)
                                   .read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["when"] = _when
    return env


def to_html(view: dict) -> str:
    return _env().get_template("report.html.j2").render(**view)


# -- writing --------------------------------------------------------------------------------
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def write_private(path: Path, text: str) -> None:
    """Atomic write (temporary file in the same folder, then rename), mode 0600. Lone surrogates
    (broken escapes in an archive's JSON) become U+FFFD: UTF-8 cannot hold them."""
    text = _LONE_SURROGATE.sub("\ufffd", text)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_all(result: ScanResult, out: Path, redact: bool | None = None) -> dict:
    """Write report.html, findings.json, findings.csv and audit-record.txt to `out` (owner-only).
    `redact` defaults to the profile's [scan] redact setting. Returns the findings.json document."""
    if redact is None:
        redact = result.config.settings.redact
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = build(result)
    if redact:
        doc = Redactor(result).doc(doc)
    view = view_model(result, doc, Options(redact=redact))
    write_private(out / "findings.json", to_json(doc))
    write_private(out / "findings.csv", to_csv(view))
    write_private(out / "audit-record.txt", audit_text(view["audit"]))
    write_private(out / "report.html", to_html(view))
    return doc
